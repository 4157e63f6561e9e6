// The community's live replies with the graphql-ws reference client, against a live Clutch
// server seeded with the demo school (`clutch serve --demo`).
//
// Checks: a student subscribed to `replyAdded` of the demo question receives the
// instructor's new reply within a second of the mutation's response; after reconnecting
// with `after: <last eventId>` the student receives exactly the replies posted meanwhile,
// then live ones; subscribing to a post that does not exist is an error, not a crash.
//
// Usage: node community-ws.mjs http://127.0.0.1:8000/graphql
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const httpUrl = process.argv[2];
if (!httpUrl) {
  console.error('usage: node community-ws.mjs <graphql url>');
  process.exit(2);
}
const wsUrl = httpUrl.replace(/^http/, 'ws');
const PASSWORD = 'clutch-demo';
const EVENT_TIMEOUT_MS = 10_000;
const WITHIN_MS = 1_000;

const LOGIN = `mutation Login($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) { tokens { accessToken } errors { code } }
}`;
const FIND_POST = `query FindPost {
  forums(first: 5, platformWide: true) { edges { node { posts(first: 1) { edges { node { id } } } } } }
}`;
const REPLY = `mutation Reply($postId: ID!, $body: String!) {
  createReply(input: {postId: $postId, body: $body}) { reply { id } errors { code message } }
}`;
const FEED = `subscription Replies($postId: ID!, $after: String) {
  replyAdded(postId: $postId, after: $after) { eventId change reply { id body } }
}`;

let failures = 0;
function check(condition, what, detail) {
  console.log(`${condition ? 'OK  ' : 'FAIL'}   ${what}${condition || detail === undefined ? '' : `: ${JSON.stringify(detail)}`}`);
  if (!condition) failures += 1;
  return condition;
}

async function graphql(query, variables, token) {
  const response = await fetch(httpUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (response.status !== 200 || body.errors) throw new Error(`HTTP ${response.status}: ${JSON.stringify(body)}`);
  return body.data;
}

async function login(email) {
  const { login: payload } = await graphql(LOGIN, { email, password: PASSWORD });
  if (payload.errors.length) throw new Error(`login ${email}: ${JSON.stringify(payload.errors)}`);
  return payload.tokens.accessToken;
}

async function reply(token, postId, body) {
  const { createReply } = await graphql(REPLY, { postId, body }, token);
  if (createReply.errors.length) throw new Error(JSON.stringify(createReply.errors));
  return createReply.reply.id;
}

/** A subscription as a queue: next() resolves with the next result (data or errors). */
function feed(token, variables) {
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: { token },
    retryAttempts: 0,
  });
  const results = [];
  const waiters = [];
  const push = (item) => {
    results.push(item);
    while (waiters.length && results.length) waiters.shift()(results.shift());
  };
  client.subscribe(
    { query: FEED, variables },
    { next: (result) => push(result), error: (err) => push({ failed: err }), complete: () => push({ completed: true }) },
  );
  return {
    next() {
      if (results.length) return Promise.resolve(results.shift());
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('timed out waiting for an event')), EVENT_TIMEOUT_MS);
        waiters.push((item) => {
          clearTimeout(timer);
          resolve(item);
        });
      });
    },
    dispose: () => client.dispose(),
  };
}

const settle = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

try {
  const student = await login('student@demo.test');
  const instructor = await login('instructor@demo.test');
  const forums = await graphql(FIND_POST, {}, student);
  const postId = forums.forums.edges[0].node.posts.edges[0].node.id;

  // Live: within a second of the mutation's response.
  const live = feed(student, { postId });
  await settle(500); // graphql-transport-ws has no "subscribed" acknowledgement
  const first = live.next();
  const firstId = await reply(instructor, postId, 'Mirror, signal, manoeuvre.');
  const answered = performance.now();
  const event = await first;
  const elapsed = performance.now() - answered;
  check(event.data?.replyAdded?.reply?.id === firstId, 'the new reply arrives on replyAdded', event);
  check(elapsed <= WITHIN_MS, `it arrives within ${WITHIN_MS} ms of the response (${elapsed.toFixed(0)} ms)`);
  const lastSeen = event.data?.replyAdded?.eventId;
  await live.dispose();

  // Replay: what was posted while away, then live.
  const missed = [await reply(instructor, postId, 'Look right.'), await reply(instructor, postId, 'Then go.')];
  const again = feed(student, { postId, after: lastSeen });
  const replayed = [await again.next(), await again.next()].map((r) => r.data?.replyAdded?.reply?.id);
  check(JSON.stringify(replayed) === JSON.stringify(missed), 'reconnecting with after replays exactly the missed replies', replayed);
  const liveAgain = again.next();
  const laterId = await reply(instructor, postId, 'Well done.');
  check((await liveAgain).data?.replyAdded?.reply?.id === laterId, 'then live replies follow the replay');
  await again.dispose();

  // A post that does not exist: an error result, then the subscription completes.
  const nowhere = feed(student, { postId: 'UG9zdDowMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMDA' });
  const refused = await nowhere.next();
  check(refused.errors?.[0]?.message === 'No such post.', 'an unknown post is an error on the subscription', refused);
  await nowhere.dispose();
} catch (err) {
  failures += 1;
  console.log(`FAIL   ${err.stack ?? err}`);
}

console.log(failures ? `community-ws: ${failures} check(s) failed` : 'community-ws: all checks passed');
process.exit(failures ? 1 : 0);
