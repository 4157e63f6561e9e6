"""Bank-transfer purchases nobody paid for are given up after 14 days: the package is
cancelled and the promo use returns; a card purchase is left to its provider."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from models.packages import StudentPackage
from models.payments import Payment
from resolvers.context import AppState
from services.payments import stale
from services.uow import transact
from tests.payments.helpers import (
    PURCHASE,
    get,
    make_package,
    make_promo,
    pk_of,
    purchase_input,
    times_used,
)
from tests.support import GraphQLClient, SchoolWorld


async def _age(state: AppState, payment_id: str, days: int) -> None:
    async with state.db.transaction() as session:
        await session.execute(
            update(Payment)
            .where(Payment.id == pk_of(payment_id))
            .values(created_at=datetime.now(UTC) - timedelta(days=days))
        )


async def test_an_unpaid_transfer_is_given_up_after_fourteen_days_and_its_promo_use_returns(
    gql: GraphQLClient, world: SchoolWorld, state: AppState
) -> None:
    # Given two bank-transfer purchases with a two-use promo, 15 and 13 days old
    package = await make_package(state, world.school)
    promo = await make_promo(state, world.school, "TRANSFER", usage_limit=2)
    token = await gql.login(world.student.email)
    old, recent = [
        (
            await gql.data(
                PURCHASE, purchase_input(package, "BANK", promoCode="TRANSFER"), token=token
            )
        )["purchasePackage"]
        for _ in range(2)
    ]
    await _age(state, old["payment"]["id"], 15)
    await _age(state, recent["payment"]["id"], 13)
    assert await times_used(state, promo) == (2, 2)

    # When the daily job runs
    given_up = await transact(
        state.db,
        state.hub,
        state.deps,
        lambda uow: stale.abandon_unpaid_transfers(uow, datetime.now(UTC)),
    )

    # Then only the old purchase failed: its package is cancelled, its promo use is back
    assert given_up == 1
    failed = await get(state, Payment, pk_of(old["payment"]["id"]))
    waiting = await get(state, Payment, pk_of(recent["payment"]["id"]))
    assert (failed.status, failed.failure_reason) == ("failed", stale.ABANDONED)
    assert waiting.status == "pending"
    held = await get(state, StudentPackage, pk_of(old["studentPackage"]["id"]))
    assert held.status == "cancelled"
    assert await times_used(state, promo) == (1, 1)

    # And running it again changes nothing
    again = await transact(
        state.db,
        state.hub,
        state.deps,
        lambda uow: stale.abandon_unpaid_transfers(uow, datetime.now(UTC)),
    )
    assert again == 0
