"""Free time as arithmetic on instants: no I/O, so every edge is tested directly.

An instructor is *open* during their weekly working hours plus extra hours, minus time
off. A lesson of length d may start at s when s is on the school's slot grid (local
time), [s, s+d) lies inside one open interval, [s, s+d+buffer) meets no live booking's
[start, blocked_until), the student (when known) is free for [s, s+d), and the week's
booked minutes plus d stay within the instructor's cap.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from services.scheduling.localtime import (
    MINUTES_PER_DAY,
    days,
    exact_instants,
    local_date,
    to_instant,
    week_start,
)


@dataclass(frozen=True, order=True)
class Interval:
    """A half-open range of instants [start, end)."""

    start: datetime
    end: datetime

    def contains(self, start: datetime, end: datetime) -> bool:
        return self.start <= start and end <= self.end

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.start < end and start < self.end


@dataclass(frozen=True)
class WeeklyHours:
    """One working interval of a weekday (0 = Monday), in minutes of the local day."""

    weekday: int
    start_minute: int
    end_minute: int


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, with touching and overlapping intervals joined."""
    merged: list[Interval] = []
    for interval in sorted(intervals):
        if merged and interval.start <= merged[-1].end:
            if interval.end > merged[-1].end:
                merged[-1] = Interval(merged[-1].start, interval.end)
        else:
            merged.append(interval)
    return merged


def subtract(intervals: Iterable[Interval], holes: Iterable[Interval]) -> list[Interval]:
    """``intervals`` with every instant of ``holes`` removed."""
    result = merge(intervals)
    for hole in merge(holes):
        remaining: list[Interval] = []
        for interval in result:
            if not interval.overlaps(hole.start, hole.end):
                remaining.append(interval)
                continue
            if interval.start < hole.start:
                remaining.append(Interval(interval.start, hole.start))
            if hole.end < interval.end:
                remaining.append(Interval(hole.end, interval.end))
        result = remaining
    return result


def weekly_intervals(
    hours: Iterable[WeeklyHours], zone: ZoneInfo, first: date, last: date
) -> list[Interval]:
    """The weekly hours expanded to instants for every local date from first to last."""
    by_weekday: dict[int, list[WeeklyHours]] = {}
    for h in hours:
        by_weekday.setdefault(h.weekday, []).append(h)
    intervals = [
        Interval(to_instant(day, h.start_minute, zone), to_instant(day, h.end_minute, zone))
        for day in days(first, last)
        for h in by_weekday.get(day.weekday(), [])
    ]
    return merge(i for i in intervals if i.start < i.end)


def open_intervals(
    hours: Iterable[WeeklyHours],
    extra: Iterable[Interval],
    time_off: Iterable[Interval],
    zone: ZoneInfo,
    window: Interval,
) -> list[Interval]:
    """When the instructor works within ``window`` (a day of margin either side is
    expanded, so intervals that straddle the window's edges are whole)."""
    first = local_date(window.start, zone) - timedelta(days=1)
    last = local_date(window.end, zone) + timedelta(days=1)
    working = weekly_intervals(hours, zone, first, last)
    return subtract(merge([*working, *extra]), time_off)


def grid_starts(zone: ZoneInfo, window: Interval, granularity: int) -> list[datetime]:
    """Every instant in ``window`` whose local time is a multiple of ``granularity``
    minutes after local midnight. Times skipped by a clock change do not exist; times
    repeated by one occur twice."""
    starts: list[datetime] = []
    first = local_date(window.start, zone)
    last = local_date(window.end, zone)
    for day in days(first, last):
        for minute in range(0, MINUTES_PER_DAY, granularity):
            starts.extend(
                s for s in exact_instants(day, minute, zone) if window.start <= s < window.end
            )
    return sorted(set(starts))


def on_grid(instant: datetime, zone: ZoneInfo, granularity: int) -> bool:
    local = instant.astimezone(zone)
    return (
        local.second == 0
        and local.microsecond == 0
        and (local.hour * 60 + local.minute) % granularity == 0
    )


class _Sorted:
    """Intervals sorted by start, answering "does any of them meet [start, end)?"."""

    def __init__(self, intervals: Iterable[Interval]) -> None:
        self.intervals = sorted(intervals)
        self.starts = [i.start for i in self.intervals]
        # Running maximum of ends, so one bisect answers overlap queries.
        self.max_end: list[datetime] = []
        for interval in self.intervals:
            self.max_end.append(
                max(interval.end, self.max_end[-1]) if self.max_end else interval.end
            )

    def meets(self, start: datetime, end: datetime) -> bool:
        """True when some interval overlaps [start, end)."""
        i = bisect.bisect_left(self.starts, end)  # intervals starting before `end`
        return i > 0 and self.max_end[i - 1] > start

    def covering(self, start: datetime, end: datetime) -> bool:
        """True when one interval contains [start, end) (intervals are merged)."""
        i = bisect.bisect_right(self.starts, start)
        return i > 0 and self.intervals[i - 1].contains(start, end)


@dataclass(frozen=True)
class SlotQuery:
    """Everything the slot search needs, read from the database beforehand."""

    zone: ZoneInfo
    window: Interval
    duration: timedelta
    buffer: timedelta
    granularity: int
    not_before: datetime  # now: nothing in the past
    not_after: datetime  # the booking horizon
    open: Sequence[Interval]
    instructor_busy: Sequence[Interval]  # live bookings' [start, blocked_until)
    student_busy: Sequence[Interval]  # the student's live bookings' [start, end)
    week_minutes: dict[date, int]  # booked minutes per local week (keyed by its Monday)
    cap_minutes: int


def free_starts(query: SlotQuery) -> list[datetime]:
    """The start instants a lesson may be booked at, in order."""
    open_ = _Sorted(merge(query.open))
    instructor = _Sorted(query.instructor_busy)
    student = _Sorted(query.student_busy)
    result = []
    for start in grid_starts(query.zone, query.window, query.granularity):
        end = start + query.duration
        if start <= query.not_before or start > query.not_after:
            continue
        if not open_.covering(start, end):
            continue
        if instructor.meets(start, end + query.buffer) or student.meets(start, end):
            continue
        week = week_start(local_date(start, query.zone))
        minutes = int(query.duration.total_seconds() // 60)
        if query.week_minutes.get(week, 0) + minutes > query.cap_minutes:
            continue
        result.append(start)
    return result
