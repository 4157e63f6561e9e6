"""Credits at booking time: the packages domain's listeners on scheduling's hooks.

* placed — ``CREDIT``: draw one credit or refuse the booking (``NO_CREDITS``);
  ``AUTO``: draw when a matching credit exists, else the lesson is pay as you go;
  ``PAY_AS_YOU_GO``: no credit. A named ``student_package_id`` that is not the
  student's, or cannot pay for this lesson, is ``PACKAGE_NOT_USABLE``.
* cancelled — the policy's outcome decides: ``returned``, ``fee`` and ``waived`` give
  the credit back; ``forfeited`` keeps it spent.
* waived — an admin waived a late cancellation or a no-show: the credit comes back.
* no-show and completed — the credit is consumed: nothing moves.
* moved — a rescheduled booking keeps its credit (no hook).

Each listener runs in the booking's own transaction, so a refused draw leaves no booking
and a give-back never happens without the cancellation that caused it. The ledger's
conditional ``UPDATE`` and its unique (booking, reason) index keep the last credit from
being taken twice and a credit from coming back twice.
"""

from __future__ import annotations

from sqlalchemy import select

from models.packages import StudentPackage
from models.scheduling import Booking
from services.actor import Actor
from services.errors import DomainError
from services.packages import ledger
from services.scheduling import hooks
from services.scheduling.errors import SchedulingErrorCode as E
from services.scheduling.hooks import PaymentChoice, PayWith
from services.uow import UnitOfWork

RETURNING_OUTCOMES = ("returned", "fee", "waived")


def want_for(booking: Booking) -> ledger.Want:
    return ledger.Want(
        school_id=booking.school_id,
        student_id=booking.student_id,
        instructor_id=booking.instructor_id,
        lesson_type_id=booking.lesson_type_id,
        duration_minutes=int((booking.ends_at - booking.starts_at).total_seconds() // 60),
        starts_at=booking.starts_at,
    )


def _not_usable() -> DomainError:
    return DomainError(
        E.PACKAGE_NOT_USABLE,
        "That package cannot pay for this lesson.",
        "studentPackageId",
    )


def _no_credits() -> DomainError:
    return DomainError(E.NO_CREDITS, "You have no lesson credit that fits this lesson.", "payWith")


@hooks.when_placed
async def draw_credit(
    uow: UnitOfWork, actor: Actor | None, booking: Booking, choice: PaymentChoice
) -> None:
    if choice.pay_with is PayWith.PAY_AS_YOU_GO:
        return
    named = choice.student_package_id
    if named is not None:
        owner = (
            await uow.session.execute(
                select(StudentPackage.student_id, StudentPackage.school_id).where(
                    StudentPackage.id == named
                )
            )
        ).one_or_none()
        if owner is None or tuple(owner) != (booking.student_id, booking.school_id):
            raise _not_usable()
    movement = await ledger.draw(
        uow,
        want_for(booking),
        booking_id=booking.id,
        actor_id=actor.user_id if actor else None,
        package_id=named,
    )
    if movement is None:
        if named is not None:
            remaining = await uow.session.scalar(
                select(StudentPackage.lessons_remaining).where(StudentPackage.id == named)
            )
            raise _no_credits() if remaining == 0 else _not_usable()
        if choice.pay_with is PayWith.CREDIT:
            raise _no_credits()
        return  # AUTO without a matching credit: pay as you go
    booking.student_package_id = movement.package_id


async def _give_back(uow: UnitOfWork, actor: Actor | None, booking: Booking, note: str) -> None:
    if booking.student_package_id is None:
        return
    await ledger.give_back(
        uow,
        booking_id=booking.id,
        package_id=booking.student_package_id,
        actor_id=actor.user_id if actor else None,
        note=note,
    )


@hooks.when_cancelled
async def return_on_cancel(uow: UnitOfWork, actor: Actor | None, booking: Booking) -> None:
    if booking.policy_outcome in RETURNING_OUTCOMES:
        await _give_back(uow, actor, booking, f"cancelled ({booking.policy_outcome})")


@hooks.when_waived
async def return_on_waiver(uow: UnitOfWork, actor: Actor | None, booking: Booking) -> None:
    await _give_back(uow, actor, booking, "fee waived")
