"""Feedback after a completed lesson (SPEC §2): the instructor's notes and rating of the
lesson, and the student's rating and review of the instructor.

One row per booking (``uq_lesson_feedback_booking_id``); each part is written into it
once by an atomic upsert whose ``WHERE`` refuses a part that is already there, so two
simultaneous submissions of one part leave one row and one part.
"""

from __future__ import annotations

import uuid

from sqlalchemy import CheckConstraint, ForeignKey, Index, SmallInteger, Text, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from models.base import UUIDPK, Base, Timestamp, TimestampMixin, school_fk, user_fk


class LessonFeedback(TimestampMixin, Base):
    """Both parts of one lesson's feedback; a part is null until its author submits it."""

    __tablename__ = "lesson_feedback"
    __table_args__ = (
        CheckConstraint(
            "lesson_rating IS NULL OR lesson_rating BETWEEN 1 AND 5", name="lesson_rating_range"
        ),
        CheckConstraint(
            "student_rating IS NULL OR student_rating BETWEEN 1 AND 5",
            name="student_rating_range",
        ),
        # A part is either absent or complete: its rating and submission time go together.
        CheckConstraint(
            "(lesson_rating IS NULL) = (instructor_submitted_at IS NULL)",
            name="instructor_part_whole",
        ),
        CheckConstraint(
            "(student_rating IS NULL) = (student_submitted_at IS NULL)",
            name="student_part_whole",
        ),
        CheckConstraint("student_id <> instructor_id", name="distinct_people"),
        Index("uq_lesson_feedback_booking_id", "booking_id", unique=True),
        # The instructor's average rating reads only rated rows of one instructor.
        Index(
            "ix_lesson_feedback_instructor_rated",
            "instructor_id",
            "student_rating",
            postgresql_where=text("student_rating IS NOT NULL"),
        ),
        Index("ix_lesson_feedback_student_id", "student_id"),
    )

    id: Mapped[UUIDPK]
    school_id: Mapped[uuid.UUID] = school_fk(index=False)
    booking_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("bookings.id", ondelete="CASCADE")
    )
    # The lesson's people, copied from the booking so ratings aggregate without a join.
    student_id: Mapped[uuid.UUID] = user_fk(index=False)
    instructor_id: Mapped[uuid.UUID] = user_fk(index=False)
    # The instructor's part
    areas_improved: Mapped[str | None] = mapped_column(Text)
    next_focus: Mapped[str | None] = mapped_column(Text)
    lesson_rating: Mapped[int | None] = mapped_column(SmallInteger)
    instructor_notes: Mapped[str | None] = mapped_column(Text)
    instructor_submitted_at: Mapped[Timestamp | None]
    instructor_submitted_by_id: Mapped[uuid.UUID | None] = user_fk(
        nullable=True, index=False, ondelete="SET NULL"
    )
    instructor_edited_at: Mapped[Timestamp | None]
    # The student's part
    student_rating: Mapped[int | None] = mapped_column(SmallInteger)
    student_review: Mapped[str | None] = mapped_column(Text)
    student_submitted_at: Mapped[Timestamp | None]
    student_edited_at: Mapped[Timestamp | None]
