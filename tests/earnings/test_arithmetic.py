"""The earnings arithmetic on its own: periods in local dates across clock changes, and the
platform fee rounded half up once, on the period's total."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from services.errors import DomainError
from services.payments.earnings import Earnings, Period, period

pytestmark = pytest.mark.no_database


def figures(gross: int, refunds: int, bps: int) -> Earnings:
    return Earnings(
        instructor_id=uuid.uuid4(),
        school_id=uuid.uuid4(),
        period=Period(date(2025, 10, 1), date(2025, 10, 31)),
        currency="GBP",
        platform_fee_bps=bps,
        package_lessons=1,
        pay_as_you_go_lessons=1,
        package_minor=gross // 2,
        pay_as_you_go_minor=gross - gross // 2,
        refunds_minor=refunds,
        payout=None,
        lower=datetime(2025, 9, 30, 23, tzinfo=UTC),
        upper=datetime(2025, 11, 1, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("gross", "refunds", "bps", "fee"),
    [
        (4, 0, 1250, 1),  # 0.5 → 1 (half up; half-even would give 0)
        (20, 0, 1250, 3),  # 2.5 → 3
        (12, 0, 1250, 2),  # 1.5 → 2
        (26689, 1500, 1250, 3149),  # 3148.625 → 3149
        (10001, 1, 1000, 1000),  # the refund comes off before the fee
        (5000, 5000, 1000, 0),  # everything refunded: no fee
        (4000, 0, 0, 0),
    ],
)
def test_the_fee_is_rounded_half_up_on_the_total(
    gross: int, refunds: int, bps: int, fee: int
) -> None:
    earned = figures(gross, refunds, bps)
    assert earned.platform_fee_minor == fee
    assert earned.net_minor == gross - refunds - fee
    assert earned.gross_minor == gross


def test_a_period_is_local_midnight_to_local_midnight_across_clock_changes() -> None:
    london = ZoneInfo("Europe/London")
    # October 2025: BST (UTC+1) on the 1st, GMT from the 26th.
    lower, upper = Period(date(2025, 10, 1), date(2025, 10, 31)).bounds(london)
    assert lower == datetime(2025, 9, 30, 23, tzinfo=UTC)
    assert upper == datetime(2025, 11, 1, 0, tzinfo=UTC)
    # March 2025: GMT on the 1st, BST from the 30th.
    lower, upper = Period(date(2025, 3, 1), date(2025, 3, 31)).bounds(london)
    assert lower == datetime(2025, 3, 1, 0, tzinfo=UTC)
    assert upper == datetime(2025, 3, 31, 23, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "end"),
    [(date(2025, 10, 2), date(2025, 10, 1)), (date(2024, 1, 1), date(2025, 1, 1))],
)
def test_a_reversed_or_too_long_period_is_refused(start: date, end: date) -> None:
    with pytest.raises(DomainError) as raised:
        period(start, end)
    assert str(raised.value.code) == "INVALID_PERIOD"


def test_a_single_day_and_a_leap_year_are_periods() -> None:
    assert period(date(2025, 10, 1), date(2025, 10, 1)).days == 1
    assert period(date(2024, 1, 1), date(2024, 12, 31)).days == 366
