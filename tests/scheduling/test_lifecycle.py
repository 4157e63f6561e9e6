"""The booking lifecycle end to end (SPEC §2): confirm, cancel under the school's policy,
waive, reschedule, no-show, complete (with lesson milestones), details, history, and who
may see and do what — over real HTTP, checked against what PostgreSQL holds."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from models.accounts import User
from models.achievements import Milestone
from models.events import AuditEntry
from models.notifications import OutboundMessage
from models.scheduling import Booking, BookingChange
from resolvers.context import AppState
from schema.common.node import parse_global_id
from tests.scheduling.helpers import BOOK, Diary, book, days_ahead, iso, local, make_diary, shift
from tests.support import Factory, GraphQLClient, build_school_world, gid

BOOKING_FIELDS = """
fragment BookingFields on Booking {
  id status startsAt endsAt confirmedAt startedAt completedAt location notes
  policyOutcome
  feeMinor currency
  cancellation { late byRole reason by { id } waivedBy { id } waiverReason }
  history { kind actor { id } fromStartsAt toStartsAt fromStatus toStatus reason }
}
"""

CONFIRM = (
    """
mutation Confirm($input: BookingActionInput!) {
  confirmBooking(input: $input) { booking { ...BookingFields } errors { code message field } }
}
"""
    + BOOKING_FIELDS
)

CANCEL = (
    """
mutation Cancel($input: CancelBookingInput!) {
  cancelBooking(input: $input) { booking { ...BookingFields } errors { code message field } }
}
"""
    + BOOKING_FIELDS
)

RESCHEDULE = (
    """
mutation Reschedule($input: RescheduleBookingInput!) {
  rescheduleBooking(input: $input) { booking { ...BookingFields } errors { code message field } }
}
"""
    + BOOKING_FIELDS
)

NO_SHOW = (
    """
mutation NoShow($input: BookingActionInput!) {
  markNoShow(input: $input) { booking { ...BookingFields } errors { code message field } }
}
"""
    + BOOKING_FIELDS
)

COMPLETE = (
    """
mutation Complete($input: BookingActionInput!) {
  completeLesson(input: $input) { booking { ...BookingFields } errors { code message field } }
}
"""
    + BOOKING_FIELDS
)

WAIVE = (
    """
mutation Waive($input: WaiveCancellationFeeInput!) {
  waiveCancellationFee(input: $input) {
    booking { ...BookingFields } errors { code message field }
  }
}
"""
    + BOOKING_FIELDS
)

UPDATE_DETAILS = (
    """
mutation Details($input: UpdateBookingDetailsInput!) {
  updateBookingDetails(input: $input) {
    booking { ...BookingFields } errors { code message field }
  }
}
"""
    + BOOKING_FIELDS
)

REQUEST_START = """
mutation RequestStart($input: BookingActionInput!) {
  requestLessonStart(input: $input) { booking { id status } errors { code message field } }
}
"""

START = """
mutation Start($input: StartLessonInput!) {
  startLesson(input: $input) { booking { id status startedAt } errors { code message field } }
}
"""

SET_POLICY = """
mutation SetPolicy($input: SetCancellationPolicyInput!) {
  setCancellationPolicy(input: $input) {
    policy { isCustom tiers { minNoticeHours outcome feePercent } }
    errors { code message field }
  }
}
"""

POLICY = """
query Policy { cancellationPolicy { isCustom tiers { minNoticeHours outcome feePercent } } }
"""

NODE = (
    """
query Node($id: ID!) { node(id: $id) { id ... on Booking { ...BookingFields } } }
"""
    + BOOKING_FIELDS
)

BOOKINGS = """
query Bookings { bookings(first: 50) { edges { node { id status } } } }
"""

TIERS = [
    {"minNoticeHours": 48, "outcome": "RETURNED"},
    {"minNoticeHours": 24, "outcome": "FEE", "feePercent": 50},
    {"minNoticeHours": 0, "outcome": "FORFEITED"},
]
PRICE = 4000  # the helper's lesson type: £40.00


# -- helpers -------------------------------------------------------------------------------------


def bid(booking: Booking | uuid.UUID) -> str:
    return gid("Booking", booking if isinstance(booking, uuid.UUID) else booking.id)


def _pk(global_id: str) -> uuid.UUID:
    parsed = parse_global_id(global_id)
    assert parsed is not None
    return parsed[1]


def uid(user: User) -> str:
    return gid("User", user.id)


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["errors"]]


def forbidden(body: dict[str, Any]) -> bool:
    return body.get("data") is None and [e["extensions"]["code"] for e in body["errors"]] == [
        "FORBIDDEN"
    ]


async def row(state: AppState, booking_id: uuid.UUID) -> Booking:
    async with state.db.session() as session:
        booking = await session.get(Booking, booking_id)
    assert booking is not None
    return booking


async def change_kinds(state: AppState, booking_id: uuid.UUID) -> list[str]:
    async with state.db.session() as session:
        rows = await session.scalars(
            select(BookingChange)
            .where(BookingChange.booking_id == booking_id)
            .order_by(BookingChange.created_at, BookingChange.id)
        )
        return [r.kind for r in rows]


async def audits(state: AppState, booking_id: uuid.UUID) -> list[AuditEntry]:
    async with state.db.session() as session:
        rows = await session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity_type == "Booking", AuditEntry.entity_id == str(booking_id))
            .order_by(AuditEntry.id)
        )
        return list(rows)


async def lesson_at_notice(state: AppState, diary: Diary, notice: timedelta, n: int = 0) -> Booking:
    """A confirmed lesson (booked by an admin) staged to start ``notice`` from now."""
    booking = await book(state, diary.admin_actor, diary, local(days_ahead(10 + n), 10))
    await shift(state, booking.id, datetime.now(UTC) + notice)
    return booking


async def give_phone(state: AppState, user: User, phone: str = "+447700900123") -> None:
    async with state.db.transaction() as session:
        await session.execute(update(User).where(User.id == user.id).values(phone=phone))


async def set_custom_tiers(gql: GraphQLClient, diary: Diary) -> None:
    token = await gql.login(diary.world.admin.email)
    data = await gql.data(SET_POLICY, {"input": {"tiers": TIERS}}, token=token)
    assert data["setCancellationPolicy"]["errors"] == [], data


# -- confirm -------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["instructor", "admin"])
async def test_staff_confirm_a_pending_booking(
    gql: GraphQLClient, factory: Factory, state: AppState, who: str
) -> None:
    # Given a lesson the student booked themselves (pending)
    diary = await make_diary(factory)
    student = await gql.login(diary.world.student.email)
    booked = await gql.data(
        BOOK,
        {"input": {**diary.ids(), "startsAt": iso(local(days_ahead(4), 10))}},
        token=student,
    )
    booking_id = booked["bookLesson"]["booking"]["id"]
    assert booked["bookLesson"]["booking"]["status"] == "PENDING"
    staff = diary.world.instructor if who == "instructor" else diary.world.admin
    token = await gql.login(staff.email)

    # When the instructor or an admin confirms it
    data = await gql.data(CONFIRM, {"input": {"bookingId": booking_id}}, token=token)

    # Then it is confirmed, with the time and a history entry naming who confirmed it
    payload = data["confirmBooking"]
    assert payload["errors"] == []
    assert payload["booking"]["status"] == "CONFIRMED"
    assert payload["booking"]["confirmedAt"] is not None
    last = payload["booking"]["history"][-1]
    assert (last["kind"], last["fromStatus"], last["toStatus"]) == (
        "CONFIRMED",
        "PENDING",
        "CONFIRMED",
    )
    assert last["actor"]["id"] == uid(staff)
    stored = await row(state, _pk(booking_id))
    assert stored.status == "confirmed"
    assert stored.confirmed_at is not None


async def test_a_student_cannot_confirm_their_own_booking(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a pending lesson the student booked
    diary = await make_diary(factory)
    token = await gql.login(diary.world.student.email)
    booked = await gql.data(
        BOOK, {"input": {**diary.ids(), "startsAt": iso(local(days_ahead(4), 10))}}, token=token
    )
    booking_id = booked["bookLesson"]["booking"]["id"]

    # When the student tries to confirm it
    body = await gql.execute(CONFIRM, {"input": {"bookingId": booking_id}}, token=token)

    # Then they are FORBIDDEN and the booking is still pending, with no new history
    assert forbidden(body), body
    assert (await row(state, _pk(booking_id))).status == "pending"
    assert await change_kinds(state, _pk(booking_id)) == ["created"]


async def test_only_a_pending_booking_can_be_confirmed(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a lesson an admin booked (confirmed at once)
    diary = await make_diary(factory)
    booking = await book(state, diary.admin_actor, diary, local(days_ahead(4), 10))
    confirmed_at = (await row(state, booking.id)).confirmed_at
    token = await gql.login(diary.world.instructor.email)

    # When the instructor confirms it again
    data = await gql.data(CONFIRM, {"input": {"bookingId": bid(booking)}}, token=token)

    # Then it is refused and nothing changes
    assert codes(data["confirmBooking"]) == ["INVALID_STATUS"]
    assert data["confirmBooking"]["booking"] is None
    stored = await row(state, booking.id)
    assert (stored.status, stored.confirmed_at) == ("confirmed", confirmed_at)
    assert await change_kinds(state, booking.id) == ["created"]


# -- cancellation policy ---------------------------------------------------------------------------


async def test_the_default_policy_is_the_simple_one(gql: GraphQLClient, factory: Factory) -> None:
    # Given a school that never set tiers
    diary = await make_diary(factory)
    token = await gql.login(diary.world.student.email)

    # When anyone of the school reads its policy
    data = await gql.data(POLICY, token=token)

    # Then it is 48 hours' notice free, forfeited after that
    assert data["cancellationPolicy"] == {
        "isCustom": False,
        "tiers": [
            {"minNoticeHours": 48, "outcome": "RETURNED", "feePercent": None},
            {"minNoticeHours": 0, "outcome": "FORFEITED", "feePercent": None},
        ],
    }


@pytest.mark.parametrize(
    ("notice", "outcome", "late"),
    [
        (timedelta(hours=48, minutes=10), "RETURNED", False),
        (timedelta(hours=47, minutes=50), "FORFEITED", True),
        (timedelta(hours=1), "FORFEITED", True),
    ],
    ids=["48h+10m", "48h-10m", "1h"],
)
async def test_a_student_cancels_under_the_simple_policy(
    gql: GraphQLClient,
    factory: Factory,
    state: AppState,
    notice: timedelta,
    outcome: str,
    late: bool,
) -> None:
    # Given a confirmed lesson in a school on the default policy, due after `notice`
    diary = await make_diary(factory)
    booking = await lesson_at_notice(state, diary, notice)
    token = await gql.login(diary.world.student.email)

    # When the student cancels it
    data = await gql.data(
        CANCEL, {"input": {"bookingId": bid(booking), "reason": "Car trouble"}}, token=token
    )

    # Then the policy decides, and the booking records who, why and whether late
    payload = data["cancelBooking"]
    assert payload["errors"] == []
    result = payload["booking"]
    assert result["status"] == "CANCELLED"
    assert result["policyOutcome"] == outcome
    assert (result["feeMinor"], result["currency"]) == (0, "GBP")
    assert result["cancellation"]["late"] is late
    assert result["cancellation"]["byRole"] == "student"
    assert result["cancellation"]["reason"] == "Car trouble"
    assert result["cancellation"]["by"]["id"] == uid(diary.world.student)
    stored = await row(state, booking.id)
    assert (stored.status, stored.policy_outcome, stored.is_late_cancellation) == (
        "cancelled",
        outcome.lower(),
        late,
    )
    assert stored.cancelled_at is not None


async def test_the_simple_policy_follows_the_schools_settings(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a school with 24 hours' free notice and half the fee after that
    diary = await make_diary(
        factory, cancellation_notice_hours=24, late_cancellation_rule="half_fee"
    )
    free = await lesson_at_notice(state, diary, timedelta(hours=25), 0)
    late = await lesson_at_notice(state, diary, timedelta(hours=23, minutes=50), 1)
    token = await gql.login(diary.world.student.email)

    # When the student cancels one lesson with 25 hours' notice and one with 23 h 50
    free_data = await gql.data(CANCEL, {"input": {"bookingId": bid(free)}}, token=token)
    late_data = await gql.data(CANCEL, {"input": {"bookingId": bid(late)}}, token=token)

    # Then the first is free and the second costs half the price
    assert free_data["cancelBooking"]["booking"]["policyOutcome"] == "RETURNED"
    late_booking = late_data["cancelBooking"]["booking"]
    assert late_booking["policyOutcome"] == "FEE"
    assert late_booking["feeMinor"] == PRICE // 2
    assert late_booking["cancellation"]["late"] is True
    assert (await row(state, late.id)).fee_minor == PRICE // 2


async def test_an_admin_sets_custom_tiers_and_the_change_is_audited(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a school on the simple policy
    diary = await make_diary(factory)
    token = await gql.login(diary.world.admin.email)

    # When its admin sets three tiers
    data = await gql.data(SET_POLICY, {"input": {"tiers": TIERS}}, token=token)

    # Then they are the school's policy, most notice first, and the audit log has before/after
    expected = {
        "isCustom": True,
        "tiers": [
            {"minNoticeHours": 48, "outcome": "RETURNED", "feePercent": None},
            {"minNoticeHours": 24, "outcome": "FEE", "feePercent": 50},
            {"minNoticeHours": 0, "outcome": "FORFEITED", "feePercent": None},
        ],
    }
    assert data["setCancellationPolicy"] == {"policy": expected, "errors": []}
    student = await gql.login(diary.world.student.email)
    assert (await gql.data(POLICY, token=student))["cancellationPolicy"] == expected
    async with state.db.session() as session:
        entry = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "school.cancellation_policy_set")
        )
    assert entry is not None
    assert entry.actor_id == diary.world.admin.id
    assert entry.school_id == diary.school.id
    assert entry.before is not None
    assert entry.after is not None
    assert [t["hours"] for t in entry.before["tiers"]] == [48, 0]
    assert [t["hours"] for t in entry.after["tiers"]] == [48, 24, 0]


async def test_invalid_tiers_and_non_admins_change_nothing(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a school on the simple policy
    diary = await make_diary(factory)
    admin = await gql.login(diary.world.admin.email)
    instructor = await gql.login(diary.world.instructor.email)

    # When the admin sends tiers without a 0-hour tier, a fee without a percent, and an
    # instructor sends valid tiers
    no_floor = await gql.data(
        SET_POLICY,
        {"input": {"tiers": [{"minNoticeHours": 24, "outcome": "RETURNED"}]}},
        token=admin,
    )
    fee_without_percent = await gql.data(
        SET_POLICY, {"input": {"tiers": [{"minNoticeHours": 0, "outcome": "FEE"}]}}, token=admin
    )
    by_instructor = await gql.execute(SET_POLICY, {"input": {"tiers": TIERS}}, token=instructor)

    # Then each is refused and the policy is still the simple one
    assert codes(no_floor["setCancellationPolicy"]) == ["INVALID"]
    assert codes(fee_without_percent["setCancellationPolicy"]) == ["INVALID"]
    assert forbidden(by_instructor), by_instructor
    assert (await gql.data(POLICY, token=admin))["cancellationPolicy"]["isCustom"] is False


@pytest.mark.parametrize(
    ("notice", "outcome", "fee", "late"),
    [
        (timedelta(hours=48, minutes=10), "RETURNED", 0, False),
        (timedelta(hours=47, minutes=50), "FEE", PRICE // 2, True),
        (timedelta(hours=24, minutes=10), "FEE", PRICE // 2, True),
        (timedelta(hours=23, minutes=50), "FORFEITED", 0, True),
        (timedelta(minutes=30), "FORFEITED", 0, True),
    ],
    ids=["48h+10m", "48h-10m", "24h+10m", "24h-10m", "30m"],
)
async def test_a_student_cancels_under_custom_tiers(
    gql: GraphQLClient,
    factory: Factory,
    state: AppState,
    notice: timedelta,
    outcome: str,
    fee: int,
    late: bool,
) -> None:
    # Given custom tiers (48 h: returned, 24 h: 50 % fee, else forfeited) and a confirmed
    # lesson due after `notice`
    diary = await make_diary(factory)
    await set_custom_tiers(gql, diary)
    booking = await lesson_at_notice(state, diary, notice)
    token = await gql.login(diary.world.student.email)

    # When the student cancels it
    data = await gql.data(
        CANCEL, {"input": {"bookingId": bid(booking), "reason": "Exam moved"}}, token=token
    )

    # Then the tier for that notice decides, in the payload, the row and the audit log
    result = data["cancelBooking"]["booking"]
    assert data["cancelBooking"]["errors"] == []
    assert result["policyOutcome"] == outcome
    assert result["feeMinor"] == fee
    assert result["cancellation"]["late"] is late
    assert result["cancellation"]["byRole"] == "student"
    assert result["cancellation"]["reason"] == "Exam moved"
    stored = await row(state, booking.id)
    assert (stored.policy_outcome, stored.fee_minor, stored.is_late_cancellation) == (
        outcome.lower(),
        fee,
        late,
    )
    [entry] = await audits(state, booking.id)
    assert entry.action == "booking.cancelled"
    assert entry.actor_id == diary.world.student.id
    assert entry.after is not None
    assert entry.after["policy_outcome"] == outcome.lower()
    assert entry.after["fee_minor"] == fee
    assert entry.after["late"] is late


async def test_a_student_withdrawing_a_pending_booking_costs_nothing(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a pending lesson the student booked, staged to start in 2 hours
    diary = await make_diary(factory)
    token = await gql.login(diary.world.student.email)
    booked = await gql.data(
        BOOK, {"input": {**diary.ids(), "startsAt": iso(local(days_ahead(4), 10))}}, token=token
    )
    booking_id = _pk(booked["bookLesson"]["booking"]["id"])
    await shift(state, booking_id, datetime.now(UTC) + timedelta(hours=2))

    # When the student cancels it
    data = await gql.data(CANCEL, {"input": {"bookingId": bid(booking_id)}}, token=token)

    # Then nothing is forfeited: the school never committed to it
    result = data["cancelBooking"]["booking"]
    assert (result["status"], result["policyOutcome"]) == ("CANCELLED", "RETURNED")
    assert result["cancellation"]["late"] is False


async def test_an_instructors_cancellation_always_returns_the_credit(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given custom tiers and a confirmed lesson due in one hour
    diary = await make_diary(factory)
    await set_custom_tiers(gql, diary)
    booking = await lesson_at_notice(state, diary, timedelta(hours=1))
    token = await gql.login(diary.world.instructor.email)

    # When the instructor cancels it
    data = await gql.data(
        CANCEL, {"input": {"bookingId": bid(booking), "reason": "Car in the garage"}}, token=token
    )

    # Then the credit is returned, not late, and the cancellation is the instructor's
    result = data["cancelBooking"]["booking"]
    assert result["policyOutcome"] == "RETURNED"
    assert result["feeMinor"] == 0
    assert result["cancellation"]["late"] is False
    assert result["cancellation"]["byRole"] == "instructor"
    assert result["cancellation"]["by"]["id"] == uid(diary.world.instructor)
    stored = await row(state, booking.id)
    assert (stored.policy_outcome, stored.cancelled_by_role) == ("returned", "instructor")
    assert [a.action for a in await audits(state, booking.id)] == ["booking.cancelled"]


async def test_an_admin_waives_the_fee_while_cancelling_late(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given custom tiers and a confirmed lesson due in 10 hours (forfeit territory)
    diary = await make_diary(factory)
    await set_custom_tiers(gql, diary)
    booking = await lesson_at_notice(state, diary, timedelta(hours=10))
    token = await gql.login(diary.world.admin.email)

    # When the admin cancels it, waiving the outcome with a reason
    data = await gql.data(
        CANCEL,
        {
            "input": {
                "bookingId": bid(booking),
                "reason": "Student ill",
                "waiveFee": True,
                "waiverReason": "Doctor's note seen",
            }
        },
        token=token,
    )

    # Then the outcome is WAIVED, nothing is charged, and the waiver is recorded and audited
    result = data["cancelBooking"]["booking"]
    assert data["cancelBooking"]["errors"] == []
    assert result["policyOutcome"] == "WAIVED"
    assert result["feeMinor"] == 0
    assert result["cancellation"]["late"] is True
    assert result["cancellation"]["byRole"] == "school_admin"
    assert result["cancellation"]["waivedBy"]["id"] == uid(diary.world.admin)
    assert result["cancellation"]["waiverReason"] == "Doctor's note seen"
    stored = await row(state, booking.id)
    assert (stored.policy_outcome, stored.fee_waived_by_id, stored.fee_waiver_reason) == (
        "waived",
        diary.world.admin.id,
        "Doctor's note seen",
    )
    [entry] = await audits(state, booking.id)
    assert entry.action == "booking.cancelled"
    assert entry.after is not None
    assert entry.after["policy_outcome"] == "waived"
    assert entry.after["waiver_reason"] == "Doctor's note seen"


@pytest.mark.parametrize("waiver_reason", [None, "   "], ids=["missing", "blank"])
async def test_waiving_while_cancelling_needs_a_reason(
    gql: GraphQLClient, factory: Factory, state: AppState, waiver_reason: str | None
) -> None:
    # Given a confirmed lesson due in 10 hours
    diary = await make_diary(factory)
    booking = await lesson_at_notice(state, diary, timedelta(hours=10))
    token = await gql.login(diary.world.admin.email)

    # When the admin cancels with waiveFee but no usable reason
    data = await gql.data(
        CANCEL,
        {"input": {"bookingId": bid(booking), "waiveFee": True, "waiverReason": waiver_reason}},
        token=token,
    )

    # Then it is refused on the waiverReason field and the lesson still stands
    assert [(e["code"], e["field"]) for e in data["cancelBooking"]["errors"]] == [
        ("INVALID", "waiverReason")
    ]
    stored = await row(state, booking.id)
    assert (stored.status, stored.policy_outcome, stored.cancelled_at) == ("confirmed", None, None)
    assert await audits(state, booking.id) == []


async def test_a_student_cannot_waive_their_own_fee(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a confirmed lesson due in 10 hours
    diary = await make_diary(factory)
    booking = await lesson_at_notice(state, diary, timedelta(hours=10))
    token = await gql.login(diary.world.student.email)

    # When the student cancels it asking for the fee to be waived
    body = await gql.execute(
        CANCEL,
        {"input": {"bookingId": bid(booking), "waiveFee": True, "waiverReason": "Please"}},
        token=token,
    )

    # Then they are FORBIDDEN and the lesson is not cancelled
    assert forbidden(body), body
    assert (await row(state, booking.id)).status == "confirmed"


async def test_an_admin_waives_a_late_fee_afterwards(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given custom tiers and a lesson the student cancelled with 30 hours' notice (a fee)
    diary = await make_diary(factory)
    await set_custom_tiers(gql, diary)
    booking = await lesson_at_notice(state, diary, timedelta(hours=30))
    student = await gql.login(diary.world.student.email)
    cancelled = await gql.data(CANCEL, {"input": {"bookingId": bid(booking)}}, token=student)
    assert cancelled["cancelBooking"]["booking"]["policyOutcome"] == "FEE"
    admin = await gql.login(diary.world.admin.email)

    # When the admin waives it with a reason
    data = await gql.data(
        WAIVE, {"input": {"bookingId": bid(booking), "reason": "First offence"}}, token=admin
    )

    # Then the fee is gone, the history and the audit log say who and why
    result = data["waiveCancellationFee"]["booking"]
    assert data["waiveCancellationFee"]["errors"] == []
    assert result["policyOutcome"] == "WAIVED"
    assert result["feeMinor"] == 0
    assert result["cancellation"]["waivedBy"]["id"] == uid(diary.world.admin)
    assert result["cancellation"]["waiverReason"] == "First offence"
    last = result["history"][-1]
    assert (last["kind"], last["reason"], last["actor"]["id"]) == (
        "FEE_WAIVED",
        "First offence",
        uid(diary.world.admin),
    )
    stored = await row(state, booking.id)
    assert (stored.policy_outcome, stored.fee_minor) == ("waived", 0)
    actions = [a.action for a in await audits(state, booking.id)]
    assert actions == ["booking.cancelled", "booking.fee_waived"]


async def test_there_is_nothing_to_waive_on_a_free_cancellation_or_twice(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a lesson cancelled for free and one whose forfeit was already waived
    diary = await make_diary(factory)
    free = await lesson_at_notice(state, diary, timedelta(hours=60), 0)
    late = await lesson_at_notice(state, diary, timedelta(hours=5), 1)
    student = await gql.login(diary.world.student.email)
    admin = await gql.login(diary.world.admin.email)
    for booking in (free, late):
        await gql.data(CANCEL, {"input": {"bookingId": bid(booking)}}, token=student)
    first = await gql.data(WAIVE, {"input": {"bookingId": bid(late), "reason": "ok"}}, token=admin)
    assert first["waiveCancellationFee"]["booking"]["policyOutcome"] == "WAIVED"

    # When the admin waives each (again)
    on_free = await gql.data(WAIVE, {"input": {"bookingId": bid(free), "reason": "x"}}, token=admin)
    again = await gql.data(WAIVE, {"input": {"bookingId": bid(late), "reason": "y"}}, token=admin)

    # Then both are refused and nothing more is recorded
    assert codes(on_free["waiveCancellationFee"]) == ["INVALID_STATUS"]
    assert codes(again["waiveCancellationFee"]) == ["INVALID_STATUS"]
    assert (await row(state, free.id)).policy_outcome == "returned"
    assert await change_kinds(state, late.id) == ["created", "cancelled", "fee_waived"]


async def test_only_an_admin_waives_and_always_with_a_reason(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a lesson the student cancelled late (forfeited)
    diary = await make_diary(factory)
    booking = await lesson_at_notice(state, diary, timedelta(hours=5))
    student = await gql.login(diary.world.student.email)
    await gql.data(CANCEL, {"input": {"bookingId": bid(booking)}}, token=student)
    instructor = await gql.login(diary.world.instructor.email)
    admin = await gql.login(diary.world.admin.email)

    # When the instructor waives it, and the admin waives it with a blank reason
    by_instructor = await gql.execute(
        WAIVE, {"input": {"bookingId": bid(booking), "reason": "kind"}}, token=instructor
    )
    blank = await gql.data(
        WAIVE, {"input": {"bookingId": bid(booking), "reason": " "}}, token=admin
    )

    # Then the first is FORBIDDEN, the second a typed error, and it is still forfeited
    assert forbidden(by_instructor), by_instructor
    assert [(e["code"], e["field"]) for e in blank["waiveCancellationFee"]["errors"]] == [
        ("INVALID", "reason")
    ]
    assert (await row(state, booking.id)).policy_outcome == "forfeited"
    assert await change_kinds(state, booking.id) == ["created", "cancelled"]


async def test_a_started_lesson_cannot_be_cancelled(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a confirmed lesson that started five minutes ago
    diary = await make_diary(factory)
    booking = await lesson_at_notice(state, diary, -timedelta(minutes=5))
    token = await gql.login(diary.world.student.email)

    # When the student cancels it
    data = await gql.data(CANCEL, {"input": {"bookingId": bid(booking)}}, token=token)

    # Then it is too late (a no-show is the instructor's call) and nothing changes
    assert codes(data["cancelBooking"]) == ["TOO_LATE"]
    assert (await row(state, booking.id)).status == "confirmed"


# -- reschedule ----------------------------------------------------------------------------------


async def test_a_student_moves_their_lesson_and_it_keeps_its_id(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a confirmed lesson five days ahead
    diary = await make_diary(factory)
    old = local(days_ahead(5), 10)
    booking = await book(state, diary.admin_actor, diary, old)
    token = await gql.login(diary.world.student.email)
    new = local(days_ahead(6), 14)

    # When the student moves it to another day
    data = await gql.data(
        RESCHEDULE,
        {"input": {"bookingId": bid(booking), "startsAt": iso(new), "reason": "Work shift"}},
        token=token,
    )

    # Then it is the same booking at the new time, and its history says where it was
    payload = data["rescheduleBooking"]
    assert payload["errors"] == []
    result = payload["booking"]
    assert result["id"] == bid(booking)
    assert result["status"] == "CONFIRMED"
    assert at(result["startsAt"]) == new
    assert at(result["endsAt"]) == new + timedelta(hours=1)
    moved = result["history"][-1]
    assert moved["kind"] == "MOVED"
    assert at(moved["fromStartsAt"]) == old
    assert at(moved["toStartsAt"]) == new
    assert moved["reason"] == "Work shift"
    assert moved["actor"]["id"] == uid(diary.world.student)
    stored = await row(state, booking.id)
    assert (stored.starts_at, stored.ends_at) == (new, new + timedelta(hours=1))
    async with state.db.session() as session:
        ids = list(
            await session.scalars(
                select(Booking.id).where(Booking.student_id == diary.world.student.id)
            )
        )
    assert ids == [booking.id]


async def test_a_student_cannot_move_a_confirmed_lesson_inside_the_late_window(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a confirmed lesson due in 24 hours (inside the default 48-hour window)
    diary = await make_diary(factory)
    booking = await lesson_at_notice(state, diary, timedelta(hours=24))
    before = await row(state, booking.id)
    token = await gql.login(diary.world.student.email)

    # When the student tries to move it to next week
    data = await gql.data(
        RESCHEDULE,
        {"input": {"bookingId": bid(booking), "startsAt": iso(local(days_ahead(7), 10))}},
        token=token,
    )

    # Then it is TOO_LATE and the lesson has not moved
    assert codes(data["rescheduleBooking"]) == ["TOO_LATE"]
    after = await row(state, booking.id)
    assert (after.starts_at, after.ends_at) == (before.starts_at, before.ends_at)
    assert await change_kinds(state, booking.id) == ["created"]


async def test_instructors_cannot_move_a_lesson_directly(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a confirmed lesson in the instructor's diary
    diary = await make_diary(factory)
    old = local(days_ahead(5), 10)
    booking = await book(state, diary.admin_actor, diary, old)
    token = await gql.login(diary.world.instructor.email)

    # When the instructor tries to move it
    body = await gql.execute(
        RESCHEDULE,
        {"input": {"bookingId": bid(booking), "startsAt": iso(local(days_ahead(6), 10))}},
        token=token,
    )

    # Then they are FORBIDDEN (they ask the student instead) and it stays put
    assert forbidden(body), body
    assert (await row(state, booking.id)).starts_at == old


# -- no-show -------------------------------------------------------------------------------------


async def test_a_no_show_is_recorded_only_after_the_start(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a confirmed lesson that has not started yet
    diary = await make_diary(factory)
    booking = await lesson_at_notice(state, diary, timedelta(minutes=30))
    token = await gql.login(diary.world.instructor.email)

    # When the instructor marks a no-show before the start
    early = await gql.data(NO_SHOW, {"input": {"bookingId": bid(booking)}}, token=token)

    # Then it is TOO_EARLY and nothing changes
    assert codes(early["markNoShow"]) == ["TOO_EARLY"]
    assert (await row(state, booking.id)).status == "confirmed"

    # When the lesson's start has passed and the instructor marks it again
    await shift(state, booking.id, datetime.now(UTC) - timedelta(minutes=10))
    data = await gql.data(NO_SHOW, {"input": {"bookingId": bid(booking)}}, token=token)

    # Then it is a no-show, its credit consumed, in the history and the audit log
    result = data["markNoShow"]["booking"]
    assert data["markNoShow"]["errors"] == []
    assert (result["status"], result["policyOutcome"]) == ("NO_SHOW", "CONSUMED")
    last = result["history"][-1]
    assert (last["kind"], last["fromStatus"], last["toStatus"]) == (
        "NO_SHOW",
        "CONFIRMED",
        "NO_SHOW",
    )
    assert (await row(state, booking.id)).policy_outcome == "consumed"
    [entry] = await audits(state, booking.id)
    assert entry.action == "booking.no_show"
    assert entry.actor_id == diary.world.instructor.id

    # And it cannot be marked twice
    again = await gql.data(NO_SHOW, {"input": {"bookingId": bid(booking)}}, token=token)
    assert codes(again["markNoShow"]) == ["INVALID_STATUS"]


async def test_a_student_cannot_mark_a_no_show(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a lesson that started ten minutes ago
    diary = await make_diary(factory)
    booking = await lesson_at_notice(state, diary, -timedelta(minutes=10))
    token = await gql.login(diary.world.student.email)

    # When the student marks it a no-show
    body = await gql.execute(NO_SHOW, {"input": {"bookingId": bid(booking)}}, token=token)

    # Then they are FORBIDDEN and it is still confirmed
    assert forbidden(body), body
    assert (await row(state, booking.id)).status == "confirmed"


async def test_an_admin_may_waive_a_no_show_once(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a lesson the instructor marked a no-show
    diary = await make_diary(factory)
    booking = await lesson_at_notice(state, diary, -timedelta(minutes=10))
    instructor = await gql.login(diary.world.instructor.email)
    await gql.data(NO_SHOW, {"input": {"bookingId": bid(booking)}}, token=instructor)
    admin = await gql.login(diary.world.admin.email)

    # When the admin waives it, then tries to waive it again
    first = await gql.data(
        WAIVE, {"input": {"bookingId": bid(booking), "reason": "Flat tyre"}}, token=admin
    )
    second = await gql.data(
        WAIVE, {"input": {"bookingId": bid(booking), "reason": "Again"}}, token=admin
    )

    # Then the first waives the no-show and the second finds nothing left to waive
    assert first["waiveCancellationFee"]["booking"]["policyOutcome"] == "WAIVED"
    assert first["waiveCancellationFee"]["booking"]["status"] == "NO_SHOW"
    assert codes(second["waiveCancellationFee"]) == ["INVALID_STATUS"]
    assert await change_kinds(state, booking.id) == ["created", "no_show", "fee_waived"]
    actions = [a.action for a in await audits(state, booking.id)]
    assert actions == ["booking.no_show", "booking.fee_waived"]


# -- completion and milestones -----------------------------------------------------------------


async def _start_with_code(
    gql: GraphQLClient, state: AppState, diary: Diary, booking: Booking
) -> None:
    """Start the lesson as its instructor with the code texted to the student."""
    token = await gql.login(diary.world.instructor.email)
    sent = await gql.data(REQUEST_START, {"input": {"bookingId": bid(booking)}}, token=token)
    assert sent["requestLessonStart"]["errors"] == [], sent
    async with state.db.session() as session:
        message = await session.scalar(
            select(OutboundMessage)
            .where(OutboundMessage.template == "lesson_start_code")
            .order_by(OutboundMessage.created_at.desc())
            .limit(1)
        )
    assert message is not None
    started = await gql.data(
        START, {"input": {"bookingId": bid(booking), "code": message.data["code"]}}, token=token
    )
    assert started["startLesson"]["booking"]["status"] == "IN_PROGRESS", started


async def _milestones(state: AppState, user: User) -> list[tuple[str, uuid.UUID | None]]:
    async with state.db.session() as session:
        rows = await session.scalars(
            select(Milestone).where(Milestone.user_id == user.id).order_by(Milestone.kind)
        )
        return [(m.kind, m.source_id) for m in rows]


async def test_the_instructor_completes_a_started_lesson_and_the_first_is_a_milestone(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a lesson that began five minutes ago and was started with the student's code
    diary = await make_diary(factory)
    await give_phone(state, diary.world.student)
    booking = await lesson_at_notice(state, diary, -timedelta(minutes=5))
    await _start_with_code(gql, state, diary, booking)
    assert await _milestones(state, diary.world.student) == []
    token = await gql.login(diary.world.instructor.email)

    # When the instructor completes it
    data = await gql.data(COMPLETE, {"input": {"bookingId": bid(booking)}}, token=token)

    # Then it is completed, its credit consumed, and the student's first-lesson milestone exists
    result = data["completeLesson"]["booking"]
    assert data["completeLesson"]["errors"] == []
    assert (result["status"], result["policyOutcome"]) == ("COMPLETED", "CONSUMED")
    assert result["completedAt"] is not None
    last = result["history"][-1]
    assert (last["kind"], last["fromStatus"], last["toStatus"]) == (
        "COMPLETED",
        "IN_PROGRESS",
        "COMPLETED",
    )
    assert (await row(state, booking.id)).status == "completed"
    assert await _milestones(state, diary.world.student) == [
        ("lessons.first_completed", booking.id)
    ]


async def test_an_instructor_must_start_a_lesson_before_completing_it(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a confirmed lesson that began ten minutes ago but was never started
    diary = await make_diary(factory)
    booking = await lesson_at_notice(state, diary, -timedelta(minutes=10))
    token = await gql.login(diary.world.instructor.email)

    # When the instructor completes it
    data = await gql.data(COMPLETE, {"input": {"bookingId": bid(booking)}}, token=token)

    # Then it is refused, still confirmed, and no milestone is recorded
    assert codes(data["completeLesson"]) == ["INVALID_STATUS"]
    assert (await row(state, booking.id)).status == "confirmed"
    assert await _milestones(state, diary.world.student) == []


async def test_an_admin_completes_a_confirmed_lesson_after_its_start_only(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given two confirmed lessons: one ahead, one that began an hour ago
    diary = await make_diary(factory)
    ahead = await lesson_at_notice(state, diary, timedelta(hours=3), 0)
    past = await lesson_at_notice(state, diary, -timedelta(hours=1), 1)
    token = await gql.login(diary.world.admin.email)

    # When the admin completes each
    early = await gql.data(COMPLETE, {"input": {"bookingId": bid(ahead)}}, token=token)
    done = await gql.data(COMPLETE, {"input": {"bookingId": bid(past)}}, token=token)

    # Then the one ahead is TOO_EARLY and the past one is completed from CONFIRMED
    assert codes(early["completeLesson"]) == ["TOO_EARLY"]
    assert (await row(state, ahead.id)).status == "confirmed"
    result = done["completeLesson"]["booking"]
    assert result["status"] == "COMPLETED"
    assert result["history"][-1]["fromStatus"] == "CONFIRMED"
    assert result["history"][-1]["actor"]["id"] == uid(diary.world.admin)
    assert await _milestones(state, diary.world.student) == [("lessons.first_completed", past.id)]


async def test_the_first_lesson_milestone_is_recorded_once(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given two lessons of the student that are both over
    diary = await make_diary(factory)
    first = await lesson_at_notice(state, diary, -timedelta(hours=5), 0)
    second = await lesson_at_notice(state, diary, -timedelta(hours=2), 1)
    token = await gql.login(diary.world.admin.email)

    # When the admin completes both
    for booking in (first, second):
        data = await gql.data(COMPLETE, {"input": {"bookingId": bid(booking)}}, token=token)
        assert data["completeLesson"]["errors"] == []

    # Then there is one first-lesson milestone, from the first lesson, and no 10-lesson one
    assert await _milestones(state, diary.world.student) == [("lessons.first_completed", first.id)]


async def test_a_student_cannot_complete_a_lesson(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a lesson that began an hour ago
    diary = await make_diary(factory)
    booking = await lesson_at_notice(state, diary, -timedelta(hours=1))
    token = await gql.login(diary.world.student.email)

    # When the student completes it
    body = await gql.execute(COMPLETE, {"input": {"bookingId": bid(booking)}}, token=token)

    # Then they are FORBIDDEN and nothing is recorded
    assert forbidden(body), body
    assert (await row(state, booking.id)).status == "confirmed"
    assert await _milestones(state, diary.world.student) == []


# -- details -------------------------------------------------------------------------------------


async def test_booking_details_change_and_are_in_the_history(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a confirmed lesson
    diary = await make_diary(factory)
    booking = await book(state, diary.admin_actor, diary, local(days_ahead(5), 10))
    token = await gql.login(diary.world.student.email)

    # When the student sets where to meet and a note
    data = await gql.data(
        UPDATE_DETAILS,
        {
            "input": {
                "bookingId": bid(booking),
                "location": "  12 High Street  ",
                "notes": "Roundabouts please",
            }
        },
        token=token,
    )

    # Then the booking has them (trimmed) and the history an UPDATED entry by the student
    result = data["updateBookingDetails"]["booking"]
    assert data["updateBookingDetails"]["errors"] == []
    assert (result["location"], result["notes"]) == ("12 High Street", "Roundabouts please")
    assert result["history"][-1]["kind"] == "UPDATED"
    assert result["history"][-1]["actor"]["id"] == uid(diary.world.student)
    stored = await row(state, booking.id)
    assert (stored.location, stored.notes) == ("12 High Street", "Roundabouts please")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({}, "location"),
        ({"location": "x" * 301}, "location"),
        ({"notes": "bad\x00note"}, "notes"),
        ({"location": "Station", "notes": "n" * 2001}, "notes"),
    ],
    ids=["nothing", "long-location", "control-character", "long-notes"],
)
async def test_bad_booking_details_change_nothing(
    gql: GraphQLClient, factory: Factory, state: AppState, fields: dict[str, str], field: str
) -> None:
    # Given a confirmed lesson with a location
    diary = await make_diary(factory)
    booking = await book(state, diary.admin_actor, diary, local(days_ahead(5), 10))
    async with state.db.transaction() as session:
        await session.execute(
            update(Booking).where(Booking.id == booking.id).values(location="Home")
        )
    token = await gql.login(diary.world.student.email)

    # When the student sends nothing to change, or something too long or with control chars
    data = await gql.data(
        UPDATE_DETAILS, {"input": {"bookingId": bid(booking), **fields}}, token=token
    )

    # Then it is a typed error on that field and nothing changed
    assert [(e["code"], e["field"]) for e in data["updateBookingDetails"]["errors"]] == [
        ("INVALID", field)
    ]
    stored = await row(state, booking.id)
    assert (stored.location, stored.notes) == ("Home", None)
    assert await change_kinds(state, booking.id) == ["created"]


async def test_a_cancelled_booking_cannot_change_its_details(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a cancelled lesson
    diary = await make_diary(factory)
    booking = await book(state, diary.admin_actor, diary, local(days_ahead(5), 10))
    token = await gql.login(diary.world.student.email)
    await gql.data(CANCEL, {"input": {"bookingId": bid(booking)}}, token=token)

    # When the student changes its location
    data = await gql.data(
        UPDATE_DETAILS, {"input": {"bookingId": bid(booking), "location": "Park"}}, token=token
    )

    # Then it is refused
    assert codes(data["updateBookingDetails"]) == ["INVALID_STATUS"]
    assert (await row(state, booking.id)).location is None


# -- history -------------------------------------------------------------------------------------


async def test_the_history_lists_every_change_in_order_with_its_actor(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a lesson the student booked, the instructor confirmed, the student moved,
    # annotated and finally cancelled
    diary = await make_diary(factory)
    world = diary.world
    student = await gql.login(world.student.email)
    instructor = await gql.login(world.instructor.email)
    first, second = local(days_ahead(5), 10), local(days_ahead(6), 11)
    booked = await gql.data(BOOK, {"input": {**diary.ids(), "startsAt": iso(first)}}, token=student)
    booking_id = booked["bookLesson"]["booking"]["id"]
    steps = [
        (CONFIRM, {"bookingId": booking_id}, instructor),
        (RESCHEDULE, {"bookingId": booking_id, "startsAt": iso(second)}, student),
        (UPDATE_DETAILS, {"bookingId": booking_id, "notes": "Bring glasses"}, student),
        (CANCEL, {"bookingId": booking_id, "reason": "Passed elsewhere"}, student),
    ]
    for document, variables, token in steps:
        body = await gql.data(document, {"input": variables}, token=token)
        assert next(iter(body.values()))["errors"] == [], body

    # When the admin reads the booking
    admin = await gql.login(world.admin.email)
    node = (await gql.data(NODE, {"id": booking_id}, token=admin))["node"]

    # Then the history is every change, oldest first, each with who did it
    history = node["history"]
    assert [h["kind"] for h in history] == [
        "CREATED",
        "CONFIRMED",
        "MOVED",
        "UPDATED",
        "CANCELLED",
    ]
    assert [h["actor"]["id"] for h in history] == [
        uid(world.student),
        uid(world.instructor),
        uid(world.student),
        uid(world.student),
        uid(world.student),
    ]
    assert at(history[0]["toStartsAt"]) == first
    assert history[0]["toStatus"] == "PENDING"
    assert (at(history[2]["fromStartsAt"]), at(history[2]["toStartsAt"])) == (first, second)
    assert (history[4]["fromStatus"], history[4]["toStatus"], history[4]["reason"]) == (
        "CONFIRMED",
        "CANCELLED",
        "Passed elsewhere",
    )
    assert await change_kinds(state, _pk(booking_id)) == [
        "created",
        "confirmed",
        "moved",
        "updated",
        "cancelled",
    ]


# -- who may see and act -------------------------------------------------------------------------


async def test_another_students_booking_is_not_found(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a confirmed lesson of the student, and another student of the same school
    diary = await make_diary(factory)
    booking = await book(state, diary.admin_actor, diary, local(days_ahead(5), 10))
    token = await gql.login(diary.world.other_student.email)

    # When the other student reads, cancels, moves and annotates it
    node = await gql.data(NODE, {"id": bid(booking)}, token=token)
    listed = await gql.data(BOOKINGS, token=token)
    cancel = await gql.data(CANCEL, {"input": {"bookingId": bid(booking)}}, token=token)
    move = await gql.data(
        RESCHEDULE,
        {"input": {"bookingId": bid(booking), "startsAt": iso(local(days_ahead(6), 10))}},
        token=token,
    )
    details = await gql.data(
        UPDATE_DETAILS, {"input": {"bookingId": bid(booking), "notes": "mine"}}, token=token
    )

    # Then it does not exist for them, and nothing changed
    assert node["node"] is None
    assert listed["bookings"]["edges"] == []
    for payload in (cancel["cancelBooking"], move["rescheduleBooking"]):
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [("NOT_FOUND", "bookingId")]
    assert codes(details["updateBookingDetails"]) == ["NOT_FOUND"]
    stored = await row(state, booking.id)
    assert (stored.status, stored.notes) == ("confirmed", None)
    assert await change_kinds(state, booking.id) == ["created"]


async def test_another_instructor_of_the_school_does_not_see_the_booking(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a confirmed lesson in one instructor's diary
    diary = await make_diary(factory)
    booking = await lesson_at_notice(state, diary, -timedelta(minutes=10))
    token = await gql.login(diary.world.other_instructor.email)

    # When another instructor of the school reads it and marks it a no-show
    node = await gql.data(NODE, {"id": bid(booking)}, token=token)
    no_show = await gql.data(NO_SHOW, {"input": {"bookingId": bid(booking)}}, token=token)

    # Then it is not theirs to see or mark
    assert node["node"] is None
    assert codes(no_show["markNoShow"]) == ["NOT_FOUND"]
    assert (await row(state, booking.id)).status == "confirmed"


async def test_another_schools_booking_is_not_found(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a confirmed lesson in school A and the admin of school B
    diary = await make_diary(factory)
    booking = await lesson_at_notice(state, diary, timedelta(hours=5))
    other = await build_school_world(factory)
    token = await gql.login(other.admin.email)

    # When school B's admin reads it and tries every action on it
    node = await gql.data(NODE, {"id": bid(booking)}, token=token)
    results = {
        "confirmBooking": await gql.data(
            CONFIRM, {"input": {"bookingId": bid(booking)}}, token=token
        ),
        "cancelBooking": await gql.data(
            CANCEL,
            {"input": {"bookingId": bid(booking), "waiveFee": True, "waiverReason": "x"}},
            token=token,
        ),
        "rescheduleBooking": await gql.data(
            RESCHEDULE,
            {"input": {"bookingId": bid(booking), "startsAt": iso(local(days_ahead(6), 10))}},
            token=token,
        ),
        "completeLesson": await gql.data(
            COMPLETE, {"input": {"bookingId": bid(booking)}}, token=token
        ),
        "waiveCancellationFee": await gql.data(
            WAIVE, {"input": {"bookingId": bid(booking), "reason": "x"}}, token=token
        ),
    }

    # Then it behaves exactly like a booking that does not exist, and nothing changed
    assert node["node"] is None
    missing = await gql.data(
        CANCEL, {"input": {"bookingId": gid("Booking", uuid.uuid4())}}, token=token
    )
    assert codes(missing["cancelBooking"]) == ["NOT_FOUND"]
    for name, data in results.items():
        assert codes(data[name]) == ["NOT_FOUND"], (name, data)
        assert data[name]["booking"] is None
    stored = await row(state, booking.id)
    assert (stored.status, stored.policy_outcome) == ("confirmed", None)
    assert await change_kinds(state, booking.id) == ["created"]
    assert await audits(state, booking.id) == []


async def test_a_malformed_booking_id_is_a_typed_error(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a student with a lesson type id (not a booking id) at hand
    diary = await make_diary(factory)
    token = await gql.login(diary.world.student.email)

    # When they cancel with garbage and with an id of the wrong type
    garbage = await gql.data(CANCEL, {"input": {"bookingId": "not-an-id"}}, token=token)
    wrong_type = await gql.data(
        CANCEL, {"input": {"bookingId": gid("LessonType", diary.lesson_type.id)}}, token=token
    )

    # Then both are NOT_FOUND on bookingId, not a server error
    for data in (garbage, wrong_type):
        assert [(e["code"], e["field"]) for e in data["cancelBooking"]["errors"]] == [
            ("NOT_FOUND", "bookingId")
        ]
