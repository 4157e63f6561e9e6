"""The free-slot arithmetic at its edges, without a database: clock changes, back-to-back
lessons, buffers, closing time, exceptions, the weekly cap and the slot grid."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.scheduling.localtime import exact_instants, to_instant, week_start
from services.scheduling.slots import (
    Interval,
    SlotQuery,
    WeeklyHours,
    free_starts,
    grid_starts,
    merge,
    open_intervals,
    subtract,
    weekly_intervals,
)

pytestmark = pytest.mark.no_database

LONDON = ZoneInfo("Europe/London")
SPRING_FORWARD = date(2027, 3, 28)  # 01:00 GMT → 02:00 BST
FALL_BACK = date(2027, 10, 31)  # 02:00 BST → 01:00 GMT
MONDAY = date(2027, 6, 7)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), LONDON).astimezone(UTC)


def local_hhmm(instant: datetime) -> str:
    return instant.astimezone(LONDON).strftime("%H:%M")


def query(day: date, **overrides: object) -> SlotQuery:
    """One day, 09:00 to 17:00, hour-long lessons on a 15-minute grid, nothing booked."""
    base: dict[str, object] = {
        "zone": LONDON,
        "window": Interval(at(day, 0), at(day + timedelta(days=1), 0)),
        "duration": timedelta(minutes=60),
        "buffer": timedelta(0),
        "granularity": 15,
        "not_before": at(day, 0) - timedelta(days=1),
        "not_after": at(day, 0) + timedelta(days=30),
        "open": [Interval(at(day, 9), at(day, 17))],
        "instructor_busy": [],
        "student_busy": [],
        "week_minutes": {},
        "cap_minutes": 40 * 60,
    }
    base.update(overrides)
    return SlotQuery(**base)  # type: ignore[arg-type]


def test_the_spring_forward_day_has_no_0100_and_23_hours_on_the_hourly_grid() -> None:
    window = Interval(at(SPRING_FORWARD, 0), to_instant(SPRING_FORWARD, 1440, LONDON))
    starts = grid_starts(LONDON, window, 60)
    assert len(starts) == 23
    assert "01:00" not in [local_hhmm(s) for s in starts]
    assert exact_instants(SPRING_FORWARD, 90, LONDON) == []  # 01:30 does not exist


def test_the_fall_back_day_has_0100_twice_an_hour_apart() -> None:
    window = Interval(at(FALL_BACK, 0), to_instant(FALL_BACK, 1440, LONDON))
    starts = grid_starts(LONDON, window, 60)
    assert len(starts) == 25
    ones = [s for s in starts if local_hhmm(s) == "01:00"]
    assert len(ones) == 2
    assert ones[1] - ones[0] == timedelta(hours=1)


@pytest.mark.parametrize("day", [SPRING_FORWARD, FALL_BACK, MONDAY])
def test_working_hours_keep_their_local_times_on_clock_change_days(day: date) -> None:
    hours = [WeeklyHours(day.weekday(), 9 * 60, 17 * 60)]
    [interval] = weekly_intervals(hours, LONDON, day, day)
    assert local_hhmm(interval.start) == "09:00"
    assert local_hhmm(interval.end) == "17:00"
    assert interval.end - interval.start == timedelta(hours=8)


def test_slots_on_the_spring_forward_day_are_at_local_wall_clock_times() -> None:
    starts = free_starts(query(SPRING_FORWARD, granularity=60))
    assert [local_hhmm(s) for s in starts] == [f"{h:02d}:00" for h in range(9, 17)]
    assert starts[0].utcoffset() == timedelta(0)  # instants are UTC…
    assert starts[0].astimezone(LONDON).utcoffset() == timedelta(hours=1)  # …in BST that day


def test_a_lesson_may_end_exactly_at_closing_time_but_not_after() -> None:
    starts = [local_hhmm(s) for s in free_starts(query(MONDAY))]
    assert starts[-1] == "16:00"
    assert "16:15" not in starts
    assert starts[0] == "09:00"


def test_back_to_back_lessons_fit_with_no_buffer() -> None:
    busy = [Interval(at(MONDAY, 10), at(MONDAY, 11))]
    starts = [local_hhmm(s) for s in free_starts(query(MONDAY, instructor_busy=busy))]
    assert "09:00" in starts  # ends 10:00, as the booked lesson starts
    assert "11:00" in starts  # starts as it ends
    assert not {"09:15", "10:00", "10:45"} & set(starts)


def test_the_buffer_keeps_time_after_every_lesson() -> None:
    # The booked lesson 10:00 to 11:00 blocks until 11:15; a new lesson needs 15 minutes after it.
    busy = [Interval(at(MONDAY, 10), at(MONDAY, 11, 15))]
    starts = [
        local_hhmm(s)
        for s in free_starts(query(MONDAY, instructor_busy=busy, buffer=timedelta(minutes=15)))
    ]
    assert "08:45" not in starts  # before opening
    assert "09:00" not in starts  # its buffer would run into 10:00
    assert "11:00" not in starts
    assert "11:15" in starts
    assert starts[-1] == "16:00"  # a buffer may run past closing time


def test_the_student_busy_time_is_left_out_but_not_padded() -> None:
    busy = [Interval(at(MONDAY, 12), at(MONDAY, 13))]
    starts = [
        local_hhmm(s)
        for s in free_starts(query(MONDAY, student_busy=busy, buffer=timedelta(minutes=30)))
    ]
    assert "11:00" in starts
    assert "13:00" in starts
    assert "12:00" not in starts


def test_the_weekly_cap_allows_a_lesson_that_fits_exactly_and_no_more() -> None:
    week = week_start(MONDAY)
    fits = free_starts(query(MONDAY, week_minutes={week: 40 * 60 - 60}))
    full = free_starts(query(MONDAY, week_minutes={week: 40 * 60 - 59}))
    assert len(fits) == 29
    assert full == []


def test_past_and_beyond_the_horizon_are_not_offered() -> None:
    starts = free_starts(query(MONDAY, not_before=at(MONDAY, 12), not_after=at(MONDAY, 14)))
    assert [local_hhmm(s) for s in starts] == [
        "12:15",
        "12:30",
        "12:45",
        "13:00",
        "13:15",
        "13:30",
        "13:45",
        "14:00",
    ]


def test_the_grid_follows_the_schools_granularity() -> None:
    starts = [local_hhmm(s) for s in free_starts(query(MONDAY, granularity=30))]
    assert starts == [f"{h:02d}:{m:02d}" for h in range(9, 16) for m in (0, 30)] + ["16:00"]


def test_time_off_is_removed_and_extra_hours_are_added() -> None:
    sunday = MONDAY - timedelta(days=1)
    hours = [WeeklyHours(d, 9 * 60, 17 * 60) for d in range(5)]
    off = [Interval(at(MONDAY, 12), at(MONDAY, 14))]
    extra = [Interval(at(sunday, 10), at(sunday, 12))]
    window = Interval(at(sunday, 0), at(MONDAY, 23))
    opened = open_intervals(hours, extra, off, LONDON, window)
    assert Interval(at(sunday, 10), at(sunday, 12)) in opened
    assert Interval(at(MONDAY, 9), at(MONDAY, 12)) in opened
    assert Interval(at(MONDAY, 14), at(MONDAY, 17)) in opened


def test_merge_joins_touching_and_overlapping_intervals() -> None:
    day = MONDAY
    merged = merge(
        [
            Interval(at(day, 13), at(day, 14)),
            Interval(at(day, 9), at(day, 11)),
            Interval(at(day, 11), at(day, 12)),
            Interval(at(day, 10), at(day, 10, 30)),
        ]
    )
    assert merged == [Interval(at(day, 9), at(day, 12)), Interval(at(day, 13), at(day, 14))]


def test_subtract_cuts_holes_at_the_edges_and_inside() -> None:
    day = MONDAY
    result = subtract(
        [Interval(at(day, 9), at(day, 17))],
        [Interval(at(day, 8), at(day, 10)), Interval(at(day, 12), at(day, 13))],
    )
    assert result == [Interval(at(day, 10), at(day, 12)), Interval(at(day, 13), at(day, 17))]
