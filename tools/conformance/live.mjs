// What the live-feed checks share: numbered checks, GraphQL over HTTP, demo logins and a
// graphql-ws subscription read as a queue (`next()` resolves with the next result).
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const PASSWORD = 'clutch-demo';
const EVENT_TIMEOUT_MS = 10_000;
const LOGIN = `mutation Login($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) { tokens { accessToken } errors { code } }
}`;

export const settle = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The checks of one script against the server at ``httpUrl``. */
export function harness(httpUrl) {
  const wsUrl = httpUrl.replace(/^http/, 'ws');
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

  /** A subscription as a queue of results (data, errors, {failed}, {completed}). */
  function feed(query, token, variables) {
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
      { query, variables },
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

  /** Record an unexpected exception as a failure. */
  function crashed(err) {
    failures += 1;
    console.log(`FAIL   ${err.stack ?? err}`);
  }

  /** Print the verdict and exit with it. */
  function finish(name) {
    console.log(failures ? `${name}: ${failures} check(s) failed` : `${name}: all checks passed`);
    process.exit(failures ? 1 : 0);
  }

  return { check, graphql, login, feed, crashed, finish };
}
