"""Review (issue 4): a pay-as-you-go lesson paid in advance, then cancelled, is never paid
for twice and never kept when nothing is owed; its price is not due while its deposit is."""

from __future__ import annotations

from sqlalchemy import select

from models.payments import Payment, Refund
from models.scheduling import Booking
from resolvers.context import AppState
from tests.packages.helpers import BOOK
from tests.packages.test_deposits import deposit_type, ids, pk
from tests.payments.helpers import PAY_FOR_BOOKING
from tests.payments.test_fees import cancel, fees_of, lesson_in
from tests.scheduling.helpers import days_ahead, iso, local, make_diary
from tests.support import Factory, GraphQLClient, gid


def pay(booking: Booking, method: str = "CARD") -> dict[str, object]:
    return {"input": {"bookingId": gid("Booking", booking.id), "method": method}}


async def lesson_payments(state: AppState, booking: Booking) -> list[Payment]:
    async with state.db.session() as session:
        return list(
            await session.scalars(
                select(Payment)
                .where(Payment.booking_id == booking.id, Payment.kind == "lesson")
                .order_by(Payment.created_at)
            )
        )


async def refunds_of(state: AppState, payment: Payment) -> list[Refund]:
    async with state.db.session() as session:
        return list(await session.scalars(select(Refund).where(Refund.payment_id == payment.id)))


async def test_a_prepaid_lesson_forfeited_late_is_not_charged_again(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a school that forfeits late cancellations and a £40 lesson the student prepaid
    diary = await make_diary(
        factory, cancellation_notice_hours=24, late_cancellation_rule="forfeit"
    )
    lesson = await lesson_in(state, diary, 2)
    student = await gql.login(diary.world.student.email)
    paid = (await gql.data(PAY_FOR_BOOKING, pay(lesson), token=student))["payForBooking"]
    assert paid["payment"]["status"] == "SUCCEEDED"

    # When the student cancels late
    assert (await cancel(gql, student, lesson))["policyOutcome"] == "FORFEITED"

    # Then the school keeps the prepayment, which is the charge: no second £40 is owed
    assert await fees_of(state, lesson) == []
    [payment] = await lesson_payments(state, lesson)
    assert (payment.status, payment.refunded_minor) == ("succeeded", 0)


async def test_a_prepaid_lesson_cancelled_free_is_refunded(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a £40 lesson two days away that the student prepaid by card
    diary = await make_diary(factory, cancellation_notice_hours=24)
    lesson = await lesson_in(state, diary, 48)
    student = await gql.login(diary.world.student.email)
    paid = (await gql.data(PAY_FOR_BOOKING, pay(lesson), token=student))["payForBooking"]
    assert paid["payment"]["status"] == "SUCCEEDED"

    # When the student cancels in good time
    assert (await cancel(gql, student, lesson))["policyOutcome"] == "RETURNED"

    # Then the lesson's money comes back, as a deposit or a credit would
    [payment] = await lesson_payments(state, lesson)
    assert (payment.status, payment.refunded_minor) == ("refunded", 4000)
    [refund] = await refunds_of(state, payment)
    assert refund.amount_minor == 4000


async def test_a_prepaid_lesson_cancelled_late_for_a_fee_owes_the_fee_only(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a school charging half the price for short notice, and a prepaid £40 lesson
    diary = await make_diary(
        factory, cancellation_notice_hours=24, late_cancellation_rule="half_fee"
    )
    lesson = await lesson_in(state, diary, 2)
    student = await gql.login(diary.world.student.email)
    paid = (await gql.data(PAY_FOR_BOOKING, pay(lesson), token=student))["payForBooking"]
    assert paid["payment"]["status"] == "SUCCEEDED"

    # When the student cancels late
    assert (await cancel(gql, student, lesson))["policyOutcome"] == "FEE"

    # Then the £20 fee is owed and the £40 prepayment comes back (not £60 in all)
    [fee] = await fees_of(state, lesson)
    assert (fee.status, fee.amount_minor) == ("pending", 2000)
    [payment] = await lesson_payments(state, lesson)
    assert (payment.status, payment.refunded_minor) == ("refunded", 4000)


async def test_a_pending_lesson_payment_fails_when_the_lesson_is_cancelled(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a forfeiting school and a lesson the student is paying by bank transfer
    diary = await make_diary(
        factory, cancellation_notice_hours=24, late_cancellation_rule="forfeit"
    )
    lesson = await lesson_in(state, diary, 2)
    student = await gql.login(diary.world.student.email)
    paid = (await gql.data(PAY_FOR_BOOKING, pay(lesson, "BANK"), token=student))["payForBooking"]
    assert paid["payment"]["status"] == "PENDING"

    # When the student cancels late
    await cancel(gql, student, lesson)

    # Then one thing is owed, the fee: the transfer under way is not owed on top of it
    [fee] = await fees_of(state, lesson)
    assert (fee.status, fee.amount_minor) == ("pending", 4000)
    [payment] = await lesson_payments(state, lesson)
    assert payment.status == "failed"


async def test_a_lesson_held_for_its_deposit_is_not_paid_for_before_the_deposit(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a booking held pending for its £10 bank deposit
    diary = await make_diary(factory, unpaid_hold_minutes=120)
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
    assert body["bookLesson"]["errors"] == [], body
    booking_id = pk(body["bookLesson"]["booking"]["id"])

    # When the student tries to pay the whole lesson first
    refused = (
        await gql.data(
            PAY_FOR_BOOKING,
            {"input": {"bookingId": gid("Booking", booking_id), "method": "CARD"}},
            token=student,
        )
    )["payForBooking"]

    # Then it is refused (the deposit would be taken twice), and nothing is charged
    assert refused["errors"][0]["code"] == "INVALID_STATUS"
    async with state.db.session() as session:
        kinds = list(
            await session.scalars(select(Payment.kind).where(Payment.booking_id == booking_id))
        )
    assert kinds == ["deposit"]
