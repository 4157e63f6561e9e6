"""Private calendar feeds (SPEC §2, calendar export).

A feed's URL carries a 256-bit random token, which is the only credential a calendar app
can send; only its SHA-256 is stored. A user has at most one live feed (a partial unique
index): rotating revokes the old one in the same transaction.
"""

from __future__ import annotations

import uuid

from sqlalchemy import CheckConstraint, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import UUIDPK, Base, CreatedAt, Timestamp, school_fk, user_fk


class CalendarFeed(Base):
    """An instructor's diary or a student's lessons as an iCalendar URL."""

    __tablename__ = "calendar_feeds"
    __table_args__ = (
        CheckConstraint("kind IN ('instructor', 'student')", name="kind_values"),
        CheckConstraint("token_hash ~ '^[0-9a-f]{64}$'", name="token_hash_format"),
        Index("uq_calendar_feeds_token_hash", "token_hash", unique=True),
        Index(
            "uq_calendar_feeds_live_user",
            "user_id",
            unique=True,
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[UUIDPK]
    school_id: Mapped[uuid.UUID] = school_fk(index=False)
    user_id: Mapped[uuid.UUID] = user_fk(ondelete="CASCADE")
    kind: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[CreatedAt]
    revoked_at: Mapped[Timestamp | None]
