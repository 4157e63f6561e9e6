"""Purchases under real concurrency: one idempotency key is one charge and one package; a
promo code's usage and per-user limits hold whatever the interleaving (SPEC §0, §3)."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx

from models.packages import PromoRedemption, StudentPackage
from models.payments import Payment
from resolvers.context import AppState
from services.actor import Role
from tests.payments.helpers import (
    PURCHASE,
    count,
    make_package,
    make_promo,
    purchase_input,
    times_used,
)
from tests.support import Factory, GraphQLClient, SchoolWorld


def outcomes(responses: list[httpx.Response]) -> Counter[str]:
    counted: Counter[str] = Counter()
    for response in responses:
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body
        payload = body["data"]["purchasePackage"]
        counted.update([payload["errors"][0]["code"] if payload["errors"] else "OK"])
    return counted


def results(responses: list[httpx.Response]) -> list[dict[str, Any]]:
    return [r.json()["data"]["purchasePackage"] for r in responses]


async def test_twenty_parallel_purchases_with_one_key_are_one_payment_and_one_package(
    gql: GraphQLClient, world: SchoolWorld, state: AppState
) -> None:
    # Given a student and a package
    package = await make_package(state, world.school, price_minor=25000)
    other = await make_package(state, world.school, price_minor=30000)
    token = await gql.login(world.student.email)
    variables = purchase_input(package, idempotencyKey="buy-once")

    # When the same purchase is sent 20 times at once
    responses = await asyncio.gather(
        *(gql.post(PURCHASE, variables, token=token) for _ in range(20))
    )

    # Then all 20 answer with the same package and payment, and one of each exists
    assert outcomes(responses) == Counter({"OK": 20})
    answers = results(responses)
    assert len({a["studentPackage"]["id"] for a in answers}) == 1
    assert len({a["payment"]["id"] for a in answers}) == 1
    assert {a["payment"]["status"] for a in answers} == {"SUCCEEDED"}
    assert await count(state, Payment, Payment.student_id == world.student.id) == 1
    assert await count(state, StudentPackage, StudentPackage.student_id == world.student.id) == 1
    held = await count(state, StudentPackage, StudentPackage.lessons_remaining == 10)
    assert held == 1

    # And the same key for another package (another amount) is refused, changing nothing
    reused = await gql.data(PURCHASE, purchase_input(other, idempotencyKey="buy-once"), token=token)
    assert reused["purchasePackage"]["errors"][0]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert reused["purchasePackage"]["payment"] is None
    changed_method = await gql.data(
        PURCHASE, purchase_input(package, "BANK", idempotencyKey="buy-once"), token=token
    )
    assert changed_method["purchasePackage"]["errors"][0]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert await count(state, Payment) == 1
    assert await count(state, StudentPackage) == 1


async def test_a_promo_limited_to_five_uses_is_used_five_times_by_twenty_racing_students(
    gql: GraphQLClient, world: SchoolWorld, state: AppState, factory: Factory
) -> None:
    # Given a promo code with a usage limit of 5, and 20 students
    package = await make_package(state, world.school)
    promo = await make_promo(state, world.school, "FIRSTFIVE", usage_limit=5)
    students = [await factory.user(world.school, Role.STUDENT) for _ in range(20)]
    tokens = [await gql.login(s.email) for s in students]

    # When all 20 buy with it at once
    responses = await asyncio.gather(
        *(
            gql.post(PURCHASE, purchase_input(package, promoCode="FIRSTFIVE"), token=t)
            for t in tokens
        )
    )

    # Then exactly 5 get it and 15 are told it is used up
    assert outcomes(responses) == Counter({"OK": 5, "PROMO_USED_UP": 15})
    assert await times_used(state, promo) == (5, 5)
    assert await count(state, StudentPackage) == 5
    assert await count(state, Payment) == 5


async def test_a_once_per_student_promo_is_used_once_by_ten_racing_purchases(
    gql: GraphQLClient, world: SchoolWorld, state: AppState
) -> None:
    # Given a promo code each student may use once
    package = await make_package(state, world.school)
    promo = await make_promo(state, world.school, "ONCE", per_user_limit=1)
    token = await gql.login(world.student.email)

    # When one student sends 10 purchases with it at once, each with its own key
    responses = await asyncio.gather(
        *(
            gql.post(
                PURCHASE,
                purchase_input(package, promoCode="ONCE", idempotencyKey=f"k{n}"),
                token=token,
            )
            for n in range(10)
        )
    )

    # Then one gets the discount and nine are told they have used it
    assert outcomes(responses) == Counter({"OK": 1, "PROMO_LIMIT_REACHED": 9})
    assert await times_used(state, promo) == (1, 1)
    assert await count(state, PromoRedemption, PromoRedemption.student_id == world.student.id) == 1
    assert await count(state, StudentPackage) == 1
