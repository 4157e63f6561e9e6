"""Turning a series' dates into bookings, idempotently.

The window a series keeps generated is its next ``horizon`` dates that have not started
yet, as far as the school's booking horizon reaches (later dates wait until they come
within it). Each date of the window without an occurrence row is placed through the
scheduling core's ``place()`` — every invariant of a booking applies: working hours,
assignment, horizon, weekly cap, the exclusion constraints — inside a savepoint, so one
date that cannot be booked does not undo the others. It is then recorded with
``INSERT … ON CONFLICT (series_id, occurs_on) DO NOTHING``: the unique key is the guard
that makes a second generation, or a concurrent one, add nothing. (Generation also locks
the series row, so concurrent runs queue instead of racing; the key holds regardless.)

A date that cannot be booked is recorded as a conflict with the core's code and message,
and both parties are told (services/series/notices.py); a local time that does not exist
that day (the spring-forward gap) is the conflict ``NONEXISTENT_LOCAL_TIME``. A series
that can book nothing at all (its student is no longer active, its lesson type retired)
pauses itself and says why once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from models.accounts import User
from models.scheduling import Booking
from models.schools import School
from models.series import LessonSeries, SeriesOccurrence
from services.actor import Actor
from services.errors import DomainError
from services.scheduling import bookings
from services.scheduling.localtime import local_date, to_instant
from services.scheduling.placement import Placement
from services.series import notices
from services.series.errors import SeriesErrorCode as E
from services.series.rules import Rule, dates_from, instant_of
from services.uow import UnitOfWork

# How many due series one run of the periodic extension handles (each in a savepoint of
# one transaction); the rest wait for the next run, oldest first.
EXTEND_BATCH = 100


@dataclass
class Generated:
    """What one generation added."""

    booked: list[SeriesOccurrence] = field(default_factory=list)
    conflicts: list[SeriesOccurrence] = field(default_factory=list)


@dataclass(frozen=True)
class Window:
    """The dates to keep generated now, and when that changes next."""

    dates: list[datetime]  # the dates' nominal starts (see ``nominal_start``)
    extend_at: datetime | None
    finished: bool  # no date of the rule is still ahead


def rule_of(series: LessonSeries) -> Rule:
    return Rule(
        frequency=series.frequency,
        weekday=series.weekday,
        start_minute=series.start_minute,
        anchor_on=series.anchor_on,
        ends_on=series.ends_on,
        week_of_month=series.week_of_month,
    )


def nominal_start(day: date, minute: int, zone: ZoneInfo) -> datetime:
    """A date's start for ordering and windows: the lesson's instant, or — inside a
    clock change's gap, where it has none — the instant the clocks jumped to."""
    return to_instant(day, minute, zone)


def window(
    series: LessonSeries, zone: ZoneInfo, now: datetime, booking_horizon_days: int
) -> Window:
    """The series' next ``horizon`` dates that have not started, within the booking
    horizon; ``extend_at`` is when the first of them starts (the window then moves on by
    one) or when the next date comes within the booking horizon, whichever is sooner."""
    cutoff = now + timedelta(days=booking_horizon_days)
    reach = timedelta(days=booking_horizon_days)
    dates: list[datetime] = []
    extend_at: datetime | None = None
    finished = True
    upcoming = 0
    for day in dates_from(rule_of(series), local_date(now, zone)):
        start = nominal_start(day, series.start_minute, zone)
        if start <= now:
            continue
        finished = False
        if upcoming == series.horizon:
            break
        upcoming += 1
        if start > cutoff:
            later = start - reach
            extend_at = later if extend_at is None else min(extend_at, later)
            break
        dates.append(start)
        if extend_at is None:
            extend_at = start
    return Window(dates, extend_at, finished)


class _AlreadyRecorded(Exception):
    """Another generation recorded this date first: undo this one's booking."""


async def _record(
    uow: UnitOfWork, series: LessonSeries, day: date, **values: object
) -> SeriesOccurrence | None:
    """Insert the date's occurrence unless one exists; the new row, or None."""
    return await uow.session.scalar(
        insert(SeriesOccurrence)
        .values(school_id=series.school_id, series_id=series.id, occurs_on=day, **values)
        .on_conflict_do_nothing(index_elements=["series_id", "occurs_on"])
        .returning(SeriesOccurrence)
    )


async def placement_of(uow: UnitOfWork, series: LessonSeries) -> Placement:
    """The series' people and lesson type, ready to be placed at any start."""
    return await bookings.load_placement(
        uow,
        school_id=series.school_id,
        student_id=series.student_id,
        instructor_id=series.instructor_id,
        lesson_type_id=series.lesson_type_id,
        starts_at=datetime.now(ZoneInfo("UTC")),
    )


def _standing_problem(placement: Placement) -> DomainError | None:
    """What stops every date of the series at once (the core's ``place`` does not check
    these: its callers have, and creating a series refuses them)."""
    if not placement.lesson_type.is_active:
        return DomainError(E.LESSON_TYPE_INACTIVE, "This lesson type is no longer offered.")
    student: User = placement.student
    if student.deleted_at is not None or student.status != "active":
        return DomainError(E.STUDENT_NOT_ACTIVE, "The student's account is not active.")
    return None


async def book_date(
    uow: UnitOfWork,
    actor: Actor | None,
    series: LessonSeries,
    placement: Placement,
    starts_at: datetime,
) -> Booking:
    """Place one lesson of the series through the core (every invariant applies)."""
    return await bookings.place(
        uow,
        actor,
        replace(placement, starts_at=starts_at),
        status="confirmed" if series.auto_confirm else "pending",
        location=series.location,
        notes=series.notes,
        series_id=series.id,
    )


async def generate(
    uow: UnitOfWork, actor: Actor | None, series_id: uuid.UUID, now: datetime
) -> Generated:
    """Book every date of the series' window that has no occurrence yet (see module
    docstring). ``actor`` is who caused it (null for the worker)."""
    session = uow.session
    series = await session.get(
        LessonSeries, series_id, with_for_update=True, populate_existing=True
    )
    result = Generated()
    if series is None or series.status != "active":
        return result
    placement = await placement_of(uow, series)
    school: School = placement.school
    zone = ZoneInfo(school.time_zone)
    plan = window(series, zone, now, school.booking_horizon_days)
    days = [local_date(start, zone) for start in plan.dates]
    existing = set(
        await session.scalars(
            select(SeriesOccurrence.occurs_on).where(
                SeriesOccurrence.series_id == series.id, SeriesOccurrence.occurs_on.in_(days)
            )
        )
    )
    standing = _standing_problem(placement)
    if standing is not None:
        # Nothing of this series can be booked until someone acts: pause it and say why
        # once, rather than record the same conflict on every date as the window moves.
        series.status = "paused"
        series.extend_at = None
        notices.emit(uow, series, "updated")
        await notices.paused(uow, series, standing.message)
        return result
    for day in days:
        if day in existing:
            continue
        starts_at = instant_of(day, series.start_minute, zone)
        if starts_at is None:
            problem: DomainError | None = DomainError(
                E.NONEXISTENT_LOCAL_TIME,
                "That time does not exist that day: the clocks go forward.",
            )
        else:
            problem = await _try_booking(uow, actor, series, placement, day, starts_at, result)
        if problem is None:
            continue
        occurrence = await _record(
            uow,
            series,
            day,
            status="conflict",
            conflict_code=str(problem.code),
            conflict_message=problem.message[:300],
        )
        if occurrence is not None:
            result.conflicts.append(occurrence)
            await notices.conflict(uow, series, occurrence, school)
    series.extend_at = plan.extend_at
    if plan.finished:
        series.status = "ended"
        series.ended_at = now
        series.extend_at = None
        notices.emit(uow, series, "ended")
    return result


async def _try_booking(
    uow: UnitOfWork,
    actor: Actor | None,
    series: LessonSeries,
    placement: Placement,
    day: date,
    starts_at: datetime,
    result: Generated,
) -> DomainError | None:
    """Book one date in a savepoint; the core's refusal, or None when booked (or when a
    concurrent generation got there first)."""
    events = len(uow.events)
    try:
        async with uow.session.begin_nested():
            booking = await book_date(uow, actor, series, placement, starts_at)
            occurrence = await _record(uow, series, day, status="scheduled", booking_id=booking.id)
            if occurrence is None:
                raise _AlreadyRecorded
    except _AlreadyRecorded:
        del uow.events[events:]  # the rolled-back booking's events are not announced
        return None
    except DomainError as refused:
        del uow.events[events:]
        return refused
    result.booked.append(occurrence)
    return None


async def extend_due(uow: UnitOfWork, now: datetime, *, limit: int = EXTEND_BATCH) -> int:
    """Periodic: move every active series' window on (its ``extend_at`` has come).
    Returns how many series it extended; rows other workers hold are skipped."""
    due = list(
        await uow.session.scalars(
            select(LessonSeries.id)
            .where(
                LessonSeries.status == "active",
                LessonSeries.extend_at.is_not(None),
                LessonSeries.extend_at <= now,
            )
            .order_by(LessonSeries.extend_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    for series_id in due:
        await generate(uow, None, series_id, now)
    return len(due)
