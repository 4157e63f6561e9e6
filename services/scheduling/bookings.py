"""Bookings and their lifecycle (SPEC §2).

    pending ──confirm──▶ confirmed ──start (code)──▶ in_progress ──complete──▶ completed
       │                    │  └──no-show (after the start)──▶ no_show
       └──────cancel────────┴──▶ cancelled

Students book with an instructor currently assigned to them, and their bookings wait as
``pending`` until the instructor or an admin confirms; instructors (in their own diary)
and admins book on a student's behalf, confirmed at once. Students and admins move
bookings directly; instructors ask the student (services/scheduling/requests.py).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update

from models.accounts import User
from models.scheduling import Booking, LessonType, RescheduleRequest
from models.schools import School
from services import achievements
from services.accounts import visible_users
from services.actor import Actor, Role
from services.errors import DomainError, Forbidden
from services.scheduling import hooks, offers, policy
from services.scheduling.availability import instructor_in_scope
from services.scheduling.changes import record_change
from services.scheduling.errors import SchedulingErrorCode as E
from services.scheduling.placement import Placement, check_fit, check_time, write
from services.scheduling.visibility import can_see, is_admin_of
from services.uow import UnitOfWork
from services.validation import clean_text

# Lessons completed that count as milestones (for the community's badges).
LESSON_MILESTONES = {
    1: "lessons.first_completed",
    10: "lessons.completed_10",
    25: "lessons.completed_25",
}
ACTIVE = ("pending", "confirmed")
LESSON_COUNT_LOCK = 7_404_222  # advisory lock namespace: a student's completed lessons


def now() -> datetime:
    return datetime.now(UTC)


async def lesson_type_for(
    uow: UnitOfWork, school_id: uuid.UUID, lesson_type_id: uuid.UUID
) -> LessonType:
    lesson_type = await uow.session.get(LessonType, lesson_type_id)
    if lesson_type is None or lesson_type.school_id != school_id:
        raise DomainError(E.LESSON_TYPE_NOT_FOUND, "No such lesson type.", "lessonTypeId")
    if not lesson_type.is_active:
        raise DomainError(
            E.LESSON_TYPE_INACTIVE, "This lesson type is no longer offered.", "lessonTypeId"
        )
    return lesson_type


async def student_for(
    uow: UnitOfWork, actor: Actor, school_id: uuid.UUID, student_id: uuid.UUID
) -> User:
    """An active student of the school whom the actor may see (an instructor: their own
    students), else NOT_FOUND — so an answer never confirms that someone else's student
    exists."""
    student = await uow.session.scalar(
        select(User).where(User.id == student_id, User.role == "student", visible_users(actor))
    )
    if student is None or student.school_id != school_id:
        raise DomainError(E.STUDENT_NOT_FOUND, "No such student.", "studentId")
    if student.status != "active":
        raise DomainError(
            E.STUDENT_NOT_ACTIVE, "This student's account is not active.", "studentId"
        )
    return student


async def get_booking(
    uow: UnitOfWork, actor: Actor, booking_id: uuid.UUID, field: str = "bookingId"
) -> Booking:
    """The booking, locked for the change, if the actor may see it (else NOT_FOUND)."""
    booking = await uow.session.get(Booking, booking_id, with_for_update=True)
    if booking is None or not can_see(actor, booking):
        raise DomainError(E.NOT_FOUND, "No such booking.", field)
    return booking


async def placement_for(
    uow: UnitOfWork, booking: Booking, starts_at: datetime, override_hours: bool = False
) -> Placement:
    """The booking's people and lesson type, placed at ``starts_at``."""
    return await load_placement(
        uow,
        school_id=booking.school_id,
        student_id=booking.student_id,
        instructor_id=booking.instructor_id,
        lesson_type_id=booking.lesson_type_id,
        starts_at=starts_at,
        override_hours=override_hours,
    )


async def load_placement(
    uow: UnitOfWork,
    *,
    school_id: uuid.UUID,
    student_id: uuid.UUID,
    instructor_id: uuid.UUID,
    lesson_type_id: uuid.UUID,
    starts_at: datetime,
    override_hours: bool = False,
) -> Placement:
    """A placement of rows already known to belong together (one school's)."""
    session = uow.session
    school = await session.get(School, school_id)
    student = await session.get(User, student_id)
    instructor = await session.get(User, instructor_id)
    lesson_type = await session.get(LessonType, lesson_type_id)
    if school is None or student is None or instructor is None or lesson_type is None:
        raise DomainError(E.NOT_FOUND, "The lesson's school, people or type are gone.")
    return Placement(school, student, instructor, lesson_type, starts_at, override_hours)


def _require_admin_for_override(actor: Actor, school_id: uuid.UUID, override: bool) -> None:
    if override and not is_admin_of(actor, school_id):
        raise Forbidden("Only a school admin can book outside working hours.")


async def book_lesson(
    uow: UnitOfWork,
    actor: Actor,
    *,
    instructor_id: uuid.UUID,
    student_id: uuid.UUID | None,
    lesson_type_id: uuid.UUID,
    starts_at: datetime,
    location: str | None = None,
    notes: str | None = None,
    override_working_hours: bool = False,
    payment: hooks.PaymentChoice = hooks.DEFAULT_CHOICE,
) -> Booking:
    """Book a lesson (see the module docstring for who books what)."""
    actor.require_active()
    instructor = await instructor_in_scope(uow.session, actor, instructor_id, manage=False)
    if actor.role is Role.STUDENT:
        if student_id not in (None, actor.user_id):
            raise Forbidden("Students book their own lessons.")
        student_id = actor.user_id
    elif actor.role is Role.INSTRUCTOR and instructor.id != actor.user_id:
        raise Forbidden("Instructors book lessons in their own diary.")
    if student_id is None:
        raise DomainError(E.STUDENT_NOT_FOUND, "Say which student the lesson is for.", "studentId")
    assert instructor.school_id is not None
    _require_admin_for_override(actor, instructor.school_id, override_working_hours)
    student = await student_for(uow, actor, instructor.school_id, student_id)
    lesson_type = await lesson_type_for(uow, instructor.school_id, lesson_type_id)
    school = await uow.session.get(School, instructor.school_id)
    assert school is not None
    placement = Placement(
        school, student, instructor, lesson_type, starts_at, override_working_hours
    )
    return await place(
        uow,
        actor,
        placement,
        status="pending" if actor.role is Role.STUDENT else "confirmed",
        location=clean_text(location, E.INVALID, "location", max_length=300),
        notes=clean_text(notes, E.INVALID, "notes", max_length=2000),
        payment=payment,
    )


async def place(
    uow: UnitOfWork,
    actor: Actor | None,
    placement: Placement,
    *,
    status: str,
    location: str | None = None,
    notes: str | None = None,
    field: str = "startsAt",
    payment: hooks.PaymentChoice = hooks.DEFAULT_CHOICE,
    **columns: Any,
) -> Booking:
    """Check and write a new booking (bookLesson, series occurrences, waiting-list offers).

    ``columns`` sets further booking columns (a series occurrence's series, say)."""
    current = now()
    check_time(placement, current, field)
    fit = await check_fit(uow, placement, field=field)
    lesson_type = placement.lesson_type
    booking = Booking(
        school_id=placement.school.id,
        student_id=placement.student.id,
        instructor_id=placement.instructor.id,
        lesson_type_id=lesson_type.id,
        starts_at=placement.starts_at,
        ends_at=fit.ends_at,
        blocked_until=fit.blocked_until,
        status=status,
        price_minor=lesson_type.price_minor,
        currency=lesson_type.currency,
        location=location,
        notes=notes,
        booked_by_id=actor.user_id if actor else None,
        outside_working_hours=fit.outside_working_hours,
        confirmed_at=current if status == "confirmed" else None,
        **columns,
    )
    await write(uow, booking, field)
    await hooks.placed(uow, actor, booking, payment)
    await record_change(uow, actor, booking, "created")
    return booking


async def confirm_booking(uow: UnitOfWork, actor: Actor, booking_id: uuid.UUID) -> Booking:
    booking = await get_booking(uow, actor, booking_id)
    _require_staff(actor, booking)
    _require_status(booking, ("pending",), "Only a pending booking can be confirmed.")
    if booking.starts_at <= now():
        raise DomainError(E.TOO_LATE, "This lesson's time has passed.", "bookingId")
    await hooks.confirming(uow, actor, booking)
    booking.status = "confirmed"
    booking.confirmed_at = now()
    await record_change(uow, actor, booking, "confirmed", from_status="pending")
    return booking


def _require_staff(actor: Actor, booking: Booking) -> None:
    """The booking's instructor or an admin of its school."""
    if not (is_admin_of(actor, booking.school_id) or actor.user_id == booking.instructor_id):
        raise Forbidden("Only the instructor or an admin can do this.")


def _require_status(booking: Booking, allowed: tuple[str, ...], message: str) -> None:
    if booking.status not in allowed:
        raise DomainError(E.INVALID_STATUS, message, "bookingId")


async def cancel_booking(
    uow: UnitOfWork,
    actor: Actor,
    booking_id: uuid.UUID,
    *,
    reason: str | None,
    waive_fee: bool = False,
    waiver_reason: str | None = None,
) -> Booking:
    """Cancel a future lesson; the school's policy decides what happens to its credit."""
    booking = await get_booking(uow, actor, booking_id)
    _require_status(booking, ACTIVE, "Only a pending or confirmed booking can be cancelled.")
    current = now()
    if booking.starts_at <= current:
        raise DomainError(
            E.TOO_LATE, "This lesson has started; mark a no-show instead.", "bookingId"
        )
    reason = clean_text(reason, E.INVALID, "reason", max_length=500)
    is_admin = is_admin_of(actor, booking.school_id)
    if waive_fee:
        if not is_admin:
            raise Forbidden("Only a school admin can waive a cancellation fee.")
        waiver_reason = clean_text(
            waiver_reason, E.INVALID, "waiverReason", max_length=500, required=True
        )
    if actor.user_id == booking.instructor_id:
        decision = policy.Decision(policy.Outcome.RETURNED, 0, late=False)
    elif booking.status == "pending":
        # The school never committed to a pending lesson: withdrawing it costs nothing.
        decision = policy.Decision(policy.Outcome.RETURNED, 0, late=False)
    else:
        school = await uow.session.get(School, booking.school_id)
        assert school is not None
        tiers, _ = await policy.policy_of(uow.session, school)
        decision = policy.decide(tiers, booking.starts_at - current, booking.price_minor)
    from_status = booking.status
    booking.status = "cancelled"
    booking.cancelled_at = current
    booking.cancelled_by_id = actor.user_id
    booking.cancelled_by_role = actor.role.value
    booking.cancellation_reason = reason
    booking.is_late_cancellation = decision.late
    booking.policy_outcome = decision.outcome.value
    booking.fee_minor = decision.fee_minor
    if waive_fee and decision.outcome is not policy.Outcome.RETURNED:
        _waive(booking, actor, waiver_reason)
    await _close_requests(uow, booking)
    await record_change(uow, actor, booking, "cancelled", from_status=from_status, reason=reason)
    _audit_outcome(uow, actor, booking, "booking.cancelled")
    await hooks.cancelled(uow, actor, booking)
    await offers.offer_freed_slot(uow, booking, booking.starts_at, booking.ends_at)
    return booking


def _waive(booking: Booking, actor: Actor, reason: str | None) -> None:
    booking.policy_outcome = policy.Outcome.WAIVED.value
    booking.fee_minor = 0
    booking.fee_waived_by_id = actor.user_id
    booking.fee_waiver_reason = reason


def _audit_outcome(uow: UnitOfWork, actor: Actor, booking: Booking, action: str) -> None:
    """Outcomes move credit and money: they go to the audit log."""
    uow.audit(
        actor,
        action,
        entity_type="Booking",
        entity_id=booking.id,
        school_id=booking.school_id,
        after={
            "status": booking.status,
            "policy_outcome": booking.policy_outcome,
            "fee_minor": booking.fee_minor,
            "late": booking.is_late_cancellation,
            "waiver_reason": booking.fee_waiver_reason,
        },
    )


async def waive_fee(
    uow: UnitOfWork, actor: Actor, booking_id: uuid.UUID, reason: str | None
) -> Booking:
    """An admin waives a late cancellation's or a no-show's outcome, with a reason."""
    booking = await get_booking(uow, actor, booking_id)
    if not is_admin_of(actor, booking.school_id):
        raise Forbidden("Only a school admin can waive a fee.")
    late = booking.policy_outcome in (policy.Outcome.FEE.value, policy.Outcome.FORFEITED.value)
    no_show = booking.status == "no_show" and booking.policy_outcome == policy.Outcome.CONSUMED
    if not (late or no_show):
        raise DomainError(E.INVALID_STATUS, "There is nothing to waive.", "bookingId")
    reason = clean_text(reason, E.INVALID, "reason", max_length=500, required=True)
    _waive(booking, actor, reason)
    await record_change(uow, actor, booking, "fee_waived", reason=reason)
    _audit_outcome(uow, actor, booking, "booking.fee_waived")
    await hooks.waived(uow, actor, booking)
    return booking


async def reschedule_booking(
    uow: UnitOfWork,
    actor: Actor,
    booking_id: uuid.UUID,
    *,
    starts_at: datetime,
    reason: str | None,
    override_working_hours: bool = False,
) -> Booking:
    """Move a booking (students: their own, with at least the policy's free notice)."""
    booking = await get_booking(uow, actor, booking_id)
    if actor.role is Role.INSTRUCTOR:
        raise Forbidden("Instructors ask the student to move a lesson (requestReschedule).")
    _require_admin_for_override(actor, booking.school_id, override_working_hours)
    _require_status(booking, ACTIVE, "Only a pending or confirmed booking can be moved.")
    current = now()
    if actor.role is Role.STUDENT and booking.status == "confirmed":
        school = await uow.session.get(School, booking.school_id)
        assert school is not None
        tiers, _ = await policy.policy_of(uow.session, school)
        if policy.decide(tiers, booking.starts_at - current, booking.price_minor).late:
            raise DomainError(
                E.TOO_LATE,
                "It is too late to move this lesson yourself; ask your school.",
                "bookingId",
            )
    return await move(
        uow, actor, booking, starts_at, reason=reason, override_hours=override_working_hours
    )


async def move(
    uow: UnitOfWork,
    actor: Actor,
    booking: Booking,
    starts_at: datetime,
    *,
    reason: str | None,
    override_hours: bool = False,
    field: str = "startsAt",
) -> Booking:
    """Move a locked booking to ``starts_at`` after every placement check; the old time is
    offered to the waiting list."""
    reason = clean_text(reason, E.INVALID, "reason", max_length=500)
    placement = await placement_for(uow, booking, starts_at, override_hours)
    check_time(placement, now(), field)
    if starts_at == booking.starts_at:
        raise DomainError(E.INVALID, "The lesson is already at that time.", field)
    fit = await check_fit(uow, placement, moving=booking, field=field)
    old_start, old_end = booking.starts_at, booking.ends_at
    booking.starts_at = starts_at
    booking.ends_at = fit.ends_at
    booking.blocked_until = fit.blocked_until
    booking.outside_working_hours = fit.outside_working_hours
    await write(uow, booking, field)
    await _close_requests(uow, booking)
    await record_change(uow, actor, booking, "moved", from_starts_at=old_start, reason=reason)
    await offers.offer_freed_slot(uow, booking, old_start, old_end)
    return booking


async def _close_requests(uow: UnitOfWork, booking: Booking) -> None:
    """A moved or cancelled booking's pending reschedule request is moot."""
    await uow.session.execute(
        update(RescheduleRequest)
        .where(RescheduleRequest.booking_id == booking.id, RescheduleRequest.status == "pending")
        .values(status="withdrawn", responded_at=now())
    )


async def mark_no_show(uow: UnitOfWork, actor: Actor, booking_id: uuid.UUID) -> Booking:
    booking = await get_booking(uow, actor, booking_id)
    _require_staff(actor, booking)
    _require_status(booking, ACTIVE, "Only a pending or confirmed lesson can be a no-show.")
    if booking.starts_at > now():
        raise DomainError(E.TOO_EARLY, "The lesson has not started yet.", "bookingId")
    from_status = booking.status
    booking.status = "no_show"
    booking.policy_outcome = policy.Outcome.CONSUMED.value
    await record_change(uow, actor, booking, "no_show", from_status=from_status)
    _audit_outcome(uow, actor, booking, "booking.no_show")
    await hooks.no_show(uow, actor, booking)
    return booking


async def complete_lesson(uow: UnitOfWork, actor: Actor, booking_id: uuid.UUID) -> Booking:
    """The instructor finishes a started lesson; an admin may also complete a confirmed
    lesson whose time has come (the code was not used)."""
    booking = await get_booking(uow, actor, booking_id)
    _require_staff(actor, booking)
    allowed = (
        ("in_progress", "confirmed") if is_admin_of(actor, booking.school_id) else ("in_progress",)
    )
    _require_status(booking, allowed, "Start the lesson before completing it.")
    current = now()
    if booking.starts_at > current:
        raise DomainError(E.TOO_EARLY, "The lesson has not started yet.", "bookingId")
    from_status = booking.status
    booking.status = "completed"
    booking.completed_at = current
    booking.policy_outcome = policy.Outcome.CONSUMED.value
    await record_change(uow, actor, booking, "completed", from_status=from_status)
    await hooks.completed(uow, actor, booking)
    await _record_lesson_milestones(uow, booking)
    return booking


async def _record_lesson_milestones(uow: UnitOfWork, booking: Booking) -> None:
    # Serialise this student's completions so concurrent ones cannot both count short.
    await uow.session.execute(
        select(
            func.pg_advisory_xact_lock(LESSON_COUNT_LOCK, func.hashtext(str(booking.student_id)))
        )
    )
    completed = await uow.session.scalar(
        select(func.count()).where(
            Booking.student_id == booking.student_id,
            Booking.status == "completed",
            Booking.deleted_at.is_(None),
        )
    )
    for threshold, kind in LESSON_MILESTONES.items():
        if (completed or 0) >= threshold:
            await achievements.record_milestone(
                uow,
                user_id=booking.student_id,
                school_id=booking.school_id,
                kind=kind,
                source_type="Booking",
                source_id=booking.id,
            )


async def update_details(
    uow: UnitOfWork,
    actor: Actor,
    booking_id: uuid.UUID,
    *,
    location: str | None,
    notes: str | None,
) -> Booking:
    booking = await get_booking(uow, actor, booking_id)
    _require_status(
        booking, ("pending", "confirmed", "in_progress"), "This booking can no longer change."
    )
    changes: dict[str, Any] = {}
    if location is not None:
        changes["location"] = clean_text(location, E.INVALID, "location", max_length=300)
    if notes is not None:
        changes["notes"] = clean_text(notes, E.INVALID, "notes", max_length=2000)
    if not changes:
        raise DomainError(E.INVALID, "Nothing to change.", "location")
    for key, value in changes.items():
        setattr(booking, key, value)
    await record_change(uow, actor, booking, "updated")
    return booking
