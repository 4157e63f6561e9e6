"""The dates a recurring rule produces, and their instants: arithmetic only, no I/O.

* weekly: the anchor date, then every 7 days;
* fortnightly: the anchor date, then every 14 days (the anchor fixes the parity);
* monthly: the Nth ``weekday`` of every month from the anchor's month, where N is the
  anchor's ordinal in its month (days 1-7 are the 1st, 8-14 the 2nd …). An anchor on the
  29th to 31st is the 5th, which means "the last" of that weekday, so a month without a
  fifth Tuesday still has its lesson, on its last Tuesday.

A date's lesson starts at the rule's local time in the school's zone (``zoneinfo``), so a
17:00 lesson is at 17:00 on both sides of a daylight-saving change. A local time that does
not exist on a date (the spring-forward gap) has no instant; a time that occurs twice
(clocks going back) means the first, as everywhere in scheduling.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from services.scheduling.localtime import exact_instants

PERIOD_DAYS = {"weekly": 7, "fortnightly": 14}
LAST = 5


@dataclass(frozen=True)
class Rule:
    frequency: str  # weekly | fortnightly | monthly
    weekday: int  # 0 = Monday
    start_minute: int
    anchor_on: date  # the first date of the rule (on ``weekday``)
    ends_on: date | None
    week_of_month: int | None = None  # monthly only: 1 to 4, or 5 for the last


def first_on_or_after(day: date, weekday: int) -> date:
    """The first date on or after ``day`` that falls on ``weekday``."""
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def ordinal_in_month(day: date) -> int:
    """1 for the first such weekday of its month … 5 for a fifth (read as "the last")."""
    return (day.day - 1) // 7 + 1


def nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The Nth ``weekday`` of a month; n = 5 is the last one."""
    first = first_on_or_after(date(year, month, 1), weekday)
    if n < LAST:
        return first + timedelta(weeks=n - 1)
    last_day = date(year, month, calendar.monthrange(year, month)[1])
    return last_day - timedelta(days=(last_day.weekday() - weekday) % 7)


def dates_from(rule: Rule, start: date) -> Iterator[date]:
    """The rule's dates on or after ``start``, in order, up to its end date (unbounded
    without one: take what you need)."""
    start = max(start, rule.anchor_on)
    if rule.frequency in PERIOD_DAYS:
        period = PERIOD_DAYS[rule.frequency]
        steps = -(-(start - rule.anchor_on).days // period)  # ceiling division
        day = rule.anchor_on + timedelta(days=steps * period)
        while rule.ends_on is None or day <= rule.ends_on:
            yield day
            day += timedelta(days=period)
        return
    n = rule.week_of_month or ordinal_in_month(rule.anchor_on)
    year, month = start.year, start.month
    while True:
        day = nth_weekday(year, month, rule.weekday, n)
        if rule.ends_on is not None and day > rule.ends_on:
            return
        if day >= start:
            yield day
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def instant_of(day: date, minute: int, zone: ZoneInfo) -> datetime | None:
    """When a lesson at ``minute`` local time on ``day`` starts; None inside a clock
    change's gap."""
    instants = exact_instants(day, minute, zone)
    return instants[0] if instants else None
