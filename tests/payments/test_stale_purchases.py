"""Purchases nobody paid for are given up: by bank transfer after 14 days, by card after
24 hours (cancelled at the provider first; settled instead if it was paid meanwhile). The
package is cancelled and the promo use returns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import update

from models.packages import StudentPackage
from models.payments import Payment
from resolvers.context import AppState
from services.payments import stale
from services.payments.providers.local import LocalProvider
from services.uow import transact
from tests.http.helpers import extra_server
from tests.payments.helpers import (
    PURCHASE,
    get,
    make_package,
    make_promo,
    pk_of,
    purchase_input,
    times_used,
)
from tests.support import Factory, GraphQLClient, SchoolWorld, build_school_world


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
        lambda uow: stale.abandon_unpaid_purchases(uow, datetime.now(UTC)),
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
        lambda uow: stale.abandon_unpaid_purchases(uow, datetime.now(UTC)),
    )
    assert again == 0


async def test_a_card_purchase_never_completed_is_cancelled_at_the_provider_and_given_up(
    database_url: str, tmp_path: Path, state: AppState
) -> None:
    # Given a server whose card charges wait for the customer, and a card purchase with a
    # limited promo left unfinished for a day, and one finished at the provider meanwhile
    async with (
        extra_server(database_url, tmp_path, local_payments_auto_settle=False) as server,
        httpx.AsyncClient(base_url=server.base_url, timeout=30) as http,
    ):
        world = await build_school_world(Factory(server.state))
        package = await make_package(server.state, world.school)
        promo = await make_promo(server.state, world.school, "CARDS", usage_limit=5)
        gql = GraphQLClient(http)
        token = await gql.login(world.student.email)
        left, paid = [
            (
                await gql.data(
                    PURCHASE, purchase_input(package, "CARD", promoCode="CARDS"), token=token
                )
            )["purchasePackage"]
            for _ in range(2)
        ]
        provider = server.state.deps.payments
        assert isinstance(provider, LocalProvider)
        paid_payment = await get(server.state, Payment, pk_of(paid["payment"]["id"]))
        provider.charges[paid_payment.provider_reference]["status"] = "succeeded"
        for result in (left, paid):
            await _age_hours(server.state, result["payment"]["id"], 25)

        # When the job runs
        changed = await transact(
            server.state.db,
            server.state.hub,
            server.state.deps,
            lambda uow: stale.abandon_unpaid_purchases(uow, datetime.now(UTC)),
        )

        # Then the unfinished charge is cancelled at the provider and the purchase fails,
        # giving its promo use back; the one paid meanwhile settles with its credits
        assert changed == 2
        failed = await get(server.state, Payment, pk_of(left["payment"]["id"]))
        assert (failed.status, failed.failure_reason) == ("failed", stale.CARD_ABANDONED)
        assert provider.charges[failed.provider_reference]["status"] == "failed"
        cancelled = await get(server.state, StudentPackage, pk_of(left["studentPackage"]["id"]))
        assert cancelled.status == "cancelled"
        settled = await get(server.state, StudentPackage, pk_of(paid["studentPackage"]["id"]))
        assert (settled.status, settled.lessons_remaining) == ("active", 10)
        assert await times_used(server.state, promo) == (1, 1)


async def _age_hours(state: AppState, payment_id: str, hours: int) -> None:
    async with state.db.transaction() as session:
        await session.execute(
            update(Payment)
            .where(Payment.id == pk_of(payment_id))
            .values(created_at=datetime.now(UTC) - timedelta(hours=hours))
        )
