// A student's live account with the graphql-ws reference client, against a live Clutch
// server seeded with the demo school (`clutch serve --demo`).
//
// Checks: a student subscribed to `myAccountChanged` sees a bank-transfer purchase arrive
// (pending) and, when the school's admin records the transfer, the payment settle and the
// credits land; reconnecting with `after: <last eventId>` replays what was missed; another
// student's feed receives none of it.
//
// Usage: node account-ws.mjs http://127.0.0.1:8000/graphql
import { harness, settle } from './live.mjs';

const httpUrl = process.argv[2];
if (!httpUrl) {
  console.error('usage: node account-ws.mjs <graphql url>');
  process.exit(2);
}
const { check, graphql, login, feed, crashed, finish } = harness(httpUrl);

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

  const mine = feed(FEED, student, {});
  const theirs = feed(FEED, other, {});
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
  const again = feed(FEED, student, { after: lastSeen });
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
  crashed(err);
}

finish('account-ws');
