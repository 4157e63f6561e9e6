"""Package purchases nobody paid for, given up after a while so that the package is
cancelled and a limited promo code's use goes back to other students.

* **Bank transfer** — a package waiting for a deposit that quotes its reference fails
  after ``BANK_TRANSFER_DAYS`` ("abandoned"). A transfer that arrives later matches
  nothing and is kept as an unmatched bank deposit, for an admin to refund or sell the
  package by hand.
* **Card** — a charge the student never completed is cancelled at the provider after
  ``CARD_HOURS`` first, and only then fails here; if the provider says it was paid
  meanwhile, the payment settles instead (its webhook may simply not have arrived), and
  if it is still processing it is left for the next run. A provider that cannot be
  reached leaves the payment as it is.

Failing the payment runs the purchase's own listener: the package is cancelled and its
promo use released.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select

from models.payments import Payment
from services.payments import core
from services.payments.providers.base import ProviderError
from services.uow import UnitOfWork

BANK_TRANSFER_DAYS = 14
CARD_HOURS = 24
BATCH = 200
ABANDONED = "abandoned: no bank transfer arrived"
CARD_ABANDONED = "abandoned: the card payment was not completed"

log = logging.getLogger(__name__)


async def abandon_unpaid_purchases(uow: UnitOfWork, at: datetime) -> int:
    """Give up package purchases by bank transfer pending for over ``BANK_TRANSFER_DAYS``
    and by card for over ``CARD_HOURS``; the number of payments that changed."""
    stale = (
        await uow.session.scalars(
            select(Payment)
            .where(
                Payment.status == "pending",
                Payment.kind == "package",
                or_(
                    and_(
                        Payment.method == "bank",
                        Payment.created_at <= at - timedelta(days=BANK_TRANSFER_DAYS),
                    ),
                    and_(
                        Payment.method == "card",
                        Payment.created_at <= at - timedelta(hours=CARD_HOURS),
                    ),
                ),
            )
            .order_by(Payment.created_at)
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        )
    ).all()
    changed = 0
    for payment in stale:
        if payment.method == "bank":
            changed += await core.fail(uow, payment, None, ABANDONED)
        else:
            changed += await _give_up_card(uow, payment)
    return changed


async def _give_up_card(uow: UnitOfWork, payment: Payment) -> bool:
    if payment.provider_reference is None:  # the provider never answered its creation
        return await core.fail(uow, payment, None, CARD_ABANDONED)
    try:
        status = await uow.deps.payments.cancel_charge(
            charge_reference=payment.provider_reference,
            idempotency_key=f"cancel-{payment.id}",
        )
    except ProviderError as exc:
        log.warning("could not cancel charge of payment %s: %s", payment.id, exc)
        return False
    if status == "succeeded":
        return await core.settle(uow, payment, None)
    if status == "failed":
        return await core.fail(uow, payment, None, CARD_ABANDONED)
    return False
