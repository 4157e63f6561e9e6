"""A card provider's webhook events, each processed once (SPEC §3).

``POST /webhooks/stripe`` (app/webhooks.py) verifies the signature and freshness of the
request (``Deps.payments.verify_webhook``) and hands the event to ``process``, which in one
transaction

1. records the event id in ``webhook_events`` with ``INSERT … ON CONFLICT DO NOTHING``: a
   replayed id (Stripe retries, an attacker re-sending a captured request within the
   tolerance window) inserts nothing and changes nothing; two deliveries racing each
   other serialise on the primary key, and the second finds the first's row;
2. settles (``payment_intent.succeeded``) or fails (``payment_intent.canceled``, or a
   ``payment_intent.payment_failed`` whose intent is not left open for another attempt) the
   payment with that provider reference, through the core's conditional ``UPDATE``, so
   credits are granted once whatever arrives twice. A success whose amount, currency or
   ``metadata.payment_id`` (when the event carries them) contradict the payment settles
   nothing: it is recorded as a ``mismatch`` and logged for an admin to look at.

The event row and its effect commit together: a failure rolls both back and the
provider's retry is processed afresh. Other event types are recorded and acknowledged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert

from models.payments import Payment, WebhookEvent
from services.payments import core
from services.payments.providers.base import ProviderEvent
from services.uow import UnitOfWork

SUCCEEDED = "payment_intent.succeeded"
FAILED = "payment_intent.payment_failed"
CANCELED = "payment_intent.canceled"
# A PaymentIntent in one of these states after a failed attempt is still open: the
# customer may try another card on the same intent and succeed, so the attempt's
# failure settles nothing (failing the payment would cancel the package while the money
# could still be taken). Only a cancelled intent fails the payment.
STILL_OPEN = ("requires_payment_method", "requires_confirmation", "requires_action", "processing")

log = logging.getLogger(__name__)


def contradicts(event: ProviderEvent, payment: Payment) -> str | None:
    """What in a success event disagrees with the payment it names, if anything: the
    amount received, the currency, or the payment id Clutch put in the charge's metadata.
    Fields the event does not carry are not held against it."""
    data = event.data
    amount = data.get("amount_received", data.get("amount"))
    if isinstance(amount, int) and amount != payment.amount_minor:
        return f"amount {amount} is not {payment.amount_minor}"
    currency = data.get("currency")
    if isinstance(currency, str) and currency.upper() != payment.currency:
        return f"currency {currency!r} is not {payment.currency}"
    metadata = data.get("metadata")
    named = metadata.get("payment_id") if isinstance(metadata, dict) else None
    if isinstance(named, str) and named != str(payment.id):
        return "metadata names another payment"
    return None


@dataclass(frozen=True)
class Outcome:
    """What an event did: ``duplicate``, ``ignored``, ``unknown_payment``, ``mismatch``,
    ``settled``, ``failed``, ``attempt_failed`` (the intent stays open) or ``unchanged``
    (the payment had already settled or failed)."""

    result: str
    payment_id: object | None = None


async def process(uow: UnitOfWork, provider: str, event: ProviderEvent) -> Outcome:
    recorded = await uow.session.scalar(
        insert(WebhookEvent)
        .values(provider=provider, event_id=event.id, event_type=event.type[:100])
        .on_conflict_do_nothing(index_elements=[WebhookEvent.provider, WebhookEvent.event_id])
        .returning(WebhookEvent.event_id)
    )
    if recorded is None:
        return Outcome("duplicate")
    if event.type not in (SUCCEEDED, FAILED, CANCELED) or not event.charge_reference:
        return Outcome("ignored")
    payment = await uow.session.scalar(
        select(Payment)
        .where(Payment.provider == provider, Payment.provider_reference == event.charge_reference)
        .with_for_update()
    )
    if payment is None:
        return Outcome("unknown_payment")
    await uow.session.execute(
        update(WebhookEvent)
        .where(WebhookEvent.provider == provider, WebhookEvent.event_id == event.id)
        .values(payment_id=payment.id)
        .execution_options(synchronize_session=False)
    )
    if event.type == SUCCEEDED:
        contradiction = contradicts(event, payment)
        if contradiction is not None:
            log.warning(
                "webhook %s contradicts payment %s: %s", event.id, payment.id, contradiction
            )
            return Outcome("mismatch", payment.id)
        changed = await core.settle(uow, payment, None)
        return Outcome("settled" if changed else "unchanged", payment.id)
    if event.type == FAILED and event.data.get("status") in STILL_OPEN:
        result = "attempt_failed"
    else:
        changed = await core.fail(uow, payment, None, event.failure_reason or "payment_failed")
        result = "failed" if changed else "unchanged"
    return Outcome(result, payment.id)
