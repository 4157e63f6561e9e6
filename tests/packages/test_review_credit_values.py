"""Review (issue 4): the values the ledger gives drawn credits add up to what the package
cost, also when a credit was returned and drawn again (earnings are built on them)."""

from __future__ import annotations

from sqlalchemy import func, select

from models.packages import CreditEntry
from resolvers.context import AppState
from tests.packages.helpers import CANCEL, give_package
from tests.scheduling.helpers import book, days_ahead, local, make_diary
from tests.support import Factory, GraphQLClient, gid


async def held_values(state: AppState, package_id: object) -> list[int]:
    """The values of the credits the package's bookings hold (drawn, not returned)."""
    async with state.db.session() as session:
        returned = select(CreditEntry.booking_id).where(CreditEntry.reason == "returned")
        rows = await session.scalars(
            select(CreditEntry.value_minor)
            .where(
                CreditEntry.student_package_id == package_id,
                CreditEntry.reason == "booking",
                CreditEntry.booking_id.not_in(returned),
            )
            .order_by(CreditEntry.id)
        )
        return list(rows)


async def test_a_returned_credit_drawn_again_keeps_the_package_value_to_the_penny(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given £100.00 for 3 credits (3334, 3333, 3333), all three drawn
    diary = await make_diary(factory, cancellation_notice_hours=24)
    package_id = await give_package(
        state, diary, diary.world.student, lessons=3, amount_minor=10_000
    )
    first, *_ = [
        await book(state, diary.admin_actor, diary, local(days_ahead(5 + n), 10)) for n in range(3)
    ]
    assert sorted(await held_values(state, package_id)) == [3333, 3333, 3334]

    # When the first (the 3334) is cancelled in good time and its credit drawn again
    admin = await gql.login(diary.world.admin.email)
    body = await gql.data(CANCEL, {"input": {"bookingId": gid("Booking", first.id)}}, token=admin)
    assert body["cancelBooking"]["errors"] == []
    await book(state, diary.admin_actor, diary, local(days_ahead(9), 10))

    # Then the three lessons holding credits are still worth exactly £100.00
    values = await held_values(state, package_id)
    assert sorted(values) == [3333, 3333, 3334]
    async with state.db.session() as session:
        balance = await session.scalar(
            select(func.sum(CreditEntry.delta)).where(CreditEntry.student_package_id == package_id)
        )
    assert balance == 0
