"""The local card provider, for development and tests: no network, same contract.

Charges succeed at once (``auto_settle``) or stay pending until a webhook settles them,
which tests use to drive the webhook path; an amount ending in 02 pence is declined,
like Stripe's test card 4000 0000 0000 0002, so a decline can be tried by hand. Webhooks
are signed and verified exactly as Stripe's are (``signing``).
"""

from __future__ import annotations

import secrets
from typing import Any

import orjson

from services.payments.providers import signing
from services.payments.providers.base import (
    Charge,
    ChargeStatus,
    ProviderEvent,
    ProviderRefund,
    WebhookRejected,
)

DECLINED_PENCE = 2


class LocalProvider:
    name = "local"

    def __init__(self, webhook_secret: str, *, auto_settle: bool = True) -> None:
        self.webhook_secret = webhook_secret
        self.auto_settle = auto_settle
        self.charges: dict[str, dict[str, Any]] = {}
        self._by_key: dict[str, str] = {}

    async def create_charge(
        self,
        *,
        amount_minor: int,
        currency: str,
        description: str,
        metadata: dict[str, str],
        idempotency_key: str,
    ) -> Charge:
        if idempotency_key in self._by_key:
            reference = self._by_key[idempotency_key]
            return self._charge(reference)
        reference = f"lp_{secrets.token_hex(12)}"
        status = "pending"
        failure = None
        if amount_minor % 100 == DECLINED_PENCE:
            status, failure = "failed", "card_declined"
        elif self.auto_settle:
            status = "succeeded"
        self.charges[reference] = {
            "amount": amount_minor,
            "currency": currency,
            "status": status,
            "failure": failure,
            "refunded": 0,
            "metadata": metadata,
        }
        self._by_key[idempotency_key] = reference
        return self._charge(reference)

    def _charge(self, reference: str) -> Charge:
        charge = self.charges[reference]
        return Charge(
            reference=reference,
            status=charge["status"],
            client_secret=f"{reference}_secret_local",
            failure_reason=charge["failure"],
        )

    async def refund(
        self, *, charge_reference: str, amount_minor: int, idempotency_key: str
    ) -> ProviderRefund:
        charge = self.charges.get(charge_reference)
        if charge is None or charge["refunded"] + amount_minor > charge["amount"]:
            return ProviderRefund(reference=f"lre_{secrets.token_hex(8)}", status="failed")
        charge["refunded"] += amount_minor
        return ProviderRefund(reference=f"lre_{secrets.token_hex(8)}", status="succeeded")

    async def cancel_charge(self, *, charge_reference: str, idempotency_key: str) -> ChargeStatus:
        charge = self.charges.get(charge_reference)
        if charge is None:
            return "failed"
        if charge["status"] == "pending":
            charge["status"], charge["failure"] = "failed", "canceled"
        return charge["status"]  # type: ignore[no-any-return]

    def verify_webhook(self, *, payload: bytes, signature_header: str | None) -> ProviderEvent:
        signing.verify(payload, signature_header, self.webhook_secret)
        return parse_event(payload)


def parse_event(payload: bytes) -> ProviderEvent:
    """A Stripe-shaped event body: ``{"id", "type", "data": {"object": {"id", …}}}``.

    ``payment_intent.succeeded`` / ``payment_intent.payment_failed`` settle or fail the
    charge whose PaymentIntent id is ``data.object.id``; other types are acknowledged and
    ignored."""
    try:
        body = orjson.loads(payload)
        event_id = body["id"]
        event_type = body["type"]
        obj = body["data"]["object"]
    except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
        raise WebhookRejected("not an event body") from exc
    if (
        not isinstance(event_id, str)
        or not isinstance(event_type, str)
        or not isinstance(obj, dict)
    ):
        raise WebhookRejected("not an event body")
    if not 1 <= len(event_id) <= 255 or not 1 <= len(event_type) <= 100:
        raise WebhookRejected("not an event body")
    reference = obj.get("id") if isinstance(obj.get("id"), str) else None
    status = {
        "payment_intent.succeeded": "succeeded",
        "payment_intent.payment_failed": "failed",
        "payment_intent.canceled": "failed",
    }.get(event_type)
    failure = None
    error = obj.get("last_payment_error")
    if isinstance(error, dict) and isinstance(error.get("code"), str):
        failure = error["code"][:300]
    return ProviderEvent(
        id=event_id,
        type=event_type,
        charge_reference=reference,
        status=status,  # type: ignore[arg-type]
        failure_reason=failure,
        data=obj,
    )
