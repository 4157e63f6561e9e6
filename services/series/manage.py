"""Creating and changing series (SPEC §2, recurring lessons).

Who: a student for themselves with an instructor assigned to them, an instructor in
their own diary for a student assigned to them, a school admin for any pair — the same
people who may book the lessons one by one. Only staff may make a series confirm its
lessons itself (``auto_confirm``); a student's series books pending lessons.

Every change to a lesson goes through the scheduling core (``place``, ``reschedule_booking``,
``cancel_booking``, ``update_details``), so its rules, history and live events apply
exactly as for a lesson booked on its own — including who may move a lesson: students
and admins move lessons, instructors ask the student (``requestReschedule``).

A change applies to

* ``THIS`` occurrence: move it, cancel (or skip) it, or change its location or notes. It
  becomes an exception of its series, which later changes and generation leave alone.
* ``THIS_AND_FOLLOWING``: the series is split — it ends the day before this occurrence,
  and a new series (``previousSeries`` → the old one) carries the new rule from this date.
* ``ALL``: the rule changes in place, from today.

In both series-wide scopes the affected lessons — future, not exceptions, still pending or
confirmed — move to the new rule's dates in order, keeping their ids and history; the
change is all or nothing (a lesson that cannot move fails it, with the core's error).
Lessons the new rule has no date for (an earlier end date) are cancelled; dates left over
are booked by generation as usual. An ``ALL`` change that keeps the dates (end date,
horizon, location, notes, auto-confirm) leaves the occurrences in place, ids included.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select

from models.scheduling import Booking
from models.schools import School
from models.series import FREQUENCIES, LessonSeries, SeriesOccurrence
from services.actor import Actor, Role
from services.errors import DomainError, Forbidden
from services.scheduling import bookings
from services.scheduling.availability import instructor_in_scope
from services.scheduling.localtime import local_date
from services.scheduling.placement import require_assignment
from services.series import notices
from services.series.errors import SeriesErrorCode as E
from services.series.generation import Generated, generate, placement_of, rule_of
from services.series.rules import Rule, dates_from, first_on_or_after, instant_of, ordinal_in_month
from services.series.visibility import can_see
from services.uow import UnitOfWork
from services.validation import clean_text

# A series may start up to a year ahead and, with an end date, run for up to a year.
MAX_LEAD = timedelta(days=366)
MAX_SPAN = timedelta(days=366)
MAX_HORIZON = 52
PLAUSIBLE_YEARS = range(2000, 2101)
# Lessons a series change may still move or cancel: the core's own "pending or confirmed"
# (not "live", which in scheduling means every status that holds its time).
CHANGEABLE = bookings.ACTIVE


class Scope(StrEnum):
    THIS = "this"
    THIS_AND_FOLLOWING = "this_and_following"
    ALL = "all"


@dataclass(frozen=True)
class SeriesChanges:
    """What a change asks for; None leaves a field as it is."""

    frequency: str | None = None
    weekday: int | None = None
    local_time: time | None = None
    ends_on: date | None = None
    horizon: int | None = None
    auto_confirm: bool | None = None
    location: str | None = None
    notes: str | None = None
    # THIS scope only
    starts_at: datetime | None = None
    cancel: bool = False
    reason: str | None = None

    @property
    def retimes(self) -> bool:
        return any(v is not None for v in (self.frequency, self.weekday, self.local_time))

    @property
    def rule_fields(self) -> bool:
        return self.retimes or any(
            v is not None for v in (self.ends_on, self.horizon, self.auto_confirm)
        )


@dataclass
class Outcome:
    """A series after a change, with what generation added and the occurrence changed."""

    series: LessonSeries
    generated: Generated
    occurrence: SeriesOccurrence | None = None


# -- checks --------------------------------------------------------------------------------------


def _minute(value: time, school: School) -> int:
    if value.second or value.microsecond:
        raise DomainError(E.INVALID, "Give the time to the minute.", "localTime")
    minute = value.hour * 60 + value.minute
    if minute % school.slot_granularity_minutes:
        raise DomainError(
            E.MISALIGNED_START,
            "Lessons start on the hour or at "
            f"{school.slot_granularity_minutes}-minute steps after it.",
            "localTime",
        )
    return minute


def _frequency(value: str) -> str:
    if value not in FREQUENCIES:
        raise DomainError(E.INVALID, "Unknown frequency.", "frequency")
    return value


def _weekday(value: int) -> int:
    if not 0 <= value <= 6:
        raise DomainError(E.INVALID, "Unknown weekday.", "weekday")
    return value


def _horizon(value: int) -> int:
    if not 1 <= value <= MAX_HORIZON:
        raise DomainError(
            E.INVALID, f"Keep between 1 and {MAX_HORIZON} lessons booked ahead.", "horizon"
        )
    return value


def _check_dates(starts_on: date, ends_on: date | None, today: date) -> None:
    for value, field in ((starts_on, "startsOn"), (ends_on, "endsOn")):
        if value is not None and value.year not in PLAUSIBLE_YEARS:
            raise DomainError(E.INVALID_DATES, "That date is not plausible.", field)
    if starts_on < today:
        raise DomainError(E.IN_THE_PAST, "The series cannot start in the past.", "startsOn")
    if starts_on - today > MAX_LEAD:
        raise DomainError(E.RANGE_TOO_LONG, "A series can start at most a year ahead.", "startsOn")
    if ends_on is not None and ends_on < starts_on:
        raise DomainError(E.INVALID_DATES, "The end date is before the start date.", "endsOn")
    if ends_on is not None and ends_on - starts_on > MAX_SPAN:
        raise DomainError(
            E.RANGE_TOO_LONG, "A series with an end date runs for at most a year.", "endsOn"
        )


def _first_date(rule: Rule, zone: ZoneInfo, now: datetime, field: str = "startsOn") -> date:
    """The rule's first date still ahead; refused when there is none, or when its local
    time does not exist that day (a series must not begin with a conflict it cannot
    avoid)."""
    for day in dates_from(rule, local_date(now, zone)):
        starts_at = instant_of(day, rule.start_minute, zone)
        if starts_at is None:
            raise DomainError(
                E.NONEXISTENT_LOCAL_TIME,
                f"{rule.start_minute // 60:02d}:{rule.start_minute % 60:02d} does not exist on "
                f"{day:%d %B %Y}: the clocks go forward then.",
                "localTime",
            )
        if starts_at > now:
            return day
    raise DomainError(E.INVALID_DATES, "No lesson of this series is still ahead.", field)


def _text(value: str | None, field: str, max_length: int) -> str | None:
    return clean_text(value, E.INVALID, field, max_length=max_length)


def _require_staff_for_auto_confirm(actor: Actor, auto_confirm: bool | None) -> None:
    if auto_confirm and actor.role is Role.STUDENT:
        raise Forbidden("Only the instructor or an admin can make a series confirm itself.")


def _today(school: School, now: datetime) -> date:
    return local_date(now, ZoneInfo(school.time_zone))


# -- create --------------------------------------------------------------------------------------


async def create_series(
    uow: UnitOfWork,
    actor: Actor,
    *,
    instructor_id: uuid.UUID,
    student_id: uuid.UUID | None,
    lesson_type_id: uuid.UUID,
    frequency: str,
    weekday: int,
    local_time: time,
    starts_on: date,
    ends_on: date | None,
    horizon: int,
    auto_confirm: bool,
    location: str | None,
    notes: str | None,
    now: datetime,
) -> Outcome:
    """Create a series and book its first lessons at once (see module docstring)."""
    actor.require_active()
    session = uow.session
    instructor = await instructor_in_scope(session, actor, instructor_id, manage=False)
    if actor.role is Role.STUDENT:
        if student_id not in (None, actor.user_id):
            raise Forbidden("Students make series of their own lessons.")
        student_id = actor.user_id
    elif actor.role is Role.INSTRUCTOR and instructor.id != actor.user_id:
        raise Forbidden("Instructors make series in their own diary.")
    if student_id is None:
        raise DomainError(E.STUDENT_NOT_FOUND, "Say which student the series is for.", "studentId")
    _require_staff_for_auto_confirm(actor, auto_confirm)
    assert instructor.school_id is not None
    student = await bookings.student_for(uow, actor, instructor.school_id, student_id)
    lesson_type = await bookings.lesson_type_for(uow, instructor.school_id, lesson_type_id)
    school = await session.get(School, instructor.school_id)
    assert school is not None
    zone = ZoneInfo(school.time_zone)
    # Before the rule: its first date is computed from the start (and 31 December 9999
    # has no Monday after it).
    _check_dates(starts_on, ends_on, _today(school, now))
    rule = Rule(
        frequency=_frequency(frequency),
        weekday=_weekday(weekday),
        start_minute=_minute(local_time, school),
        anchor_on=first_on_or_after(starts_on, weekday),
        ends_on=ends_on,
    )
    if rule.frequency == "monthly":
        rule = replace(rule, week_of_month=ordinal_in_month(rule.anchor_on))
    first = _first_date(rule, zone, now)
    await require_assignment(uow, student.id, instructor.id, first)
    series = LessonSeries(
        school_id=school.id,
        student_id=student.id,
        instructor_id=instructor.id,
        lesson_type_id=lesson_type.id,
        frequency=rule.frequency,
        weekday=rule.weekday,
        start_minute=rule.start_minute,
        week_of_month=rule.week_of_month,
        starts_on=starts_on,
        ends_on=ends_on,
        anchor_on=rule.anchor_on,
        auto_confirm=auto_confirm,
        horizon=_horizon(horizon),
        location=_text(location, "location", 300),
        notes=_text(notes, "notes", 2000),
        created_by_id=actor.user_id,
    )
    session.add(series)
    await session.flush()
    notices.emit(uow, series, "created")
    generated = await generate(uow, actor, series.id, now)
    return Outcome(series, generated)


# -- look-ups ------------------------------------------------------------------------------------


async def get_series(
    uow: UnitOfWork, actor: Actor, series_id: uuid.UUID, field: str = "seriesId"
) -> LessonSeries:
    """The series, locked for the change, if the actor may see it (else NOT_FOUND)."""
    series = await uow.session.get(
        LessonSeries, series_id, with_for_update=True, populate_existing=True
    )
    if series is None or not can_see(actor, series):
        raise DomainError(E.NOT_FOUND, "No such series.", field)
    return series


async def _occurrence(
    uow: UnitOfWork, series: LessonSeries, occurrence_id: uuid.UUID | None
) -> SeriesOccurrence:
    if occurrence_id is None:
        raise DomainError(
            E.OCCURRENCE_NOT_FOUND, "Say which occurrence the change starts at.", "occurrenceId"
        )
    occurrence = await uow.session.get(
        SeriesOccurrence, occurrence_id, with_for_update=True, populate_existing=True
    )
    if occurrence is None or occurrence.series_id != series.id:
        raise DomainError(E.OCCURRENCE_NOT_FOUND, "No such occurrence.", "occurrenceId")
    return occurrence


def _require_open(series: LessonSeries) -> None:
    if series.status == "ended":
        raise DomainError(E.SERIES_ENDED, "This series has ended.", "seriesId")


# -- change --------------------------------------------------------------------------------------


async def update_series(
    uow: UnitOfWork,
    actor: Actor,
    series_id: uuid.UUID,
    scope: Scope,
    changes: SeriesChanges,
    *,
    occurrence_id: uuid.UUID | None,
    now: datetime,
) -> Outcome:
    actor.require_active()
    series = await get_series(uow, actor, series_id)
    if scope is Scope.THIS:
        occurrence = await _occurrence(uow, series, occurrence_id)
        return await _change_one(uow, actor, series, occurrence, changes, now)
    _require_open(series)
    if changes.starts_at is not None or changes.cancel:
        raise DomainError(E.INVALID, "Move or cancel one lesson with the THIS scope.", "startsAt")
    _require_staff_for_auto_confirm(actor, changes.auto_confirm)
    school = await uow.session.get(School, series.school_id)
    assert school is not None
    today = _today(school, now)
    if scope is Scope.ALL:
        return await _change_rule(uow, actor, series, series, changes, today, school, now)
    occurrence = await _occurrence(uow, series, occurrence_id)
    if occurrence.occurs_on < today:
        raise DomainError(
            E.IN_THE_PAST, "Change the series from an occurrence still ahead.", "occurrenceId"
        )
    earlier = await uow.session.scalar(
        select(SeriesOccurrence.id)
        .where(
            SeriesOccurrence.series_id == series.id,
            SeriesOccurrence.occurs_on < occurrence.occurs_on,
        )
        .limit(1)
    )
    if earlier is None:
        # Nothing of the series precedes this date: splitting would leave an empty series.
        return await _change_rule(
            uow, actor, series, series, changes, occurrence.occurs_on, school, now
        )
    successor = _split(series, occurrence.occurs_on, actor)
    uow.session.add(successor)
    await uow.session.flush()
    notices.emit(uow, successor, "created")
    outcome = await _change_rule(
        uow, actor, series, successor, changes, occurrence.occurs_on, school, now
    )
    # The old series now ends the day before; generation finishes it off when it is over.
    await generate(uow, actor, series.id, now)
    return outcome


def _split(series: LessonSeries, from_date: date, actor: Actor) -> LessonSeries:
    """End ``series`` the day before ``from_date`` and start its successor on that date."""
    successor = LessonSeries(
        school_id=series.school_id,
        student_id=series.student_id,
        instructor_id=series.instructor_id,
        lesson_type_id=series.lesson_type_id,
        frequency=series.frequency,
        weekday=series.weekday,
        start_minute=series.start_minute,
        week_of_month=series.week_of_month,
        starts_on=from_date,
        ends_on=series.ends_on,
        anchor_on=from_date,
        auto_confirm=series.auto_confirm,
        horizon=series.horizon,
        location=series.location,
        notes=series.notes,
        status=series.status,
        created_by_id=actor.user_id,
        previous_series_id=series.id,
    )
    series.ends_on = from_date - timedelta(days=1)
    return successor


def _apply_rule(
    target: LessonSeries, changes: SeriesChanges, school: School, from_date: date
) -> None:
    """Write the changed rule onto ``target`` (validated), re-anchoring it at the first
    matching date from ``from_date`` when its weekday or frequency changes."""
    frequency = _frequency(changes.frequency) if changes.frequency else target.frequency
    weekday = _weekday(changes.weekday) if changes.weekday is not None else target.weekday
    if changes.local_time is not None:
        target.start_minute = _minute(changes.local_time, school)
    if frequency != target.frequency or weekday != target.weekday:
        anchor = first_on_or_after(max(from_date, target.starts_on), weekday)
        if frequency == "monthly":
            same_month_rule = target.frequency == "monthly" and target.week_of_month
            target.week_of_month = (
                target.week_of_month if same_month_rule else ordinal_in_month(anchor)
            )
        else:
            target.week_of_month = None
        target.frequency, target.weekday, target.anchor_on = frequency, weekday, anchor
    if changes.ends_on is not None:
        if changes.ends_on < max(from_date, target.starts_on):
            raise DomainError(
                E.INVALID_DATES, "The end date is before the change takes effect.", "endsOn"
            )
        if changes.ends_on - target.starts_on > MAX_SPAN:
            raise DomainError(
                E.RANGE_TOO_LONG, "A series with an end date runs for at most a year.", "endsOn"
            )
        target.ends_on = changes.ends_on
    if changes.horizon is not None:
        target.horizon = _horizon(changes.horizon)
    if changes.auto_confirm is not None:
        target.auto_confirm = changes.auto_confirm
    if changes.location is not None:
        target.location = _text(changes.location, "location", 300)
    if changes.notes is not None:
        target.notes = _text(changes.notes, "notes", 2000)


async def _change_rule(
    uow: UnitOfWork,
    actor: Actor,
    source: LessonSeries,
    target: LessonSeries,
    changes: SeriesChanges,
    from_date: date,
    school: School,
    now: datetime,
) -> Outcome:
    """Apply a rule change from ``from_date``: ``source``'s affected lessons move to
    ``target``'s dates (the same series for ALL, the successor for a split)."""
    if not changes.rule_fields and changes.location is None and changes.notes is None:
        raise DomainError(E.NOTHING_TO_CHANGE, "Nothing to change.", "scope")
    _apply_rule(target, changes, school, from_date)
    await uow.session.flush()
    await _move_lessons(uow, actor, source, target, changes, from_date, school, now)
    notices.emit(uow, target, "updated")
    generated = await generate(uow, actor, target.id, now)
    return Outcome(target, generated)


async def _move_lessons(
    uow: UnitOfWork,
    actor: Actor,
    source: LessonSeries,
    target: LessonSeries,
    changes: SeriesChanges,
    from_date: date,
    school: School,
    now: datetime,
) -> None:
    """Re-home ``source``'s affected occurrences (see module docstring) on ``target``."""
    session = uow.session
    rows = (
        await session.execute(
            select(SeriesOccurrence, Booking)
            .outerjoin(Booking, Booking.id == SeriesOccurrence.booking_id)
            .where(
                SeriesOccurrence.series_id == source.id,
                SeriesOccurrence.occurs_on >= from_date,
                SeriesOccurrence.is_exception.is_(False),
                SeriesOccurrence.status.in_(("scheduled", "conflict")),
            )
            .order_by(SeriesOccurrence.occurs_on)
            .with_for_update(of=SeriesOccurrence)
        )
    ).all()
    affected = [
        (occurrence, booking)
        for occurrence, booking in rows
        if booking is None or (booking.status in CHANGEABLE and booking.starts_at > now)
    ]
    if not affected:
        return
    if source is target and not changes.retimes:
        await _touch_in_place(uow, actor, target, changes, affected)
        return
    await session.execute(
        delete(SeriesOccurrence).where(SeriesOccurrence.id.in_([o.id for o, _ in affected]))
    )
    for occurrence, _ in affected:
        session.expunge(occurrence)
    lessons = sorted((b for _, b in affected if b is not None), key=lambda b: b.starts_at)
    zone = ZoneInfo(school.time_zone)
    cutoff = now + timedelta(days=school.booking_horizon_days)
    taken = set(
        await session.scalars(
            select(SeriesOccurrence.occurs_on).where(
                SeriesOccurrence.series_id == target.id, SeriesOccurrence.occurs_on >= from_date
            )
        )
    )
    slots: list[tuple[date, datetime]] = []
    for day in dates_from(rule_of(target), from_date):
        if len(slots) == len(lessons):
            break
        starts_at = instant_of(day, target.start_minute, zone)
        if day in taken or starts_at is None or starts_at <= now:
            continue
        if starts_at > cutoff:
            break
        slots.append((day, starts_at))
    pairs = list(zip(lessons, slots, strict=False))
    # Moves that go earlier first (earliest first), then those that go later (latest
    # first): a lesson never has to pass through a time another lesson still holds.
    earlier = [p for p in pairs if p[1][1] < p[0].starts_at]
    later = [p for p in pairs if p[1][1] >= p[0].starts_at]
    for booking, (day, starts_at) in [*earlier, *reversed(later)]:
        if starts_at != booking.starts_at:
            await bookings.reschedule_booking(
                uow, actor, booking.id, starts_at=starts_at, reason="The series changed."
            )
        booking.series_id = target.id
        if changes.location is not None or changes.notes is not None:
            await bookings.update_details(
                uow, actor, booking.id, location=changes.location, notes=changes.notes
            )
        session.add(
            SeriesOccurrence(
                school_id=target.school_id,
                series_id=target.id,
                occurs_on=day,
                booking_id=booking.id,
                status="scheduled",
            )
        )
        await session.flush()
    for booking in lessons[len(slots) :]:
        await bookings.cancel_booking(
            uow, actor, booking.id, reason="The series no longer has a date for this lesson."
        )


async def _touch_in_place(
    uow: UnitOfWork,
    actor: Actor,
    series: LessonSeries,
    changes: SeriesChanges,
    affected: Sequence[tuple[SeriesOccurrence, Booking | None]],
) -> None:
    """A change that keeps the dates (an end date, location, notes, horizon): the
    occurrences stay as they are, ids included; lessons after a new end date are
    cancelled and unbooked dates after it dropped."""
    for occurrence, booking in affected:
        beyond_end = series.ends_on is not None and occurrence.occurs_on > series.ends_on
        if booking is None:
            if beyond_end:
                await uow.session.delete(occurrence)
            continue
        if beyond_end:
            await bookings.cancel_booking(
                uow, actor, booking.id, reason="The series now ends before this lesson."
            )
        elif changes.location is not None or changes.notes is not None:
            await bookings.update_details(
                uow, actor, booking.id, location=changes.location, notes=changes.notes
            )
    await uow.session.flush()


async def _change_one(
    uow: UnitOfWork,
    actor: Actor,
    series: LessonSeries,
    occurrence: SeriesOccurrence,
    changes: SeriesChanges,
    now: datetime,
) -> Outcome:
    """THIS scope: one occurrence, which becomes an exception of its series."""
    if changes.rule_fields:
        raise DomainError(
            E.INVALID,
            "Change the rule with the THIS_AND_FOLLOWING or ALL scope; move one lesson with "
            "startsAt.",
            "scope",
        )
    session = uow.session
    booking = await session.get(Booking, occurrence.booking_id) if occurrence.booking_id else None
    live = booking is not None and booking.status in CHANGEABLE
    if changes.cancel:
        if live:
            assert booking is not None
            await bookings.cancel_booking(uow, actor, booking.id, reason=changes.reason)
        elif occurrence.status == "conflict":
            occurrence.status = "skipped"
            occurrence.conflict_code = occurrence.conflict_message = None
        else:
            raise DomainError(E.INVALID_STATUS, "This lesson is not booked.", "occurrenceId")
    elif changes.starts_at is not None:
        if live:
            assert booking is not None
            await bookings.reschedule_booking(
                uow, actor, booking.id, starts_at=changes.starts_at, reason=changes.reason
            )
        elif occurrence.status in ("conflict", "skipped"):
            booking = await _book_occurrence(uow, actor, series, changes.starts_at)
            occurrence.booking_id = booking.id
            occurrence.status = "scheduled"
            occurrence.conflict_code = occurrence.conflict_message = None
        else:
            raise DomainError(E.INVALID_STATUS, "A cancelled lesson cannot move.", "occurrenceId")
    if changes.location is not None or changes.notes is not None:
        if not live:
            raise DomainError(E.INVALID_STATUS, "This lesson is not booked.", "occurrenceId")
        assert booking is not None
        await bookings.update_details(
            uow, actor, booking.id, location=changes.location, notes=changes.notes
        )
    elif changes.starts_at is None and not changes.cancel:
        raise DomainError(E.NOTHING_TO_CHANGE, "Nothing to change.", "scope")
    occurrence.is_exception = True
    await session.flush()
    await session.refresh(occurrence)
    notices.emit(uow, series, "updated", occurrence_id=str(occurrence.id))
    return Outcome(series, Generated(), occurrence)


async def _book_occurrence(
    uow: UnitOfWork, actor: Actor, series: LessonSeries, starts_at: datetime
) -> Booking:
    """Book an occurrence that had no lesson (a conflict, or skipped) at a time the user
    chose. Who may, and whether it is confirmed, follow ``bookLesson``: a time a student
    picks waits for the instructor, whatever the series' ``auto_confirm``."""
    if actor.role is Role.INSTRUCTOR and actor.user_id != series.instructor_id:
        raise Forbidden("Instructors book lessons in their own diary.")
    placement = await placement_of(uow, series)
    return await bookings.place(
        uow,
        actor,
        replace(placement, starts_at=starts_at),
        status="pending" if actor.role is Role.STUDENT else "confirmed",
        location=series.location,
        notes=series.notes,
        series_id=series.id,
    )


# -- pause, resume, end --------------------------------------------------------------------------


async def pause_series(
    uow: UnitOfWork, actor: Actor, series_id: uuid.UUID, *, now: datetime
) -> Outcome:
    """Stop booking further lessons; the lessons already booked stay."""
    actor.require_active()
    series = await get_series(uow, actor, series_id)
    _require_open(series)
    if series.status == "paused":
        raise DomainError(E.INVALID_STATUS, "This series is already paused.", "seriesId")
    series.status = "paused"
    series.extend_at = None
    notices.emit(uow, series, "updated")
    return Outcome(series, Generated())


async def resume_series(
    uow: UnitOfWork, actor: Actor, series_id: uuid.UUID, *, now: datetime
) -> Outcome:
    """Book lessons again, from now on (dates that passed while paused stay unbooked)."""
    actor.require_active()
    series = await get_series(uow, actor, series_id)
    _require_open(series)
    if series.status != "paused":
        raise DomainError(E.INVALID_STATUS, "This series is not paused.", "seriesId")
    series.status = "active"
    await uow.session.flush()
    notices.emit(uow, series, "updated")
    return Outcome(series, await generate(uow, actor, series.id, now))


async def end_series(
    uow: UnitOfWork, actor: Actor, series_id: uuid.UUID, *, reason: str | None, now: datetime
) -> Outcome:
    """End the series now: every lesson of it still ahead is cancelled (through the core,
    so the school's cancellation policy applies as for any cancellation), unbooked dates
    are skipped, and no more are generated."""
    actor.require_active()
    series = await get_series(uow, actor, series_id)
    _require_open(series)
    reason = _text(reason, "reason", 500) or "The series ended."
    school = await uow.session.get(School, series.school_id)
    assert school is not None
    today = _today(school, now)
    rows = (
        await uow.session.execute(
            select(SeriesOccurrence, Booking)
            .outerjoin(Booking, Booking.id == SeriesOccurrence.booking_id)
            .where(SeriesOccurrence.series_id == series.id)
            .order_by(SeriesOccurrence.occurs_on)
        )
    ).all()
    for occurrence, booking in rows:
        if booking is not None and booking.status in CHANGEABLE and booking.starts_at > now:
            await bookings.cancel_booking(uow, actor, booking.id, reason=reason)
        elif occurrence.status == "conflict" and occurrence.occurs_on >= today:
            occurrence.status = "skipped"
            occurrence.conflict_code = occurrence.conflict_message = None
    series.status = "ended"
    series.ended_at = now
    series.extend_at = None
    await uow.session.flush()
    notices.emit(uow, series, "ended")
    return Outcome(series, Generated())
