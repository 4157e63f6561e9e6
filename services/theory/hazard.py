"""Hazard-perception scoring (SPEC §4): pure functions, the rules in one place.

Each hazard has six increasing instants w0…w5 (milliseconds into the clip) bounding five
consecutive scoring windows. The first click inside [w0, w5) scores the hazard:

    [w0, w1) → 5    [w1, w2) → 4    [w2, w3) → 3    [w3, w4) → 2    [w4, w5) → 1

A click before w0 or from w5 on scores nothing for that hazard (and costs nothing, unless
the clicking as a whole is disqualified). A clip whose clicks are disqualified scores 0
for every hazard in it. The real test does not publish its detector, so these are ours:

* ``too_many_clicks``: more than MAX_CLICKS clicks in one clip;
* ``click_burst``: BURST_CLICKS or more clicks within any BURST_SPAN_MS (continuous clicking);
* ``regular_clicking``: PATTERN_MIN_CLICKS or more clicks whose successive intervals all lie
  within max(PATTERN_TOLERANCE_MS, PATTERN_TOLERANCE_RATIO * median) of their median
  interval (clicking to a rhythm instead of at hazards).
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

MAX_CLICKS = 10
BURST_CLICKS = 5
BURST_SPAN_MS = 2000
PATTERN_MIN_CLICKS = 5
PATTERN_TOLERANCE_MS = 150
PATTERN_TOLERANCE_RATIO = 0.10

# The real test's format: 14 clips, 15 scoreable hazards (one clip has two), pass at 44/75.
TEST_CLIPS = 14
TEST_DOUBLE_HAZARD_CLIPS = 1
POINTS_PER_HAZARD = 5
TEST_HAZARDS = TEST_CLIPS + TEST_DOUBLE_HAZARD_CLIPS
TEST_MAX_SCORE = TEST_HAZARDS * POINTS_PER_HAZARD
TEST_PASS_MARK = 44

TOO_MANY_CLICKS = "too_many_clicks"
CLICK_BURST = "click_burst"
REGULAR_CLICKING = "regular_clicking"


@dataclass(frozen=True)
class ClipScore:
    hazard_scores: tuple[int, ...]
    disqualified: str | None

    @property
    def total(self) -> int:
        return sum(self.hazard_scores)


def hazard_score(windows: Sequence[int], clicks: Sequence[int]) -> int:
    """5…1 for the window holding the earliest click inside [w0, w5); 0 when none is."""
    if len(windows) != 6:
        raise ValueError("a hazard has six window edges")
    for click in sorted(clicks):
        if windows[0] <= click < windows[5]:
            for index in range(5):
                if click < windows[index + 1]:
                    return POINTS_PER_HAZARD - index
    return 0


def disqualification(clicks: Sequence[int]) -> str | None:
    """Why this clip's clicking scores nothing, or None when it is fair."""
    ordered = sorted(clicks)
    if len(ordered) > MAX_CLICKS:
        return TOO_MANY_CLICKS
    for start in range(len(ordered) - BURST_CLICKS + 1):
        if ordered[start + BURST_CLICKS - 1] - ordered[start] <= BURST_SPAN_MS:
            return CLICK_BURST
    if len(ordered) >= PATTERN_MIN_CLICKS:
        intervals = [b - a for a, b in itertools.pairwise(ordered)]
        median = statistics.median(intervals)
        tolerance = max(PATTERN_TOLERANCE_MS, PATTERN_TOLERANCE_RATIO * median)
        if all(abs(interval - median) <= tolerance for interval in intervals):
            return REGULAR_CLICKING
    return None


def score_clip(hazards: Sequence[Sequence[int]], clicks: Sequence[int]) -> ClipScore:
    """The clip's score: each hazard scored on its own, or all 0 when disqualified."""
    reason = disqualification(clicks)
    if reason is not None:
        return ClipScore(tuple(0 for _ in hazards), reason)
    return ClipScore(tuple(hazard_score(windows, clicks) for windows in hazards), None)


def passed(score: int, pass_mark: int = TEST_PASS_MARK) -> bool:
    return score >= pass_mark
