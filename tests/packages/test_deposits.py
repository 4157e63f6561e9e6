"""Deposits (SPEC §3): a lesson type that asks for one keeps its booking pending until the
deposit is paid; the school decides how long an unpaid booking is held."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from models.payments import Payment
from models.scheduling import Booking, BookingChange, LessonType
from resolvers.context import AppState
from schema.common.node import parse_global_id
from services.payments import core, deposits
from services.scheduling import lesson_types
from services.uow import unit_of_work
from tests.packages.helpers import BOOK, give_package
from tests.scheduling.helpers import Diary, days_ahead, iso, local, make_diary
from tests.support import Factory, GraphQLClient

CONFIRM = """
mutation Confirm($input: BookingActionInput!) {
  confirmBooking(input: $input) { booking { id status } errors { code } }
}
"""


async def deposit_type(state: AppState, diary: Diary, deposit_minor: int = 1000) -> LessonType:
    async with unit_of_work(state.db, state.hub, state.deps) as uow:
        return await lesson_types.create(
            uow,
            diary.admin_actor,
            school_id=diary.school.id,
            name=f"Deposit lesson {deposit_minor}",
            description=None,
            duration_minutes=60,
            price_minor=5000,
            deposit_minor=deposit_minor,
        )


def ids(diary: Diary, lesson_type: LessonType, **extra: Any) -> dict[str, Any]:
    from tests.support import gid

    return {**diary.ids(**extra), "lessonTypeId": gid("LessonType", lesson_type.id)}


def pk(global_id: str) -> Any:
    parsed = parse_global_id(global_id)
    assert parsed is not None
    return parsed[1]


async def deposits_of(state: AppState, booking_id: Any) -> list[Payment]:
    async with state.db.session() as session:
        return list(
            await session.scalars(
                select(Payment).where(Payment.booking_id == booking_id, Payment.kind == "deposit")
            )
        )


async def booking_row(state: AppState, booking_id: Any) -> Booking:
    async with state.db.session() as session:
        row = await session.get(Booking, booking_id)
    assert row is not None
    return row


async def test_a_card_deposit_the_provider_takes_at_once_confirms_the_booking(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a lesson type asking a £10 deposit
    diary = await make_diary(factory)
    lesson_type = await deposit_type(state, diary)
    admin = await gql.login(diary.world.admin.email)

    # When an admin books it for the student, the deposit paid by card (auto-settled)
    body = await gql.data(
        BOOK,
        {
            "input": {
                **ids(diary, lesson_type, student=diary.world.student),
                "startsAt": iso(local(days_ahead(4), 10)),
                "depositMethod": "CARD",
            }
        },
        token=admin,
    )

    # Then the booking comes back confirmed, with a succeeded deposit and nothing due
    booking = body["bookLesson"]["booking"]
    assert body["bookLesson"]["errors"] == []
    assert booking["status"] == "CONFIRMED"
    assert booking["paymentDueAt"] is None
    assert booking["paidWithCredit"] is False
    paid = await deposits_of(state, pk(booking["id"]))
    assert [(p.status, p.amount_minor, p.method) for p in paid] == [("succeeded", 1000, "card")]
    async with state.db.session() as session:
        history = list(
            await session.scalars(
                select(BookingChange).where(BookingChange.booking_id == pk(booking["id"]))
            )
        )
    assert [(h.kind, h.to_status) for h in history] == [("created", "confirmed")]


async def test_a_bank_deposit_holds_the_booking_until_it_is_paid(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a school holding unpaid bookings for two hours
    diary = await make_diary(factory, unpaid_hold_minutes=120)
    lesson_type = await deposit_type(state, diary)
    admin = await gql.login(diary.world.admin.email)
    before = datetime.now(UTC)

    # When an admin books with the deposit paid by bank transfer
    body = await gql.data(
        BOOK,
        {
            "input": {
                **ids(diary, lesson_type, student=diary.world.student),
                "startsAt": iso(local(days_ahead(4), 10)),
                "depositMethod": "BANK",
            }
        },
        token=admin,
    )

    # Then the booking is pending, due within the school's hold, with a pending deposit
    booking = body["bookLesson"]["booking"]
    booking_id = pk(booking["id"])
    assert booking["status"] == "PENDING"
    assert booking["confirmedAt"] is None
    due = datetime.fromisoformat(booking["paymentDueAt"])
    assert before + timedelta(minutes=119) < due < datetime.now(UTC) + timedelta(minutes=121)
    [deposit] = await deposits_of(state, booking_id)
    assert (deposit.status, deposit.method) == ("pending", "bank")
    assert deposit.bank_reference

    # And nobody can confirm it while the deposit is unpaid
    refused = await gql.data(CONFIRM, {"input": {"bookingId": booking["id"]}}, token=admin)
    assert [e["code"] for e in refused["confirmBooking"]["errors"]] == ["DEPOSIT_UNPAID"]

    # When the deposit settles, the booking is confirmed and the diary is told
    async with unit_of_work(state.db, state.hub, state.deps) as uow:
        payment = await uow.session.get(Payment, deposit.id)
        assert payment is not None
        assert await core.settle(uow, payment, None)
    row = await booking_row(state, booking_id)
    assert (row.status, row.payment_due_at) == ("confirmed", None)
    assert row.confirmed_at is not None
    async with state.db.session() as session:
        kinds = list(
            await session.scalars(
                select(BookingChange.kind)
                .where(BookingChange.booking_id == booking_id)
                .order_by(BookingChange.created_at)
            )
        )
    assert kinds == ["created", "confirmed"]


async def test_an_unpaid_hold_is_released_when_its_time_runs_out(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    diary = await make_diary(factory)
    lesson_type = await deposit_type(state, diary)
    student = await gql.login(diary.world.student.email)
    body = await gql.data(
        BOOK,
        {
            "input": {
                **ids(diary, lesson_type),
                "startsAt": iso(local(days_ahead(4), 10)),
                "depositMethod": "BANK",
            }
        },
        token=student,
    )
    held = pk(body["bookLesson"]["booking"]["id"])
    paid_body = await gql.data(
        BOOK,
        {
            "input": {
                **ids(diary, lesson_type),
                "startsAt": iso(local(days_ahead(4), 14)),
                "depositMethod": "CARD",
            }
        },
        token=student,
    )
    paid = pk(paid_body["bookLesson"]["booking"]["id"])
    assert paid_body["bookLesson"]["booking"]["status"] == "CONFIRMED"

    # Given the hold's time has passed
    async with state.db.transaction() as session:
        await session.execute(
            update(Booking)
            .where(Booking.id == held)
            .values(payment_due_at=datetime.now(UTC) - timedelta(minutes=1))
        )

    # When the worker's job runs (twice: the second finds nothing)
    async with unit_of_work(state.db, state.hub, state.deps) as uow:
        released = await deposits.release_unpaid_holds(uow, datetime.now(UTC))
    async with unit_of_work(state.db, state.hub, state.deps) as uow:
        again = await deposits.release_unpaid_holds(uow, datetime.now(UTC))

    # Then the unpaid booking is cancelled (credit returned) and its deposit failed
    assert (released, again) == (1, 0)
    row = await booking_row(state, held)
    assert (row.status, row.policy_outcome, row.cancellation_reason) == (
        "cancelled",
        "returned",
        "deposit not paid",
    )
    assert [p.status for p in await deposits_of(state, held)] == ["failed"]
    # And the paid one is untouched
    assert (await booking_row(state, paid)).status == "confirmed"


async def test_a_declined_card_deposit_leaves_the_booking_pending_and_unconfirmable(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # The local provider declines amounts ending in 02 pence
    diary = await make_diary(factory)
    lesson_type = await deposit_type(state, diary, deposit_minor=1002)
    admin = await gql.login(diary.world.admin.email)
    body = await gql.data(
        BOOK,
        {
            "input": {
                **ids(diary, lesson_type, student=diary.world.student),
                "startsAt": iso(local(days_ahead(4), 10)),
            }
        },
        token=admin,
    )
    booking = body["bookLesson"]["booking"]
    assert booking["status"] == "PENDING"
    assert [p.status for p in await deposits_of(state, pk(booking["id"]))] == ["failed"]
    refused = await gql.data(CONFIRM, {"input": {"bookingId": booking["id"]}}, token=admin)
    assert [e["code"] for e in refused["confirmBooking"]["errors"]] == ["DEPOSIT_UNPAID"]


async def test_a_lesson_paid_with_a_credit_needs_no_deposit(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    diary = await make_diary(factory)
    lesson_type = await deposit_type(state, diary)
    await give_package(state, diary, diary.world.student)
    admin = await gql.login(diary.world.admin.email)
    body = await gql.data(
        BOOK,
        {
            "input": {
                **ids(diary, lesson_type, student=diary.world.student),
                "startsAt": iso(local(days_ahead(4), 10)),
                "depositMethod": "BANK",
            }
        },
        token=admin,
    )
    booking = body["bookLesson"]["booking"]
    assert (booking["status"], booking["paidWithCredit"], booking["paymentDueAt"]) == (
        "CONFIRMED",
        True,
        None,
    )
    assert await deposits_of(state, pk(booking["id"])) == []


async def test_cancelling_a_held_booking_drops_its_pending_deposit(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    diary = await make_diary(factory)
    lesson_type = await deposit_type(state, diary)
    student = await gql.login(diary.world.student.email)
    body = await gql.data(
        BOOK,
        {
            "input": {
                **ids(diary, lesson_type),
                "startsAt": iso(local(days_ahead(4), 10)),
                "depositMethod": "BANK",
            }
        },
        token=student,
    )
    booking_id = body["bookLesson"]["booking"]["id"]
    cancelled = await gql.data(
        "mutation C($input: CancelBookingInput!) { cancelBooking(input: $input) "
        "{ booking { paymentDueAt status } errors { code } } }",
        {"input": {"bookingId": booking_id}},
        token=student,
    )
    assert cancelled["cancelBooking"]["booking"] == {"paymentDueAt": None, "status": "CANCELLED"}
    assert [p.status for p in await deposits_of(state, pk(booking_id))] == ["failed"]
    # A settlement arriving afterwards changes nothing
    [deposit] = await deposits_of(state, pk(booking_id))
    async with unit_of_work(state.db, state.hub, state.deps) as uow:
        payment = await uow.session.get(Payment, deposit.id)
        assert payment is not None
        assert not await core.settle(uow, payment, None)
    assert (await booking_row(state, pk(booking_id))).status == "cancelled"
