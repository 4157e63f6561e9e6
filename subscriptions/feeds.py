"""Resumable event feeds: replay from the outbox, then follow live events.

A client passes the last event id it saw (``after``); the feed first replays
every later event on its channel keys from the outbox, then yields live events
from the hub, skipping ids it has already yielded. Events reach the caller in
id order, which is commit order.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from sqlalchemy import select

from app.database import Database
from models.events import OutboxEvent
from subscriptions.envelope import Envelope
from subscriptions.hub import EventHub, envelope_from_row

REPLAY_BATCH = 200


async def replay(db: Database, keys: list[str], after: int) -> AsyncIterator[Envelope]:
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


async def follow(
    hub: EventHub, db: Database, keys: set[str], after: int | None
) -> AsyncIterator[Envelope]:
    """Every event on ``keys`` after ``after`` (or from now on, when ``after`` is None)."""
    key_list = sorted(keys)
    with hub.subscribe(keys) as sub:
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
