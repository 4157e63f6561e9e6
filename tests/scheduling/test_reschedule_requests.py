"""Reschedule requests (SPEC §2): the instructor proposes a new time, the student accepts
(the same booking moves) or declines; one pending request per booking, under concurrency."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from models.scheduling import Booking, BookingChange, RescheduleRequest
from resolvers.context import AppState
from schema.common.node import parse_global_id
from services.actor import Role
from tests.scheduling.helpers import Diary, book, days_ahead, iso, local, make_diary, shift
from tests.support import Factory, GraphQLClient, build_school_world, gid

REQUEST = """
mutation Propose($input: RequestRescheduleInput!) {
  requestReschedule(input: $input) {
    request {
      id status proposedStartsAt message respondedAt responseNote
      requestedBy { id } booking { id startsAt }
    }
    errors { code message field }
  }
}
"""

RESPOND = """
mutation Respond($input: RespondToRescheduleRequestInput!) {
  respondToRescheduleRequest(input: $input) {
    request { id status respondedAt responseNote booking { id startsAt endsAt status } }
    errors { code message field }
  }
}
"""

WITHDRAW = """
mutation Withdraw($input: WithdrawRescheduleRequestInput!) {
  withdrawRescheduleRequest(input: $input) {
    request { id status respondedAt }
    errors { code message field }
  }
}
"""

CANCEL = """
mutation Cancel($input: CancelBookingInput!) {
  cancelBooking(input: $input) { booking { id status } errors { code } }
}
"""

PENDING = """
query Pending {
  pendingRescheduleRequests { id status proposedStartsAt message booking { id } }
}
"""

BOOKING = """
query Booking($id: ID!) {
  node(id: $id) {
    ... on Booking {
      id startsAt status
      pendingRescheduleRequest { id proposedStartsAt message requestedBy { id } }
      history { kind fromStartsAt toStartsAt reason actor { id } }
    }
  }
}
"""

NODE = "query Node($id: ID!) { node(id: $id) { id } }"

RUNS = range(5)


def bid(booking: Booking) -> str:
    return gid("Booking", booking.id)


def pk(global_id: str) -> uuid.UUID:
    parsed = parse_global_id(global_id)
    assert parsed is not None
    return parsed[1]


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["errors"]]


async def stored(state: AppState, booking_id: uuid.UUID) -> Booking:
    async with state.db.session() as session:
        booking = await session.get(Booking, booking_id)
    assert booking is not None
    return booking


async def requests_of(state: AppState, booking_id: uuid.UUID) -> list[RescheduleRequest]:
    async with state.db.session() as session:
        rows = await session.scalars(
            select(RescheduleRequest)
            .where(RescheduleRequest.booking_id == booking_id)
            .order_by(RescheduleRequest.created_at)
        )
        return list(rows)


async def change_kinds(state: AppState, booking_id: uuid.UUID) -> list[str]:
    async with state.db.session() as session:
        rows = await session.scalars(
            select(BookingChange.kind)
            .where(BookingChange.booking_id == booking_id)
            .order_by(BookingChange.created_at, BookingChange.id)
        )
        return list(rows)


async def propose(
    gql: GraphQLClient, diary: Diary, booking: Booking, starts_at: datetime, message: str = "Sorry"
) -> dict[str, Any]:
    """The instructor proposes ``starts_at``; returns the request (the proposal must succeed)."""
    token = await gql.login(diary.world.instructor.email)
    data = await gql.data(
        REQUEST,
        {
            "input": {
                "bookingId": bid(booking),
                "proposedStartsAt": iso(starts_at),
                "message": message,
            }
        },
        token=token,
    )
    assert data["requestReschedule"]["errors"] == [], data
    return data["requestReschedule"]["request"]  # type: ignore[no-any-return]


async def lesson(state: AppState, diary: Diary, day: int = 5, hour: int = 10) -> Booking:
    return await book(state, diary.admin_actor, diary, local(days_ahead(day), hour))


async def test_the_instructor_proposes_and_the_student_sees_it(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a confirmed lesson
    diary = await make_diary(factory)
    booking = await lesson(state, diary)
    proposed = local(days_ahead(6), 15)

    # When the instructor proposes another time with a message
    request = await propose(gql, diary, booking, proposed, "Car at MOT")

    # Then the request is pending, and the student sees it in their list and on the booking
    assert request["status"] == "PENDING"
    assert at(request["proposedStartsAt"]) == proposed
    assert request["message"] == "Car at MOT"
    assert request["requestedBy"]["id"] == gid("User", diary.world.instructor.id)
    assert request["booking"]["id"] == bid(booking)
    student = await gql.login(diary.world.student.email)
    pending = (await gql.data(PENDING, token=student))["pendingRescheduleRequests"]
    assert [(p["id"], p["booking"]["id"]) for p in pending] == [(request["id"], bid(booking))]
    node = (await gql.data(BOOKING, {"id": bid(booking)}, token=student))["node"]
    assert node["pendingRescheduleRequest"]["id"] == request["id"]
    assert at(node["pendingRescheduleRequest"]["proposedStartsAt"]) == proposed
    # and the lesson itself has not moved yet
    assert (await stored(state, booking.id)).starts_at == booking.starts_at
    [row] = await requests_of(state, booking.id)
    assert (row.status, row.proposed_starts_at) == ("pending", proposed)


async def test_other_students_do_not_see_the_request(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a pending request on the student's lesson
    diary = await make_diary(factory)
    booking = await lesson(state, diary)
    request = await propose(gql, diary, booking, local(days_ahead(6), 15))
    other = await gql.login(diary.world.other_student.email)

    # When another student of the school lists requests and fetches it by id
    pending = await gql.data(PENDING, token=other)
    node = await gql.data(NODE, {"id": request["id"]}, token=other)
    answer = await gql.data(
        RESPOND, {"input": {"requestId": request["id"], "accept": True}}, token=other
    )

    # Then it does not exist for them, and answering it changes nothing
    assert pending["pendingRescheduleRequests"] == []
    assert node["node"] is None
    assert [(e["code"], e["field"]) for e in answer["respondToRescheduleRequest"]["errors"]] == [
        ("NOT_FOUND", "requestId")
    ]
    assert [r.status for r in await requests_of(state, booking.id)] == ["pending"]


@pytest.mark.parametrize("who", ["student", "instructor"])
async def test_another_schools_request_is_like_a_nonexistent_one(
    gql: GraphQLClient, factory: Factory, state: AppState, who: str
) -> None:
    # Given a pending request in school A, and a student and an instructor of school B
    diary = await make_diary(factory)
    booking = await lesson(state, diary)
    request = await propose(gql, diary, booking, local(days_ahead(6), 15))
    other = await build_school_world(factory)
    token = await gql.login(getattr(other, who).email)
    document, name, extra = (
        (RESPOND, "respondToRescheduleRequest", {"accept": True})
        if who == "student"
        else (WITHDRAW, "withdrawRescheduleRequest", {})
    )

    # When school B's user answers (or withdraws) it, and an id that does not exist
    foreign = await gql.data(
        document, {"input": {"requestId": request["id"], **extra}}, token=token
    )
    missing = await gql.data(
        document,
        {"input": {"requestId": gid("RescheduleRequest", uuid.uuid4()), **extra}},
        token=token,
    )

    # Then both answers are identical — nothing tells that the first id exists — and the
    # request is untouched
    assert foreign[name]["errors"] == missing[name]["errors"]
    assert [e["code"] for e in foreign[name]["errors"]] == ["NOT_FOUND"]
    assert (await gql.data(NODE, {"id": request["id"]}, token=token))["node"] is None
    assert [r.status for r in await requests_of(state, booking.id)] == ["pending"]


async def test_accepting_moves_the_same_booking(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a pending proposal to move a confirmed lesson
    diary = await make_diary(factory)
    booking = await lesson(state, diary)
    old = booking.starts_at
    proposed = local(days_ahead(6), 15)
    request = await propose(gql, diary, booking, proposed, "Car at MOT")
    token = await gql.login(diary.world.student.email)

    # When the student accepts it with a note
    data = await gql.data(
        RESPOND,
        {"input": {"requestId": request["id"], "accept": True, "note": "Works for me"}},
        token=token,
    )

    # Then the request is accepted and the same booking is at the proposed time
    payload = data["respondToRescheduleRequest"]
    assert payload["errors"] == []
    assert payload["request"]["status"] == "ACCEPTED"
    assert payload["request"]["responseNote"] == "Works for me"
    assert payload["request"]["respondedAt"] is not None
    moved = payload["request"]["booking"]
    assert moved["id"] == bid(booking)
    assert at(moved["startsAt"]) == proposed
    assert at(moved["endsAt"]) == proposed + timedelta(hours=1)
    assert moved["status"] == "CONFIRMED"
    row = await stored(state, booking.id)
    assert (row.starts_at, row.ends_at) == (proposed, proposed + timedelta(hours=1))
    async with state.db.session() as session:
        count = await session.scalar(
            select(func.count()).where(Booking.student_id == diary.world.student.id)
        )
    assert count == 1
    # and the history says it moved from where, why, and at whose answer
    node = (await gql.data(BOOKING, {"id": bid(booking)}, token=token))["node"]
    assert node["pendingRescheduleRequest"] is None
    last = node["history"][-1]
    assert last["kind"] == "MOVED"
    assert (at(last["fromStartsAt"]), at(last["toStartsAt"])) == (old, proposed)
    assert last["reason"] == "Car at MOT"
    assert last["actor"]["id"] == gid("User", diary.world.student.id)
    assert (await gql.data(PENDING, token=token))["pendingRescheduleRequests"] == []
    assert [r.status for r in await requests_of(state, booking.id)] == ["accepted"]


async def test_declining_leaves_the_booking_where_it_was(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a pending proposal
    diary = await make_diary(factory)
    booking = await lesson(state, diary)
    request = await propose(gql, diary, booking, local(days_ahead(6), 15))
    token = await gql.login(diary.world.student.email)

    # When the student declines it
    data = await gql.data(
        RESPOND,
        {"input": {"requestId": request["id"], "accept": False, "note": "Can't then"}},
        token=token,
    )

    # Then the request is declined and the lesson has not moved
    payload = data["respondToRescheduleRequest"]
    assert payload["errors"] == []
    assert (payload["request"]["status"], payload["request"]["responseNote"]) == (
        "DECLINED",
        "Can't then",
    )
    assert at(payload["request"]["booking"]["startsAt"]) == booking.starts_at
    assert (await stored(state, booking.id)).starts_at == booking.starts_at
    assert await change_kinds(state, booking.id) == ["created"]
    node = (await gql.data(BOOKING, {"id": bid(booking)}, token=token))["node"]
    assert node["pendingRescheduleRequest"] is None

    # And an answered request cannot be answered again
    again = await gql.data(
        RESPOND, {"input": {"requestId": request["id"], "accept": True}}, token=token
    )
    assert codes(again["respondToRescheduleRequest"]) == ["INVALID_STATUS"]
    assert (await stored(state, booking.id)).starts_at == booking.starts_at


async def test_one_pending_request_per_booking(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a pending proposal
    diary = await make_diary(factory)
    booking = await lesson(state, diary)
    await propose(gql, diary, booking, local(days_ahead(6), 15))
    token = await gql.login(diary.world.instructor.email)

    # When the instructor proposes a second time
    data = await gql.data(
        REQUEST,
        {"input": {"bookingId": bid(booking), "proposedStartsAt": iso(local(days_ahead(7), 9))}},
        token=token,
    )

    # Then it is refused and only the first request exists
    assert codes(data["requestReschedule"]) == ["REQUEST_PENDING"]
    assert data["requestReschedule"]["request"] is None
    assert [r.status for r in await requests_of(state, booking.id)] == ["pending"]


@pytest.mark.parametrize("run", RUNS)
async def test_concurrent_proposals_leave_exactly_one_pending(
    gql: GraphQLClient, factory: Factory, state: AppState, run: int
) -> None:
    # Given a confirmed lesson
    diary = await make_diary(factory)
    booking = await lesson(state, diary)
    token = await gql.login(diary.world.instructor.email)

    # When the instructor sends eight different proposals at the same moment
    responses = await asyncio.gather(
        *(
            gql.post(
                REQUEST,
                {
                    "input": {
                        "bookingId": bid(booking),
                        "proposedStartsAt": iso(local(days_ahead(6), 8 + n)),
                    }
                },
                token=token,
            )
            for n in range(8)
        )
    )

    # Then one is pending, the others are told so, and PostgreSQL holds one request
    outcomes: Counter[str] = Counter()
    for response in responses:
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body
        payload = body["data"]["requestReschedule"]
        outcomes.update([payload["errors"][0]["code"] if payload["errors"] else "OK"])
    assert outcomes == Counter({"OK": 1, "REQUEST_PENDING": 7}), (run, outcomes)
    assert [r.status for r in await requests_of(state, booking.id)] == ["pending"]


async def test_accepting_a_time_taken_meanwhile_changes_nothing(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a proposal for a time that the admin then books for another of the instructor's
    # students
    diary = await make_diary(factory)
    booking = await lesson(state, diary)
    proposed = local(days_ahead(6), 15)
    request = await propose(gql, diary, booking, proposed)
    newcomer = await factory.user(diary.school, Role.STUDENT)
    await factory.assign(newcomer, diary.world.instructor)
    rival = await book(state, diary.admin_actor, diary, proposed, student=newcomer)
    token = await gql.login(diary.world.student.email)

    # When the student accepts
    data = await gql.data(
        RESPOND, {"input": {"requestId": request["id"], "accept": True}}, token=token
    )

    # Then the slot is unavailable, the lesson has not moved and the request is still pending
    payload = data["respondToRescheduleRequest"]
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [
        ("SLOT_UNAVAILABLE", "requestId")
    ]
    assert payload["request"] is None
    assert (await stored(state, booking.id)).starts_at == booking.starts_at
    assert (await stored(state, rival.id)).starts_at == proposed
    assert await change_kinds(state, booking.id) == ["created"]
    [row] = await requests_of(state, booking.id)
    assert (row.status, row.responded_at) == ("pending", None)


async def test_the_instructor_withdraws_a_request(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a pending proposal
    diary = await make_diary(factory)
    booking = await lesson(state, diary)
    request = await propose(gql, diary, booking, local(days_ahead(6), 15))
    instructor = await gql.login(diary.world.instructor.email)
    student = await gql.login(diary.world.student.email)

    # When the student tries to withdraw it, then the instructor does
    by_student = await gql.data(WITHDRAW, {"input": {"requestId": request["id"]}}, token=student)
    assert codes(by_student["withdrawRescheduleRequest"]) == ["NOT_FOUND"]
    assert [r.status for r in await requests_of(state, booking.id)] == ["pending"]
    data = await gql.data(WITHDRAW, {"input": {"requestId": request["id"]}}, token=instructor)

    # Then it is withdrawn, the student no longer sees it, and it can no longer be accepted
    payload = data["withdrawRescheduleRequest"]
    assert payload["errors"] == []
    assert payload["request"]["status"] == "WITHDRAWN"
    assert payload["request"]["respondedAt"] is not None
    assert (await gql.data(PENDING, token=student))["pendingRescheduleRequests"] == []
    accept = await gql.data(
        RESPOND, {"input": {"requestId": request["id"], "accept": True}}, token=student
    )
    assert codes(accept["respondToRescheduleRequest"]) == ["INVALID_STATUS"]
    assert (await stored(state, booking.id)).starts_at == booking.starts_at
    [row] = await requests_of(state, booking.id)
    assert row.status == "withdrawn"

    # And a new proposal may follow
    again = await propose(gql, diary, booking, local(days_ahead(7), 9))
    assert again["status"] == "PENDING"


async def test_a_student_cannot_propose(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a confirmed lesson of the student
    diary = await make_diary(factory)
    booking = await lesson(state, diary)
    token = await gql.login(diary.world.student.email)

    # When the student proposes a new time through requestReschedule
    body = await gql.execute(
        REQUEST,
        {"input": {"bookingId": bid(booking), "proposedStartsAt": iso(local(days_ahead(6), 9))}},
        token=token,
    )

    # Then they are FORBIDDEN and no request exists
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert await requests_of(state, booking.id) == []


async def test_the_instructor_cannot_accept_their_own_proposal(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a pending proposal
    diary = await make_diary(factory)
    booking = await lesson(state, diary)
    request = await propose(gql, diary, booking, local(days_ahead(6), 15))
    token = await gql.login(diary.world.instructor.email)

    # When the instructor answers it
    data = await gql.data(
        RESPOND, {"input": {"requestId": request["id"], "accept": True}}, token=token
    )

    # Then only the student may: the lesson has not moved
    assert codes(data["respondToRescheduleRequest"]) == ["NOT_FOUND"]
    assert (await stored(state, booking.id)).starts_at == booking.starts_at
    assert [r.status for r in await requests_of(state, booking.id)] == ["pending"]


async def test_an_admin_may_propose(gql: GraphQLClient, factory: Factory, state: AppState) -> None:
    # Given a confirmed lesson
    diary = await make_diary(factory)
    booking = await lesson(state, diary)
    token = await gql.login(diary.world.admin.email)

    # When the school's admin proposes a new time
    data = await gql.data(
        REQUEST,
        {"input": {"bookingId": bid(booking), "proposedStartsAt": iso(local(days_ahead(6), 9))}},
        token=token,
    )

    # Then the request is pending in the admin's name
    request = data["requestReschedule"]["request"]
    assert request["status"] == "PENDING"
    assert request["requestedBy"]["id"] == gid("User", diary.world.admin.id)


@pytest.mark.parametrize(
    ("when", "code"),
    [
        ("past", "IN_THE_PAST"),
        ("same", "INVALID"),
        ("misaligned", "MISALIGNED_START"),
        ("beyond-horizon", "BEYOND_HORIZON"),
        ("no-offset", "INVALID"),
    ],
)
async def test_impossible_proposals_are_typed_errors(
    gql: GraphQLClient, factory: Factory, state: AppState, when: str, code: str
) -> None:
    # Given a confirmed lesson
    diary = await make_diary(factory)
    booking = await lesson(state, diary)
    token = await gql.login(diary.world.instructor.email)
    proposed = {
        "past": iso(datetime.now(UTC) - timedelta(days=1)),
        "same": iso(booking.starts_at),
        "misaligned": iso(local(days_ahead(6), 10, 7)),
        "beyond-horizon": iso(local(days_ahead(120), 10)),
        "no-offset": local(days_ahead(6), 10).replace(tzinfo=None).isoformat(),
    }[when]

    # When the instructor proposes it
    data = await gql.data(
        REQUEST, {"input": {"bookingId": bid(booking), "proposedStartsAt": proposed}}, token=token
    )

    # Then it is a typed error on proposedStartsAt and no request exists
    assert [(e["code"], e["field"]) for e in data["requestReschedule"]["errors"]] == [
        (code, "proposedStartsAt")
    ]
    assert await requests_of(state, booking.id) == []


async def test_cancelling_the_lesson_withdraws_its_request(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a pending proposal
    diary = await make_diary(factory)
    booking = await lesson(state, diary)
    request = await propose(gql, diary, booking, local(days_ahead(6), 15))
    token = await gql.login(diary.world.student.email)

    # When the student cancels the lesson instead
    cancelled = await gql.data(CANCEL, {"input": {"bookingId": bid(booking)}}, token=token)
    assert cancelled["cancelBooking"]["errors"] == []

    # Then the request is withdrawn and can no longer bring the lesson back
    [row] = await requests_of(state, booking.id)
    assert row.status == "withdrawn"
    accept = await gql.data(
        RESPOND, {"input": {"requestId": request["id"], "accept": True}}, token=token
    )
    assert codes(accept["respondToRescheduleRequest"]) == ["INVALID_STATUS"]
    assert (await stored(state, booking.id)).status == "cancelled"


async def test_a_request_whose_lesson_has_started_lapses(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a pending proposal on a lesson that has since started
    diary = await make_diary(factory)
    booking = await lesson(state, diary)
    request = await propose(gql, diary, booking, local(days_ahead(6), 15))
    started = datetime.now(UTC) - timedelta(minutes=5)
    await shift(state, booking.id, started)
    token = await gql.login(diary.world.student.email)

    # When the student accepts it
    data = await gql.data(
        RESPOND, {"input": {"requestId": request["id"], "accept": True}}, token=token
    )

    # Then it is too late, the lesson stays where it is, and the request has lapsed: it is
    # no longer offered to the student as pending
    assert codes(data["respondToRescheduleRequest"]) == ["TOO_LATE"]
    assert (await stored(state, booking.id)).starts_at == started
    assert (await gql.data(PENDING, token=token))["pendingRescheduleRequests"] == []
    [row] = await requests_of(state, booking.id)
    assert row.status == "expired"
