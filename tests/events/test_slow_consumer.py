"""The slow-consumer policy: a subscriber whose bounded queue overflows is marked
lagged instead of slowing the hub, and its feed replays the overflow from the
outbox, so it loses nothing and still receives events in order."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncGenerator, AsyncIterator

import pytest

from resolvers.context import AppState
from services.uow import unit_of_work
from subscriptions.envelope import Envelope, user_key
from subscriptions.feeds import follow
from subscriptions.hub import EventHub
from tests.websocket.helpers import wait_until

QUEUE_SIZE = 2


@pytest.fixture
async def small_hub(state: AppState) -> AsyncIterator[EventHub]:
    """A hub of its own (LISTEN on the test database) with tiny subscriber queues."""
    hub = EventHub("postgres://", state.db, queue_size=QUEUE_SIZE)
    await hub.start()
    yield hub
    await hub.stop()


async def _emit(state: AppState, hub: EventHub, key: str, n: int) -> int:
    """Commit one event on ``key``; its id."""
    async with unit_of_work(state.db, hub, state.deps) as uow:
        uow.emit(
            "test.tick",
            entity_type="Test",
            entity_id=uuid.uuid4(),
            school_id=None,
            keys=[key],
            data={"n": n},
        )
    return uow.published[0].id


async def _take(feed: AsyncGenerator[Envelope, None], count: int) -> list[Envelope]:
    return [await anext(feed) for _ in range(count)]


async def test_a_subscriber_that_falls_behind_loses_nothing_and_keeps_order(
    state: AppState, small_hub: EventHub
) -> None:
    # given a feed that has read its first event and then stops reading
    key = user_key(uuid.uuid4())
    feed = follow(small_hub, state.db, {key}, None)
    first_task = asyncio.ensure_future(anext(feed))
    await wait_until(lambda: small_hub.subscriber_count == 1, what="the feed to listen")
    await _emit(state, small_hub, key, 0)
    assert (await asyncio.wait_for(first_task, 5)).data == {"n": 0}

    # when ten more events arrive, far more than its queue holds
    for n in range(1, 11):
        last_id = await _emit(state, small_hub, key, n)
    await wait_until(lambda: small_hub.high_water >= last_id, what="the hub to see all")

    # then it was marked as a slow consumer, yet reading on yields every event in order
    assert small_hub.slow_consumers == 1
    rest = await asyncio.wait_for(_take(feed, 10), 5)
    assert [e.data["n"] for e in rest] == list(range(1, 11))
    assert [e.id for e in rest] == sorted(e.id for e in rest)
    assert len({e.id for e in rest}) == 10

    # and live delivery goes on after the replay, without duplicates
    await _emit(state, small_hub, key, 11)
    live = await asyncio.wait_for(anext(feed), 5)
    assert live.data["n"] == 11
    assert live.id > rest[-1].id
    await feed.aclose()
    assert small_hub.subscriber_count == 0


async def test_a_slow_subscriber_does_not_hold_up_a_fast_one(
    state: AppState, small_hub: EventHub
) -> None:
    key = user_key(uuid.uuid4())
    slow = follow(small_hub, state.db, {key}, None)
    fast = follow(small_hub, state.db, {key}, None)
    slow_first = asyncio.ensure_future(anext(slow))
    fast_first = asyncio.ensure_future(anext(fast))
    await wait_until(lambda: small_hub.subscriber_count == 2, what="both feeds to listen")

    received: list[int] = []
    for n in range(6):
        await _emit(state, small_hub, key, n)
        if n == 0:
            received.append((await asyncio.wait_for(fast_first, 5)).data["n"])
        else:
            received.append((await asyncio.wait_for(anext(fast), 5)).data["n"])

    # the fast reader got each event as it came, while the slow one overflowed
    assert received == list(range(6))
    assert small_hub.slow_consumers == 1
    slow_events = [await asyncio.wait_for(slow_first, 5)]
    slow_events += await asyncio.wait_for(_take(slow, 5), 5)
    assert [e.data["n"] for e in slow_events] == list(range(6))
    await slow.aclose()
    await fast.aclose()
