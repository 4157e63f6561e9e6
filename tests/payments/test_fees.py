"""A late cancellation's cost becomes a pending fee payment the student owes; a waiver
drops it; free cancellations and lessons paid with a spent credit owe nothing more."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from models.payments import Payment
from models.scheduling import Booking
from resolvers.context import AppState
from services.payments.fees import WAIVED
from tests.billing.test_deposits import lesson_with_deposit
from tests.packages.helpers import WAIVE, give_package
from tests.scheduling.helpers import Diary, book, days_ahead, local, make_diary, shift
from tests.support import Factory, GraphQLClient, gid

CANCEL = """
mutation Cancel($input: CancelBookingInput!) {
  cancelBooking(input: $input) { booking { id policyOutcome feeMinor } errors { code message } }
}
"""
MINE = """
query { myPayments(first: 10) { edges { node { kind status amountMinor bankReference booking { id } } } } }
"""


async def lesson_in(state: AppState, diary: Diary, hours: float, n: int = 0) -> Booking:
    """A confirmed lesson (price 40.00) starting ``hours`` from now."""
    booking = await book(state, diary.admin_actor, diary, local(days_ahead(10 + n), 10))
    await shift(state, booking.id, datetime.now(UTC) + timedelta(hours=hours))
    return booking


async def fees_of(state: AppState, booking: Booking) -> list[Payment]:
    async with state.db.session() as session:
        rows = await session.scalars(
            select(Payment).where(Payment.booking_id == booking.id, Payment.kind == "fee")
        )
        return list(rows)


async def cancel(gql: GraphQLClient, token: str, booking: Booking) -> dict[str, object]:
    data = await gql.data(CANCEL, {"input": {"bookingId": gid("Booking", booking.id)}}, token=token)
    assert data["cancelBooking"]["errors"] == [], data
    return data["cancelBooking"]["booking"]  # type: ignore[no-any-return]


async def test_a_late_cancellation_fee_is_owed_until_an_admin_waives_it(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a school charging half the price for less than 24 hours' notice
    diary = await make_diary(
        factory, cancellation_notice_hours=24, late_cancellation_rule="half_fee"
    )
    free = await lesson_in(state, diary, 30, 0)
    late = await lesson_in(state, diary, 2, 1)
    student = await gql.login(diary.world.student.email)

    # When the student cancels both
    assert (await cancel(gql, student, free))["policyOutcome"] == "RETURNED"
    cancelled = await cancel(gql, student, late)

    # Then only the late one owes its fee: a pending bank payment the student can see
    assert (cancelled["policyOutcome"], cancelled["feeMinor"]) == ("FEE", 2000)
    assert await fees_of(state, free) == []
    [fee] = await fees_of(state, late)
    assert (fee.status, fee.method, fee.amount_minor, fee.currency) == (
        "pending",
        "bank",
        2000,
        "GBP",
    )
    mine = (await gql.data(MINE, token=student))["myPayments"]["edges"]
    assert [e["node"]["kind"] for e in mine] == ["FEE"]
    assert mine[0]["node"]["bankReference"] == fee.bank_reference
    assert mine[0]["node"]["booking"] == {"id": gid("Booking", late.id)}

    # When an admin waives it, then nothing is owed any more
    admin = await gql.login(diary.world.admin.email)
    waived = await gql.data(
        WAIVE, {"input": {"bookingId": gid("Booking", late.id), "reason": "Flat tyre"}}, token=admin
    )
    assert waived["waiveCancellationFee"]["errors"] == []
    [fee] = await fees_of(state, late)
    assert (fee.status, fee.failure_reason) == ("failed", WAIVED)


async def test_a_forfeited_lesson_is_charged_at_its_price_unless_a_credit_paid_for_it(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a school that forfeits late cancellations, a pay-as-you-go lesson and one on a credit
    diary = await make_diary(
        factory, cancellation_notice_hours=24, late_cancellation_rule="forfeit"
    )
    payg = await lesson_in(state, diary, 2, 0)
    await give_package(state, diary, diary.world.student, lessons=2)
    on_credit = await lesson_in(state, diary, 3, 1)
    assert on_credit.student_package_id is not None
    student = await gql.login(diary.world.student.email)

    # When the student cancels both late
    assert (await cancel(gql, student, payg))["policyOutcome"] == "FORFEITED"
    assert (await cancel(gql, student, on_credit))["policyOutcome"] == "FORFEITED"

    # Then the pay-as-you-go lesson is owed in full; the credit lesson's credit is the charge
    [fee] = await fees_of(state, payg)
    assert (fee.status, fee.amount_minor) == ("pending", 4000)
    assert await fees_of(state, on_credit) == []


async def test_a_kept_deposit_counts_towards_a_late_cancellation_fee(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a half-fee school and a £40 lesson whose £10 deposit was paid
    diary = await make_diary(
        factory, cancellation_notice_hours=24, late_cancellation_rule="half_fee"
    )
    lesson, deposit_id = await lesson_with_deposit(factory, diary, timedelta(hours=2))
    student = await gql.login(diary.world.student.email)

    # When the student cancels late
    cancelled = await cancel(gql, student, lesson)

    # Then the £20 fee is owed less the £10 deposit the school keeps
    assert (cancelled["policyOutcome"], cancelled["feeMinor"]) == ("FEE", 2000)
    [fee] = await fees_of(state, lesson)
    assert (fee.status, fee.amount_minor) == ("pending", 1000)
    async with state.db.session() as session:
        deposit = await session.get(Payment, deposit_id)
    assert deposit is not None
    assert (deposit.status, deposit.refunded_minor) == ("succeeded", 0)
