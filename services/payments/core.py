"""The life of a payment: created pending, then settled or failed, exactly once.

    payment = await core.create_payment(uow, actor, PaymentRequest(...))

* **card** — the provider creates a charge under the request's idempotency key; when it
  succeeds at once (the local provider, a saved card) the payment settles in the same
  transaction, otherwise its signed webhook settles it later (``webhooks``);
* **bank** — the payment waits with a short reference the student quotes on their
  transfer; a matching bank deposit settles it (``bank``);
* **cash** — only a school admin records cash, which has already been handed over, so
  it settles at once.

``settle`` and ``fail`` are conditional ``UPDATE … WHERE status = 'pending'``: a replayed
webhook, a retried request or two racing settlements change a payment once, and only the
one that changed it runs the listeners (``hooks``) that grant credits, confirm held
bookings and issue invoices.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update

from models.payments import Payment
from services.actor import Actor
from services.errors import DomainError
from services.packages.ledger import emit_account_changed
from services.payments import hooks
from services.payments.errors import PaymentErrorCode as E
from services.payments.providers.base import Charge, ProviderError
from services.uow import UnitOfWork

# Crockford's base32 without I, L, O, U: a reference a person can read out and type.
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def now() -> datetime:
    return datetime.now(UTC)


def bank_reference() -> str:
    """``CL-`` and 8 random characters (40 bits): unguessable, and short enough to type."""
    return "CL-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


@dataclass(frozen=True)
class PaymentRequest:
    school_id: uuid.UUID
    student_id: uuid.UUID
    kind: str  # package, lesson, deposit, fee
    method: str  # card, bank, cash
    amount_minor: int
    currency: str
    description: str
    student_package_id: uuid.UUID | None = None
    booking_id: uuid.UUID | None = None
    # Passed to the provider, so that a retried request is one charge there too.
    idempotency_key: str | None = None


async def create_payment(uow: UnitOfWork, actor: Actor | None, request: PaymentRequest) -> Payment:
    """Create a payment and, for card and cash, take it as far as it goes now."""
    payment, _ = await start_payment(uow, actor, request)
    return payment


async def start_payment(
    uow: UnitOfWork, actor: Actor | None, request: PaymentRequest
) -> tuple[Payment, Charge | None]:
    """``create_payment``, also returning the provider's charge of a card payment (whose
    ``client_secret`` the client confirms the card with)."""
    if request.amount_minor < 1:
        raise DomainError(E.INVALID, "A payment is for a positive amount.", "amountMinor")
    provider_name = {"card": uow.deps.payments.name, "bank": "bank", "cash": "cash"}[request.method]
    payment = Payment(
        id=uuid.uuid4(),
        school_id=request.school_id,
        student_id=request.student_id,
        kind=request.kind,
        method=request.method,
        status="pending",
        amount_minor=request.amount_minor,
        refunded_minor=0,
        currency=request.currency,
        description=request.description[:300],
        provider=provider_name,
        student_package_id=request.student_package_id,
        booking_id=request.booking_id,
        idempotency_key=request.idempotency_key,
        recorded_by_id=actor.user_id if request.method == "cash" and actor else None,
        bank_reference=bank_reference() if request.method == "bank" else None,
    )
    uow.session.add(payment)
    await uow.session.flush()
    uow.audit(
        actor,
        "payment.created",
        entity_type="Payment",
        entity_id=payment.id,
        school_id=payment.school_id,
        after=_snapshot(payment),
    )
    _announce(uow, payment)
    charge = None
    if request.method == "cash":
        await settle(uow, payment, actor)
    elif request.method == "card":
        charge = await _charge(uow, actor, payment)
    return payment, charge


async def _charge(uow: UnitOfWork, actor: Actor | None, payment: Payment) -> Charge:
    try:
        charge = await uow.deps.payments.create_charge(
            amount_minor=payment.amount_minor,
            currency=payment.currency,
            description=payment.description or payment.kind,
            metadata={"payment_id": str(payment.id), "school_id": str(payment.school_id)},
            idempotency_key=payment.idempotency_key or f"payment-{payment.id}",
        )
    except ProviderError as exc:
        raise DomainError(
            E.PROVIDER_UNAVAILABLE, "The card provider could not be reached; try again.", None
        ) from exc
    payment.provider_reference = charge.reference
    await uow.session.flush()
    if charge.status == "succeeded":
        await settle(uow, payment, actor)
    elif charge.status == "failed":
        await fail(uow, payment, actor, charge.failure_reason or "declined")
    return charge


async def settle(uow: UnitOfWork, payment: Payment, actor: Actor | None) -> bool:
    """Mark a pending payment succeeded and run the listeners; False if it was not
    pending (already settled or failed), in which case nothing happens."""
    at = now()
    changed = await uow.session.scalar(
        update(Payment)
        .where(Payment.id == payment.id, Payment.status == "pending")
        .values(status="succeeded", succeeded_at=at)
        .returning(Payment.id)
        .execution_options(synchronize_session=False)
    )
    if changed is None:
        return False
    payment.status = "succeeded"
    payment.succeeded_at = at
    uow.audit(
        actor,
        "payment.succeeded",
        entity_type="Payment",
        entity_id=payment.id,
        school_id=payment.school_id,
        after=_snapshot(payment),
    )
    _announce(uow, payment)
    await hooks.settled(uow, payment, actor)
    return True


async def fail(uow: UnitOfWork, payment: Payment, actor: Actor | None, reason: str) -> bool:
    """Mark a pending payment failed and run the listeners; False if it was not pending."""
    at = now()
    changed = await uow.session.scalar(
        update(Payment)
        .where(Payment.id == payment.id, Payment.status == "pending")
        .values(status="failed", failed_at=at, failure_reason=reason[:300])
        .returning(Payment.id)
        .execution_options(synchronize_session=False)
    )
    if changed is None:
        return False
    payment.status = "failed"
    payment.failed_at = at
    payment.failure_reason = reason[:300]
    uow.audit(
        actor,
        "payment.failed",
        entity_type="Payment",
        entity_id=payment.id,
        school_id=payment.school_id,
        after=_snapshot(payment),
    )
    _announce(uow, payment)
    await hooks.failed(uow, payment, actor)
    return True


async def fail_pending(
    uow: UnitOfWork, actor: Actor | None, booking_id: uuid.UUID, kind: str, reason: str
) -> None:
    """Fail a booking's pending payments of ``kind`` (its deposit, lesson payment or fee)
    that are no longer owed, so that a late transfer is not matched to them."""
    pending = (
        await uow.session.scalars(
            select(Payment)
            .where(
                Payment.booking_id == booking_id,
                Payment.kind == kind,
                Payment.status == "pending",
            )
            .with_for_update()
        )
    ).all()
    for payment in pending:
        await fail(uow, payment, actor, reason)


def _announce(uow: UnitOfWork, payment: Payment) -> None:
    emit_account_changed(
        uow,
        student_id=payment.student_id,
        school_id=payment.school_id,
        entity="Payment",
        entity_id=payment.id,
    )


def _snapshot(payment: Payment) -> dict[str, object]:
    return {
        "kind": payment.kind,
        "method": payment.method,
        "status": payment.status,
        "amount_minor": payment.amount_minor,
        "refunded_minor": payment.refunded_minor,
        "currency": payment.currency,
        "student_id": str(payment.student_id),
    }
