"""Paying for a pay-as-you-go lesson (SPEC §3): ``payForBooking``.

A booking not paid with a credit is paid for with a ``lesson`` payment of its price less
any deposit already paid on it. The student pays by card or bank transfer; a school admin
with ``FINANCES_MANAGE`` may also record cash. The booking's row is locked while the
payment is created, so two concurrent requests cannot both pay: the second finds the
first's payment and is told ``INVALID_STATUS``. A retried request with the same
idempotency key returns the first payment.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select

from models.payments import Payment
from models.scheduling import Booking
from services import idempotency
from services.actor import Actor, Role, Scope
from services.errors import DomainError, Forbidden
from services.payments import core
from services.payments.errors import PaymentErrorCode as E
from services.payments.purchase import client_secret, provider_key
from services.scheduling.visibility import is_admin_of
from services.uow import UnitOfWork

OPERATION = "payForBooking"
PAYABLE = ("pending", "confirmed", "in_progress", "completed", "no_show")


@dataclass
class LessonPayment:
    payment: Payment
    client_secret: str | None
    replayed: bool = False


async def pay_for_booking(
    uow: UnitOfWork,
    actor: Actor,
    booking_id: uuid.UUID,
    method: str,
    idempotency_key: str | None = None,
) -> LessonPayment:
    actor.require_active()
    booking = await uow.session.scalar(
        select(Booking)
        .where(Booking.id == booking_id, Booking.deleted_at.is_(None))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    is_student = booking is not None and booking.student_id == actor.user_id
    is_admin = booking is not None and is_admin_of(actor, booking.school_id)
    if booking is None or not (is_student or is_admin):
        raise DomainError(E.NOT_FOUND, "No such booking.", "bookingId")
    if is_admin and not is_student:
        actor.require(Scope.FINANCES_MANAGE)
    elif actor.role is not Role.STUDENT:
        raise Forbidden()
    allowed = ("card", "bank", "cash") if is_admin else ("card", "bank")
    if method not in allowed:
        raise DomainError(
            E.METHOD_NOT_ALLOWED, "Cash is recorded by the school's admins.", "method"
        )
    claim = await idempotency.claim(
        uow,
        actor,
        idempotency_key,
        OPERATION,
        {"bookingId": str(booking.id), "method": method},
        E.IDEMPOTENCY_KEY_REUSED,
    )
    if claim.replay is not None:
        replayed = await uow.session.get(Payment, claim.replay)
        if replayed is None or replayed.booking_id != booking.id:
            raise DomainError(E.NOT_FOUND, "No such payment.", "idempotencyKey")
        return LessonPayment(replayed, await client_secret(uow, replayed), replayed=True)

    if booking.student_package_id is not None:
        raise DomainError(
            E.INVALID_STATUS, "This lesson was paid for with a package credit.", "bookingId"
        )
    if booking.status not in PAYABLE:
        raise DomainError(E.INVALID_STATUS, "A cancelled lesson is not paid for.", "bookingId")
    open_or_paid = await uow.session.scalar(
        select(func.count())
        .select_from(Payment)
        .where(
            Payment.booking_id == booking.id,
            Payment.kind == "lesson",
            Payment.status.in_(("pending", "succeeded", "partially_refunded")),
        )
    )
    if open_or_paid:
        raise DomainError(
            E.INVALID_STATUS,
            "This lesson is already paid for, or its payment is under way.",
            "bookingId",
        )
    if booking.status == "pending" and booking.payment_due_at is not None:
        # Held for its deposit: the lesson's price is not due before the deposit (paying
        # both would take the deposit twice, and an unpaid hold is released anyway).
        raise DomainError(E.INVALID_STATUS, "Pay the lesson's deposit first.", "bookingId")
    deposits = await uow.session.scalar(
        select(func.coalesce(func.sum(Payment.amount_minor - Payment.refunded_minor), 0)).where(
            Payment.booking_id == booking.id,
            Payment.kind == "deposit",
            Payment.status.in_(("succeeded", "partially_refunded")),
        )
    )
    amount = booking.price_minor - int(deposits or 0)
    if amount < 1:
        raise DomainError(E.INVALID_STATUS, "Nothing is left to pay for this lesson.", "bookingId")
    payment, charge = await core.start_payment(
        uow,
        actor,
        core.PaymentRequest(
            school_id=booking.school_id,
            student_id=booking.student_id,
            kind="lesson",
            method=method,
            amount_minor=amount,
            currency=booking.currency,
            description=f"Driving lesson on {booking.starts_at:%Y-%m-%d %H:%M} UTC",
            booking_id=booking.id,
            idempotency_key=provider_key(actor, OPERATION, idempotency_key),
        ),
    )
    claim.record(payment.id)
    secret = charge.client_secret if charge is not None and payment.status == "pending" else None
    return LessonPayment(payment, secret)
