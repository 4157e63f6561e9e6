"""What a late cancellation costs, as money the student owes (SPEC §2's policy, §3's fees).

Scheduling records the policy's outcome on the booking; this module turns it into a
pending ``fee`` payment, which the student pays by bank transfer (it carries a
reference) or in cash at the next lesson (an admin's ``recordCashPayment``):

* ``fee`` — the tier's fee (``booking.fee_minor``) less a deposit the school keeps
  towards it; a credit, if the lesson had one, came back (packages), and a prepaid
  lesson payment is refunded (refunds);
* ``forfeited`` — a lesson paid with a credit keeps it spent, which is the charge; a
  pay-as-you-go lesson is charged at its price, less a deposit and a lesson payment
  already paid (which the school keeps);
* ``waived`` — an admin's waiver, at cancellation or later: nothing is owed, and a fee
  still pending fails with the reason "waived".

Nothing is owed for a free cancellation, one by the instructor, or a no-show (the lesson
itself is due, as ``payForBooking``).
"""

from __future__ import annotations

from sqlalchemy import func, select

from models.payments import Payment
from models.scheduling import Booking
from services.actor import Actor
from services.payments import core
from services.scheduling import hooks
from services.uow import UnitOfWork

WAIVED = "waived"


async def _already_paid(
    uow: UnitOfWork, booking: Booking, kinds: tuple[str, ...] = ("deposit", "lesson")
) -> int:
    """What the student has paid towards the lesson itself (deposits and a prepaid lesson
    payment, or only ``kinds`` of them), net of refunds."""
    paid = await uow.session.scalar(
        select(func.coalesce(func.sum(Payment.amount_minor - Payment.refunded_minor), 0)).where(
            Payment.booking_id == booking.id,
            Payment.kind.in_(kinds),
            Payment.status.in_(("succeeded", "partially_refunded")),
        )
    )
    return int(paid or 0)


async def owed(uow: UnitOfWork, booking: Booking) -> int:
    """What the cancellation's outcome charges, in minor units."""
    if booking.policy_outcome == "fee":
        # The deposit is kept towards the fee, never on top of it.
        return max(booking.fee_minor - await _already_paid(uow, booking, ("deposit",)), 0)
    if booking.policy_outcome == "forfeited" and booking.student_package_id is None:
        return max(booking.price_minor - await _already_paid(uow, booking), 0)
    return 0


@hooks.when_cancelled
async def charge_late_cancellation(uow: UnitOfWork, actor: Actor | None, booking: Booking) -> None:
    # A lesson payment still under way is not owed any more (the lesson will not happen):
    # it fails, so a late transfer is not matched to it; what a late cancellation costs
    # is the fee below.
    await core.fail_pending(uow, actor, booking.id, "lesson", "booking cancelled")
    amount = await owed(uow, booking)
    if amount < 1:
        return
    await core.create_payment(
        uow,
        actor,
        core.PaymentRequest(
            school_id=booking.school_id,
            student_id=booking.student_id,
            kind="fee",
            method="bank",
            amount_minor=amount,
            currency=booking.currency,
            description=f"Late cancellation of the lesson on {booking.starts_at:%Y-%m-%d %H:%M} UTC",
            booking_id=booking.id,
        ),
    )


@hooks.when_waived
async def drop_waived_fee(uow: UnitOfWork, actor: Actor | None, booking: Booking) -> None:
    await core.fail_pending(uow, actor, booking.id, "fee", WAIVED)
