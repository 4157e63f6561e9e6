"""How a mock test is spread across the topics: in proportion, every topic at least once,
never more than a topic has, three video questions when the bank has them."""

from __future__ import annotations

import math
import random
import uuid

import pytest

from services.theory.composition import BankTooSmall, TopicSupply, allocate

pytestmark = pytest.mark.no_database


def _supply(sizes: list[int], videos: list[int] | None = None) -> list[TopicSupply]:
    videos = videos or [0] * len(sizes)
    return [
        TopicSupply(uuid.uuid4(), f"topic {n}", size, video)
        for n, (size, video) in enumerate(zip(sizes, videos, strict=True))
    ]


@pytest.mark.parametrize("seed", range(40))
def test_any_bank_gives_fifty_questions_covering_every_topic_in_proportion(seed: int) -> None:
    rng = random.Random(seed)
    sizes = [rng.randint(4, 200) for _ in range(14)]  # at least 56: always a test bank
    videos = [rng.randint(0, min(3, s)) for s in sizes]
    supply = _supply(sizes, videos)
    total = sum(sizes)

    quotas = allocate(supply, 50, 3, rng)

    by_topic = {q.category_id: q for q in quotas}
    assert sum(q.total for q in quotas) == 50
    for topic in supply:
        quota = by_topic[topic.category_id]
        assert 1 <= quota.total <= topic.available
        assert quota.videos <= topic.videos
        assert quota.others <= topic.available - topic.videos
        ideal = 50 * topic.available / total
        # within one of its share, unless the "at least one" floor lifted it
        assert quota.total <= max(1, math.ceil(ideal) + 1)
        assert quota.total >= min(topic.available, math.floor(ideal) - 1)
    forced = sum(max(0, by_topic[t.category_id].total - (t.available - t.videos)) for t in supply)
    capacity = sum(min(t.videos, by_topic[t.category_id].total) for t in supply)
    assert sum(q.videos for q in quotas) == max(forced, min(3, capacity))


def test_equal_topics_get_equal_shares_give_or_take_one() -> None:
    quotas = allocate(_supply([10] * 14, [1] * 14), 50, 3, random.Random(1))

    assert sorted({q.total for q in quotas}) == [3, 4]
    assert sum(q.total for q in quotas) == 50
    assert sum(q.videos for q in quotas) == 3


def test_a_tiny_topic_still_gets_one_question_and_big_ones_pay_for_it() -> None:
    quotas = allocate(_supply([1, *[100] * 13]), 50, 3, random.Random(2))

    assert quotas_for(quotas, 0) == 1
    assert sum(q.total for q in quotas) == 50


def quotas_for(quotas: list, index: int) -> int:
    return sorted(quotas, key=lambda q: q.total)[index].total


def test_fewer_videos_than_wanted_uses_what_there_is() -> None:
    quotas = allocate(_supply([10] * 14, [1] + [0] * 13), 50, 3, random.Random(3))

    assert sum(q.videos for q in quotas) == 1


@pytest.mark.parametrize(
    ("sizes", "message"),
    [
        ([10] * 13 + [0], "No active questions in: topic 13."),
        ([3] * 14, "The bank has 42 active questions; the test needs 50."),
    ],
)
def test_a_bank_that_cannot_make_a_test_is_refused(sizes: list[int], message: str) -> None:
    with pytest.raises(BankTooSmall, match=message):
        allocate(_supply(sizes), 50, 3, random.Random(4))


def test_more_topics_than_questions_is_refused() -> None:
    with pytest.raises(BankTooSmall, match="cannot cover"):
        allocate(_supply([10] * 14), 13, 0, random.Random(5))
