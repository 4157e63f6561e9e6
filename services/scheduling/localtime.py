"""Wall-clock rules and instants (SPEC §0, time).

Working hours, recurring lessons and dated exceptions are stated in the school's local
time; bookings are instants (UTC). These helpers turn one into the other with
``zoneinfo``, so a 17:00 rule stays 17:00 on both sides of a daylight-saving change.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MINUTES_PER_DAY = 1440


def wall_time(minute: int) -> time:
    """A minute of the day (0 to 1439) as a time."""
    return time(minute // 60, minute % 60)


def exists(local: datetime) -> bool:
    """False for a wall-clock time skipped by a clock change (the spring-forward gap)."""
    round_trip = local.astimezone(UTC).astimezone(local.tzinfo)
    return round_trip.replace(tzinfo=None) == local.replace(tzinfo=None)


def to_instant(day: date, minute: int, zone: ZoneInfo) -> datetime:
    """The instant of a local date and minute of the day (1440 = the next midnight).

    A time in a spring-forward gap maps forward by the gap (zoneinfo's fold=0 reading);
    use ``exact_instants`` where a nonexistent time must be refused or skipped.
    """
    if minute >= MINUTES_PER_DAY:
        day, minute = day + timedelta(days=1), minute - MINUTES_PER_DAY
    return datetime.combine(day, wall_time(minute), zone).astimezone(UTC)


def exact_instants(day: date, minute: int, zone: ZoneInfo) -> list[datetime]:
    """Every instant whose local time is exactly this date and minute: none inside a
    spring-forward gap, two inside a fall-back overlap (earlier first), else one."""
    local = datetime.combine(day, wall_time(minute), zone)
    if not exists(local):
        return []
    first = local.replace(fold=0).astimezone(UTC)
    second = local.replace(fold=1).astimezone(UTC)
    return [first] if first == second else [first, second]


def local_date(instant: datetime, zone: ZoneInfo) -> date:
    return instant.astimezone(zone).date()


def days(first: date, last: date) -> Iterator[date]:
    """Every date from ``first`` to ``last``, both included."""
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def week_start(day: date) -> date:
    """The Monday of ``day``'s week (weeks run Monday to Sunday, as ISO weeks do)."""
    return day - timedelta(days=day.weekday())


def week_bounds(instant: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants at which the local week holding ``instant`` starts and ends."""
    monday = week_start(local_date(instant, zone))
    return to_instant(monday, 0, zone), to_instant(monday + timedelta(days=7), 0, zone)
