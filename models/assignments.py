"""Instructor ↔ student assignments made by school admins (SPEC §1, student journey)."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from models.base import UUIDPK, Base, Timestamp, TimestampMixin, school_fk, user_fk


class InstructorAssignment(TimestampMixin, Base):
    """A student may book only with instructors holding a current assignment to them."""

    __tablename__ = "instructor_assignments"
    __table_args__ = (
        CheckConstraint(
            "assignment_type IN ('primary', 'secondary', 'temporary')", name="type_values"
        ),
        CheckConstraint("status IN ('active', 'ended')", name="status_values"),
        CheckConstraint("priority BETWEEN 1 AND 100", name="priority_range"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="dates_ordered"),
        CheckConstraint(
            "assignment_type <> 'temporary' OR ends_on IS NOT NULL", name="temporary_has_end"
        ),
        CheckConstraint("student_id <> instructor_id", name="distinct_people"),
        # One live assignment per pair, and at most one live primary instructor per student.
        Index(
            "uq_instructor_assignments_live_pair",
            "student_id",
            "instructor_id",
            unique=True,
            postgresql_where=text("status = 'active'"),
        ),
        Index(
            "uq_instructor_assignments_live_primary",
            "student_id",
            unique=True,
            postgresql_where=text("status = 'active' AND assignment_type = 'primary'"),
        ),
        Index("ix_instructor_assignments_instructor_status", "instructor_id", "status"),
    )

    id: Mapped[UUIDPK]
    school_id: Mapped[uuid.UUID] = school_fk()
    student_id: Mapped[uuid.UUID] = user_fk()
    instructor_id: Mapped[uuid.UUID] = user_fk(index=False)
    assigned_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    assignment_type: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(10), server_default=text("'active'"))
    priority: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    ended_at: Mapped[Timestamp | None]
