"""Deposits (SPEC §3): a lesson type may ask for one before its booking is confirmed.

* placed — a booking paid neither by a credit nor placed by the system (a series'
  background generation has no actor), whose lesson type has ``deposit_minor > 0``, is
  held ``pending`` until ``payment_due_at`` (now + the school's ``unpaid_hold_minutes``)
  and a deposit payment is created in the chosen method. A card deposit the provider
  takes at once (the local provider) settles in the same transaction, so the booking
  comes back confirmed.
* settled — a deposit that succeeds confirms its still-pending booking.
* confirming — nobody confirms a booking while its deposit is unpaid (``DEPOSIT_UNPAID``).
* cancelled — a deposit still pending on a cancelled booking fails (nothing is owed).
* ``release_unpaid_holds`` (worker) — a hold whose time ran out without a paid deposit is
  cancelled (credit outcome ``returned``, reason "deposit not paid") and its pending
  deposit fails.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, select

from models.payments import Payment
from models.scheduling import Booking, BookingChange, LessonType
from models.schools import School
from services.actor import Actor
from services.errors import DomainError

# Imported first so its listener is registered first: a booking's credit is drawn
# before this module's listener asks whether a credit paid for it.
from services.packages import booking_credits  # noqa: F401
from services.payments import core
from services.payments import hooks as payment_hooks
from services.scheduling import hooks, offers
from services.scheduling.changes import record_change
from services.scheduling.errors import SchedulingErrorCode as E
from services.scheduling.hooks import PaymentChoice
from services.uow import UnitOfWork

UNPAID_REASON = "deposit not paid"
RELEASE_BATCH = 200
# Cash is recorded by an admin once it is handed over, never promised at booking time.
DEPOSIT_METHODS = ("card", "bank")


def now() -> datetime:
    return datetime.now(UTC)


@hooks.when_placed
async def hold_for_deposit(
    uow: UnitOfWork, actor: Actor | None, booking: Booking, choice: PaymentChoice
) -> None:
    if actor is None or booking.student_package_id is not None:
        return
    lesson_type = await uow.session.get(LessonType, booking.lesson_type_id)
    if lesson_type is None or lesson_type.deposit_minor <= 0:
        return
    school = await uow.session.get(School, booking.school_id)
    assert school is not None
    if choice.deposit_method not in DEPOSIT_METHODS:
        raise DomainError(E.INVALID, "A deposit is paid by card or bank.", "depositMethod")
    booking.status = "pending"
    booking.confirmed_at = None
    booking.payment_due_at = now() + timedelta(minutes=school.unpaid_hold_minutes)
    await uow.session.flush()
    await core.create_payment(
        uow,
        actor,
        core.PaymentRequest(
            school_id=booking.school_id,
            student_id=booking.student_id,
            kind="deposit",
            method=choice.deposit_method,
            amount_minor=lesson_type.deposit_minor,
            currency=lesson_type.currency,
            description=f"Deposit: {lesson_type.name}",
            booking_id=booking.id,
            idempotency_key=f"deposit-{booking.id}",
        ),
    )


@payment_hooks.when_settled
async def confirm_on_deposit(uow: UnitOfWork, payment: Payment, actor: Actor | None) -> None:
    if payment.kind != "deposit" or payment.booking_id is None:
        return
    booking = await uow.session.get(Booking, payment.booking_id, with_for_update=True)
    if booking is None or booking.status != "pending" or booking.payment_due_at is None:
        return
    booking.status = "confirmed"
    booking.confirmed_at = now()
    booking.payment_due_at = None
    # A deposit taken while the booking is being placed (a card the provider charges at
    # once) confirms it before its "created" change is written: that change then says
    # "confirmed" itself. Later, the diary is told with a change of its own.
    recorded = await uow.session.scalar(
        select(func.count())
        .select_from(BookingChange)
        .where(BookingChange.booking_id == booking.id)
    )
    if recorded:
        await record_change(uow, actor, booking, "confirmed", from_status="pending")


def _unpaid(booking_id: Any) -> ColumnElement[bool]:
    return and_(
        exists().where(Payment.booking_id == booking_id, Payment.kind == "deposit"),
        ~exists().where(
            Payment.booking_id == booking_id,
            Payment.kind == "deposit",
            Payment.status.in_(("succeeded", "partially_refunded", "refunded")),
        ),
    )


async def deposit_unpaid(uow: UnitOfWork, booking_id: uuid.UUID) -> bool:
    """The booking asked for a deposit and none has been paid."""
    return bool(await uow.session.scalar(select(_unpaid(booking_id))))


@hooks.when_confirming
async def refuse_unpaid(uow: UnitOfWork, actor: Actor | None, booking: Booking) -> None:
    if await deposit_unpaid(uow, booking.id):
        raise DomainError(
            E.DEPOSIT_UNPAID, "The lesson's deposit has not been paid yet.", "bookingId"
        )


@hooks.when_cancelled
async def drop_pending_deposit(uow: UnitOfWork, actor: Actor | None, booking: Booking) -> None:
    """A cancelled booking's deposit that was never paid is not owed any more: it fails,
    so a late bank transfer is not matched to it (a paid one is refunds' business)."""
    booking.payment_due_at = None
    await core.fail_pending(uow, actor, booking.id, "deposit", "booking cancelled")


async def release_unpaid_holds(uow: UnitOfWork, at: datetime) -> int:
    """Cancel pending bookings whose deposit was not paid in time; fail the deposit."""
    due = (
        await uow.session.scalars(
            select(Booking)
            .where(
                Booking.status == "pending",
                Booking.payment_due_at.is_not(None),
                Booking.payment_due_at <= at,
                Booking.deleted_at.is_(None),
                _unpaid(Booking.id),
            )
            .order_by(Booking.payment_due_at)
            .limit(RELEASE_BATCH)
            .with_for_update(skip_locked=True)
        )
    ).all()
    for booking in due:
        booking.status = "cancelled"
        booking.cancelled_at = at
        booking.cancellation_reason = UNPAID_REASON
        booking.cancelled_by_role = "system"
        booking.is_late_cancellation = False
        booking.policy_outcome = "returned"
        booking.fee_minor = 0
        booking.payment_due_at = None
        await record_change(
            uow, None, booking, "cancelled", from_status="pending", reason=UNPAID_REASON
        )
        uow.audit(
            None,
            "booking.cancelled",
            entity_type="Booking",
            entity_id=booking.id,
            school_id=booking.school_id,
            after={"status": "cancelled", "reason": UNPAID_REASON, "policy_outcome": "returned"},
        )
        await core.fail_pending(uow, None, booking.id, "deposit", UNPAID_REASON)
        await hooks.cancelled(uow, None, booking)
        await offers.offer_freed_slot(uow, booking, booking.starts_at, booking.ends_at)
    return len(due)
