// graphql-transport-ws conformance with the graphql-ws reference client against a live
// Clutch server seeded with the demo school (`clutch serve --demo`).
//
// Checks: a student and their instructor, each with a token in connection_init, are told
// live when the admin ends, re-creates and updates the student's assignment; no token or a
// bad token is refused (4403); the legacy `graphql-ws` sub-protocol is refused; a student
// who reconnects with `after: <last eventId>` receives what changed while disconnected, in
// order, and then live events again. The live diary: the instructor sees a lesson created,
// moved and cancelled by other users, in order; reconnecting with the last event id replays
// what was missed; another student's `myBookings` feed receives none of it.
//
// Usage: node ws-client.mjs http://127.0.0.1:8000/graphql
import { randomBytes } from 'node:crypto';
import http from 'node:http';

import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const httpUrl = process.argv[2];
if (!httpUrl) {
  console.error('usage: node ws-client.mjs <graphql url>');
  process.exit(2);
}
const wsUrl = httpUrl.replace(/^http/, 'ws');
const PASSWORD = 'clutch-demo';
const STUDENT = 'student@demo.test';
const INSTRUCTOR = 'instructor@demo.test';
const ADMIN = 'admin@demo.test';
const EVENT_TIMEOUT_MS = 10_000;

const LOGIN = `mutation Login($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) {
    tokens { accessToken }
    errors { code message }
  }
}`;
const MY_ASSIGNMENTS = `query MyAssignments {
  myAssignments { id student { id email } instructor { id email } }
}`;
const END = `mutation End($id: ID!) {
  endAssignment(input: {assignmentId: $id, reason: "conformance check"}) {
    assignment { id status }
    errors { code message }
  }
}`;
const ASSIGN = `mutation Assign($studentId: ID!, $instructorId: ID!) {
  assignInstructor(input: {studentId: $studentId, instructorId: $instructorId, notes: "conformance check"}) {
    assignment { id status }
    errors { code message }
  }
}`;
const UPDATE = `mutation Update($id: ID!, $notes: String, $priority: Int) {
  updateAssignment(input: {assignmentId: $id, notes: $notes, priority: $priority}) {
    assignment { id }
    errors { code message }
  }
}`;
const FEED = `subscription Feed($after: String) {
  myAssignmentsChanged(after: $after) { eventId change assignment { id student { email } } }
}`;

const DIARY = `subscription Diary($instructorId: ID!, $after: String) {
  instructorDiary(instructorId: $instructorId, after: $after) {
    eventId change booking { id status startsAt student { email } }
  }
}`;
const MY_BOOKINGS = `subscription Mine { myBookings { eventId change booking { id } } }`;
const LESSON_TYPES = `query LessonTypes { lessonTypes { id name } }`;
const SLOTS = `query Slots($instructorId: ID!, $lessonTypeId: ID!, $from: DateTime!, $to: DateTime!) {
  availableSlots(instructorId: $instructorId, lessonTypeId: $lessonTypeId, from: $from, to: $to) { startsAt }
}`;
const BOOK = `mutation Book($input: BookLessonInput!) {
  bookLesson(input: $input) { booking { id startsAt } errors { code message } }
}`;
const MOVE = `mutation Move($input: RescheduleBookingInput!) {
  rescheduleBooking(input: $input) { booking { id startsAt } errors { code message } }
}`;
const CANCEL = `mutation Cancel($input: CancelBookingInput!) {
  cancelBooking(input: $input) { booking { id status } errors { code message } }
}`;
const OTHER_STUDENT = 'ben.jones@demo.test'; // also assigned to instructor@demo.test

let failures = 0;
function check(condition, what, detail) {
  if (condition) {
    console.log(`OK     ${what}`);
  } else {
    failures += 1;
    console.log(`FAIL   ${what}${detail === undefined ? '' : `: ${JSON.stringify(detail)}`}`);
  }
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
  if (response.status !== 200 || body.errors) {
    throw new Error(`HTTP ${response.status}: ${JSON.stringify(body)}`);
  }
  return body.data;
}

async function login(email) {
  const { login: payload } = await graphql(LOGIN, { email, password: PASSWORD });
  if (payload.errors.length) throw new Error(`login ${email}: ${JSON.stringify(payload.errors)}`);
  return payload.tokens.accessToken;
}

async function mutate(token, query, variables) {
  const data = await graphql(query, variables, token);
  const payload = Object.values(data)[0];
  if (payload.errors.length) throw new Error(`mutation failed: ${JSON.stringify(payload.errors)}`);
  return payload.assignment ?? payload.booking;
}

function timeout(ms, what) {
  let timer;
  const promise = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

/** A subscription as a queue of events, read one at a time with a time limit. */
function openFeed(client, variables = {}, query = FEED, field = 'myAssignmentsChanged') {
  const events = [];
  const waiters = [];
  let failure = null;
  const wake = () => {
    while (waiters.length && (events.length || failure)) waiters.shift()();
  };
  const dispose = client.subscribe(
    { query, variables },
    {
      next: (result) => {
        if (result.errors) failure = new Error(`subscription error: ${JSON.stringify(result.errors)}`);
        else events.push(result.data[field]);
        wake();
      },
      error: (err) => {
        failure = err instanceof Error ? err : Object.assign(new Error(`socket closed: ${err?.code} ${err?.reason}`), { code: err?.code, reason: err?.reason });
        wake();
      },
      complete: () => {
        failure = failure ?? new Error('subscription completed unexpectedly');
        wake();
      },
    },
  );
  return {
    get received() {
      return events.length;
    },
    async next(what = 'an event') {
      if (!events.length && !failure) {
        const limit = timeout(EVENT_TIMEOUT_MS, what);
        try {
          await Promise.race([new Promise((resolve) => waiters.push(resolve)), limit.promise]);
        } finally {
          limit.cancel();
        }
      }
      if (events.length) return events.shift();
      throw failure;
    },
    dispose,
  };
}

function clientWith(connectionParams) {
  return createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: true,
  });
}

/** Subscribe with the given connection params and return how the server closed the socket. */
async function refusal(connectionParams) {
  const client = clientWith(connectionParams);
  try {
    const feed = openFeed(client);
    try {
      const event = await feed.next('the server to refuse the connection');
      return { accepted: true, event };
    } catch (err) {
      return { accepted: false, code: err?.code ?? null, reason: err?.reason ?? err?.message };
    }
  } finally {
    await client.dispose();
  }
}

/** What a standard client (ws) makes of offering only the legacy `graphql-ws` sub-protocol. */
function legacyProtocolAttempt() {
  return new Promise((resolve) => {
    const socket = new WebSocket(wsUrl, 'graphql-ws');
    let acknowledged = false;
    const done = (outcome) => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on('error', () => {});
      socket.terminate();
      resolve({ ...outcome, acknowledged });
    };
    const timer = setTimeout(() => done({ outcome: 'still open after 5 s' }), 5000);
    socket.on('unexpected-response', (_request, response) =>
      done({ outcome: 'handshake refused', status: response.statusCode }),
    );
    socket.on('error', (err) => done({ outcome: 'handshake failed', error: err.message }));
    socket.on('open', () => {
      // If the server opened it anyway, try to speak the legacy protocol.
      socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
    });
    socket.on('message', (raw) => {
      const message = JSON.parse(raw.toString());
      if (message.type === 'connection_ack') acknowledged = true;
    });
    socket.on('close', (code, reason) => done({ outcome: 'closed', code, reason: reason.toString() }));
  });
}

/**
 * The server's side of the same handshake, by hand (a standard client gives up before the
 * server speaks): the HTTP status, the sub-protocol it chose, and its first frame's close code.
 */
function rawLegacyUpgrade() {
  return new Promise((resolve, reject) => {
    const request = http.request(httpUrl, {
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': randomBytes(16).toString('base64'),
        'sec-websocket-protocol': 'graphql-ws',
      },
    });
    const timer = setTimeout(() => {
      request.destroy();
      reject(new Error('no answer to the upgrade within 5 s'));
    }, 5000);
    request.on('response', (response) => {
      clearTimeout(timer);
      response.resume();
      resolve({ status: response.statusCode });
    });
    request.on('upgrade', (response, socket, head) => {
      let data = head;
      const finish = (closeCode) => {
        clearTimeout(timer);
        socket.destroy();
        resolve({ status: response.statusCode, protocol: response.headers['sec-websocket-protocol'], closeCode });
      };
      const tryFrame = () => {
        if (data.length < 2) return;
        const opcode = data[0] & 0x0f;
        const length = data[1] & 0x7f;
        if (opcode !== 0x8) return finish(`first frame has opcode ${opcode}`);
        if (data.length < 2 + Math.min(length, 2)) return;
        finish(length >= 2 ? data.readUInt16BE(2) : null);
      };
      socket.on('data', (chunk) => {
        data = Buffer.concat([data, chunk]);
        tryFrame();
      });
      socket.on('end', () => finish('closed without a close frame'));
      tryFrame();
    });
    request.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    request.end();
  });
}

async function skipUntil(feed, predicate, allowed, what) {
  for (;;) {
    const event = await feed.next(what);
    if (predicate(event)) return event;
    if (!allowed(event)) throw new Error(`unexpected event while waiting for ${what}: ${JSON.stringify(event)}`);
  }
}

async function main() {
  const adminToken = await login(ADMIN);
  const studentToken = await login(STUDENT);
  const instructorToken = await login(INSTRUCTOR);
  check(true, 'logged in over HTTP as the demo admin, student and instructor');

  const { myAssignments } = await graphql(MY_ASSIGNMENTS, {}, studentToken);
  const first = myAssignments.find((a) => a.instructor?.email === INSTRUCTOR);
  if (!first) throw new Error(`${STUDENT} is not assigned to ${INSTRUCTOR}: ${JSON.stringify(myAssignments)}`);
  const studentId = first.student.id;
  const instructorId = first.instructor.id;

  // --- Refusals -----------------------------------------------------------------------
  const noToken = await refusal(undefined);
  check(!noToken.accepted && noToken.code === 4403, 'connecting with no token is refused with 4403', noToken);
  const badToken = await refusal({ token: 'not-a-token' });
  check(!badToken.accepted && badToken.code === 4403, 'connecting with a bad token is refused with 4403', badToken);
  const raw = await rawLegacyUpgrade();
  check(
    raw.status !== 101 || (raw.protocol === undefined && raw.closeCode === 4406),
    `the server does not speak the legacy graphql-ws sub-protocol (HTTP ${raw.status}, ` +
      `sub-protocol ${raw.protocol ?? 'none'}, close ${raw.closeCode ?? '-'})`,
    raw,
  );
  const legacy = await legacyProtocolAttempt();
  check(
    !legacy.acknowledged &&
      (legacy.outcome.startsWith('handshake') || (legacy.outcome === 'closed' && legacy.code === 4406)),
    `a standard client offering only graphql-ws is refused (${legacy.outcome}${legacy.code ? ` ${legacy.code}` : ''}${legacy.status ? `: HTTP ${legacy.status}` : ''}${legacy.error ? `: ${legacy.error}` : ''})`,
    legacy,
  );

  // --- Live events --------------------------------------------------------------------
  const studentClient = clientWith({ token: studentToken });
  const instructorClient = clientWith({ token: instructorToken });
  const studentFeed = openFeed(studentClient);
  const instructorFeed = openFeed(instructorClient);

  // graphql-transport-ws has no "subscribed" acknowledgement: touch the assignment until
  // both feeds have seen an event, so both subscriptions are known to be live.
  const warmUp = timeout(EVENT_TIMEOUT_MS, 'the subscriptions to go live');
  try {
    let probe = 0;
    await Promise.race([
      warmUp.promise,
      (async () => {
        while (studentFeed.received === 0 || instructorFeed.received === 0) {
          probe += 1;
          await mutate(adminToken, UPDATE, { id: first.id, notes: `warm-up ${probe}` });
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      })(),
    ]);
  } finally {
    warmUp.cancel();
  }

  const isWarmUp = (event) => event.change === 'UPDATED' && event.assignment.id === first.id;
  await mutate(adminToken, END, { id: first.id });
  for (const [who, feed] of [['student', studentFeed], ['instructor', instructorFeed]]) {
    const ended = await skipUntil(
      feed,
      (event) => event.change === 'ENDED' && event.assignment.id === first.id,
      isWarmUp,
      `ENDED on the ${who} feed`,
    );
    // Once the assignment has ended the instructor may no longer see the student, so
    // only the student's own feed can name them.
    check(
      who === 'instructor' || ended.assignment.student?.email === STUDENT,
      `the ${who} is told live when the admin ends the assignment`,
      ended,
    );
  }

  const second = await mutate(adminToken, ASSIGN, { studentId, instructorId });
  for (const [who, feed] of [['student', studentFeed], ['instructor', instructorFeed]]) {
    const created = await feed.next(`CREATED on the ${who} feed`);
    check(
      created.change === 'CREATED' && created.assignment.id === second.id && created.assignment.student?.email === STUDENT,
      `the ${who} is told live when the admin assigns the instructor`,
      created,
    );
  }

  await mutate(adminToken, UPDATE, { id: second.id, priority: 2 });
  let lastSeen = null;
  for (const [who, feed] of [['student', studentFeed], ['instructor', instructorFeed]]) {
    const updated = await feed.next(`UPDATED on the ${who} feed`);
    check(
      updated.change === 'UPDATED' && updated.assignment.id === second.id,
      `the ${who} is told live when the admin updates the assignment`,
      updated,
    );
    if (who === 'student') lastSeen = updated.eventId;
  }

  // --- Reconnect with the last event id -----------------------------------------------
  studentFeed.dispose();
  await studentClient.dispose();

  await mutate(adminToken, UPDATE, { id: second.id, notes: 'changed while the student was away' });
  await mutate(adminToken, END, { id: second.id });
  const third = await mutate(adminToken, ASSIGN, { studentId, instructorId });
  const missed = [];
  for (const expected of ['UPDATED', 'ENDED', 'CREATED']) {
    missed.push(await instructorFeed.next(`${expected} on the instructor feed`));
  }
  check(
    missed.map((e) => e.change).join() === 'UPDATED,ENDED,CREATED',
    'the instructor (still connected) sees the three changes live',
    missed,
  );

  const returningClient = clientWith({ token: studentToken });
  const replayFeed = openFeed(returningClient, { after: lastSeen });
  const replayed = [];
  for (let i = 0; i < missed.length; i += 1) replayed.push(await replayFeed.next('a missed event'));
  check(
    JSON.stringify(replayed.map((e) => [e.eventId, e.change, e.assignment.id])) ===
      JSON.stringify(missed.map((e) => [e.eventId, e.change, e.assignment.id])) &&
      replayed.every((e) => BigInt(e.eventId) > BigInt(lastSeen)),
    'a student reconnecting with `after` receives the missed events, in order',
    { lastSeen, replayed, missed },
  );
  check(replayed[2].assignment.id === third.id, 'the replayed CREATED event carries the new assignment', replayed[2]);

  await mutate(adminToken, UPDATE, { id: third.id, priority: 3 });
  const live = await replayFeed.next('a live event after the replay');
  check(
    live.change === 'UPDATED' && live.assignment.id === third.id && BigInt(live.eventId) > BigInt(replayed[2].eventId),
    'after the replay the feed continues live, without duplicates',
    live,
  );

  replayFeed.dispose();
  instructorFeed.dispose();
  await returningClient.dispose();
  await instructorClient.dispose();

  await diaryChecks({ adminToken, studentToken, instructorToken, instructorId });
}

/** The live diary: an instructor sees lessons created, moved and cancelled by others, in
 * order; reconnecting with the last event id replays what was missed; another student's
 * own feed stays silent. */
async function diaryChecks({ adminToken, studentToken, instructorToken, instructorId }) {
  const { lessonTypes } = await graphql(LESSON_TYPES, {}, studentToken);
  const lessonTypeId = lessonTypes.find((t) => t.name === 'Standard lesson').id;
  const from = new Date(Date.now() + 28 * 86_400_000);
  from.setUTCHours(0, 0, 0, 0);
  const { availableSlots } = await graphql(
    SLOTS,
    { instructorId, lessonTypeId, from: from.toISOString(), to: new Date(from.getTime() + 7 * 86_400_000).toISOString() },
    studentToken,
  );
  check(availableSlots.length >= 6, `availableSlots offers a week of free times (${availableSlots.length})`);
  const [first, second, third, fourth] = [0, 8, 16, 24].map((i) => availableSlots[i].startsAt);

  const diaryClient = clientWith({ token: instructorToken });
  const diary = openFeed(diaryClient, { instructorId }, DIARY, 'instructorDiary');
  const otherToken = await login(OTHER_STUDENT);
  const otherClient = clientWith({ token: otherToken });
  const otherFeed = openFeed(otherClient, {}, MY_BOOKINGS, 'myBookings');
  // No "subscribed" acknowledgement: book and cancel probe lessons in the fourth slot until
  // both feeds have seen one of their own.
  const warmUp = timeout(EVENT_TIMEOUT_MS, 'the diary subscriptions to go live');
  try {
    await Promise.race([
      warmUp.promise,
      (async () => {
        while (diary.received === 0 || otherFeed.received === 0) {
          const probe = await mutate(otherToken, BOOK, { input: { instructorId, lessonTypeId, startsAt: fourth } });
          await mutate(adminToken, CANCEL, { input: { bookingId: probe.id, reason: 'warm-up' } });
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      })(),
    ]);
  } finally {
    warmUp.cancel();
  }
  const isProbe = (event) => event.booking.startsAt === fourth;
  const otherBefore = otherFeed.received;
  const booked = await mutate(studentToken, BOOK, { input: { instructorId, lessonTypeId, startsAt: first } });
  await mutate(studentToken, MOVE, { input: { bookingId: booked.id, startsAt: second } });
  await mutate(adminToken, CANCEL, { input: { bookingId: booked.id, reason: 'conformance check' } });
  const seen = [];
  while (seen.length < 3) {
    const event = await diary.next('the diary events');
    if (event.booking.id === booked.id) seen.push(event);
    else if (!isProbe(event)) throw new Error(`unexpected diary event ${JSON.stringify(event)}`);
  }
  check(
    seen.map((e) => e.change).join() === 'CREATED,MOVED,CANCELLED' &&
      seen[0].booking.student?.email === STUDENT &&
      seen[2].booking.status === 'CANCELLED',
    'the instructor sees a lesson created, moved and cancelled by others, in order',
    seen,
  );

  const lastSeen = seen[2].eventId;
  diary.dispose();
  await diaryClient.dispose();
  const missedBooking = await mutate(studentToken, BOOK, { input: { instructorId, lessonTypeId, startsAt: third } });
  await mutate(adminToken, CANCEL, { input: { bookingId: missedBooking.id, reason: 'made while away' } });
  const returning = clientWith({ token: instructorToken });
  const replay = openFeed(returning, { instructorId, after: lastSeen }, DIARY, 'instructorDiary');
  const replayed = [];
  while (replayed.length < 2) {
    const event = await replay.next('a missed diary event');
    if (!isProbe(event)) replayed.push(event);
  }
  check(
    replayed.map((e) => [e.change, e.booking.id].join()).join('|') ===
      `CREATED,${missedBooking.id}|CANCELLED,${missedBooking.id}` &&
      replayed.every((e) => BigInt(e.eventId) > BigInt(lastSeen)),
    'an instructor reconnecting with `after` receives the diary events missed, in order',
    replayed,
  );
  check(
    otherFeed.received === otherBefore,
    "another student's live myBookings feed receives none of these lessons",
    { before: otherBefore, after: otherFeed.received },
  );
  replay.dispose();
  otherFeed.dispose();
  await returning.dispose();
  await otherClient.dispose();
}

try {
  await main();
} catch (err) {
  failures += 1;
  console.log(`FAIL   ${err?.stack ?? JSON.stringify(err)}`);
}
console.log(failures ? `\ngraphql-ws checks: ${failures} failed` : '\ngraphql-ws checks: all passed');
process.exit(failures ? 1 : 0);
