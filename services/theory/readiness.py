"""Readiness for the multiple-choice part of the theory test: pure functions, documented in
docs/theory-readiness.md (keep the two in step).

1. Each topic's accuracy is shrunk toward a prior, so a few lucky answers do not count as
   mastery and an untouched topic counts as weak::

       p_t = (correct_t + PRIOR_WEIGHT * PRIOR_ACCURACY) / (attempted_t + PRIOR_WEIGHT)

2. Knowledge is the mean of p_t over the active topics (the test draws from every topic).
3. Recent mock tests (the last MOCK_WINDOW finalised, score / questions) blend in, with a
   weight that grows with their number m:  lambda = m / (m + MOCK_PRIOR_TESTS)

       A = (1 - lambda) * knowledge + lambda * mean(recent mock ratios)

4. Weak topics cost extra, because the real test samples every topic and a gap shows
   there more than in a mean:  D = sum over topics of max(0, WEAK_BELOW - p_t)
5. The probability is logistic in the margin over the pass ratio (43/50):

       P = 1 / (1 + exp(-(SLOPE * (A - PASS_RATIO) - WEAK_PENALTY * D)))

P ≥ READY_FROM is "high" (the ``theory.ready`` milestone); P < LOW_BELOW is "low".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

PRIOR_ACCURACY = 0.6
PRIOR_WEIGHT = 2.0
WEAK_BELOW = 0.70
STRONG_FROM = 0.90
STRONG_MIN_ATTEMPTS = 10
PASS_RATIO = 43 / 50
MOCK_WINDOW = 5
MOCK_PRIOR_TESTS = 2.0
SLOPE = 30.0
WEAK_PENALTY = 15.0
READY_FROM = 0.80
LOW_BELOW = 0.40
MAX_TOPIC_RECOMMENDATIONS = 3


class TopicStatus(StrEnum):
    NOT_STARTED = "not_started"
    WEAK = "weak"
    DEVELOPING = "developing"
    STRONG = "strong"


class Level(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class RecommendationKind(StrEnum):
    PRACTISE_TOPIC = "practise_topic"
    START_TOPIC = "start_topic"
    TAKE_MOCK_TEST = "take_mock_test"
    PRACTISE_HAZARD_PERCEPTION = "practise_hazard_perception"
    BOOK_THEORY_TEST = "book_theory_test"


@dataclass(frozen=True)
class TopicTotals:
    key: object  # the topic's id, carried through untouched
    name: str
    attempted: int
    correct: int


@dataclass(frozen=True)
class Readiness:
    probability: float
    level: Level
    knowledge: float
    blended: float
    weak_deficit: float
    mock_average: float | None


@dataclass(frozen=True)
class Recommendation:
    kind: RecommendationKind
    topic: object | None
    message: str


def topic_estimate(attempted: int, correct: int) -> float:
    return (correct + PRIOR_WEIGHT * PRIOR_ACCURACY) / (attempted + PRIOR_WEIGHT)


def topic_status(attempted: int, correct: int) -> TopicStatus:
    if attempted == 0:
        return TopicStatus.NOT_STARTED
    estimate = topic_estimate(attempted, correct)
    if estimate < WEAK_BELOW:
        return TopicStatus.WEAK
    if estimate >= STRONG_FROM and attempted >= STRONG_MIN_ATTEMPTS:
        return TopicStatus.STRONG
    return TopicStatus.DEVELOPING


def level_of(probability: float) -> Level:
    if probability >= READY_FROM:
        return Level.HIGH
    if probability < LOW_BELOW:
        return Level.LOW
    return Level.MEDIUM


def readiness(topics: Sequence[TopicTotals], recent_mock_ratios: Sequence[float]) -> Readiness:
    """The predicted pass probability; ``recent_mock_ratios`` newest first (score/questions)."""
    if not topics:
        raise ValueError("readiness needs the topics")
    estimates = [topic_estimate(t.attempted, t.correct) for t in topics]
    knowledge = sum(estimates) / len(estimates)
    recent = list(recent_mock_ratios)[:MOCK_WINDOW]
    mock_average = sum(recent) / len(recent) if recent else None
    blended = knowledge
    if mock_average is not None:
        weight = len(recent) / (len(recent) + MOCK_PRIOR_TESTS)
        blended = (1 - weight) * knowledge + weight * mock_average
    deficit = sum(max(0.0, WEAK_BELOW - p) for p in estimates)
    z = SLOPE * (blended - PASS_RATIO) - WEAK_PENALTY * deficit
    probability = 1 / (1 + math.exp(-z))
    return Readiness(
        probability=probability,
        level=level_of(probability),
        knowledge=knowledge,
        blended=blended,
        weak_deficit=deficit,
        mock_average=mock_average,
    )


def recommendations(
    topics: Sequence[TopicTotals],
    result: Readiness,
    *,
    mock_tests_taken: int,
    hazard_tests_passed: int,
) -> list[Recommendation]:
    """What to study next: the weakest topics first, then untouched ones, then the tests."""
    advice: list[Recommendation] = []
    weak = sorted(
        (t for t in topics if topic_status(t.attempted, t.correct) is TopicStatus.WEAK),
        key=lambda t: topic_estimate(t.attempted, t.correct),
    )
    for topic in weak[:MAX_TOPIC_RECOMMENDATIONS]:
        accuracy = round(100 * topic.correct / topic.attempted)
        advice.append(
            Recommendation(
                RecommendationKind.PRACTISE_TOPIC,
                topic.key,
                f"Practise {topic.name}: {accuracy}% of your {topic.attempted} answers were right.",
            )
        )
    untouched = [t for t in topics if t.attempted == 0]
    for topic in untouched[: max(0, MAX_TOPIC_RECOMMENDATIONS - len(advice))]:
        advice.append(
            Recommendation(
                RecommendationKind.START_TOPIC,
                topic.key,
                f"Start practising {topic.name}: you have not answered any questions on it yet.",
            )
        )
    if mock_tests_taken == 0:
        advice.append(
            Recommendation(
                RecommendationKind.TAKE_MOCK_TEST,
                None,
                "Take a mock test: 50 questions in 57 minutes, like the real test.",
            )
        )
    if hazard_tests_passed == 0:
        advice.append(
            Recommendation(
                RecommendationKind.PRACTISE_HAZARD_PERCEPTION,
                None,
                "Practise hazard perception: both parts must be passed at one sitting.",
            )
        )
    if result.level is Level.HIGH and not weak and hazard_tests_passed > 0:
        advice.append(
            Recommendation(
                RecommendationKind.BOOK_THEORY_TEST,
                None,
                "You look ready: consider booking your theory test.",
            )
        )
    return advice
