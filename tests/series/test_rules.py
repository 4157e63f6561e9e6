"""The dates a rule produces: pure arithmetic, every edge tested directly."""

from __future__ import annotations

from datetime import date
from itertools import islice

import pytest

from services.series.rules import Rule, dates_from, instant_of, nth_weekday, ordinal_in_month
from tests.scheduling.helpers import LONDON

pytestmark = pytest.mark.no_database

TUESDAY, SUNDAY = 1, 6


def test_weekly_and_fortnightly_count_from_the_anchor() -> None:
    weekly = Rule("weekly", TUESDAY, 17 * 60, date(2030, 1, 1), None)
    fortnightly = Rule("fortnightly", TUESDAY, 17 * 60, date(2030, 1, 1), date(2030, 2, 12))

    assert list(islice(dates_from(weekly, date(2030, 1, 2)), 2)) == [
        date(2030, 1, 8),
        date(2030, 1, 15),
    ]
    # A fortnightly rule keeps its parity whatever day one starts looking from.
    assert list(dates_from(fortnightly, date(2030, 1, 9))) == [
        date(2030, 1, 15),
        date(2030, 1, 29),
        date(2030, 2, 12),
    ]


def test_monthly_is_the_nth_weekday_and_a_fifth_means_the_last() -> None:
    second = Rule("monthly", TUESDAY, 600, date(2030, 1, 8), None, week_of_month=2)
    last = Rule("monthly", TUESDAY, 600, date(2030, 1, 29), None, week_of_month=5)

    assert ordinal_in_month(date(2030, 1, 8)) == 2
    assert ordinal_in_month(date(2030, 1, 29)) == 5
    assert list(islice(dates_from(second, date(2030, 1, 1)), 3)) == [
        date(2030, 1, 8),
        date(2030, 2, 12),
        date(2030, 3, 12),
    ]
    # February 2030 has four Tuesdays: its lesson is on the last one, the 26th.
    assert list(islice(dates_from(last, date(2030, 1, 1)), 3)) == [
        date(2030, 1, 29),
        date(2030, 2, 26),
        date(2030, 3, 26),
    ]
    assert nth_weekday(2030, 12, TUESDAY, 5) == date(2030, 12, 31)


def test_an_end_date_ends_the_dates() -> None:
    rule = Rule("weekly", SUNDAY, 600, date(2030, 1, 6), date(2030, 1, 20))
    assert list(dates_from(rule, date(2029, 12, 1))) == [
        date(2030, 1, 6),
        date(2030, 1, 13),
        date(2030, 1, 20),
    ]


def test_wall_clock_times_and_the_gap() -> None:
    # 31 March 2030 is the last Sunday of March: 01:30 does not exist in London.
    assert instant_of(date(2030, 3, 31), 90, LONDON) is None
    before = instant_of(date(2030, 3, 24), 17 * 60, LONDON)
    after = instant_of(date(2030, 3, 31), 17 * 60, LONDON)
    assert before is not None
    assert after is not None
    assert before.astimezone(LONDON).hour == after.astimezone(LONDON).hour == 17
    assert (after - before).total_seconds() == 7 * 24 * 3600 - 3600
