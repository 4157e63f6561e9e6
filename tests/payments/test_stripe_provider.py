"""StripeProvider on the wire, against a real HTTP server standing in for Stripe; and a
Clutch server configured for Stripe, from purchase to webhook."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import orjson
import pytest

from app.runtime import build_payment_provider
from app.settings import ConfigurationError, load_settings
from models.packages import StudentPackage
from models.payments import Payment
from resolvers.context import AppState
from services.payments.providers import signing
from services.payments.providers.base import ProviderError, WebhookRejected
from services.payments.providers.local import LocalProvider
from services.payments.providers.stripe import STRIPE_VERSION, StripeProvider
from tests.http.helpers import extra_server
from tests.payments.fake_stripe import API_KEY, fake_stripe
from tests.payments.helpers import PURCHASE, get, make_package, pk_of, purchase_input
from tests.support import Factory, GraphQLClient, build_school_world

pytestmark = pytest.mark.no_database
WEBHOOK_SECRET = "whsec_test_secret"


async def test_a_charge_is_a_form_encoded_payment_intent_with_key_and_version() -> None:
    async with fake_stripe() as stripe:
        provider = StripeProvider(API_KEY, WEBHOOK_SECRET, base_url=stripe.base_url)
        try:
            charge = await provider.create_charge(
                amount_minor=32400,
                currency="GBP",
                description="Lesson package: 10 lessons",
                metadata={"payment_id": "p1", "school_id": "s1"},
                idempotency_key="clutch-key-1",
            )
            again = await provider.create_charge(
                amount_minor=32400,
                currency="GBP",
                description="Lesson package: 10 lessons",
                metadata={"payment_id": "p1", "school_id": "s1"},
                idempotency_key="clutch-key-1",
            )
        finally:
            await provider.aclose()

    assert charge.reference.startswith("pi_")
    assert charge.status == "pending"
    assert charge.client_secret
    assert charge.client_secret.startswith(charge.reference)
    assert again == charge  # the same key is the same PaymentIntent
    sent = stripe.requests[0]
    assert sent.path == "/v1/payment_intents"
    assert sent.headers["authorization"] == f"Bearer {API_KEY}"
    assert sent.headers["idempotency-key"] == "clutch-key-1"
    assert sent.headers["stripe-version"] == STRIPE_VERSION
    assert sent.headers["content-type"] == "application/x-www-form-urlencoded"
    assert sent.form == {
        "amount": "32400",
        "currency": "gbp",
        "description": "Lesson package: 10 lessons",
        "automatic_payment_methods[enabled]": "true",
        "metadata[payment_id]": "p1",
        "metadata[school_id]": "s1",
    }


async def test_an_abandoned_charge_is_cancelled_or_read_back_when_it_was_paid() -> None:
    async with fake_stripe() as stripe:
        provider = StripeProvider(API_KEY, WEBHOOK_SECRET, base_url=stripe.base_url)
        try:
            left, paid = [
                await provider.create_charge(
                    amount_minor=1000,
                    currency="GBP",
                    description="Lesson package",
                    metadata={},
                    idempotency_key=key,
                )
                for key in ("key-left", "key-paid")
            ]
            stripe.intents[paid.reference]["status"] = "succeeded"
            cancelled = await provider.cancel_charge(
                charge_reference=left.reference, idempotency_key="cancel-1"
            )
            succeeded = await provider.cancel_charge(
                charge_reference=paid.reference, idempotency_key="cancel-2"
            )
        finally:
            await provider.aclose()

    assert (cancelled, succeeded) == ("failed", "succeeded")
    cancel = stripe.requests[2]
    assert cancel.path == f"/v1/payment_intents/{left.reference}/cancel"
    assert cancel.headers["idempotency-key"] == "cancel-1"
    assert cancel.headers["stripe-version"] == STRIPE_VERSION
    assert cancel.form == {"cancellation_reason": "abandoned"}
    # A paid intent refuses to be cancelled; the provider reads it back instead
    assert [r.path for r in stripe.requests[3:]] == [
        f"/v1/payment_intents/{paid.reference}/cancel",
        f"/v1/payment_intents/{paid.reference}",
    ]


async def test_a_refund_names_the_payment_intent_and_amount() -> None:
    async with fake_stripe() as stripe:
        provider = StripeProvider(API_KEY, WEBHOOK_SECRET, base_url=stripe.base_url)
        try:
            refund = await provider.refund(
                charge_reference="pi_123", amount_minor=500, idempotency_key="refund-1"
            )
        finally:
            await provider.aclose()

    assert refund.status == "succeeded"
    assert refund.reference.startswith("re_")
    sent = stripe.requests[0]
    assert sent.path == "/v1/refunds"
    assert sent.form == {"payment_intent": "pi_123", "amount": "500"}
    assert sent.headers["idempotency-key"] == "refund-1"


async def test_errors_and_an_unreachable_stripe_are_provider_errors() -> None:
    async with fake_stripe() as stripe:
        wrong_key = StripeProvider("sk_test_wrong", WEBHOOK_SECRET, base_url=stripe.base_url)
        provider = StripeProvider(API_KEY, WEBHOOK_SECRET, base_url=stripe.base_url)
        try:
            with pytest.raises(ProviderError, match="api_key_invalid"):
                await wrong_key.refund(charge_reference="pi_1", amount_minor=1, idempotency_key="a")
            stripe.fail_next = 500
            with pytest.raises(ProviderError, match="boom"):
                await provider.refund(charge_reference="pi_1", amount_minor=1, idempotency_key="b")
        finally:
            await wrong_key.aclose()
            await provider.aclose()
        closed_url = stripe.base_url
    gone = StripeProvider(API_KEY, WEBHOOK_SECRET, base_url=closed_url, timeout=2)
    try:
        with pytest.raises(ProviderError, match="could not be reached"):
            await gone.refund(charge_reference="pi_1", amount_minor=1, idempotency_key="c")
    finally:
        await gone.aclose()


def test_webhooks_are_verified_with_the_signing_secret() -> None:
    provider = StripeProvider(API_KEY, WEBHOOK_SECRET)
    body = orjson.dumps(
        {"id": "evt_1", "type": "payment_intent.succeeded", "data": {"object": {"id": "pi_9"}}}
    )

    event = provider.verify_webhook(
        payload=body, signature_header=signing.header(body, WEBHOOK_SECRET)
    )

    assert (event.id, event.charge_reference, event.status) == ("evt_1", "pi_9", "succeeded")
    with pytest.raises(WebhookRejected):
        provider.verify_webhook(payload=body, signature_header=signing.header(body, "whsec_other"))
    old = int(time.time()) - 600
    with pytest.raises(WebhookRejected):
        provider.verify_webhook(
            payload=body, signature_header=signing.header(body, WEBHOOK_SECRET, old)
        )


def test_the_runtime_builds_the_configured_provider(tmp_path: Path) -> None:
    local = build_payment_provider(load_settings(data_dir=tmp_path))
    stripe = build_payment_provider(
        load_settings(
            data_dir=tmp_path,
            payment_provider="stripe",
            stripe_api_key="sk_test_x",
            payment_webhook_secret="whsec_x",
            stripe_api_base="http://127.0.0.1:9",
        )
    )

    assert isinstance(local, LocalProvider)
    assert isinstance(stripe, StripeProvider)
    with pytest.raises(ConfigurationError, match="CLUTCH_STRIPE_API_KEY"):
        build_payment_provider(load_settings(data_dir=tmp_path, payment_provider="stripe"))


@pytest.mark.usefixtures("state")
async def test_a_stripe_configured_server_charges_at_stripe_and_settles_by_webhook(
    database_url: str, tmp_path: Path
) -> None:
    async with (
        fake_stripe() as stripe,
        extra_server(
            database_url,
            tmp_path,
            payment_provider="stripe",
            stripe_api_key=API_KEY,
            payment_webhook_secret=WEBHOOK_SECRET,
            stripe_api_base=stripe.base_url,
        ) as server,
        httpx.AsyncClient(base_url=server.base_url, timeout=30) as http,
    ):
        state: AppState = server.state
        world = await build_school_world(Factory(state))
        package = await make_package(state, world.school, price_minor=20000)
        gql = GraphQLClient(http)
        token = await gql.login(world.student.email)

        # When the student buys by card, twice with one key
        variables = purchase_input(package, idempotencyKey="stripe-1")
        first = (await gql.data(PURCHASE, variables, token=token))["purchasePackage"]
        retry = (await gql.data(PURCHASE, variables, token=token))["purchasePackage"]

        # Then one PaymentIntent exists at Stripe; both answers carry its client secret
        assert first["errors"] == []
        assert first["payment"]["status"] == "PENDING"
        assert first["clientSecret"] == retry["clientSecret"]
        assert first["payment"]["id"] == retry["payment"]["id"]
        assert len(stripe.by_key) == 1
        payment = await get(state, Payment, pk_of(first["payment"]["id"]))
        assert payment.provider == "stripe"
        assert first["clientSecret"].startswith(payment.provider_reference)

        # When Stripe's signed webhook says it succeeded
        body = orjson.dumps(
            {
                "id": "evt_stripe_1",
                "type": "payment_intent.succeeded",
                "data": {"object": {"id": payment.provider_reference}},
            }
        )
        response = await http.post(
            "/webhooks/stripe",
            content=body,
            headers={"stripe-signature": signing.header(body, WEBHOOK_SECRET)},
        )

        # Then the package is active
        assert response.json()["result"] == "settled"
        held = await get(state, StudentPackage, pk_of(first["studentPackage"]["id"]))
        assert (held.status, held.lessons_remaining) == ("active", 10)
