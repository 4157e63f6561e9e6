"""Resumable event feeds: replay from the outbox, then follow live events.

A client passes the last event id it saw (``after``); the feed first replays
every later event on its channel keys from the outbox, then yields live events
from the hub, skipping ids it has already yielded. Events reach the caller in
id order, which is commit order.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator

from sqlalchemy import func, select

from app.database import Database
from models.events import OutboxEvent
from subscriptions.envelope import Envelope
from subscriptions.hub import EventHub, envelope_from_row

REPLAY_BATCH = 200


class UnknownEventId(ValueError):
    """``after`` names an event that does not exist (yet): no client can have seen it."""


async def replay(db: Database, keys: list[str], after: int) -> AsyncGenerator[Envelope, None]:
    last = after
    while True:
        stmt = (
            select(OutboxEvent)
            .where(OutboxEvent.channel_keys.overlap(keys), OutboxEvent.id > last)
            .order_by(OutboxEvent.id)
            .limit(REPLAY_BATCH)
        )
        async with db.session() as session:
            rows = list(await session.scalars(stmt))
        for row in rows:
            last = row.id
            yield envelope_from_row(row)
        if len(rows) < REPLAY_BATCH:
            return


async def latest_event_id(hub: EventHub, db: Database) -> int:
    """The newest committed event id (the hub's, unless the outbox already has later ones)."""
    async with db.session() as session:
        newest = await session.scalar(select(func.max(OutboxEvent.id)))
    return max(hub.high_water, newest or 0)


async def follow(
    hub: EventHub, db: Database, keys: set[str], after: int | None
) -> AsyncGenerator[Envelope, None]:
    """Every event on ``keys`` after ``after`` (or from now on, when ``after`` is None).

    The hub subscription is taken before anything is read, so nothing committed
    from then on can fall between the replay and the live events.
    """
    key_list = sorted(keys)
    with hub.subscribe(keys) as sub:
        if after is not None and after > hub.high_water and after > await latest_event_id(hub, db):
            raise UnknownEventId(after)
        last = hub.high_water if after is None else after
        if after is not None:
            async for envelope in replay(db, key_list, last):
                last = envelope.id
                yield envelope
        while True:
            if sub.take_lag():
                async for envelope in replay(db, key_list, last):
                    last = envelope.id
                    yield envelope
            envelope = await sub.queue.get()
            if envelope.id <= last:
                continue
            last = envelope.id
            yield envelope
