"""The predicted pass probability (docs/theory-readiness.md): high for a student who scores
48/50 across all topics, low for one who fails two topics, and exactly the written formula."""

from __future__ import annotations

import math

import pytest

from services.theory import readiness
from services.theory.readiness import (
    Level,
    RecommendationKind,
    TopicStatus,
    TopicTotals,
    recommendations,
    topic_estimate,
    topic_status,
)

pytestmark = pytest.mark.no_database

PER_TOPIC = 50 / 14


def _after_mocks(tests: int, accuracies: list[float]) -> tuple[list[TopicTotals], list[float]]:
    """Totals after ``tests`` mock tests answered with these per-topic accuracies."""
    topics = [
        TopicTotals(n, f"topic {n}", round(tests * PER_TOPIC), round(tests * PER_TOPIC * a))
        for n, a in enumerate(accuracies)
    ]
    score = sum(PER_TOPIC * a for a in accuracies) / 50
    return topics, [score] * tests


def test_a_student_scoring_48_of_50_across_all_topics_is_ready() -> None:
    topics, mocks = _after_mocks(5, [0.96] * 14)

    result = readiness.readiness(topics, mocks)

    assert result.probability >= readiness.READY_FROM
    assert result.level is Level.HIGH
    assert result.probability == pytest.approx(0.93, abs=0.02)


def test_a_student_failing_two_topics_is_low_even_with_a_passing_average() -> None:
    topics, mocks = _after_mocks(5, [0.96] * 12 + [0.40] * 2)

    result = readiness.readiness(topics, mocks)

    assert result.blended > readiness.PASS_RATIO  # the average alone would pass
    assert result.probability < readiness.LOW_BELOW
    assert result.level is Level.LOW


def test_the_probability_is_exactly_the_documented_formula() -> None:
    topics = [TopicTotals(n, "t", 20, 17) for n in range(13)] + [TopicTotals(13, "t", 4, 2)]
    mocks = [0.9, 0.84, 0.88]

    result = readiness.readiness(topics, mocks)

    p = [(17 + 2 * 0.6) / 22] * 13 + [(2 + 2 * 0.6) / 6]
    knowledge = sum(p) / 14
    weight = 3 / (3 + 2)
    blended = (1 - weight) * knowledge + weight * (0.9 + 0.84 + 0.88) / 3
    deficit = sum(max(0.0, 0.70 - x) for x in p)
    expected = 1 / (1 + math.exp(-(30 * (blended - 43 / 50) - 15 * deficit)))
    assert result.probability == pytest.approx(expected, rel=1e-12)
    assert result.knowledge == pytest.approx(knowledge)
    assert result.weak_deficit == pytest.approx(deficit)


def test_only_the_last_five_mock_tests_count() -> None:
    topics = [TopicTotals(n, "t", 30, 27) for n in range(14)]
    recent_good = [0.96] * 5

    with_old_failures = readiness.readiness(topics, [*recent_good, 0.2, 0.2, 0.2])

    assert with_old_failures.probability == readiness.readiness(topics, recent_good).probability


def test_a_new_student_is_low_and_more_correct_answers_never_lower_the_estimate() -> None:
    new = readiness.readiness([TopicTotals(n, "t", 0, 0) for n in range(14)], [])
    assert new.level is Level.LOW

    base = [TopicTotals(n, "t", 20, 15) for n in range(14)]
    better = [TopicTotals(0, "t", 21, 16), *base[1:]]
    assert readiness.readiness(better, []).probability > readiness.readiness(base, []).probability


@pytest.mark.parametrize(
    ("attempted", "correct", "status"),
    [
        (0, 0, TopicStatus.NOT_STARTED),
        (2, 1, TopicStatus.WEAK),  # (1 + 1.2) / 4 = 0.55
        (10, 7, TopicStatus.WEAK),  # (7 + 1.2) / 12 = 0.683
        (10, 8, TopicStatus.DEVELOPING),  # 0.767
        (10, 10, TopicStatus.STRONG),  # 0.933 over 10 answers
        (5, 5, TopicStatus.DEVELOPING),  # 0.886: good, but too few answers to call strong
    ],
)
def test_topic_status_follows_the_thresholds(
    attempted: int, correct: int, status: TopicStatus
) -> None:
    assert topic_status(attempted, correct) is status
    if attempted:
        assert topic_estimate(attempted, correct) == pytest.approx(
            (correct + 1.2) / (attempted + 2)
        )


def test_recommendations_point_at_the_weakest_topics_first() -> None:
    topics = [
        TopicTotals("a", "Alertness", 10, 9),
        TopicTotals("b", "Attitude", 10, 3),
        TopicTotals("c", "Safety margins", 10, 5),
        TopicTotals("d", "Motorway driving", 0, 0),
    ]
    result = readiness.readiness(topics, [])

    advice = recommendations(topics, result, mock_tests_taken=0, hazard_tests_passed=0)

    assert [(a.kind, a.topic) for a in advice[:3]] == [
        (RecommendationKind.PRACTISE_TOPIC, "b"),
        (RecommendationKind.PRACTISE_TOPIC, "c"),
        (RecommendationKind.START_TOPIC, "d"),
    ]
    assert "Attitude: 30% of your 10 answers" in advice[0].message
    assert {a.kind for a in advice[3:]} == {
        RecommendationKind.TAKE_MOCK_TEST,
        RecommendationKind.PRACTISE_HAZARD_PERCEPTION,
    }


def test_a_ready_student_with_a_hazard_pass_is_told_to_book() -> None:
    topics, mocks = _after_mocks(5, [0.96] * 14)
    result = readiness.readiness(topics, mocks)

    advice = recommendations(topics, result, mock_tests_taken=5, hazard_tests_passed=1)

    assert [a.kind for a in advice] == [RecommendationKind.BOOK_THEORY_TEST]


ALLOCATION = [4] * 8 + [3] * 6  # 50 questions over the 14 topics


def _tests(tests: int, wrong: list[int]) -> readiness.Readiness:
    topics = [
        TopicTotals(n, "t", tests * size, tests * size - miss)
        for n, (size, miss) in enumerate(zip(ALLOCATION, wrong, strict=True))
    ]
    return readiness.readiness(topics, [(50 * tests - sum(wrong)) / (50 * tests)] * tests)


@pytest.mark.parametrize(
    ("result", "probability", "level"),
    [
        (readiness.readiness([TopicTotals(n, "t", 0, 0) for n in range(14)], []), 0.000, Level.LOW),
        (_tests(1, [1, 1] + [0] * 12), 0.606, Level.MEDIUM),
        (_tests(5, [1] * 10 + [0] * 4), 0.937, Level.HIGH),
        (_tests(5, [3] * 4 + [2] * 10), 0.529, Level.MEDIUM),
        (_tests(5, [3] * 7 + [2] * 7), 0.444, Level.MEDIUM),
        (_tests(5, [12, 12] + [0] * 12), 0.001, Level.LOW),
        (_tests(5, [8] + [0] * 13), 0.809, Level.HIGH),
    ],
)
def test_the_worked_examples_of_the_documentation(
    result: readiness.Readiness, probability: float, level: Level
) -> None:
    assert round(result.probability, 3) == probability
    assert result.level is level
