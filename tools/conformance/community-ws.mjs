// The community's live replies with the graphql-ws reference client, against a live Clutch
// server seeded with the demo school (`clutch serve --demo`).
//
// Checks: a student subscribed to `replyAdded` of the demo question receives the
// instructor's new reply within a second of the mutation's response; after reconnecting
// with `after: <last eventId>` the student receives exactly the replies posted meanwhile,
// then live ones; subscribing to a post that does not exist is an error, not a crash.
//
// Usage: node community-ws.mjs http://127.0.0.1:8000/graphql
import { harness, settle } from './live.mjs';

const httpUrl = process.argv[2];
if (!httpUrl) {
  console.error('usage: node community-ws.mjs <graphql url>');
  process.exit(2);
}
const { check, graphql, login, feed, crashed, finish } = harness(httpUrl);
const WITHIN_MS = 1_000;

const FIND_POST = `query FindPost {
  forums(first: 5, platformWide: true) { edges { node { posts(first: 1) { edges { node { id } } } } } }
}`;
const REPLY = `mutation Reply($postId: ID!, $body: String!) {
  createReply(input: {postId: $postId, body: $body}) { reply { id } errors { code message } }
}`;
const FEED = `subscription Replies($postId: ID!, $after: String) {
  replyAdded(postId: $postId, after: $after) { eventId change reply { id body } }
}`;

async function reply(token, postId, body) {
  const { createReply } = await graphql(REPLY, { postId, body }, token);
  if (createReply.errors.length) throw new Error(JSON.stringify(createReply.errors));
  return createReply.reply.id;
}

try {
  const student = await login('student@demo.test');
  const instructor = await login('instructor@demo.test');
  const forums = await graphql(FIND_POST, {}, student);
  const postId = forums.forums.edges[0].node.posts.edges[0].node.id;

  // Live: within a second of the mutation's response.
  const live = feed(FEED, student, { postId });
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
  const again = feed(FEED, student, { postId, after: lastSeen });
  const replayed = [await again.next(), await again.next()].map((r) => r.data?.replyAdded?.reply?.id);
  check(JSON.stringify(replayed) === JSON.stringify(missed), 'reconnecting with after replays exactly the missed replies', replayed);
  const liveAgain = again.next();
  const laterId = await reply(instructor, postId, 'Well done.');
  check((await liveAgain).data?.replyAdded?.reply?.id === laterId, 'then live replies follow the replay');
  await again.dispose();

  // A post that does not exist: an error result, then the subscription completes.
  const nowhere = feed(FEED, student, { postId: 'UG9zdDowMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMDA' });
  const refused = await nowhere.next();
  check(refused.errors?.[0]?.message === 'No such post.', 'an unknown post is an error on the subscription', refused);
  await nowhere.dispose();
} catch (err) {
  crashed(err);
}

finish('community-ws');
