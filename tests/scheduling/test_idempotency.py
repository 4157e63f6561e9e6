"""Idempotency keys on booking mutations (SPEC §0): a retried request never books twice,
a key is one request of one user, and a failed request leaves its key free — checked with
real concurrent HTTP requests and the rows PostgreSQL holds."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from models.accounts import User
from models.events import AuditEntry
from models.idempotency import IdempotencyKey
from models.notifications import OutboundMessage
from models.scheduling import Booking, BookingChange, LessonStartCode
from resolvers.context import AppState
from schema.common.node import parse_global_id
from tests.scheduling.helpers import Diary, book, days_ahead, iso, local, make_diary, shift
from tests.support import Factory, GraphQLClient, gid

BOOK = """
mutation Book($input: BookLessonInput!) {
  bookLesson(input: $input) {
    booking { id status startsAt student { id } }
    errors { code message field }
  }
}
"""

CANCEL = """
mutation Cancel($input: CancelBookingInput!) {
  cancelBooking(input: $input) {
    booking { id status policyOutcome cancellation { reason } }
    errors { code message field }
  }
}
"""

RESCHEDULE = """
mutation Reschedule($input: RescheduleBookingInput!) {
  rescheduleBooking(input: $input) {
    booking { id startsAt history { kind } }
    errors { code message field }
  }
}
"""

REQUEST_START = """
mutation RequestStart($input: BookingActionInput!) {
  requestLessonStart(input: $input) { booking { id } errors { code } }
}
"""

START = """
mutation Start($input: StartLessonInput!) {
  startLesson(input: $input) { booking { id status } errors { code message field } }
}
"""

RUNS = range(3)


def pk(global_id: str) -> uuid.UUID:
    parsed = parse_global_id(global_id)
    assert parsed is not None
    return parsed[1]


def codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["errors"]]


def booking_input(
    diary: Diary, starts_at: datetime, key: str | None, **extra: Any
) -> dict[str, Any]:
    fields: dict[str, Any] = {**diary.ids(), "startsAt": iso(starts_at), **extra}
    if key is not None:
        fields["idempotencyKey"] = key
    return {"input": fields}


async def bookings_of(state: AppState, student: User) -> list[Booking]:
    async with state.db.session() as session:
        rows = await session.scalars(
            select(Booking).where(Booking.student_id == student.id).order_by(Booking.starts_at)
        )
        return list(rows)


async def keys_of(state: AppState, user: User) -> list[IdempotencyKey]:
    async with state.db.session() as session:
        return list(
            await session.scalars(select(IdempotencyKey).where(IdempotencyKey.user_id == user.id))
        )


async def change_kinds(state: AppState, booking_id: uuid.UUID) -> list[str]:
    async with state.db.session() as session:
        rows = await session.scalars(
            select(BookingChange.kind)
            .where(BookingChange.booking_id == booking_id)
            .order_by(BookingChange.created_at, BookingChange.id)
        )
        return list(rows)


# -- bookLesson ----------------------------------------------------------------------------------


async def test_a_retried_booking_returns_the_first_booking(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a student who booked a lesson with an idempotency key
    diary = await make_diary(factory)
    student = diary.world.student
    token = await gql.login(student.email)
    variables = booking_input(diary, local(days_ahead(4), 10), "book-1", location="Station")
    first = await gql.data(BOOK, variables, token=token)
    assert first["bookLesson"]["errors"] == []

    # When the very same request is sent again (a retry after a lost response)
    second = await gql.data(BOOK, variables, token=token)

    # Then it returns the same booking, and one booking and one key exist
    assert second["bookLesson"]["errors"] == []
    assert second["bookLesson"]["booking"] == first["bookLesson"]["booking"]
    rows = await bookings_of(state, student)
    assert [b.id for b in rows] == [pk(first["bookLesson"]["booking"]["id"])]
    [key] = await keys_of(state, student)
    assert (key.key, key.operation, key.result_id) == ("book-1", "bookLesson", rows[0].id)
    assert await change_kinds(state, rows[0].id) == ["created"]


async def test_the_same_key_for_a_different_booking_is_refused(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a student who booked a lesson with a key
    diary = await make_diary(factory)
    student = diary.world.student
    token = await gql.login(student.email)
    first_at = local(days_ahead(4), 10)
    await gql.data(BOOK, booking_input(diary, first_at, "book-1"), token=token)

    # When they book another time with the same key
    data = await gql.data(
        BOOK, booking_input(diary, local(days_ahead(5), 10), "book-1"), token=token
    )

    # Then the key is reported reused and nothing more is booked
    assert [(e["code"], e["field"]) for e in data["bookLesson"]["errors"]] == [
        ("IDEMPOTENCY_KEY_REUSED", "idempotencyKey")
    ]
    assert data["bookLesson"]["booking"] is None
    assert [b.starts_at for b in await bookings_of(state, student)] == [first_at]
    assert len(await keys_of(state, student)) == 1


@pytest.mark.parametrize("run", RUNS)
async def test_twenty_parallel_bookings_with_one_key_book_once(
    gql: GraphQLClient, factory: Factory, state: AppState, run: int
) -> None:
    # Given a student and one request with a key
    diary = await make_diary(factory)
    student = diary.world.student
    token = await gql.login(student.email)
    variables = booking_input(diary, local(days_ahead(4), 10), f"burst-{run}")

    # When the request is sent twenty times at the same moment
    responses = await asyncio.gather(*(gql.post(BOOK, variables, token=token) for _ in range(20)))

    # Then every response is the same booking, and PostgreSQL holds one booking and one key
    ids = set()
    for response in responses:
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, (run, body)
        payload = body["data"]["bookLesson"]
        assert payload["errors"] == [], (run, payload)
        ids.add(payload["booking"]["id"])
    assert len(ids) == 1, (run, ids)
    rows = await bookings_of(state, student)
    assert [b.id for b in rows] == [pk(ids.pop())]
    assert len(await keys_of(state, student)) == 1
    assert await change_kinds(state, rows[0].id) == ["created"]


async def test_keys_belong_to_their_user(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a student who booked with a key
    diary = await make_diary(factory)
    world = diary.world
    mine = await gql.login(world.student.email)
    theirs = await gql.login(world.other_student.email)
    await gql.data(BOOK, booking_input(diary, local(days_ahead(4), 10), "shared-key"), token=mine)

    # When another student books with their own instructor using the same key
    other = {
        "input": {
            **diary.ids(instructor=world.other_instructor),
            "startsAt": iso(local(days_ahead(4), 10)),
            "idempotencyKey": "shared-key",
        }
    }
    data = await gql.data(BOOK, other, token=theirs)

    # Then they get a booking of their own, not the first student's
    assert data["bookLesson"]["errors"] == []
    assert data["bookLesson"]["booking"]["student"]["id"] == gid("User", world.other_student.id)
    assert len(await bookings_of(state, world.student)) == 1
    assert len(await bookings_of(state, world.other_student)) == 1
    assert len(await keys_of(state, world.other_student)) == 1


async def test_a_key_serves_one_operation(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a student who booked with a key
    diary = await make_diary(factory)
    token = await gql.login(diary.world.student.email)
    booked = await gql.data(BOOK, booking_input(diary, local(days_ahead(4), 10), "k"), token=token)
    booking_id = booked["bookLesson"]["booking"]["id"]

    # When they cancel that booking reusing the key
    data = await gql.data(
        CANCEL, {"input": {"bookingId": booking_id, "idempotencyKey": "k"}}, token=token
    )

    # Then the key is reused for a different request, and the lesson stands
    assert codes(data["cancelBooking"]) == ["IDEMPOTENCY_KEY_REUSED"]
    assert [b.status for b in await bookings_of(state, diary.world.student)] == ["pending"]


async def test_a_replay_returns_the_booking_as_it_is_now(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a lesson booked with a key and since cancelled
    diary = await make_diary(factory)
    token = await gql.login(diary.world.student.email)
    variables = booking_input(diary, local(days_ahead(4), 10), "book-then-cancel")
    booked = await gql.data(BOOK, variables, token=token)
    booking_id = booked["bookLesson"]["booking"]["id"]
    await gql.data(CANCEL, {"input": {"bookingId": booking_id}}, token=token)

    # When the booking request is replayed
    data = await gql.data(BOOK, variables, token=token)

    # Then it returns the cancelled booking and books nothing new
    assert data["bookLesson"]["errors"] == []
    assert data["bookLesson"]["booking"]["id"] == booking_id
    assert data["bookLesson"]["booking"]["status"] == "CANCELLED"
    assert [b.status for b in await bookings_of(state, diary.world.student)] == ["cancelled"]


async def test_a_failed_request_leaves_its_key_free(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a booking request with a key that failed (a start off the slot grid)
    diary = await make_diary(factory)
    student = diary.world.student
    token = await gql.login(student.email)
    failed = await gql.data(
        BOOK, booking_input(diary, local(days_ahead(4), 10, 7), "try-again"), token=token
    )
    assert codes(failed["bookLesson"]) == ["MISALIGNED_START"]
    assert await keys_of(state, student) == []

    # When the student sends a corrected request with the same key
    data = await gql.data(
        BOOK, booking_input(diary, local(days_ahead(4), 10), "try-again"), token=token
    )

    # Then it books
    assert data["bookLesson"]["errors"] == []
    assert len(await bookings_of(state, student)) == 1
    assert len(await keys_of(state, student)) == 1


@pytest.mark.parametrize(
    "key",
    ["k" * 101, "", "bad\x01key", "new\nline"],
    ids=["101-characters", "empty", "control-character", "newline"],
)
async def test_an_unusable_key_is_a_typed_error(
    gql: GraphQLClient, factory: Factory, state: AppState, key: str
) -> None:
    # Given a student
    diary = await make_diary(factory)
    student = diary.world.student
    token = await gql.login(student.email)

    # When they book with an over-long, empty or unprintable key
    data = await gql.data(BOOK, booking_input(diary, local(days_ahead(4), 10), key), token=token)

    # Then it is a typed error on the key and nothing is booked or stored
    assert [(e["code"], e["field"]) for e in data["bookLesson"]["errors"]] == [
        ("INVALID", "idempotencyKey")
    ]
    assert await bookings_of(state, student) == []
    assert await keys_of(state, student) == []


async def test_a_key_of_one_hundred_characters_is_accepted(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a student
    diary = await make_diary(factory)
    token = await gql.login(diary.world.student.email)

    # When they book with a key of exactly 100 characters
    data = await gql.data(
        BOOK, booking_input(diary, local(days_ahead(4), 10), "k" * 100), token=token
    )

    # Then it books
    assert data["bookLesson"]["errors"] == []
    assert len(await keys_of(state, diary.world.student)) == 1


# -- other booking mutations ---------------------------------------------------------------------


async def test_a_replayed_cancellation_returns_the_cancelled_booking(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a confirmed lesson the student cancelled with a key
    diary = await make_diary(factory)
    booking = await book(state, diary.admin_actor, diary, local(days_ahead(5), 10))
    token = await gql.login(diary.world.student.email)
    variables = {
        "input": {
            "bookingId": gid("Booking", booking.id),
            "reason": "Holiday",
            "idempotencyKey": "cancel-1",
        }
    }
    first = await gql.data(CANCEL, variables, token=token)
    assert first["cancelBooking"]["errors"] == []

    # When the cancellation is retried with the same key
    second = await gql.data(CANCEL, variables, token=token)

    # Then it returns the cancelled booking, not INVALID_STATUS, and cancelled it once
    assert second["cancelBooking"]["errors"] == []
    assert second["cancelBooking"]["booking"] == first["cancelBooking"]["booking"]
    assert second["cancelBooking"]["booking"]["status"] == "CANCELLED"
    assert await change_kinds(state, booking.id) == ["created", "cancelled"]
    async with state.db.session() as session:
        audits = await session.scalar(
            select(func.count()).where(
                AuditEntry.entity_id == str(booking.id), AuditEntry.action == "booking.cancelled"
            )
        )
    assert audits == 1

    # And without the key, a second cancellation is refused as usual
    plain = await gql.data(
        CANCEL, {"input": {"bookingId": gid("Booking", booking.id)}}, token=token
    )
    assert codes(plain["cancelBooking"]) == ["INVALID_STATUS"]


async def test_a_replayed_move_returns_the_moved_booking(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a lesson the student moved with a key
    diary = await make_diary(factory)
    booking = await book(state, diary.admin_actor, diary, local(days_ahead(5), 10))
    token = await gql.login(diary.world.student.email)
    new = local(days_ahead(6), 12)
    variables = {
        "input": {
            "bookingId": gid("Booking", booking.id),
            "startsAt": iso(new),
            "idempotencyKey": "move-1",
        }
    }
    first = await gql.data(RESCHEDULE, variables, token=token)
    assert first["rescheduleBooking"]["errors"] == []

    # When the move is retried
    second = await gql.data(RESCHEDULE, variables, token=token)

    # Then it returns the booking at its new time and moved it once
    assert second["rescheduleBooking"]["errors"] == []
    assert datetime.fromisoformat(second["rescheduleBooking"]["booking"]["startsAt"]) == new
    assert await change_kinds(state, booking.id) == ["created", "moved"]


async def test_a_retried_wrong_start_code_is_checked_again(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a lesson starting in ten minutes, a code texted, and a wrong code entered with a
    # key (the failure is kept: the attempt counts)
    diary = await make_diary(factory)
    async with state.db.transaction() as session:
        await session.execute(
            update(User).where(User.id == diary.world.student.id).values(phone="+447700900789")
        )
    booking = await book(state, diary.admin_actor, diary, local(days_ahead(5), 10))
    await shift(state, booking.id, datetime.now(UTC) + timedelta(minutes=10))
    token = await gql.login(diary.world.instructor.email)
    action = {"input": {"bookingId": gid("Booking", booking.id)}}
    assert (await gql.data(REQUEST_START, action, token=token))["requestLessonStart"][
        "errors"
    ] == []
    async with state.db.session() as session:
        message = await session.scalar(
            select(OutboundMessage).where(OutboundMessage.template == "lesson_start_code")
        )
    assert message is not None
    bad = f"{(int(message.data['code']) + 1) % 1_000_000:06d}"
    variables = {"input": {**action["input"], "code": bad, "idempotencyKey": "start-1"}}
    first = await gql.data(START, variables, token=token)
    assert codes(first["startLesson"]) == ["CODE_INVALID"]

    # When the same request is retried with the same key
    second = await gql.data(START, variables, token=token)

    # Then the failed request left nothing behind: the retry is checked (and counted) again,
    # not refused as a key used "for a different request"
    assert codes(second["startLesson"]) == ["CODE_INVALID"]
    async with state.db.session() as session:
        attempts = await session.scalar(
            select(LessonStartCode.attempts).where(LessonStartCode.booking_id == booking.id)
        )
    assert attempts == 2
