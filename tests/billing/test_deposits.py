"""A booking cancelled free of charge gets its deposit back; a late cancellation keeps it
(unless an admin waives the outcome, or the instructor cancels)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from models.scheduling import Booking
from resolvers.context import AppState
from services.accounts import actor_for
from services.payments.refunds import DEPOSIT_REFUND_REASON
from services.scheduling import bookings
from services.uow import unit_of_work
from tests.billing.helpers import booking_payment, fetch_payment, refund_rows
from tests.scheduling.helpers import Diary, book, days_ahead, local, make_diary, shift
from tests.support import Factory, GraphQLClient, gid

CANCEL = """
mutation Cancel($input: CancelBookingInput!) {
  cancelBooking(input: $input) { booking { id status policyOutcome } errors { code message } }
}
"""


async def lesson_with_deposit(
    factory: Factory, diary: Diary, notice: timedelta, n: int = 0
) -> tuple[Booking, uuid.UUID]:
    """A confirmed lesson starting ``notice`` from now, with a paid 10.00 cash deposit."""
    state = factory.state
    booking = await book(state, diary.admin_actor, diary, local(days_ahead(10 + n), 10))
    await shift(state, booking.id, datetime.now(UTC) + notice)
    deposit = await booking_payment(factory, diary.world, booking.id, amount_minor=1000)
    return booking, deposit.id


async def cancel(gql: GraphQLClient, email: str, booking: Booking) -> str:
    token = await gql.login(email)
    data = await gql.data(CANCEL, {"input": {"bookingId": gid("Booking", booking.id)}}, token=token)
    assert data["cancelBooking"]["errors"] == [], data
    return data["cancelBooking"]["booking"]["policyOutcome"]  # type: ignore[no-any-return]


async def test_a_free_cancellation_refunds_the_deposit_and_a_late_one_keeps_it(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    diary = await make_diary(factory, cancellation_notice_hours=24)
    free, free_deposit = await lesson_with_deposit(factory, diary, timedelta(hours=30), 0)
    late, late_deposit = await lesson_with_deposit(factory, diary, timedelta(hours=2), 1)

    assert await cancel(gql, diary.world.student.email, free) == "RETURNED"
    assert await cancel(gql, diary.world.student.email, late) != "RETURNED"

    refunded = await fetch_payment(state, free_deposit)
    assert (refunded.status, refunded.refunded_minor) == ("refunded", 1000)
    [refund] = await refund_rows(state, free_deposit)
    assert refund.reason == DEPOSIT_REFUND_REASON
    assert refund.amount_minor == 1000
    assert refund.actor_id == diary.world.student.id

    kept = await fetch_payment(state, late_deposit)
    assert (kept.status, kept.refunded_minor) == ("succeeded", 0)
    assert await refund_rows(state, late_deposit) == []


async def test_the_instructor_cancelling_late_refunds_the_deposit(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    diary = await make_diary(factory, cancellation_notice_hours=24)
    booking, deposit = await lesson_with_deposit(factory, diary, timedelta(hours=2))

    assert await cancel(gql, diary.world.instructor.email, booking) == "RETURNED"

    assert (await fetch_payment(state, deposit)).status == "refunded"


async def test_waiving_a_late_cancellation_refunds_the_deposit(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    diary = await make_diary(factory, cancellation_notice_hours=24)
    booking, deposit = await lesson_with_deposit(factory, diary, timedelta(hours=2))
    await cancel(gql, diary.world.student.email, booking)
    assert (await fetch_payment(state, deposit)).status == "succeeded"

    async with unit_of_work(state.db, state.hub, state.deps) as uow:
        await bookings.waive_fee(uow, actor_for(diary.world.admin), booking.id, "Family emergency")

    assert (await fetch_payment(state, deposit)).status == "refunded"
    [refund] = await refund_rows(state, deposit)
    assert refund.actor_id == diary.world.admin.id
