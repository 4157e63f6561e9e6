"""Starting a lesson with a one-time code (SPEC §2): the instructor asks, the student's
phone receives six digits (SMS log kept), the instructor types them in. Codes are stored
hashed, expire in ten minutes, allow five attempts — under concurrency too — and at most
five are sent per lesson."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from models.accounts import User
from models.notifications import OutboundMessage
from models.scheduling import Booking, BookingChange, LessonStartCode
from resolvers.context import AppState
from tests.scheduling.helpers import Diary, book, days_ahead, local, make_diary, shift
from tests.support import Factory, GraphQLClient, gid

REQUEST_START = """
mutation RequestStart($input: BookingActionInput!) {
  requestLessonStart(input: $input) {
    booking { id status startedAt }
    errors { code message field }
  }
}
"""

START = """
mutation Start($input: StartLessonInput!) {
  startLesson(input: $input) {
    booking { id status startedAt history { kind actor { id } fromStatus toStatus } }
    errors { code message field }
  }
}
"""

PHONE = "+447700900456"
RUNS = range(3)


def codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["errors"]]


def wrong(code: str, offset: int = 1) -> str:
    """A six-digit code that is not ``code``."""
    return f"{(int(code) + offset) % 1_000_000:06d}"


async def give_phone(state: AppState, user: User, phone: str | None = PHONE) -> None:
    async with state.db.transaction() as session:
        await session.execute(update(User).where(User.id == user.id).values(phone=phone))


async def lesson_in(
    state: AppState, diary: Diary, from_now: timedelta, *, phone: str | None = PHONE
) -> Booking:
    """A confirmed lesson staged to start ``from_now``; the student's phone set as given."""
    await give_phone(state, diary.world.student, phone)
    booking = await book(state, diary.admin_actor, diary, local(days_ahead(5), 10))
    await shift(state, booking.id, datetime.now(UTC) + from_now)
    return booking


def action(booking: Booking, **extra: Any) -> dict[str, Any]:
    return {"input": {"bookingId": gid("Booking", booking.id), **extra}}


async def texts(state: AppState, booking: Booking) -> list[OutboundMessage]:
    async with state.db.session() as session:
        rows = await session.scalars(
            select(OutboundMessage)
            .where(OutboundMessage.template == "lesson_start_code")
            .order_by(OutboundMessage.created_at)
        )
        return [m for m in rows if m.data.get("booking_id") == str(booking.id)]


async def code_rows(state: AppState, booking: Booking) -> list[LessonStartCode]:
    async with state.db.session() as session:
        rows = await session.scalars(
            select(LessonStartCode)
            .where(LessonStartCode.booking_id == booking.id)
            .order_by(LessonStartCode.created_at)
        )
        return list(rows)


async def stored(state: AppState, booking: Booking) -> Booking:
    async with state.db.session() as session:
        row = await session.get(Booking, booking.id)
    assert row is not None
    return row


async def send_code(gql: GraphQLClient, token: str, booking: Booking, state: AppState) -> str:
    """Ask for a code as the instructor; return the six digits the student received."""
    data = await gql.data(REQUEST_START, action(booking), token=token)
    assert data["requestLessonStart"]["errors"] == [], data
    message = (await texts(state, booking))[-1]
    return str(message.data["code"])


async def start(gql: GraphQLClient, token: str, booking: Booking, code: str) -> dict[str, Any]:
    data = await gql.data(START, action(booking, code=code), token=token)
    return data["startLesson"]  # type: ignore[no-any-return]


# -- asking for a code ---------------------------------------------------------------------------


async def test_the_instructor_asks_and_the_student_is_texted_a_code(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a confirmed lesson starting in ten minutes and a student with a phone
    diary = await make_diary(factory)
    booking = await lesson_in(state, diary, timedelta(minutes=10))
    token = await gql.login(diary.world.instructor.email)

    # When the instructor asks to start it
    data = await gql.data(REQUEST_START, action(booking), token=token)

    # Then the lesson is not started yet, and one SMS with six digits went to the student
    assert data["requestLessonStart"]["errors"] == []
    assert data["requestLessonStart"]["booking"]["status"] == "CONFIRMED"
    [message] = await texts(state, booking)
    assert (message.channel, message.recipient, message.template) == (
        "sms",
        PHONE,
        "lesson_start_code",
    )
    assert message.user_id == diary.world.student.id
    code = message.data["code"]
    assert len(code) == 6
    assert code.isdigit()
    assert code in message.body
    # and the database keeps only a hash of it, valid for ten minutes
    [row] = await code_rows(state, booking)
    assert row.code_hash != code
    assert code not in row.code_hash
    assert len(row.code_hash) == 64
    assert (row.attempts, row.used_at) == (0, None)
    assert (
        timedelta(minutes=9) < row.expires_at - row.created_at <= timedelta(minutes=10, seconds=5)
    )


async def test_asking_earlier_than_fifteen_minutes_before_is_too_early(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a confirmed lesson starting in twenty minutes
    diary = await make_diary(factory)
    booking = await lesson_in(state, diary, timedelta(minutes=20))
    token = await gql.login(diary.world.instructor.email)

    # When the instructor asks to start it
    data = await gql.data(REQUEST_START, action(booking), token=token)

    # Then it is too early, and no code was made or sent
    assert [(e["code"], e["field"]) for e in data["requestLessonStart"]["errors"]] == [
        ("TOO_EARLY", "bookingId")
    ]
    assert await texts(state, booking) == []
    assert await code_rows(state, booking) == []


async def test_a_lesson_whose_time_is_over_cannot_start(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a confirmed lesson that started two hours ago (and so has ended)
    diary = await make_diary(factory)
    booking = await lesson_in(state, diary, -timedelta(hours=2))
    token = await gql.login(diary.world.instructor.email)

    # When the instructor asks to start it
    data = await gql.data(REQUEST_START, action(booking), token=token)

    # Then it is too late and nothing is sent
    assert codes(data["requestLessonStart"]) == ["TOO_LATE"]
    assert await texts(state, booking) == []


async def test_a_student_without_a_phone_cannot_be_texted(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a lesson starting in five minutes and a student with no phone number
    diary = await make_diary(factory)
    booking = await lesson_in(state, diary, timedelta(minutes=5), phone=None)
    token = await gql.login(diary.world.instructor.email)

    # When the instructor asks to start it
    data = await gql.data(REQUEST_START, action(booking), token=token)

    # Then it is NO_PHONE and nothing is stored or sent
    assert codes(data["requestLessonStart"]) == ["NO_PHONE"]
    assert await texts(state, booking) == []
    assert await code_rows(state, booking) == []


@pytest.mark.parametrize("who", ["student", "admin", "other_instructor"])
async def test_only_the_lessons_instructor_may_ask_or_start(
    gql: GraphQLClient, factory: Factory, state: AppState, who: str
) -> None:
    # Given a lesson starting in five minutes, with a code already sent by its instructor
    diary = await make_diary(factory)
    booking = await lesson_in(state, diary, timedelta(minutes=5))
    instructor = await gql.login(diary.world.instructor.email)
    code = await send_code(gql, instructor, booking, state)
    token = await gql.login(getattr(diary.world, who).email)

    # When someone else asks for a code, and tries to start it with the right one
    asked = await gql.execute(REQUEST_START, action(booking), token=token)
    started = await gql.execute(START, action(booking, code=code), token=token)

    # Then the student and the admin are FORBIDDEN, another instructor does not see the
    # lesson; no new code is sent and the lesson has not started
    for body, name in ((asked, "requestLessonStart"), (started, "startLesson")):
        if who == "other_instructor":
            assert codes(body["data"][name]) == ["NOT_FOUND"], body
        else:
            assert body["data"] is None, body
            assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert len(await texts(state, booking)) == 1
    [row] = await code_rows(state, booking)
    assert (row.attempts, row.used_at) == (0, None)
    assert (await stored(state, booking)).status == "confirmed"


async def test_at_most_five_codes_per_lesson(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a lesson for which the instructor has asked for five codes
    diary = await make_diary(factory)
    booking = await lesson_in(state, diary, timedelta(minutes=5))
    token = await gql.login(diary.world.instructor.email)
    for _ in range(5):
        await send_code(gql, token, booking, state)

    # When they ask for a sixth
    data = await gql.data(REQUEST_START, action(booking), token=token)

    # Then it is refused and no sixth text is sent
    assert codes(data["requestLessonStart"]) == ["TOO_MANY_ATTEMPTS"]
    assert len(await texts(state, booking)) == 5
    assert len(await code_rows(state, booking)) == 5


@pytest.mark.parametrize("run", RUNS)
async def test_concurrent_requests_send_at_most_five_codes(
    gql: GraphQLClient, factory: Factory, state: AppState, run: int
) -> None:
    # Given a lesson starting in five minutes
    diary = await make_diary(factory)
    booking = await lesson_in(state, diary, timedelta(minutes=5))
    token = await gql.login(diary.world.instructor.email)

    # When the instructor asks for a code eight times at the same moment
    responses = await asyncio.gather(
        *(gql.post(REQUEST_START, action(booking), token=token) for _ in range(8))
    )

    # Then five codes are sent and three requests are refused
    outcomes: Counter[str] = Counter()
    for response in responses:
        assert response.status_code == 200, response.text
        payload = response.json()["data"]["requestLessonStart"]
        outcomes.update([payload["errors"][0]["code"] if payload["errors"] else "OK"])
    assert outcomes == Counter({"OK": 5, "TOO_MANY_ATTEMPTS": 3}), (run, outcomes)
    assert len(await texts(state, booking)) == 5
    rows = await code_rows(state, booking)
    assert len(rows) == 5
    assert sum(r.used_at is None for r in rows) == 1  # only the newest still works


# -- entering the code ---------------------------------------------------------------------------


async def test_the_right_code_starts_the_lesson_once(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a code texted for a lesson starting in ten minutes
    diary = await make_diary(factory)
    booking = await lesson_in(state, diary, timedelta(minutes=10))
    token = await gql.login(diary.world.instructor.email)
    code = await send_code(gql, token, booking, state)

    # When the instructor enters it
    payload = await start(gql, token, booking, code)

    # Then the lesson is in progress, with its start time and a STARTED history entry
    assert payload["errors"] == []
    assert payload["booking"]["status"] == "IN_PROGRESS"
    assert payload["booking"]["startedAt"] is not None
    last = payload["booking"]["history"][-1]
    assert (last["kind"], last["fromStatus"], last["toStatus"]) == (
        "STARTED",
        "CONFIRMED",
        "IN_PROGRESS",
    )
    assert last["actor"]["id"] == gid("User", diary.world.instructor.id)
    row = await stored(state, booking)
    assert row.status == "in_progress"
    started_at = row.started_at
    assert started_at is not None
    [code_row] = await code_rows(state, booking)
    assert code_row.used_at is not None

    # And the same code cannot be used again
    again = await start(gql, token, booking, code)
    assert codes(again) == ["INVALID_STATUS"]
    assert again["booking"] is None
    assert (await stored(state, booking)).started_at == started_at


@pytest.mark.parametrize("run", RUNS)
async def test_the_right_code_entered_twice_at_once_starts_the_lesson_once(
    gql: GraphQLClient, factory: Factory, state: AppState, run: int
) -> None:
    # Given a code texted for a lesson starting in ten minutes
    diary = await make_diary(factory)
    booking = await lesson_in(state, diary, timedelta(minutes=10))
    token = await gql.login(diary.world.instructor.email)
    code = await send_code(gql, token, booking, state)

    # When it is entered five times at the same moment
    responses = await asyncio.gather(
        *(gql.post(START, action(booking, code=code), token=token) for _ in range(5))
    )

    # Then exactly one starts the lesson, and the history has one STARTED entry
    outcomes: Counter[str] = Counter()
    for response in responses:
        assert response.status_code == 200, response.text
        payload = response.json()["data"]["startLesson"]
        outcomes.update([payload["errors"][0]["code"] if payload["errors"] else "OK"])
    assert outcomes == Counter({"OK": 1, "INVALID_STATUS": 4}), (run, outcomes)
    async with state.db.session() as session:
        started = list(
            await session.scalars(
                select(BookingChange).where(
                    BookingChange.booking_id == booking.id, BookingChange.kind == "started"
                )
            )
        )
    assert len(started) == 1


async def test_a_wrong_code_is_refused_and_counted(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a code texted for a lesson starting in ten minutes
    diary = await make_diary(factory)
    booking = await lesson_in(state, diary, timedelta(minutes=10))
    token = await gql.login(diary.world.instructor.email)
    code = await send_code(gql, token, booking, state)

    # When the instructor enters a wrong code
    payload = await start(gql, token, booking, wrong(code))

    # Then it is CODE_INVALID, the attempt is counted, and the lesson has not started
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("CODE_INVALID", "code")]
    [row] = await code_rows(state, booking)
    assert (row.attempts, row.used_at) == (1, None)
    assert (await stored(state, booking)).status == "confirmed"

    # And the right code still works afterwards
    assert (await start(gql, token, booking, code))["booking"]["status"] == "IN_PROGRESS"


async def test_after_five_wrong_codes_even_the_right_one_is_refused(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a code that has been guessed wrongly five times
    diary = await make_diary(factory)
    booking = await lesson_in(state, diary, timedelta(minutes=10))
    token = await gql.login(diary.world.instructor.email)
    code = await send_code(gql, token, booking, state)
    for n in range(5):
        assert codes(await start(gql, token, booking, wrong(code, n + 1))) == ["CODE_INVALID"]

    # When the right code is entered
    payload = await start(gql, token, booking, code)

    # Then it is TOO_MANY_ATTEMPTS and the lesson has not started
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("TOO_MANY_ATTEMPTS", "code")]
    [row] = await code_rows(state, booking)
    assert (row.attempts, row.used_at) == (5, None)
    assert (await stored(state, booking)).status == "confirmed"


@pytest.mark.parametrize("run", RUNS)
async def test_twenty_concurrent_wrong_guesses_count_exactly_five(
    gql: GraphQLClient, factory: Factory, state: AppState, run: int
) -> None:
    # Given a code texted for a lesson starting in ten minutes
    diary = await make_diary(factory)
    booking = await lesson_in(state, diary, timedelta(minutes=10))
    token = await gql.login(diary.world.instructor.email)
    code = await send_code(gql, token, booking, state)

    # When twenty different wrong codes are entered at the same moment
    responses = await asyncio.gather(
        *(gql.post(START, action(booking, code=wrong(code, n + 1)), token=token) for n in range(20))
    )

    # Then five are checked and refused, fifteen find the code spent, and PostgreSQL holds
    # exactly five attempts
    outcomes: Counter[str] = Counter()
    for response in responses:
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body
        payload = body["data"]["startLesson"]
        outcomes.update([e["code"] for e in payload["errors"]])
    assert outcomes == Counter({"CODE_INVALID": 5, "TOO_MANY_ATTEMPTS": 15}), (run, outcomes)
    [row] = await code_rows(state, booking)
    assert row.attempts == 5
    assert codes(await start(gql, token, booking, code)) == ["TOO_MANY_ATTEMPTS"]
    assert (await stored(state, booking)).status == "confirmed"


async def test_an_expired_code_is_refused(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a code whose ten minutes have passed
    diary = await make_diary(factory)
    booking = await lesson_in(state, diary, timedelta(minutes=10))
    token = await gql.login(diary.world.instructor.email)
    code = await send_code(gql, token, booking, state)
    async with state.db.transaction() as session:
        await session.execute(
            update(LessonStartCode)
            .where(LessonStartCode.booking_id == booking.id)
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )

    # When the instructor enters it
    payload = await start(gql, token, booking, code)

    # Then it has expired and the lesson has not started
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("CODE_EXPIRED", "code")]
    assert (await stored(state, booking)).status == "confirmed"


async def test_a_new_code_replaces_the_old_one(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given two codes texted one after the other
    diary = await make_diary(factory)
    booking = await lesson_in(state, diary, timedelta(minutes=10))
    token = await gql.login(diary.world.instructor.email)
    old = await send_code(gql, token, booking, state)
    new = await send_code(gql, token, booking, state)
    if old == new:  # one chance in a million: the old code must differ to prove anything
        new = await send_code(gql, token, booking, state)
    assert old != new

    # When the instructor enters the old code, then the new one
    with_old = await start(gql, token, booking, old)
    assert (await stored(state, booking)).status == "confirmed"
    with_new = await start(gql, token, booking, new)

    # Then the old one no longer works and the new one starts the lesson
    assert codes(with_old) == ["CODE_INVALID"]
    assert with_new["booking"]["status"] == "IN_PROGRESS"
    rows = await code_rows(state, booking)
    assert all(r.used_at is not None for r in rows)


async def test_starting_without_a_code_sent_is_refused(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a lesson starting in ten minutes for which no code was sent
    diary = await make_diary(factory)
    booking = await lesson_in(state, diary, timedelta(minutes=10))
    token = await gql.login(diary.world.instructor.email)

    # When the instructor enters a guess
    payload = await start(gql, token, booking, "123456")

    # Then it is refused and the lesson has not started
    assert codes(payload) == ["CODE_INVALID"]
    assert (await stored(state, booking)).status == "confirmed"


async def test_a_pending_lesson_cannot_start(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a pending lesson starting in ten minutes
    diary = await make_diary(factory)
    booking = await lesson_in(state, diary, timedelta(minutes=10))
    async with state.db.transaction() as session:
        await session.execute(
            update(Booking)
            .where(Booking.id == booking.id)
            .values(status="pending", confirmed_at=None)
        )
    token = await gql.login(diary.world.instructor.email)

    # When the instructor asks for a code
    data = await gql.data(REQUEST_START, action(booking), token=token)

    # Then only a confirmed lesson can start: nothing is sent
    assert codes(data["requestLessonStart"]) == ["INVALID_STATUS"]
    assert await texts(state, booking) == []
