"""Instructor availability: weekly working hours, dated exceptions, and free slots.

Instructors keep their own diary; school admins keep any instructor's of their school.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models.accounts import InstructorProfile, User
from models.scheduling import AvailabilityException, Booking, WorkingHours
from models.schools import School
from services.accounts import visible_users
from services.actor import Actor, Role
from services.errors import EXCLUSION_VIOLATION, DomainError, sqlstate
from services.scheduling.errors import SchedulingErrorCode as E
from services.scheduling.localtime import (
    MINUTES_PER_DAY,
    exact_instants,
    local_date,
    to_instant,
    week_bounds,
    week_start,
)
from services.scheduling.slots import Interval, SlotQuery, WeeklyHours, free_starts, open_intervals
from services.uow import UnitOfWork
from services.validation import clean_text

# The longest range one availability query may cover: a month view with margin.
MAX_RANGE = timedelta(days=62)
EXCEPTION_MAX_LENGTH = timedelta(days=366)
# Dated exceptions fall in these years (as assignments and series do): beyond them a date
# may have no instant at all (year 1 east of Greenwich, the day after 31 December 9999).
PLAUSIBLE_YEARS = range(2000, 2101)


class ExceptionKind(StrEnum):
    TIME_OFF = "time_off"
    EXTRA_HOURS = "extra_hours"


@dataclass(frozen=True)
class HoursInput:
    weekday: int
    start: time
    end: time  # 00:00 means the midnight that ends the day


def require_aware(value: datetime, field: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise DomainError(E.INVALID, "Give the time with its UTC offset.", field)
    try:
        return value.astimezone(UTC)
    except OverflowError:  # year 1 at +14:00, 9999 at -14:00: no such instant in UTC
        raise DomainError(
            E.INVALID, f"`{field}` is too far in the past or future.", field
        ) from None


def check_range(start: datetime, end: datetime, maximum: timedelta = MAX_RANGE) -> None:
    if end <= start:
        raise DomainError(E.INVALID_TIME_RANGE, "The end must be after the start.", "to")
    if end - start > maximum:
        raise DomainError(E.RANGE_TOO_LONG, f"Ask for at most {maximum.days} days at a time.", "to")


async def instructor_in_scope(
    session: AsyncSession,
    actor: Actor,
    instructor_id: uuid.UUID,
    *,
    manage: bool,
    reading: bool = False,
) -> User:
    """An instructor of a school the actor belongs to (``manage``: whose diary the actor
    may change). ``reading`` a diary — its hours, time off, free slots, lessons — needs the
    instructor to be visible to the actor as a user (a student: their own instructors), so
    a diary is never more visible than its instructor. Booking with another instructor of
    the school is allowed this far and refused as ``NOT_ASSIGNED`` by the placement."""
    conditions = [User.id == instructor_id, User.role == "instructor", User.deleted_at.is_(None)]
    if reading:
        conditions.append(visible_users(actor))
    instructor = await session.scalar(select(User).where(*conditions))
    if instructor is None or not actor.can_see_school(instructor.school_id):
        raise DomainError(E.INSTRUCTOR_NOT_FOUND, "No such instructor.", "instructorId")
    if manage and not (
        actor.is_platform_admin
        or actor.role is Role.SCHOOL_ADMIN
        or (actor.role is Role.INSTRUCTOR and actor.user_id == instructor.id)
    ):
        raise DomainError(E.INSTRUCTOR_NOT_FOUND, "No such instructor.", "instructorId")
    return instructor


async def school_of(session: AsyncSession, user: User) -> School:
    school = await session.get(School, user.school_id)
    assert school is not None  # users of a role other than platform admin have a school
    return school


def _minute(value: time, field: str, *, end: bool) -> int:
    if value.second or value.microsecond:
        raise DomainError(E.INVALID, "Give working hours to the minute.", field)
    minute = value.hour * 60 + value.minute
    return MINUTES_PER_DAY if end and minute == 0 else minute


async def set_working_hours(
    uow: UnitOfWork, actor: Actor, instructor_id: uuid.UUID, hours: Sequence[HoursInput]
) -> list[WorkingHours]:
    """Replace the instructor's whole weekly template (what a diary's "save" does)."""
    instructor = await instructor_in_scope(uow.session, actor, instructor_id, manage=True)
    if len(hours) > 70:
        raise DomainError(E.INVALID, "At most 70 intervals a week.", "hours")
    rows: list[WorkingHours] = []
    for index, h in enumerate(hours):
        field = f"hours.{index}"
        if not 0 <= h.weekday <= 6:
            raise DomainError(E.INVALID, "Unknown weekday.", f"{field}.weekday")
        start = _minute(h.start, f"{field}.start", end=False)
        end = _minute(h.end, f"{field}.end", end=True)
        if end <= start:
            raise DomainError(
                E.INVALID_TIME_RANGE, "An interval must end after it starts.", f"{field}.end"
            )
        rows.append(
            WorkingHours(
                school_id=instructor.school_id,
                instructor_id=instructor.id,
                weekday=h.weekday,
                start_minute=start,
                end_minute=end,
            )
        )
    await uow.session.execute(
        delete(WorkingHours).where(WorkingHours.instructor_id == instructor.id)
    )
    uow.session.add_all(rows)
    try:
        async with uow.session.begin_nested():
            await uow.session.flush()
    except IntegrityError as exc:
        if sqlstate(exc) == EXCLUSION_VIOLATION:
            raise DomainError(
                E.OVERLAPPING_HOURS, "Two intervals of one day overlap.", "hours"
            ) from None
        raise
    uow.audit(
        actor,
        "availability.hours_set",
        entity_type="User",
        entity_id=instructor.id,
        school_id=instructor.school_id,
        after={"hours": [[r.weekday, r.start_minute, r.end_minute] for r in rows]},
    )
    return rows


def local_instant(day: date, value: time | None, zone: ZoneInfo, field: str) -> datetime:
    """The instant of a local date and time, refusing a time a clock change skips.

    A time that occurs twice (clocks going back) means its first occurrence."""
    if value is None:
        return to_instant(day, 0, zone)
    if value.second or value.microsecond:
        raise DomainError(E.INVALID, "Give times to the minute.", field)
    instants = exact_instants(day, value.hour * 60 + value.minute, zone)
    if not instants:
        raise DomainError(
            E.NONEXISTENT_LOCAL_TIME,
            f"{value:%H:%M} does not exist on {day:%d %B %Y}: the clocks go forward then.",
            field,
        )
    return instants[0]


async def add_exception(
    uow: UnitOfWork,
    actor: Actor,
    instructor_id: uuid.UUID,
    *,
    kind: ExceptionKind,
    start_date: date,
    start_time: time | None,
    end_date: date | None,
    end_time: time | None,
    reason: str | None,
) -> AvailabilityException:
    """Time off or extra hours, given in the school's local dates and times.

    Without times it covers whole days: ``start_date`` to ``end_date`` inclusive."""
    instructor = await instructor_in_scope(uow.session, actor, instructor_id, manage=True)
    zone = ZoneInfo((await school_of(uow.session, instructor)).time_zone)
    for day, field in ((start_date, "startDate"), (end_date, "endDate")):
        if day is not None and day.year not in PLAUSIBLE_YEARS:
            raise DomainError(E.INVALID, "That date is not plausible.", field)
    if (start_time is None) != (end_time is None):
        raise DomainError(E.INVALID, "Give both a start and an end time, or neither.", "endTime")
    last_date = end_date or start_date
    starts_at = local_instant(start_date, start_time, zone, "startTime")
    if end_time is None:
        ends_at = to_instant(last_date + timedelta(days=1), 0, zone)
    else:
        ends_at = local_instant(last_date, end_time, zone, "endTime")
    check_range(starts_at, ends_at, EXCEPTION_MAX_LENGTH)
    row = AvailabilityException(
        school_id=instructor.school_id,
        instructor_id=instructor.id,
        kind=kind.value,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=clean_text(reason, E.INVALID, "reason", max_length=300),
        created_by_id=actor.user_id,
    )
    uow.session.add(row)
    await uow.session.flush()
    uow.audit(
        actor,
        "availability.exception_added",
        entity_type="AvailabilityException",
        entity_id=row.id,
        school_id=row.school_id,
        after={
            "kind": row.kind,
            "starts_at": starts_at.isoformat(),
            "ends_at": ends_at.isoformat(),
        },
    )
    return row


async def remove_exception(
    uow: UnitOfWork, actor: Actor, exception_id: uuid.UUID
) -> AvailabilityException:
    row = await uow.session.get(AvailabilityException, exception_id, with_for_update=True)
    if row is None:
        raise DomainError(E.NOT_FOUND, "No such exception.", "exceptionId")
    try:
        await instructor_in_scope(uow.session, actor, row.instructor_id, manage=True)
    except DomainError:
        raise DomainError(E.NOT_FOUND, "No such exception.", "exceptionId") from None
    await uow.session.delete(row)
    uow.audit(
        actor,
        "availability.exception_removed",
        entity_type="AvailabilityException",
        entity_id=row.id,
        school_id=row.school_id,
        before={"kind": row.kind, "starts_at": row.starts_at.isoformat()},
    )
    return row


def _weekly(rows: Sequence[WorkingHours]) -> list[WeeklyHours]:
    return [WeeklyHours(r.weekday, r.start_minute, r.end_minute) for r in rows]


async def open_time(
    session: AsyncSession, instructor_id: uuid.UUID, zone: ZoneInfo, window: Interval
) -> list[Interval]:
    """When the instructor works during ``window``: weekly hours, plus extra, minus off."""
    hours = (
        await session.scalars(
            select(WorkingHours).where(WorkingHours.instructor_id == instructor_id)
        )
    ).all()
    margin = timedelta(days=2)
    exceptions = (
        await session.scalars(
            select(AvailabilityException).where(
                AvailabilityException.instructor_id == instructor_id,
                AvailabilityException.starts_at < window.end + margin,
                AvailabilityException.ends_at > window.start - margin,
            )
        )
    ).all()
    extra = [Interval(e.starts_at, e.ends_at) for e in exceptions if e.kind == "extra_hours"]
    off = [Interval(e.starts_at, e.ends_at) for e in exceptions if e.kind == "time_off"]
    return open_intervals(_weekly(hours), extra, off, zone, window)


def live() -> ColumnElement[bool]:
    """Bookings that hold their time: the predicate of the exclusion constraints."""
    return (Booking.status != "cancelled") & Booking.deleted_at.is_(None)


async def booked_minutes_by_week(
    session: AsyncSession,
    instructor_id: uuid.UUID,
    zone: ZoneInfo,
    window: Interval,
    *,
    excluding: uuid.UUID | None = None,
) -> dict[date, int]:
    """Minutes of live lessons per local week (keyed by Monday) for weeks touching window."""
    first, _ = week_bounds(window.start, zone)
    _, last = week_bounds(window.end, zone)
    conditions = [
        Booking.instructor_id == instructor_id,
        live(),
        Booking.starts_at >= first,
        Booking.starts_at < last,
    ]
    if excluding is not None:
        conditions.append(Booking.id != excluding)
    rows = await session.execute(select(Booking.starts_at, Booking.ends_at).where(*conditions))
    minutes: dict[date, int] = {}
    for starts_at, ends_at in rows:
        week = week_start(local_date(starts_at, zone))
        minutes[week] = minutes.get(week, 0) + int((ends_at - starts_at).total_seconds() // 60)
    return minutes


async def _student_in_scope(
    session: AsyncSession, actor: Actor, instructor: User, student_id: uuid.UUID
) -> None:
    """A student of the instructor's school whom the actor may see; anyone else (another
    school's, another instructor's, nobody's) is NOT_FOUND alike, so the slots never show
    when a student the actor may not see is busy."""
    found = await session.scalar(
        select(User.id).where(
            User.id == student_id,
            User.role == "student",
            User.school_id == instructor.school_id,
            visible_users(actor),
        )
    )
    if found is None:
        raise DomainError(E.STUDENT_NOT_FOUND, "No such student.", "studentId")


async def available_slots(
    session: AsyncSession,
    actor: Actor,
    *,
    instructor_id: uuid.UUID,
    lesson_type_duration: int,
    start: datetime,
    end: datetime,
    student_id: uuid.UUID | None,
    now: datetime,
) -> list[datetime]:
    """Free start instants for a lesson of the given length, honouring everything that
    booking would check (see services/scheduling/slots.py)."""
    start, end = require_aware(start, "from"), require_aware(end, "to")
    check_range(start, end)
    instructor = await instructor_in_scope(
        session, actor, instructor_id, manage=False, reading=True
    )
    if student_id is not None and student_id != actor.user_id:
        await _student_in_scope(session, actor, instructor, student_id)
    school = await school_of(session, instructor)
    profile = await session.get(InstructorProfile, instructor.id)
    zone = ZoneInfo(school.time_zone)
    window = Interval(start, end)
    duration = timedelta(minutes=lesson_type_duration)
    reach = Interval(start - timedelta(days=1), end + duration + timedelta(days=1))
    busy_rows = await session.execute(
        select(
            Booking.instructor_id,
            Booking.student_id,
            Booking.starts_at,
            Booking.ends_at,
            Booking.blocked_until,
        ).where(
            or_(Booking.instructor_id == instructor.id, Booking.student_id == student_id)
            if student_id is not None
            else Booking.instructor_id == instructor.id,
            live(),
            Booking.starts_at < reach.end,
            Booking.blocked_until > reach.start,
        )
    )
    instructor_busy: list[Interval] = []
    student_busy: list[Interval] = []
    for row_instructor, row_student, starts_at, ends_at, blocked_until in busy_rows:
        if row_instructor == instructor.id:
            instructor_busy.append(Interval(starts_at, blocked_until))
        if row_student == student_id:
            student_busy.append(Interval(starts_at, ends_at))
    query = SlotQuery(
        zone=zone,
        window=window,
        duration=duration,
        buffer=timedelta(minutes=profile.buffer_minutes if profile else 0),
        granularity=school.slot_granularity_minutes,
        not_before=now,
        not_after=now + timedelta(days=school.booking_horizon_days),
        open=await open_time(session, instructor.id, zone, reach),
        instructor_busy=instructor_busy,
        student_busy=student_busy,
        week_minutes=await booked_minutes_by_week(session, instructor.id, zone, window),
        cap_minutes=(profile.max_hours_per_week if profile else 0) * 60,
    )
    return free_starts(query)
