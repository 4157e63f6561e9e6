"""Recording events in the transactional outbox (SPEC §0, events).

Services call ``uow.emit(...)``; the unit of work writes the rows just before
commit, under a transaction-scoped advisory lock so that outbox ids increase in
commit order (a resuming subscriber can rely on "everything after id N").
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncSession

from models.events import OutboxEvent
from subscriptions.envelope import BROADCAST_CHANNEL, Envelope, doorbell

# Arbitrary constant naming the outbox's advisory lock.
OUTBOX_LOCK_KEY = 7_404_221
# PostgreSQL refuses a NOTIFY payload of 8000 bytes or more, failing the transaction.
MAX_NOTIFY_BYTES = 7900


def notify_payload(envelope: Envelope) -> str:
    """The envelope, or for a large one a doorbell with its id (listeners read the outbox)."""
    payload = envelope.encode()
    return payload if len(payload.encode()) < MAX_NOTIFY_BYTES else doorbell(envelope.id)


@dataclass(frozen=True)
class PendingEvent:
    type: str
    entity_type: str
    entity_id: uuid.UUID
    school_id: uuid.UUID | None
    keys: tuple[str, ...]
    data: dict[str, Any] = field(default_factory=dict)


async def write_events(
    session: AsyncSession, events: list[PendingEvent], *, notify: bool
) -> list[Envelope]:
    """Insert the events (and ring PostgreSQL's doorbell if asked); returns their envelopes."""
    if not events:
        return []
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": OUTBOX_LOCK_KEY})
    rows = [
        {
            "school_id": e.school_id,
            "channel_keys": list(e.keys),
            "event_type": e.type,
            "entity_type": e.entity_type,
            "entity_id": e.entity_id,
            "data": e.data,
        }
        for e in events
    ]
    ids = list(
        await session.scalars(
            insert(OutboxEvent).returning(OutboxEvent.id, sort_by_parameter_order=True), rows
        )
    )
    envelopes = [
        Envelope(
            id=event_id,
            keys=e.keys,
            type=e.type,
            entity_type=e.entity_type,
            entity_id=e.entity_id,
            school_id=e.school_id,
            data=e.data,
        )
        for event_id, e in zip(ids, events, strict=True)
    ]
    if notify:
        # NOTIFY is transactional: delivered exactly at commit, never on rollback.
        await session.execute(
            text(
                "SELECT pg_notify(:channel, payload) FROM unnest(CAST(:payloads AS text[])) AS payload"
            ),
            {"channel": BROADCAST_CHANNEL, "payloads": [notify_payload(e) for e in envelopes]},
        )
    return envelopes
