"""The waiting list (SPEC §2): students wait for an earlier lesson with an instructor; a
freed slot inside their window is offered to each of them, and the first to accept gets
it — atomically, never two — over real, concurrent HTTP requests."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from models.accounts import User
from models.notifications import OutboundMessage
from models.scheduling import Booking, SlotOffer, WaitlistEntry
from resolvers.context import AppState
from schema.common.node import parse_global_id
from services.actor import Role
from tests.scheduling.helpers import Diary, book, days_ahead, iso, local, make_diary
from tests.support import Factory, GraphQLClient, gid

JOIN = """
mutation Join($input: JoinWaitingListInput!) {
  joinWaitingList(input: $input) {
    entry { id status notBefore notAfter student { id } instructor { id } booking { id } }
    errors { code message field }
  }
}
"""

LEAVE = """
mutation Leave($input: LeaveWaitingListInput!) {
  leaveWaitingList(input: $input) { entry { id status } errors { code message field } }
}
"""

ACCEPT = """
mutation Accept($input: SlotOfferInput!) {
  acceptSlotOffer(input: $input) {
    offer { id status startsAt booking { id startsAt status student { id } } }
    errors { code message field }
  }
}
"""

DECLINE = """
mutation Decline($input: SlotOfferInput!) {
  declineSlotOffer(input: $input) { offer { id status booking { id } } errors { code field } }
}
"""

CANCEL = """
mutation Cancel($input: CancelBookingInput!) {
  cancelBooking(input: $input) { booking { id status } errors { code } }
}
"""

OFFERS = """
query Offers {
  mySlotOffers { id status startsAt endsAt expiresAt instructor { id } booking { id } }
}
"""

WAITING = """
query Waiting { waitingList { id status student { id } instructor { id } } }
"""

RUNS = range(5)


def pk(global_id: str) -> uuid.UUID:
    parsed = parse_global_id(global_id)
    assert parsed is not None
    return parsed[1]


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["errors"]]


def window(diary: Diary, not_after: datetime, **extra: Any) -> dict[str, Any]:
    return {
        "input": {
            "instructorId": gid("User", diary.world.instructor.id),
            "lessonTypeId": gid("LessonType", diary.lesson_type.id),
            "notAfter": iso(not_after),
            **extra,
        }
    }


async def newcomer(factory: Factory, diary: Diary) -> User:
    """Another active student of the school, assigned to the instructor."""
    student = await factory.user(diary.school, Role.STUDENT)
    await factory.assign(student, diary.world.instructor)
    return student


async def join(
    gql: GraphQLClient, student: User, diary: Diary, not_after: datetime, **extra: Any
) -> dict[str, Any]:
    token = await gql.login(student.email)
    data = await gql.data(JOIN, window(diary, not_after, **extra), token=token)
    assert data["joinWaitingList"]["errors"] == [], data
    return data["joinWaitingList"]["entry"]  # type: ignore[no-any-return]


async def free_up(gql: GraphQLClient, holder: User, booking: Booking) -> None:
    """The holder cancels their lesson, freeing its slot."""
    token = await gql.login(holder.email)
    data = await gql.data(CANCEL, {"input": {"bookingId": gid("Booking", booking.id)}}, token=token)
    assert data["cancelBooking"]["errors"] == [], data


async def offers_to(gql: GraphQLClient, student: User) -> list[dict[str, Any]]:
    token = await gql.login(student.email)
    return (await gql.data(OFFERS, token=token))["mySlotOffers"]  # type: ignore[no-any-return]


async def offer_rows(state: AppState, student: User) -> list[SlotOffer]:
    async with state.db.session() as session:
        return list(
            await session.scalars(
                select(SlotOffer)
                .where(SlotOffer.student_id == student.id)
                .order_by(SlotOffer.starts_at)
            )
        )


async def entry_status(state: AppState, entry_id: str) -> str:
    async with state.db.session() as session:
        entry = await session.get(WaitlistEntry, pk(entry_id))
    assert entry is not None
    return entry.status


async def live_bookings_at(state: AppState, instructor: User, starts_at: datetime) -> list[Booking]:
    async with state.db.session() as session:
        return list(
            await session.scalars(
                select(Booking).where(
                    Booking.instructor_id == instructor.id,
                    Booking.starts_at == starts_at,
                    Booking.status != "cancelled",
                    Booking.deleted_at.is_(None),
                )
            )
        )


async def offer_messages(state: AppState, student: User) -> list[OutboundMessage]:
    async with state.db.session() as session:
        return list(
            await session.scalars(
                select(OutboundMessage).where(
                    OutboundMessage.user_id == student.id,
                    OutboundMessage.template == "waitlist.slot_offer",
                )
            )
        )


# -- joining -------------------------------------------------------------------------------------


async def test_a_student_joins_once_per_instructor(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a student assigned to an instructor
    diary = await make_diary(factory)
    student = diary.world.student
    token = await gql.login(student.email)
    not_after = local(days_ahead(7), 18)

    # When they join the instructor's waiting list, then join again
    first = await gql.data(JOIN, window(diary, not_after), token=token)
    second = await gql.data(JOIN, window(diary, local(days_ahead(9), 18)), token=token)

    # Then the first is an active entry, the second is ALREADY_WAITING, and one entry exists
    entry = first["joinWaitingList"]["entry"]
    assert first["joinWaitingList"]["errors"] == []
    assert entry["status"] == "active"
    assert at(entry["notAfter"]) == not_after
    assert entry["student"]["id"] == gid("User", student.id)
    assert entry["instructor"]["id"] == gid("User", diary.world.instructor.id)
    assert [(e["code"], e["field"]) for e in second["joinWaitingList"]["errors"]] == [
        ("ALREADY_WAITING", "instructorId")
    ]
    listed = (await gql.data(WAITING, token=token))["waitingList"]
    assert [e["id"] for e in listed] == [entry["id"]]
    async with state.db.session() as session:
        count = await session.scalar(
            select(func.count()).where(WaitlistEntry.student_id == student.id)
        )
    assert count == 1


async def test_concurrent_joins_leave_one_entry(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a student assigned to an instructor
    diary = await make_diary(factory)
    token = await gql.login(diary.world.student.email)

    # When they join the same waiting list six times at once
    responses = await asyncio.gather(
        *(
            gql.post(JOIN, window(diary, local(days_ahead(7 + n), 18)), token=token)
            for n in range(6)
        )
    )

    # Then one joins, five are told they are already waiting, and one active entry exists
    outcomes: Counter[str] = Counter()
    for response in responses:
        assert response.status_code == 200, response.text
        payload = response.json()["data"]["joinWaitingList"]
        outcomes.update([payload["errors"][0]["code"] if payload["errors"] else "OK"])
    assert outcomes == Counter({"OK": 1, "ALREADY_WAITING": 5})
    async with state.db.session() as session:
        count = await session.scalar(
            select(func.count()).where(
                WaitlistEntry.student_id == diary.world.student.id,
                WaitlistEntry.status == "active",
            )
        )
    assert count == 1


async def test_only_assigned_students_join(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a student not assigned to the school's other instructor, and an instructor
    diary = await make_diary(factory)
    student = await gql.login(diary.world.student.email)
    instructor = await gql.login(diary.world.instructor.email)
    not_after = iso(local(days_ahead(7), 18))

    # When the student joins the other instructor's list, and the instructor joins one
    unassigned = await gql.data(
        JOIN,
        {
            "input": {
                "instructorId": gid("User", diary.world.other_instructor.id),
                "lessonTypeId": gid("LessonType", diary.lesson_type.id),
                "notAfter": not_after,
            }
        },
        token=student,
    )
    by_instructor = await gql.execute(
        JOIN, window(diary, local(days_ahead(7), 18)), token=instructor
    )

    # Then the first is NOT_ASSIGNED, the second FORBIDDEN, and nobody is waiting
    assert codes(unassigned["joinWaitingList"]) == ["NOT_ASSIGNED"]
    assert by_instructor["data"] is None
    assert [e["extensions"]["code"] for e in by_instructor["errors"]] == ["FORBIDDEN"]
    async with state.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(WaitlistEntry)) == 0


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("past", "INVALID_TIME_RANGE"),
        ("beyond-horizon", "BEYOND_HORIZON"),
        ("reversed", "INVALID_TIME_RANGE"),
    ],
)
async def test_impossible_windows_are_typed_errors(
    gql: GraphQLClient, factory: Factory, state: AppState, case: str, code: str
) -> None:
    # Given a student assigned to the instructor
    diary = await make_diary(factory)
    token = await gql.login(diary.world.student.email)
    variables = {
        "past": window(diary, datetime.now(UTC) - timedelta(hours=1)),
        "beyond-horizon": window(diary, local(days_ahead(120), 10)),
        "reversed": window(
            diary, local(days_ahead(3), 10), notBefore=iso(local(days_ahead(5), 10))
        ),
    }[case]

    # When they join with a window that cannot hold a lesson
    data = await gql.data(JOIN, variables, token=token)

    # Then it is a typed error on notAfter and nothing is stored
    assert [(e["code"], e["field"]) for e in data["joinWaitingList"]["errors"]] == [
        (code, "notAfter")
    ]
    async with state.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(WaitlistEntry)) == 0


# -- offers --------------------------------------------------------------------------------------


async def test_a_freed_slot_in_the_window_is_offered_and_the_student_told(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a student waiting until next week, and another student's lesson in three days
    diary = await make_diary(factory)
    waiting = diary.world.student
    await join(gql, waiting, diary, local(days_ahead(7), 18))
    holder = await newcomer(factory, diary)
    freed_at = local(days_ahead(3), 10)
    booking = await book(state, diary.admin_actor, diary, freed_at, student=holder)

    # When the holder cancels it
    await free_up(gql, holder, booking)

    # Then the waiting student has an open offer of that slot, and an email about it
    [offer] = await offers_to(gql, waiting)
    assert offer["status"] == "OPEN"
    assert at(offer["startsAt"]) == freed_at
    assert at(offer["endsAt"]) == freed_at + timedelta(hours=1)
    assert offer["instructor"]["id"] == gid("User", diary.world.instructor.id)
    assert offer["booking"] is None
    [message] = await offer_messages(state, waiting)
    assert message.recipient == waiting.email
    assert message.data["offer_id"] == str(pk(offer["id"]))
    # the holder is offered nothing of their own slot
    assert await offer_rows(state, holder) == []


async def test_a_freed_slot_outside_the_window_is_not_offered(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given one student waiting until the day after tomorrow, one from day 4 to day 6, and
    # lessons freed on day 5 and day 3
    diary = await make_diary(factory)
    early = diary.world.student
    await join(gql, early, diary, local(days_ahead(2), 18))
    later = await newcomer(factory, diary)
    await join(gql, later, diary, local(days_ahead(6), 18), notBefore=iso(local(days_ahead(4), 0)))
    holder = await newcomer(factory, diary)
    day5 = await book(state, diary.admin_actor, diary, local(days_ahead(5), 10), student=holder)
    day3 = await book(state, diary.admin_actor, diary, local(days_ahead(3), 10), student=holder)

    # When both lessons are cancelled
    await free_up(gql, holder, day5)
    await free_up(gql, holder, day3)

    # Then each student is offered only the slot inside their own window
    assert await offer_rows(state, early) == []
    assert await offer_messages(state, early) == []
    assert [o.starts_at for o in await offer_rows(state, later)] == [day5.starts_at]


async def test_a_declined_offer_is_closed(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given an open offer
    diary = await make_diary(factory)
    waiting = diary.world.student
    entry = await join(gql, waiting, diary, local(days_ahead(7), 18))
    holder = await newcomer(factory, diary)
    booking = await book(state, diary.admin_actor, diary, local(days_ahead(3), 10), student=holder)
    await free_up(gql, holder, booking)
    [offer] = await offers_to(gql, waiting)
    token = await gql.login(waiting.email)

    # When the student declines it
    data = await gql.data(DECLINE, {"input": {"offerId": offer["id"]}}, token=token)

    # Then it is declined, no longer listed, nothing is booked and they are still waiting
    assert data["declineSlotOffer"]["errors"] == []
    assert data["declineSlotOffer"]["offer"]["status"] == "DECLINED"
    assert await offers_to(gql, waiting) == []
    assert await live_bookings_at(state, diary.world.instructor, booking.starts_at) == []
    assert await entry_status(state, entry["id"]) == "active"
    accept = await gql.data(ACCEPT, {"input": {"offerId": offer["id"]}}, token=token)
    assert codes(accept["acceptSlotOffer"]) == ["INVALID_STATUS"]
    assert await live_bookings_at(state, diary.world.instructor, booking.starts_at) == []


async def test_an_offer_is_only_its_students(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given an open offer to one student
    diary = await make_diary(factory)
    waiting = diary.world.student
    await join(gql, waiting, diary, local(days_ahead(7), 18))
    holder = await newcomer(factory, diary)
    booking = await book(state, diary.admin_actor, diary, local(days_ahead(3), 10), student=holder)
    await free_up(gql, holder, booking)
    [offer] = await offers_to(gql, waiting)
    token = await gql.login(holder.email)

    # When another student (the one who freed it) accepts it
    data = await gql.data(ACCEPT, {"input": {"offerId": offer["id"]}}, token=token)

    # Then it does not exist for them, and the slot is still free and still offered
    assert codes(data["acceptSlotOffer"]) == ["NOT_FOUND"]
    assert await live_bookings_at(state, diary.world.instructor, booking.starts_at) == []
    assert [o.status for o in await offer_rows(state, waiting)] == ["open"]


async def test_accepting_books_the_slot(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given an open offer
    diary = await make_diary(factory)
    waiting = diary.world.student
    entry = await join(gql, waiting, diary, local(days_ahead(7), 18))
    holder = await newcomer(factory, diary)
    booking = await book(state, diary.admin_actor, diary, local(days_ahead(3), 10), student=holder)
    await free_up(gql, holder, booking)
    [offer] = await offers_to(gql, waiting)
    token = await gql.login(waiting.email)

    # When the student accepts it
    data = await gql.data(ACCEPT, {"input": {"offerId": offer["id"]}}, token=token)

    # Then they have a lesson in that slot and are no longer waiting
    payload = data["acceptSlotOffer"]
    assert payload["errors"] == []
    assert payload["offer"]["status"] == "ACCEPTED"
    lesson = payload["offer"]["booking"]
    assert at(lesson["startsAt"]) == booking.starts_at
    assert lesson["student"]["id"] == gid("User", waiting.id)
    [live] = await live_bookings_at(state, diary.world.instructor, booking.starts_at)
    assert live.student_id == waiting.id
    assert gid("Booking", live.id) == lesson["id"]
    assert await entry_status(state, entry["id"]) == "fulfilled"
    assert await offers_to(gql, waiting) == []


async def test_a_slot_rebooked_before_acceptance_is_taken(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given an open offer whose slot the admin then books for someone else
    diary = await make_diary(factory)
    waiting = diary.world.student
    entry = await join(gql, waiting, diary, local(days_ahead(7), 18))
    holder = await newcomer(factory, diary)
    freed_at = local(days_ahead(3), 10)
    booking = await book(state, diary.admin_actor, diary, freed_at, student=holder)
    await free_up(gql, holder, booking)
    [offer] = await offers_to(gql, waiting)
    rival = await book(state, diary.admin_actor, diary, freed_at, student=holder)
    token = await gql.login(waiting.email)

    # When the waiting student accepts
    data = await gql.data(ACCEPT, {"input": {"offerId": offer["id"]}}, token=token)

    # Then the offer is taken, and the rival's lesson is the only one in the slot
    assert codes(data["acceptSlotOffer"]) == ["OFFER_TAKEN"]
    assert [b.id for b in await live_bookings_at(state, diary.world.instructor, freed_at)] == [
        rival.id
    ]
    assert await entry_status(state, entry["id"]) == "active"


async def test_an_expired_offer_cannot_be_accepted(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given an offer whose acceptance window has passed
    diary = await make_diary(factory)
    waiting = diary.world.student
    await join(gql, waiting, diary, local(days_ahead(7), 18))
    holder = await newcomer(factory, diary)
    booking = await book(state, diary.admin_actor, diary, local(days_ahead(3), 10), student=holder)
    await free_up(gql, holder, booking)
    [offer] = await offers_to(gql, waiting)
    async with state.db.transaction() as session:
        await session.execute(
            update(SlotOffer)
            .where(SlotOffer.id == pk(offer["id"]))
            .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    token = await gql.login(waiting.email)

    # When the student accepts it
    data = await gql.data(ACCEPT, {"input": {"offerId": offer["id"]}}, token=token)

    # Then it has expired, is no longer listed, and nothing is booked
    assert codes(data["acceptSlotOffer"]) == ["OFFER_EXPIRED"]
    assert await offers_to(gql, waiting) == []
    assert await live_bookings_at(state, diary.world.instructor, booking.starts_at) == []


@pytest.mark.parametrize("run", RUNS)
async def test_two_students_accept_the_same_slot_at_once_and_one_gets_it(
    gql: GraphQLClient, factory: Factory, state: AppState, run: int
) -> None:
    # Given two students waiting for the instructor, and a third student's lesson freed
    diary = await make_diary(factory)
    first, second = diary.world.student, await newcomer(factory, diary)
    entries = {
        first.id: await join(gql, first, diary, local(days_ahead(7), 18)),
        second.id: await join(gql, second, diary, local(days_ahead(7), 18)),
    }
    holder = await newcomer(factory, diary)
    freed_at = local(days_ahead(3), 10)
    booking = await book(state, diary.admin_actor, diary, freed_at, student=holder)
    await free_up(gql, holder, booking)
    offers = {s.id: (await offers_to(gql, s))[0]["id"] for s in (first, second)}
    tokens = {s.id: await gql.login(s.email) for s in (first, second)}

    # When both accept at the same moment
    responses = await asyncio.gather(
        *(
            gql.post(ACCEPT, {"input": {"offerId": offers[s.id]}}, token=tokens[s.id])
            for s in (first, second)
        )
    )

    # Then exactly one gets the slot, the other is told it was taken, and PostgreSQL holds
    # exactly one live lesson then — the winner's
    outcomes: dict[uuid.UUID, str] = {}
    for student, response in zip((first, second), responses, strict=True):
        assert response.status_code == 200, (run, response.text)
        body = response.json()
        assert "errors" not in body, (run, body)
        payload = body["data"]["acceptSlotOffer"]
        outcomes[student.id] = payload["errors"][0]["code"] if payload["errors"] else "OK"
    assert Counter(outcomes.values()) == Counter({"OK": 1, "OFFER_TAKEN": 1}), (run, outcomes)
    winner = next(s for s, outcome in outcomes.items() if outcome == "OK")
    loser = next(s for s, outcome in outcomes.items() if outcome != "OK")
    [live] = await live_bookings_at(state, diary.world.instructor, freed_at)
    assert live.student_id == winner
    async with state.db.session() as session:
        statuses = {
            o.student_id: o.status
            for o in await session.scalars(select(SlotOffer).where(SlotOffer.starts_at == freed_at))
        }
        live_count = await session.scalar(
            select(func.count())
            .select_from(Booking)
            .where(Booking.instructor_id == diary.world.instructor.id)
            .where(Booking.starts_at == freed_at)
            .where(Booking.status != "cancelled")
        )
    assert statuses == {winner: "accepted", loser: "taken"}
    assert live_count == 1
    assert await entry_status(state, entries[winner]["id"]) == "fulfilled"
    assert await entry_status(state, entries[loser]["id"]) == "active"


async def test_an_entry_with_a_booking_brings_that_lesson_forward(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a student with a lesson in ten days, waiting (with that lesson) for one before
    # day 8, and another student's lesson on day 3
    diary = await make_diary(factory)
    waiting = diary.world.student
    later = await book(state, diary.admin_actor, diary, local(days_ahead(10), 14))
    entry = await join(
        gql, waiting, diary, local(days_ahead(8), 18), bookingId=gid("Booking", later.id)
    )
    assert entry["booking"]["id"] == gid("Booking", later.id)
    holder = await newcomer(factory, diary)
    freed_at = local(days_ahead(3), 10)
    booking = await book(state, diary.admin_actor, diary, freed_at, student=holder)
    await free_up(gql, holder, booking)
    [offer] = await offers_to(gql, waiting)
    token = await gql.login(waiting.email)

    # When the student accepts the offer
    data = await gql.data(ACCEPT, {"input": {"offerId": offer["id"]}}, token=token)

    # Then their later lesson (same id) has moved into the freed slot; no lesson was added
    payload = data["acceptSlotOffer"]
    assert payload["errors"] == []
    assert payload["offer"]["booking"]["id"] == gid("Booking", later.id)
    assert at(payload["offer"]["booking"]["startsAt"]) == freed_at
    async with state.db.session() as session:
        mine = list(await session.scalars(select(Booking).where(Booking.student_id == waiting.id)))
    assert [(b.id, b.starts_at, b.status) for b in mine] == [(later.id, freed_at, "confirmed")]
    assert await entry_status(state, entry["id"]) == "fulfilled"


async def test_an_entry_with_a_booking_must_end_before_it(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a student's lesson in five days
    diary = await make_diary(factory)
    later = await book(state, diary.admin_actor, diary, local(days_ahead(5), 14))
    token = await gql.login(diary.world.student.email)

    # When they wait for a slot until after that lesson, to bring it forward
    data = await gql.data(
        JOIN,
        window(diary, local(days_ahead(6), 18), bookingId=gid("Booking", later.id)),
        token=token,
    )

    # Then the window is refused
    assert [(e["code"], e["field"]) for e in data["joinWaitingList"]["errors"]] == [
        ("INVALID_TIME_RANGE", "notAfter")
    ]


async def test_leaving_the_list_stops_offers(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a waiting student
    diary = await make_diary(factory)
    waiting = diary.world.student
    entry = await join(gql, waiting, diary, local(days_ahead(7), 18))
    token = await gql.login(waiting.email)
    other = await gql.login(diary.world.other_student.email)

    # When another student tries to remove the entry, then the student leaves
    foreign = await gql.data(LEAVE, {"input": {"entryId": entry["id"]}}, token=other)
    data = await gql.data(LEAVE, {"input": {"entryId": entry["id"]}}, token=token)

    # Then only the student's own leaving counts, and they are no longer listed
    assert codes(foreign["leaveWaitingList"]) == ["NOT_FOUND"]
    assert data["leaveWaitingList"]["errors"] == []
    assert data["leaveWaitingList"]["entry"]["status"] == "cancelled"
    assert (await gql.data(WAITING, token=token))["waitingList"] == []
    again = await gql.data(LEAVE, {"input": {"entryId": entry["id"]}}, token=token)
    assert codes(again["leaveWaitingList"]) == ["INVALID_STATUS"]

    # And a slot freed afterwards is not offered to them
    holder = await newcomer(factory, diary)
    booking = await book(state, diary.admin_actor, diary, local(days_ahead(3), 10), student=holder)
    await free_up(gql, holder, booking)
    assert await offer_rows(state, waiting) == []
    assert await offer_messages(state, waiting) == []


async def test_leaving_closes_open_offers(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a waiting student with an open offer
    diary = await make_diary(factory)
    waiting = diary.world.student
    entry = await join(gql, waiting, diary, local(days_ahead(7), 18))
    holder = await newcomer(factory, diary)
    booking = await book(state, diary.admin_actor, diary, local(days_ahead(3), 10), student=holder)
    await free_up(gql, holder, booking)
    [offer] = await offers_to(gql, waiting)
    token = await gql.login(waiting.email)

    # When they leave the list
    await gql.data(LEAVE, {"input": {"entryId": entry["id"]}}, token=token)

    # Then the offer is closed and cannot be accepted
    assert await offers_to(gql, waiting) == []
    accept = await gql.data(ACCEPT, {"input": {"offerId": offer["id"]}}, token=token)
    assert codes(accept["acceptSlotOffer"]) == ["INVALID_STATUS"]
    assert await live_bookings_at(state, diary.world.instructor, booking.starts_at) == []
