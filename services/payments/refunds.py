"""Refunds: money given back on a payment, full or partial, with a reason (SPEC §3).

    refund = await refunds.refund_payment(uow, actor, RefundRequest(payment_id, ...))

The sum of a payment's refunds never exceeds what was captured, also under concurrent
requests: the refund first *reserves* its amount with one conditional ``UPDATE``

    UPDATE payments SET refunded_minor = refunded_minor + :x, status = CASE … END
     WHERE id = :id AND status IN ('succeeded', 'partially_refunded')
       AND refunded_minor + :x <= amount_minor RETURNING …

A concurrent refund of the same payment waits for that row lock, then re-checks the
condition against the committed total; when nothing is updated the request is told
``REFUND_EXCEEDS_PAYMENT`` (``ck_payments_refunds_within_amount`` backs it up). Only then
is the card provider asked to refund (under ``refund-<refund id>``); cash and bank
refunds are recorded as paid out by the admin. A provider failure raises
``PROVIDER_UNAVAILABLE`` and the whole transaction — reservation included — rolls back.

**Credits follow** (``_credits_follow``, a ``when_refunded`` listener): a package whose
payment is refunded in full loses all its unused credits and becomes ``refunded``; a
partial refund takes ``revokeCredits`` credits (none by default). Credits already used
keep their value: lessons taught stay paid to the instructor.

**Deposits and prepaid lessons**: a booking cancelled free of charge (policy outcome
``returned`` or ``waived``, which includes every cancellation by its instructor) gets its
deposit and a prepaid lesson payment back automatically; a late cancellation keeps the
deposit, and gives a prepaid lesson payment back when it owes a fee instead (as a credit
comes back then); a forfeited lesson keeps both.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import case, select, update
from sqlalchemy.orm.attributes import set_committed_value

from models.packages import StudentPackage
from models.payments import Payment, Refund
from models.scheduling import Booking
from services import idempotency
from services.actor import Actor, Scope
from services.errors import DomainError, Forbidden
from services.packages import ledger
from services.payments import hooks
from services.payments.errors import PaymentErrorCode as E
from services.payments.providers.base import ProviderError
from services.scheduling import hooks as booking_hooks
from services.uow import UnitOfWork
from services.validation import clean_text

REFUNDABLE = ("succeeded", "partially_refunded")
MAX_REASON = 500
FREE_CANCELLATION = ("returned", "waived")
DEPOSIT_REFUND_REASON = "booking cancelled free of charge"
LATE_LESSON_REFUND_REASON = "booking cancelled: a late-cancellation fee is owed instead"


@dataclass(frozen=True)
class RefundRequest:
    payment_id: uuid.UUID
    reason: str | None
    # None: everything not yet refunded.
    amount_minor: int | None = None
    # Credits to take back on a partial refund of a package payment (None: none).
    revoke_credits: int | None = None
    idempotency_key: str | None = None


def _may_manage(actor: Actor, school_id: uuid.UUID) -> bool:
    return actor.has(Scope.FINANCES_MANAGE) and actor.can_see_school(school_id)


async def refund_payment(uow: UnitOfWork, actor: Actor, request: RefundRequest) -> Refund:
    """An admin with the finances scope refunds (part of) a payment of their school."""
    actor.require_active()
    if not actor.has(Scope.FINANCES_MANAGE):
        raise Forbidden("Only a school admin who manages finances can refund a payment.")
    reason = clean_text(request.reason, E.INVALID, "reason", max_length=MAX_REASON, required=True)
    assert reason is not None
    if request.amount_minor is not None and request.amount_minor < 1:
        raise DomainError(E.INVALID, "A refund is for a positive amount.", "amountMinor")
    if request.revoke_credits is not None and request.revoke_credits < 0:
        raise DomainError(E.INVALID, "revokeCredits cannot be negative.", "revokeCredits")
    claim = await idempotency.claim(
        uow,
        actor,
        request.idempotency_key,
        "refundPayment",
        {
            "payment_id": str(request.payment_id),
            "amount_minor": request.amount_minor,
            "reason": reason,
            "revoke_credits": request.revoke_credits,
        },
        E.IDEMPOTENCY_KEY_REUSED,
    )
    if claim.replay is not None:
        replayed = await uow.session.get(Refund, claim.replay)
        assert replayed is not None
        return replayed
    payment = await uow.session.get(Payment, request.payment_id)
    if payment is None or not _may_manage(actor, payment.school_id):
        raise DomainError(E.NOT_FOUND, "No such payment.", "paymentId")
    refund = await give_back(
        uow,
        actor,
        payment,
        amount_minor=request.amount_minor,
        reason=reason,
        revoke_credits=request.revoke_credits,
    )
    claim.record(refund.id)
    return refund


async def give_back(
    uow: UnitOfWork,
    actor: Actor | None,
    payment: Payment,
    *,
    amount_minor: int | None,
    reason: str,
    revoke_credits: int | None = None,
) -> Refund:
    """Refund ``amount_minor`` (the rest when None) of ``payment``; no authorisation here:
    callers have checked it (``refund_payment``) or act for the system (deposits)."""
    if payment.status not in REFUNDABLE:
        raise DomainError(
            E.NOT_REFUNDABLE, "Only a succeeded payment can be refunded.", "paymentId"
        )
    if revoke_credits and payment.kind != "package":
        raise DomainError(
            E.INVALID, "Only a package payment has credits to revoke.", "revokeCredits"
        )
    if amount_minor is None:
        # "The rest" is read under the row lock, so it is the rest at this moment.
        row = (
            await uow.session.execute(
                select(Payment.amount_minor - Payment.refunded_minor)
                .where(Payment.id == payment.id)
                .with_for_update()
            )
        ).scalar_one()
        amount_minor = int(row)
        if amount_minor < 1:
            raise DomainError(
                E.REFUND_EXCEEDS_PAYMENT, "This payment is already refunded in full.", "paymentId"
            )
    if amount_minor > payment.amount_minor:
        raise DomainError(
            E.REFUND_EXCEEDS_PAYMENT, "A refund cannot exceed the payment.", "amountMinor"
        )
    before = {"status": payment.status, "refunded_minor": payment.refunded_minor}

    # 1. Reserve the amount: the database decides, under the payment's row lock.
    new_total = Payment.refunded_minor + amount_minor
    reserved = (
        await uow.session.execute(
            update(Payment)
            .where(
                Payment.id == payment.id,
                Payment.status.in_(REFUNDABLE),
                new_total <= Payment.amount_minor,
            )
            .values(
                refunded_minor=new_total,
                status=case(
                    (new_total == Payment.amount_minor, "refunded"), else_="partially_refunded"
                ),
            )
            .returning(Payment.refunded_minor, Payment.status)
            .execution_options(synchronize_session=False)
        )
    ).one_or_none()
    if reserved is None:
        raise DomainError(
            E.REFUND_EXCEEDS_PAYMENT,
            "The refunds of a payment cannot exceed what was paid.",
            "amountMinor",
        )
    set_committed_value(payment, "refunded_minor", reserved[0])
    set_committed_value(payment, "status", reserved[1])
    full = reserved[1] == "refunded"

    # 2. Credits to revoke are checked before any money moves at the provider.
    requested_credits = 0
    if payment.kind == "package" and not full and revoke_credits:
        remaining = await uow.session.scalar(
            select(StudentPackage.lessons_remaining)
            .where(StudentPackage.id == payment.student_package_id)
            .with_for_update()
        )
        if remaining is None or revoke_credits > remaining:
            raise DomainError(
                E.INVALID,
                f"The package has {remaining or 0} unused credits; revoke at most that many.",
                "revokeCredits",
            )
        requested_credits = revoke_credits

    # 3. Money back: the provider for cards; the admin pays cash and bank refunds out.
    refund = Refund(
        id=uuid.uuid4(),
        school_id=payment.school_id,
        payment_id=payment.id,
        amount_minor=amount_minor,
        currency=payment.currency,
        reason=reason[:MAX_REASON],
        status="succeeded",
        credits_revoked=requested_credits,
        actor_id=actor.user_id if actor else None,
        created_at=datetime.now(UTC),
    )
    if payment.method == "card":
        refund.provider_reference = await _provider_refund(uow, payment, refund)
    uow.session.add(refund)
    await uow.session.flush()

    await hooks.refunded(uow, payment, refund, actor)
    uow.audit(
        actor,
        "payment.refunded",
        entity_type="Payment",
        entity_id=payment.id,
        school_id=payment.school_id,
        before=before,
        after={
            "status": payment.status,
            "refunded_minor": payment.refunded_minor,
            "refund_id": str(refund.id),
            "refund_minor": refund.amount_minor,
            "credits_revoked": refund.credits_revoked,
            "reason": refund.reason,
        },
    )
    ledger.emit_account_changed(
        uow,
        student_id=payment.student_id,
        school_id=payment.school_id,
        entity="Payment",
        entity_id=payment.id,
    )
    return refund


async def _provider_refund(uow: UnitOfWork, payment: Payment, refund: Refund) -> str:
    if payment.provider_reference is None:
        raise DomainError(
            E.NOT_REFUNDABLE, "This card payment has no charge to refund.", "paymentId"
        )
    try:
        result = await uow.deps.payments.refund(
            charge_reference=payment.provider_reference,
            amount_minor=refund.amount_minor,
            idempotency_key=f"refund-{refund.id}",
        )
    except ProviderError as exc:
        raise DomainError(
            E.PROVIDER_UNAVAILABLE, "The card provider could not be reached; try again.", None
        ) from exc
    if result.status != "succeeded":
        raise DomainError(
            E.PROVIDER_UNAVAILABLE, "The card provider did not make the refund; try again.", None
        )
    return result.reference


@hooks.when_refunded
async def _credits_follow(
    uow: UnitOfWork, payment: Payment, refund: Refund, actor: Actor | None
) -> None:
    """A package's credits follow its money: all unused ones on a full refund, the
    requested number on a partial one. Used credits keep their value."""
    if payment.kind != "package" or payment.student_package_id is None:
        return
    actor_id = actor.user_id if actor else None
    note = f"refund {refund.id}"
    if payment.status == "refunded":
        movement = await ledger.take_away(
            uow,
            payment.student_package_id,
            count=None,
            reason="refunded",
            status="refunded",
            actor_id=actor_id,
            note=note,
        )
        refund.credits_revoked = -movement.entry.delta if movement else 0
    elif refund.credits_revoked > 0:
        movement = await ledger.take_away(
            uow,
            payment.student_package_id,
            count=refund.credits_revoked,
            reason="refunded",
            status=None,
            actor_id=actor_id,
            note=note,
        )
        taken = -movement.entry.delta if movement else 0
        if taken != refund.credits_revoked:  # checked under the lock before; never differs
            raise DomainError(E.INVALID, "Those credits are no longer unused.", "revokeCredits")
        if movement is not None and movement.balance_after == 0:
            await uow.session.execute(
                update(StudentPackage)
                .where(StudentPackage.id == payment.student_package_id)
                .where(StudentPackage.status == "active")
                .values(status="exhausted")
            )
    await uow.session.flush()


async def _refund_paid(
    uow: UnitOfWork,
    actor: Actor | None,
    booking: Booking,
    kinds: tuple[str, ...],
    reason: str = DEPOSIT_REFUND_REASON,
) -> None:
    """Give back the rest of the booking's succeeded payments of ``kinds``."""
    paid = (
        await uow.session.scalars(
            select(Payment)
            .where(
                Payment.booking_id == booking.id,
                Payment.kind.in_(kinds),
                Payment.status.in_(REFUNDABLE),
            )
            .order_by(Payment.created_at)
            .with_for_update()
        )
    ).all()
    for payment in paid:
        if payment.refunded_minor >= payment.amount_minor:
            continue
        await give_back(uow, actor, payment, amount_minor=None, reason=reason)


@booking_hooks.when_cancelled
async def _paid_back_on_cancellation(
    uow: UnitOfWork, actor: Actor | None, booking: Booking
) -> None:
    """A free cancellation (or one by the instructor) gives the deposit and a prepaid
    lesson payment back; a late one keeps the deposit, and a fee replaces the lesson's
    price (its prepayment comes back, like a credit); a forfeited lesson keeps both."""
    if booking.policy_outcome in FREE_CANCELLATION:
        await _refund_paid(uow, actor, booking, ("deposit", "lesson"))
    elif booking.policy_outcome == "fee":
        await _refund_paid(uow, actor, booking, ("lesson",), LATE_LESSON_REFUND_REASON)


@booking_hooks.when_waived
async def _paid_back_when_waived(uow: UnitOfWork, actor: Actor | None, booking: Booking) -> None:
    """An admin waiving a late cancellation's outcome gives the deposit (and a prepaid
    lesson payment a forfeit kept) back too."""
    if booking.status == "cancelled" and booking.policy_outcome == "waived":
        await _refund_paid(uow, actor, booking, ("deposit", "lesson"))
