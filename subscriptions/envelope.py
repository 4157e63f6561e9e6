"""The event envelope that travels between processes: ids only, never entity data.

Channel keys name who may be interested (``user:<id>``, ``school:<id>``,
``instructor-diary:<id>``…); the hub routes an envelope to every local
subscriber holding one of its keys, and each subscriber re-reads and
re-authorises the entity before anything reaches a client.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import orjson

BROADCAST_CHANNEL = "clutch_events"


@dataclass(frozen=True)
class Envelope:
    id: int
    keys: tuple[str, ...]
    type: str
    entity_type: str
    entity_id: uuid.UUID
    school_id: uuid.UUID | None
    data: dict[str, Any] = field(default_factory=dict)

    def encode(self) -> str:
        return orjson.dumps(
            {
                "id": self.id,
                "keys": list(self.keys),
                "type": self.type,
                "entity_type": self.entity_type,
                "entity_id": str(self.entity_id),
                "school_id": str(self.school_id) if self.school_id else None,
                "data": self.data,
            }
        ).decode()

    @classmethod
    def decode(cls, raw: str | bytes) -> Envelope:
        return cls.from_body(orjson.loads(raw))

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> Envelope:
        return cls(
            id=int(body["id"]),
            keys=tuple(body["keys"]),
            type=body["type"],
            entity_type=body["entity_type"],
            entity_id=uuid.UUID(body["entity_id"]),
            school_id=uuid.UUID(body["school_id"]) if body["school_id"] else None,
            data=body.get("data") or {},
        )


def doorbell(event_id: int) -> str:
    """A message carrying an event's id alone: listeners read the event from the outbox."""
    return orjson.dumps({"id": event_id}).decode()


def decode_message(raw: str | bytes) -> Envelope | int:
    """An envelope, or the id a doorbell rang for."""
    body = orjson.loads(raw)
    if isinstance(body, dict) and body.keys() == {"id"}:
        return int(body["id"])
    return Envelope.from_body(body)


def user_key(user_id: uuid.UUID) -> str:
    return f"user:{user_id}"


def school_key(school_id: uuid.UUID) -> str:
    return f"school:{school_id}"
