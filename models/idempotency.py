"""Idempotency keys for mutations that create bookings or money (SPEC §0, §2, §3)."""

from __future__ import annotations

import uuid

from sqlalchemy import Index, String
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from models.base import UUIDPK, Base, CreatedAt, user_fk


class IdempotencyKey(Base):
    """A client's key for one request: replays return the first result; another request
    under the same key is refused. Unique per user, so clients choose keys freely."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (Index("uq_idempotency_keys_user_key", "user_id", "key", unique=True),)

    id: Mapped[UUIDPK]
    user_id: Mapped[uuid.UUID] = user_fk(index=False, ondelete="CASCADE")
    key: Mapped[str] = mapped_column(String(100))
    operation: Mapped[str] = mapped_column(String(60))
    # SHA-256 of the operation and its canonical arguments.
    request_digest: Mapped[str] = mapped_column(String(64))
    result_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[CreatedAt]
