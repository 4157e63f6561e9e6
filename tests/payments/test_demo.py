"""The demo seed's packages, promo code and one purchase, made once however often it runs."""

from __future__ import annotations

from sqlalchemy import select

from app.demo import PASSWORD, seed_demo
from models.packages import CreditEntry, LessonPackage, PromoCode, StudentPackage
from models.payments import Payment
from resolvers.context import AppState
from tests.payments.helpers import count
from tests.support import GraphQLClient

MINE = "query { myPayments(first: 5) { edges { node { kind status amountMinor } } } }"


async def test_the_demo_student_has_bought_a_package_once(
    state: AppState, gql: GraphQLClient
) -> None:
    await seed_demo(state, progress=lambda _: None)
    await seed_demo(state, progress=lambda _: None)

    assert await count(state, LessonPackage) == 3
    assert await count(state, Payment) == 1
    async with state.db.session() as session:
        promo = await session.scalar(select(PromoCode).where(PromoCode.code == "WELCOME10"))
        held = await session.scalar(select(StudentPackage))
        # The demo's Driver's Record lessons, booked after the purchase, draw credits.
        deltas = list(await session.scalars(select(CreditEntry.delta).order_by(CreditEntry.id)))
    assert promo is not None
    assert promo.times_used == 1
    assert held is not None
    assert held.status == "active"
    assert held.lessons_total == 10
    assert deltas[0] == 10
    assert held.lessons_remaining == sum(deltas) < 10
    # £420 less 5% is £399, less WELCOME10's 10% (£39.90) is £359.10
    assert held.amount_paid_minor == 35910
    token = await gql.login("student@demo.test", PASSWORD)
    mine = await gql.data(MINE, token=token)
    assert [e["node"] for e in mine["myPayments"]["edges"]] == [
        {"kind": "PACKAGE", "status": "SUCCEEDED", "amountMinor": 35910}
    ]
