"""Idempotency keys (SPEC §0): a retried request never books or charges twice.

    claim = await idempotency.claim(uow, actor, key, "bookLesson", request, E.IDEMPOTENCY_KEY_REUSED)
    if claim.replay is not None:
        return await load(claim.replay)      # the first request's result
    booking = ...                              # do the work (on failure: claim.release)
    claim.record(booking.id)

The key row is inserted in the request's own transaction with ``ON CONFLICT DO
NOTHING``: a concurrent request with the same key waits for the first to commit or roll
back, then either replays its result or (after a rollback) does the work itself. A
failed request stores nothing, so its retry runs again. The same key with a different
request is refused.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from models.idempotency import IdempotencyKey
from services.actor import Actor
from services.errors import DomainError
from services.uow import UnitOfWork

MAX_KEY_LENGTH = 100


@dataclass
class Claim:
    row: IdempotencyKey | None
    replay: uuid.UUID | None

    def record(self, result_id: uuid.UUID) -> None:
        if self.row is not None:
            self.row.result_id = result_id

    async def release(self, session: AsyncSession) -> None:
        """The request failed: forget the key, so a retry runs again. (Needed where a failed
        request still commits, e.g. a wrong code whose attempt must count.)"""
        if self.row is not None:
            await session.delete(self.row)
            self.row = None


def _encode(value: Any) -> str:
    # Dates and times as orjson itself writes them (so digests stay as they were), which
    # also covers what orjson refuses: a time of day with a UTC offset.
    return value.isoformat() if isinstance(value, date | time | datetime) else str(value)


def request_digest(operation: str, request: dict[str, Any]) -> str:
    canonical = orjson.dumps(
        {"operation": operation, "request": request},
        option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME,
        default=_encode,
    )
    return hashlib.sha256(canonical).hexdigest()


async def claim(
    uow: UnitOfWork,
    actor: Actor,
    key: str | None,
    operation: str,
    request: dict[str, Any],
    reused: StrEnum,
) -> Claim:
    """Claim ``key`` for this request, or find the result of the request that claimed it."""
    if key is None:
        return Claim(None, None)
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not key.isprintable():
        raise DomainError(
            reused.__class__("INVALID"),
            f"An idempotency key is 1 to {MAX_KEY_LENGTH} printable characters.",
            "idempotencyKey",
        )
    digest = request_digest(operation, request)
    row_id = await uow.session.scalar(
        insert(IdempotencyKey)
        .values(user_id=actor.user_id, key=key, operation=operation, request_digest=digest)
        .on_conflict_do_nothing(index_elements=[IdempotencyKey.user_id, IdempotencyKey.key])
        .returning(IdempotencyKey.id)
    )
    if row_id is not None:
        return Claim(await uow.session.get(IdempotencyKey, row_id), None)
    existing = await uow.session.scalar(
        select(IdempotencyKey).where(
            IdempotencyKey.user_id == actor.user_id, IdempotencyKey.key == key
        )
    )
    if existing is None or existing.request_digest != digest or existing.result_id is None:
        raise DomainError(
            reused, "This idempotency key was used for a different request.", "idempotencyKey"
        )
    return Claim(None, existing.result_id)
