"""Hazard-perception scoring is a pure function: checked at every window edge, for the first
click that counts, for two hazards in one clip, and for each disqualifying click pattern."""

from __future__ import annotations

import pytest

from services.theory import hazard
from services.theory.hazard import (
    CLICK_BURST,
    REGULAR_CLICKING,
    TOO_MANY_CLICKS,
    disqualification,
    hazard_score,
    score_clip,
)

pytestmark = pytest.mark.no_database

WINDOWS = [10_000, 11_000, 12_000, 13_000, 14_000, 15_000]


@pytest.mark.parametrize(
    ("click_ms", "points"),
    [
        (0, 0),
        (9_999, 0),  # just before w0
        (10_000, 5),  # w0 opens window 1
        (10_999, 5),
        (11_000, 4),  # each edge belongs to the later window
        (11_999, 4),
        (12_000, 3),
        (12_999, 3),
        (13_000, 2),
        (13_999, 2),
        (14_000, 1),
        (14_999, 1),
        (15_000, 0),  # w5 closes window 5
        (59_000, 0),
    ],
)
def test_a_single_click_scores_by_the_window_it_falls_in(click_ms: int, points: int) -> None:
    assert hazard_score(WINDOWS, [click_ms]) == points


def test_the_first_click_inside_the_windows_decides_and_clicks_outside_cost_nothing() -> None:
    # a click before the hazard, then one in window 3, then one in window 1 of nothing
    assert hazard_score(WINDOWS, [5_000, 12_500, 14_500]) == 3
    # order of the list does not matter: the earliest click inside counts
    assert hazard_score(WINDOWS, [14_500, 10_100]) == 5
    assert hazard_score(WINDOWS, []) == 0


def test_two_hazards_in_one_clip_are_scored_apart() -> None:
    second = [40_000, 41_000, 42_000, 43_000, 44_000, 45_000]

    result = score_clip([WINDOWS, second], [11_500, 44_999])

    assert result.hazard_scores == (4, 1)
    assert result.total == 5
    assert result.disqualified is None


def test_up_to_ten_clicks_are_fair_and_the_eleventh_scores_zero() -> None:
    ten = [1_000 + 4_000 * n + (n % 3) * 700 for n in range(10)]  # irregular, 10 clicks
    assert disqualification(ten) is None
    assert score_clip([WINDOWS], [*ten[:2], 10_500]).total == 5

    eleven = [*ten, 58_000]
    result = score_clip([WINDOWS], [10_500, *eleven])

    assert result.disqualified == TOO_MANY_CLICKS
    assert result.total == 0


def test_five_clicks_within_two_seconds_is_continuous_clicking() -> None:
    burst = [10_000, 10_400, 10_900, 11_500, 12_000]  # 5 clicks, 2000 ms apart end to end
    assert disqualification(burst) == CLICK_BURST
    assert score_clip([WINDOWS], burst).total == 0

    spread = [10_000, 10_100, 10_300, 11_900, 12_001]  # 2001 ms: not a burst
    assert disqualification(spread) is None
    assert score_clip([WINDOWS], spread).total == 5

    four_fast = [10_000, 10_100, 10_200, 10_300]  # four quick clicks are allowed
    assert disqualification(four_fast) is None


def test_clicking_to_a_rhythm_scores_zero() -> None:
    every_three_seconds = [3_000 * n for n in range(1, 6)]
    assert disqualification(every_three_seconds) == REGULAR_CLICKING

    jitter_within_tolerance = [3_000, 6_120, 9_000, 12_150, 15_000]  # ≤ 300 ms from median
    assert disqualification(jitter_within_tolerance) == REGULAR_CLICKING

    irregular = [3_000, 6_000, 9_800, 12_000, 18_000]
    assert disqualification(irregular) is None

    four_regular = [3_000, 6_000, 9_000, 12_000]  # a pattern needs at least five clicks
    assert disqualification(four_regular) is None


def test_the_test_format_is_fourteen_clips_fifteen_hazards_pass_at_44_of_75() -> None:
    assert hazard.TEST_CLIPS == 14
    assert hazard.TEST_HAZARDS == 15
    assert hazard.TEST_MAX_SCORE == 75
    assert hazard.TEST_PASS_MARK == 44
    assert hazard.passed(44)
    assert not hazard.passed(43)
