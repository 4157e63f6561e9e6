"""How a mock test's questions are spread across the topics (a pure function).

The real test draws its 50 questions across all 14 topics; DVSA does not publish a fixed
split, so Clutch draws in proportion to what the bank holds:

1. Each topic's quota is ``count * available_t / available_total``; every topic gets at
   least one question and never more than it has.
2. The questions left over go to the topics with the largest remainders (Hamilton's
   method; ties broken at random), and any excess from the "at least one" rule is taken
   back from the topics furthest above their quota.
3. ``videos`` of the questions (3 in the real test) are video-clip questions, taken from
   topics that have them, one topic at a time in random order; fewer when the bank has
   fewer, more only when a topic has too few other questions to fill its quota.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class TopicSupply:
    category_id: uuid.UUID
    name: str
    available: int
    videos: int


@dataclass(frozen=True)
class Quota:
    category_id: uuid.UUID
    videos: int
    others: int

    @property
    def total(self) -> int:
        return self.videos + self.others


class BankTooSmall(ValueError):
    """The visible bank cannot make a test of this format."""


def allocate(
    supply: Sequence[TopicSupply], count: int, videos: int, rng: random.Random
) -> list[Quota]:
    topics = list(supply)
    empty = [t.name for t in topics if t.available == 0]
    if empty:
        raise BankTooSmall(f"No active questions in: {', '.join(empty)}.")
    if len(topics) > count:
        raise BankTooSmall(f"A test of {count} questions cannot cover {len(topics)} topics.")
    available = sum(t.available for t in topics)
    if available < count:
        raise BankTooSmall(f"The bank has {available} active questions; the test needs {count}.")

    rng.shuffle(topics)  # random tie-breaks; the stable sorts below keep this order
    ideal = {t.category_id: count * t.available / available for t in topics}
    take = {
        t.category_id: max(1, min(t.available, math.floor(ideal[t.category_id]))) for t in topics
    }
    while (short := count - sum(take.values())) > 0:
        room = [t for t in topics if take[t.category_id] < t.available]
        room.sort(key=lambda t: take[t.category_id] - ideal[t.category_id])
        for topic in room[:short]:
            take[topic.category_id] += 1
    while (excess := sum(take.values()) - count) > 0:
        spare = [t for t in topics if take[t.category_id] > 1]
        spare.sort(key=lambda t: ideal[t.category_id] - take[t.category_id])
        for topic in spare[:excess]:
            take[topic.category_id] -= 1

    # Topics short of other questions must use video questions; the rest of the video
    # quota goes one topic at a time (in the shuffled order) to topics that have them.
    chosen = {t.category_id: max(0, take[t.category_id] - (t.available - t.videos)) for t in topics}
    target = max(
        sum(chosen.values()), min(videos, sum(min(t.videos, take[t.category_id]) for t in topics))
    )
    while sum(chosen.values()) < target:
        for topic in topics:
            if sum(chosen.values()) == target:
                break
            if chosen[topic.category_id] < min(topic.videos, take[topic.category_id]):
                chosen[topic.category_id] += 1
    return [
        Quota(t.category_id, chosen[t.category_id], take[t.category_id] - chosen[t.category_id])
        for t in topics
    ]
