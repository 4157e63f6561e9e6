"""Milestones users reach across the product (SPEC §5, achievements).

Theory practice, lessons and the community each record what their users reach
(``theory.first_mock_pass``, ``lessons.completed_10``…); the community turns
milestones into badges and reputation. One row per user and kind, ever.
"""

from __future__ import annotations

import uuid

from sqlalchemy import CheckConstraint, Index, String
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from models.base import UUIDPK, Base, CreatedAt, school_fk, user_fk


class Milestone(Base):
    """A user reached a milestone; recorded once, however often it is reported."""

    __tablename__ = "milestones"
    __table_args__ = (
        CheckConstraint(r"kind ~ '^[a-z][a-z_]*(\.[a-z0-9_]+)+$'", name="kind_format"),
        Index("uq_milestones_user_kind", "user_id", "kind", unique=True),
    )

    id: Mapped[UUIDPK]
    school_id: Mapped[uuid.UUID] = school_fk()
    user_id: Mapped[uuid.UUID] = user_fk(index=False)
    kind: Mapped[str] = mapped_column(String(80))
    # What reaching it was about (a mock test, a booking…), for display and audit.
    source_type: Mapped[str | None] = mapped_column(String(40))
    source_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    reached_at: Mapped[CreatedAt]
