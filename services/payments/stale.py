"""Bank-transfer purchases nobody paid for: given up after a while, so that the package
is cancelled and a limited promo code's use is given back to other students.

A package bought by bank transfer waits for a deposit quoting its reference. One still
pending after ``BANK_TRANSFER_DAYS`` fails with the reason "abandoned"; the purchase's
own listener then cancels the package and releases its promo use. A transfer that
arrives later matches nothing and is kept as an unmatched bank deposit, for an admin to
refund or sell the package by hand.

Card payments are not given up here: a card charge could still succeed at the provider,
and a failed payment would then have taken money for nothing. They end with the
provider's webhook.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from models.payments import Payment
from services.payments import core
from services.uow import UnitOfWork

BANK_TRANSFER_DAYS = 14
BATCH = 200
ABANDONED = "abandoned: no bank transfer arrived"


async def abandon_unpaid_transfers(uow: UnitOfWork, at: datetime) -> int:
    """Fail package purchases by bank transfer pending for over ``BANK_TRANSFER_DAYS``."""
    stale = (
        await uow.session.scalars(
            select(Payment)
            .where(
                Payment.status == "pending",
                Payment.method == "bank",
                Payment.kind == "package",
                Payment.created_at <= at - timedelta(days=BANK_TRANSFER_DAYS),
            )
            .order_by(Payment.created_at)
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        )
    ).all()
    for payment in stale:
        await core.fail(uow, payment, None, ABANDONED)
    return len(stale)
