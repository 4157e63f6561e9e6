// A student's live account with the graphql-ws reference client, against a live Clutch
// server seeded with the demo school (`clutch serve --demo`).
//
// Checks: a student subscribed to `myAccountChanged` sees a bank-transfer purchase arrive
// (pending) and, when the school's admin records the transfer, the payment settle and the
// credits land; reconnecting with `after: <last eventId>` replays what was missed; another
// student's feed receives none of it.
//
// Usage: node account-ws.mjs http://127.0.0.1:8000/graphql
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const httpUrl = process.argv[2];
if (!httpUrl) {
  console.error('usage: node account-ws.mjs <graphql url>');
  process.exit(2);
}
const wsUrl = httpUrl.replace(/^http/, 'ws');
const PASSWORD = 'clutch-demo';
const EVENT_TIMEOUT_MS = 10_000;

const LOGIN = `mutation Login($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) { tokens { accessToken } errors { code } }
}`;
const PACKAGES = `query Packages { lessonPackages { id name } }`;
const BALANCE = `query Balance { myAccount { creditBalance } }`;
const PURCHASE = `mutation Buy($input: PurchasePackageInput!) {
  purchasePackage(input: $input) {
    studentPackage { id status } payment { id status amountMinor bankReference } errors { code message }
  }
}`;
const DEPOSIT = `mutation Deposit($input: RecordBankDepositInput!) {
  recordBankDeposit(input: $input) { deposit { status } payment { status } errors { code message } }
}`;
const FEED = `subscription Account($after: String) {
  myAccountChanged(after: $after) { eventId type account { creditBalance } }
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

/** Results until ``count`` have arrived. */
async function take(subscription, count) {
  const got = [];
  while (got.length < count) got.push(await subscription.next());
  return got;
}

try {
  const student = await login('student@demo.test');
  const other = await login('amira.khan@demo.test');
  const admin = await login('admin@demo.test');
  const { myAccount: before } = await graphql(BALANCE, {}, student);
  const { lessonPackages } = await graphql(PACKAGES, {}, student);
  const tenLessons = lessonPackages.find((p) => p.name === '10 lessons');

  const mine = feed(student, {});
  const theirs = feed(other, {});
  await settle(500); // graphql-transport-ws has no "subscribed" acknowledgement

  // A purchase by bank transfer: pending, with a reference to quote.
  const { purchasePackage: bought } = await graphql(
    PURCHASE,
    { input: { packageId: tenLessons.id, paymentMethod: 'BANK', idempotencyKey: `conformance-${Date.now()}` } },
    student,
  );
  check(bought.errors.length === 0 && bought.payment.status === 'PENDING', 'a bank purchase waits for its transfer', bought);
  const [created] = await take(mine, 1);
  check(created.data?.myAccountChanged?.type === 'PAYMENT', 'the student is told of the pending payment', created);
  const lastSeen = created.data?.myAccountChanged?.eventId;
  await mine.dispose();

  // While the student is away, the school records the transfer quoting the reference.
  const { recordBankDeposit: recorded } = await graphql(
    DEPOSIT,
    {
      input: {
        reference: bought.payment.bankReference,
        amountMinor: bought.payment.amountMinor,
        currency: 'GBP',
        receivedOn: new Date().toISOString().slice(0, 10),
        payerName: 'Demo Student',
      },
    },
    admin,
  );
  check(recorded.errors.length === 0 && recorded.payment?.status === 'SUCCEEDED', 'the transfer settles the payment', recorded);

  // Reconnecting with after: the settlement and the credits, the balance up by ten.
  const again = feed(student, { after: lastSeen });
  const missed = await take(again, 2);
  const types = missed.map((r) => r.data?.myAccountChanged?.type).sort();
  check(JSON.stringify(types) === JSON.stringify(['CREDITS', 'PAYMENT']), 'reconnecting with after replays the settlement and the credits', missed);
  const balance = missed.at(-1).data?.myAccountChanged?.account?.creditBalance;
  check(balance === before.creditBalance + 10, `the balance is up by ten credits (${before.creditBalance} → ${balance})`);
  await again.dispose();

  // Another student's feed stayed silent.
  const silence = await Promise.race([theirs.next().then((r) => r), settle(1_000).then(() => 'silent')]);
  check(silence === 'silent', "another student's feed receives none of these events", silence);
  await theirs.dispose();
} catch (err) {
  failures += 1;
  console.log(`FAIL   ${err.stack ?? err}`);
}

console.log(failures ? `account-ws: ${failures} check(s) failed` : 'account-ws: all checks passed');
process.exit(failures ? 1 : 0);
