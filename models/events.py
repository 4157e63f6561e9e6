"""The transactional outbox and the audit log (SPEC §0, events and audit)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Identity, Index, String
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, CreatedAt


class OutboxEvent(Base):
    """A change subscribers care about, written in the change's own transaction.

    ``id`` increases in commit order: writers take a transaction-level advisory
    lock before inserting (see services/outbox.py), so a subscriber that resumes
    "after id N" can never miss an event that committed later with a smaller id.
    """

    __tablename__ = "outbox_events"
    __table_args__ = (
        Index("ix_outbox_events_channel_keys", "channel_keys", postgresql_using="gin"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    school_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("schools.id", ondelete="RESTRICT")
    )
    channel_keys: Mapped[list[str]] = mapped_column(ARRAY(String(100)))
    event_type: Mapped[str] = mapped_column(String(60))
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    data: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[CreatedAt]


class AuditEntry(Base):
    """Who did what, when, with the before and after of what changed."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_school_id_id", "school_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    school_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("schools.id", ondelete="RESTRICT")
    )
    actor_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    action: Mapped[str] = mapped_column(String(60))
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    client_address: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[CreatedAt]
