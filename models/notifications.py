"""Outbound notifications and their delivery log (SPEC §6; §1 uses it for account tokens)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ForeignKey, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from models.base import UUIDPK, Base, CreatedAt, user_fk


class OutboundMessage(Base):
    """What the notification sender sent (the development sender's record, and a delivery log)."""

    __tablename__ = "outbound_messages"

    id: Mapped[UUIDPK]
    school_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("schools.id", ondelete="RESTRICT"), index=True
    )
    user_id: Mapped[uuid.UUID | None] = user_fk(nullable=True, ondelete="SET NULL")
    channel: Mapped[str] = mapped_column(String(10))
    recipient: Mapped[str] = mapped_column(String(320))
    template: Mapped[str] = mapped_column(String(50))
    subject: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    status: Mapped[str] = mapped_column(String(20), server_default=text("'sent'"))
    created_at: Mapped[CreatedAt]
