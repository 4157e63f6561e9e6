"""Where a lesson may go: the checks every booking, move, series occurrence and accepted
waiting-list offer passes, and the write that PostgreSQL has the last word on.

Checked in order, cheapest first: the start is in the future, within the school's
booking horizon and on its slot grid; then, under the instructor's profile row lock
(which serialises this instructor's bookings, so the weekly cap cannot be overrun by
concurrent requests) and the student's advisory lock (which queues one student's
concurrent bookings instead of letting them deadlock in the exclusion check), the pair's
assignment is current (held ``FOR SHARE`` so it cannot end mid-booking), the lesson lies
inside working hours unless an admin overrides, and the week's booked minutes stay
within the cap. Overlaps — the instructor's, buffer included, and the student's — are
left to the exclusion constraints: a violation becomes ``SLOT_UNAVAILABLE``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models.accounts import InstructorProfile, User
from models.assignments import InstructorAssignment
from models.scheduling import Booking, LessonType
from models.schools import School
from services.errors import EXCLUSION_VIOLATION, DomainError, constraint_name, sqlstate
from services.scheduling.availability import booked_minutes_by_week, open_time
from services.scheduling.errors import SchedulingErrorCode as E
from services.scheduling.localtime import local_date, week_start
from services.scheduling.slots import Interval, on_grid
from services.uow import UnitOfWork


@dataclass(frozen=True)
class Placement:
    """A lesson to place: who, what, when."""

    school: School
    student: User
    instructor: User
    lesson_type: LessonType
    starts_at: datetime
    override_hours: bool = False

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.school.time_zone)

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.lesson_type.duration_minutes)


@dataclass(frozen=True)
class Fit:
    """What the checks found: the lesson's end, the end of its buffer, and whether an
    admin placed it outside working hours."""

    ends_at: datetime
    blocked_until: datetime
    outside_working_hours: bool


def check_time(p: Placement, now: datetime, field: str = "startsAt") -> None:
    """The start is in the future, within the horizon, on the school's slot grid."""
    if p.starts_at <= now:
        raise DomainError(E.IN_THE_PAST, "That time has already passed.", field)
    horizon = now + timedelta(days=p.school.booking_horizon_days)
    if p.starts_at > horizon:
        raise DomainError(
            E.BEYOND_HORIZON,
            f"Lessons can be booked up to {p.school.booking_horizon_days} days ahead.",
            field,
        )
    granularity = p.school.slot_granularity_minutes
    if not on_grid(p.starts_at, p.zone, granularity):
        raise DomainError(
            E.MISALIGNED_START,
            f"Lessons start on the hour or at {granularity}-minute steps after it.",
            field,
        )


async def lock_student(session: AsyncSession, student_id: uuid.UUID) -> None:
    """Queue a student's concurrent bookings, always after the instructor's lock.

    Without it, two transactions inserting overlapping lessons for one student (with two
    instructors) each wait for the other inside the exclusion constraint's check, a
    deadlock PostgreSQL breaks only after ``deadlock_timeout``; twenty at once retried
    until they timed out. Taken in one order (instructor, then student), the locks cannot
    form a cycle, and the exclusion constraint then meets only committed rows."""
    key = func.hashtextextended(f"booking-student:{student_id}", 0)
    await session.execute(select(func.pg_advisory_xact_lock(key)))


async def check_fit(
    uow: UnitOfWork, p: Placement, *, moving: Booking | None = None, field: str = "startsAt"
) -> Fit:
    """The checks that read the diary, under the instructor's lock (see module docstring)."""
    session = uow.session
    profile = await session.get(InstructorProfile, p.instructor.id, with_for_update=True)
    if profile is None:
        raise DomainError(E.INSTRUCTOR_NOT_FOUND, "No such instructor.", "instructorId")
    await lock_student(session, p.student.id)
    await require_assignment(
        uow, p.student.id, p.instructor.id, local_date(p.starts_at, p.zone), lock=True
    )
    ends_at = p.ends_at
    lesson = Interval(p.starts_at, ends_at)
    open_ = await open_time(session, p.instructor.id, p.zone, lesson)
    inside = any(i.contains(p.starts_at, ends_at) for i in open_)
    if not inside and not p.override_hours:
        raise DomainError(
            E.OUTSIDE_WORKING_HOURS, "That is outside the instructor's working hours.", field
        )
    weeks = await booked_minutes_by_week(
        session, p.instructor.id, p.zone, lesson, excluding=moving.id if moving else None
    )
    booked = weeks.get(week_start(local_date(p.starts_at, p.zone)), 0)
    if booked + p.lesson_type.duration_minutes > profile.max_hours_per_week * 60:
        raise DomainError(
            E.WEEKLY_HOURS_EXCEEDED,
            f"The instructor works at most {profile.max_hours_per_week} hours that week.",
            field,
        )
    return Fit(
        ends_at=ends_at,
        blocked_until=ends_at + timedelta(minutes=profile.buffer_minutes),
        outside_working_hours=not inside,
    )


async def require_assignment(
    uow: UnitOfWork,
    student_id: uuid.UUID,
    instructor_id: uuid.UUID,
    on: date,
    *,
    lock: bool = False,
) -> None:
    """The pair has an assignment in force on ``on`` (with ``lock``, held ``FOR SHARE`` so
    an admin cannot end it until this transaction is over)."""
    query = select(InstructorAssignment.id).where(
        InstructorAssignment.student_id == student_id,
        InstructorAssignment.instructor_id == instructor_id,
        InstructorAssignment.status == "active",
        InstructorAssignment.starts_on <= on,
        or_(InstructorAssignment.ends_on.is_(None), InstructorAssignment.ends_on >= on),
    )
    if lock:
        query = query.with_for_update(read=True)
    if await uow.session.scalar(query.limit(1)) is None:
        raise DomainError(
            E.NOT_ASSIGNED,
            "This instructor is not assigned to this student on that date.",
            "instructorId",
        )


def slot_taken(exc: IntegrityError, field: str = "startsAt") -> DomainError | None:
    """An exclusion violation as the error the client sees, else None."""
    if sqlstate(exc) != EXCLUSION_VIOLATION:
        return None
    if constraint_name(exc) == "ex_bookings_student_time":
        return DomainError(E.SLOT_UNAVAILABLE, "The student already has a lesson then.", field)
    return DomainError(E.SLOT_UNAVAILABLE, "That time is no longer free.", field)


async def write(uow: UnitOfWork, booking: Booking, field: str = "startsAt") -> None:
    """Add (when new) and flush the booking in a savepoint; an overlap becomes
    ``SLOT_UNAVAILABLE``. A new booking is added inside the savepoint so that its rollback
    takes the booking out of the session again and leaves the session usable: a caller
    may carry on in the same transaction (series generation places date after date)."""
    try:
        async with uow.session.begin_nested():
            uow.session.add(booking)
            await uow.session.flush()
    except IntegrityError as exc:
        error = slot_taken(exc, field)
        if error is None:
            raise
        raise error from None
