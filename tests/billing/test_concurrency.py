"""Money invariants under real concurrency: simultaneous HTTP requests.

* 10 partial refunds whose total exceeds the capture: the refunds never exceed it, and
  the payment's ``refunded_minor`` equals the sum of its refund rows;
* 50 invoices created at once: numbers 1..50, unique, no gaps — also when an invoice
  creation fails (rolls back) in between.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import select

from models.payments import Invoice
from resolvers.context import AppState
from services.payments import invoices
from services.uow import unit_of_work
from tests.billing.helpers import (
    CREATE_INVOICE,
    REFUND,
    fetch_payment,
    package_payment,
    refund_rows,
)
from tests.support import Factory, GraphQLClient, SchoolWorld, gid


def codes(responses: list[Any], field: str) -> Counter[str]:
    counted: Counter[str] = Counter()
    for response in responses:
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body
        payload = body["data"][field]
        counted.update([payload["errors"][0]["code"] if payload["errors"] else "OK"])
    return counted


@pytest.mark.parametrize("method", ["cash", "card"])
async def test_ten_concurrent_partial_refunds_never_exceed_the_capture(
    gql: GraphQLClient, factory: Factory, world: SchoolWorld, state: AppState, method: str
) -> None:
    # Given a captured payment of 200.00 and ten refunds of 30.00 each (300.00 in all)
    paid = await package_payment(factory, world, price_minor=20000, method=method)
    token = await gql.login(world.admin.email)
    variables = {
        "input": {
            "paymentId": gid("Payment", paid.payment.id),
            "amountMinor": 3000,
            "reason": "Goodwill",
        }
    }

    # When they are all sent at once
    responses = await asyncio.gather(*(gql.post(REFUND, variables, token=token) for _ in range(10)))

    # Then the six that fit succeed and four are refused
    assert codes(responses, "refundPayment") == Counter({"OK": 6, "REFUND_EXCEEDS_PAYMENT": 4})
    payment = await fetch_payment(state, paid.payment.id)
    rows = await refund_rows(state, paid.payment.id)
    assert sum(r.amount_minor for r in rows) == payment.refunded_minor == 18000
    assert payment.refunded_minor <= payment.amount_minor
    assert payment.status == "partially_refunded"
    if method == "card":
        charge = state.deps.payments.charges[payment.provider_reference]  # type: ignore[attr-defined]
        assert charge["refunded"] == 18000


async def test_concurrent_refunds_of_the_rest_refund_it_once(
    gql: GraphQLClient, factory: Factory, world: SchoolWorld, state: AppState
) -> None:
    paid = await package_payment(factory, world, price_minor=20000, lessons=4)
    token = await gql.login(world.admin.email)
    variables = {"input": {"paymentId": gid("Payment", paid.payment.id), "reason": "All back"}}

    responses = await asyncio.gather(*(gql.post(REFUND, variables, token=token) for _ in range(10)))

    counted = codes(responses, "refundPayment")
    assert counted["OK"] == 1
    assert sum(counted.values()) == 10
    assert set(counted) <= {"OK", "NOT_REFUNDABLE", "REFUND_EXCEEDS_PAYMENT"}
    payment = await fetch_payment(state, paid.payment.id)
    assert (payment.status, payment.refunded_minor) == ("refunded", 20000)
    assert [r.amount_minor for r in await refund_rows(state, paid.payment.id)] == [20000]


async def numbers(state: AppState, school_id: Any) -> list[int]:
    async with state.db.session() as session:
        rows = await session.scalars(
            select(Invoice.number).where(Invoice.school_id == school_id).order_by(Invoice.number)
        )
        return list(rows)


async def test_fifty_concurrent_invoices_are_numbered_one_to_fifty_without_gaps(
    gql: GraphQLClient,
    factory: Factory,
    world: SchoolWorld,
    other_world: SchoolWorld,
    state: AppState,
) -> None:
    token = await gql.login(world.admin.email)
    other_token = await gql.login(other_world.admin.email)

    def invoice_for(student: Any, n: int) -> dict[str, Any]:
        return {
            "input": {
                "studentId": gid("User", student.id),
                "items": [{"description": f"Lesson {n}", "quantity": 1, "unitMinor": 4000}],
                "issue": n % 2 == 0,
            }
        }

    # When 50 invoices of one school and 10 of another are created at once
    responses = await asyncio.gather(
        *(gql.post(CREATE_INVOICE, invoice_for(world.student, n), token=token) for n in range(50)),
        *(
            gql.post(CREATE_INVOICE, invoice_for(other_world.student, n), token=other_token)
            for n in range(10)
        ),
    )

    # Then each school's numbers are 1..n exactly
    assert codes(responses, "createInvoice") == Counter({"OK": 60})
    assert await numbers(state, world.school.id) == list(range(1, 51))
    assert await numbers(state, other_world.school.id) == list(range(1, 11))
    shown = {r.json()["data"]["createInvoice"]["invoice"]["displayNumber"] for r in responses[:50]}
    assert shown == {f"INV-{n:06d}" for n in range(1, 51)}


async def test_a_failed_invoice_gives_its_number_back(
    gql: GraphQLClient, factory: Factory, world: SchoolWorld, state: AppState
) -> None:
    token = await gql.login(world.admin.email)
    good = {
        "input": {
            "studentId": gid("User", world.student.id),
            "items": [{"description": "Lesson", "quantity": 1, "unitMinor": 4000}],
        }
    }
    bad = {"input": {**good["input"], "discountMinor": 999999}}
    actor = await factory.actor()

    async def number_then_fail() -> None:
        async with unit_of_work(state.db, state.hub, state.deps) as uow:
            invoice = await invoices.create_invoice(
                uow,
                actor,
                invoices.InvoiceRequest(
                    student_id=world.student.id, items=[invoices.ItemRequest("Lesson", 1, 4000)]
                ),
            )
            assert invoice.number >= 1
            raise RuntimeError("the request failed after numbering")

    async def rolled_back() -> None:
        """An invoice whose transaction fails after it took its number."""
        with pytest.raises(RuntimeError):
            await number_then_fail()

    # When good invoices, refused ones and rolled-back ones are created at once
    results = await asyncio.gather(
        *(gql.post(CREATE_INVOICE, good, token=token) for _ in range(20)),
        *(gql.post(CREATE_INVOICE, bad, token=token) for _ in range(5)),
        *(rolled_back() for _ in range(5)),
    )
    responses = [r for r in results if r is not None]

    # Then the 20 good ones are numbered 1..20 and nothing else took a number
    assert codes(responses, "createInvoice") == Counter({"OK": 20, "INVALID": 5})
    assert await numbers(state, world.school.id) == list(range(1, 21))

    # And the next invoice takes 21
    data = await gql.data(CREATE_INVOICE, good, token=token)
    assert data["createInvoice"]["invoice"]["number"] == 21
