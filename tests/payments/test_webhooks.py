"""POST /webhooks/stripe: only a genuine, fresh, first-seen event changes anything, and it
settles the payment (and grants the credits) once.

These tests run a second server whose local provider leaves card charges pending
(``local_payments_auto_settle=False``), as Stripe does until the card is confirmed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from models.packages import CreditEntry, StudentPackage
from models.payments import Payment, WebhookEvent
from resolvers.context import AppState
from services.payments.providers import signing
from tests.conftest import RunningServer
from tests.http.helpers import extra_server
from tests.payments.helpers import PURCHASE, count, get, make_package, pk_of, purchase_input
from tests.support import Factory, GraphQLClient, SchoolWorld, build_school_world


@dataclass
class Pending:
    server: RunningServer
    http: httpx.AsyncClient
    world: SchoolWorld
    payment_id: Any
    reference: str
    package_id: Any

    @property
    def secret(self) -> str:
        return self.server.app.state.runtime.settings.webhook_secret  # type: ignore[no-any-return]

    async def send(
        self, event: dict[str, Any], *, timestamp: int | None = None, secret: str | None = None
    ) -> httpx.Response:
        body = orjson.dumps(event)
        header = signing.header(body, secret or self.secret, timestamp)
        return await self.http.post(
            "/webhooks/stripe",
            content=body,
            headers={"stripe-signature": header, "content-type": "application/json"},
        )


def event(kind: str, reference: str, event_id: str = "evt_1", **fields: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {"id": reference, "object": "payment_intent", **fields}
    if kind == "payment_intent.payment_failed":
        obj["last_payment_error"] = {"code": "card_declined"}
    return {"id": event_id, "type": kind, "data": {"object": obj}}


@pytest.fixture
async def pending(database_url: str, tmp_path: Path, state: AppState) -> AsyncIterator[Pending]:
    # (``state``: the shared server is up first, so the clean-database fixture can use it.)
    async with (
        extra_server(database_url, tmp_path, local_payments_auto_settle=False) as server,
        httpx.AsyncClient(base_url=server.base_url, timeout=30) as http,
    ):
        world = await build_school_world(Factory(server.state))
        package = await make_package(server.state, world.school)
        gql = GraphQLClient(http)
        token = await gql.login(world.student.email)
        data = await gql.data(PURCHASE, purchase_input(package), token=token)
        result = data["purchasePackage"]
        assert result["payment"]["status"] == "PENDING"
        assert result["clientSecret"]
        payment = await get(server.state, Payment, pk_of(result["payment"]["id"]))
        yield Pending(
            server,
            http,
            world,
            payment.id,
            payment.provider_reference,
            pk_of(result["studentPackage"]["id"]),
        )


async def unchanged(p: Pending) -> None:
    state = p.server.state
    payment = await get(state, Payment, p.payment_id)
    held = await get(state, StudentPackage, p.package_id)
    assert payment.status == "pending"
    assert (held.status, held.lessons_remaining) == ("pending_payment", 0)
    assert await count(state, CreditEntry) == 0


async def test_a_wrong_signature_changes_nothing(pending: Pending) -> None:
    response = await pending.send(
        event("payment_intent.succeeded", pending.reference), secret="whsec_wrong"
    )

    assert response.status_code == 400
    assert "Traceback" not in response.text
    assert response.json() == {"error": "signature does not match"}
    await unchanged(pending)
    assert await count(pending.server.state, WebhookEvent) == 0


async def test_a_missing_signature_or_a_body_that_is_not_an_event_changes_nothing(
    pending: Pending,
) -> None:
    no_header = await pending.http.post("/webhooks/stripe", content=b"{}")
    body = b"not json"
    garbage = await pending.http.post(
        "/webhooks/stripe",
        content=body,
        headers={"stripe-signature": signing.header(body, pending.secret)},
    )
    huge = await pending.http.post("/webhooks/stripe", content=b"x" * (300 * 1024))

    assert no_header.status_code == 400
    assert garbage.status_code == 400
    assert huge.status_code == 413
    await unchanged(pending)


async def test_a_stale_timestamp_changes_nothing(pending: Pending) -> None:
    # Correctly signed, but 301 seconds old (the tolerance is 300)
    response = await pending.send(
        event("payment_intent.succeeded", pending.reference), timestamp=int(time.time()) - 301
    )

    assert response.status_code == 400
    assert response.json() == {"error": "timestamp outside the tolerance window"}
    await unchanged(pending)


async def test_a_genuine_event_settles_once_and_a_replayed_id_changes_nothing(
    pending: Pending,
) -> None:
    state = pending.server.state
    succeeded = event("payment_intent.succeeded", pending.reference, "evt_ok")

    # When the genuine event arrives
    first = await pending.send(succeeded)

    # Then the payment settles and the package is active with its credits
    assert first.status_code == 200
    assert first.json()["result"] == "settled"
    payment = await get(state, Payment, pending.payment_id)
    held = await get(state, StudentPackage, pending.package_id)
    assert payment.status == "succeeded"
    assert (held.status, held.lessons_remaining) == ("active", 10)

    # When the same event id is replayed (also concurrently), and another id says the same
    replays = await asyncio.gather(*(pending.send(succeeded) for _ in range(5)))
    again = await pending.send(event("payment_intent.succeeded", pending.reference, "evt_other"))

    # Then nothing changes: credits were granted once
    assert {r.status_code for r in replays} == {200}
    assert {r.json()["result"] for r in replays} == {"duplicate"}
    assert again.json()["result"] == "unchanged"
    held = await get(state, StudentPackage, pending.package_id)
    assert held.lessons_remaining == 10
    assert await count(state, CreditEntry, CreditEntry.student_package_id == held.id) == 1
    assert await count(state, WebhookEvent) == 2


async def test_a_success_that_contradicts_the_payment_settles_nothing(pending: Pending) -> None:
    state = pending.server.state
    payment = await get(state, Payment, pending.payment_id)
    right = {
        "amount_received": payment.amount_minor,
        "currency": payment.currency.lower(),
        "metadata": {"payment_id": str(payment.id)},
    }

    # When genuinely signed successes name the charge but another amount, currency or payment
    wrong = [
        {**right, "amount_received": payment.amount_minor - 1},
        {**right, "currency": "eur"},
        {**right, "metadata": {"payment_id": str(pending.package_id)}},
    ]
    answers = [
        await pending.send(event("payment_intent.succeeded", pending.reference, f"evt_w{i}", **f))
        for i, f in enumerate(wrong)
    ]

    # Then each is acknowledged as a mismatch and nothing changes
    assert [(a.status_code, a.json()["result"]) for a in answers] == [(200, "mismatch")] * 3
    await unchanged(pending)

    # And the success that agrees with the payment settles it
    good = await pending.send(
        event("payment_intent.succeeded", pending.reference, "evt_g", **right)
    )
    assert good.json()["result"] == "settled"
    assert (await get(state, Payment, pending.payment_id)).status == "succeeded"


async def test_concurrent_deliveries_of_one_event_settle_once(pending: Pending) -> None:
    state = pending.server.state
    succeeded = event("payment_intent.succeeded", pending.reference, "evt_race")

    responses = await asyncio.gather(*(pending.send(succeeded) for _ in range(10)))

    assert sorted(r.json()["result"] for r in responses) == ["duplicate"] * 9 + ["settled"]
    assert await count(state, CreditEntry) == 1


async def test_a_failed_payment_cancels_the_package_and_unknown_events_are_acknowledged(
    pending: Pending,
) -> None:
    state = pending.server.state

    unknown = await pending.send(
        {"id": "evt_x", "type": "charge.refund.updated", "data": {"object": {"id": "re_1"}}}
    )
    failed = await pending.send(event("payment_intent.payment_failed", pending.reference, "evt_f"))

    assert unknown.status_code == 200
    assert unknown.json()["result"] == "ignored"
    assert failed.json()["result"] == "failed"
    payment = await get(state, Payment, pending.payment_id)
    held = await get(state, StudentPackage, pending.package_id)
    assert (payment.status, payment.failure_reason) == ("failed", "card_declined")
    assert held.status == "cancelled"
    # A late "succeeded" for a failed payment changes nothing
    late = await pending.send(event("payment_intent.succeeded", pending.reference, "evt_late"))
    assert late.json()["result"] == "unchanged"
    assert await count(state, CreditEntry) == 0


async def test_a_failed_attempt_on_an_open_intent_leaves_the_payment_to_a_later_success(
    pending: Pending,
) -> None:
    # Review (issue 4): Stripe sends payment_failed for a declined attempt and leaves the
    # PaymentIntent open ("requires_payment_method"); the student may try another card.
    state = pending.server.state
    declined = event(
        "payment_intent.payment_failed",
        pending.reference,
        "evt_attempt",
        status="requires_payment_method",
    )

    attempt = await pending.send(declined)

    # Then nothing is failed or cancelled yet
    assert attempt.json()["result"] == "attempt_failed"
    assert (await get(state, Payment, pending.payment_id)).status == "pending"
    assert (await get(state, StudentPackage, pending.package_id)).status == "pending_payment"

    # And when the next card succeeds, the student gets what they paid for
    paid = await pending.send(event("payment_intent.succeeded", pending.reference, "evt_ok"))
    assert paid.json()["result"] == "settled"
    assert (await get(state, StudentPackage, pending.package_id)).status == "active"

    # A cancelled intent is final: it fails a payment still pending (here: already paid)
    cancelled = await pending.send(event("payment_intent.canceled", pending.reference, "evt_c"))
    assert cancelled.json()["result"] == "unchanged"
