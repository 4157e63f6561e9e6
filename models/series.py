"""Recurring lesson series and their occurrences (SPEC §2, recurring lessons).

A series is a wall-clock rule — weekly, fortnightly or monthly, on a local weekday at a
local time — expanded in the school's time zone, so a 17:00 lesson stays 17:00 across
daylight-saving changes. Each date the rule produced is one ``SeriesOccurrence`` row,
unique per series and local date: that key is what makes generation idempotent, also
when two generations run at once (``INSERT … ON CONFLICT DO NOTHING``). An occurrence
row, once written, is never rewritten by generation, so a moved, cancelled or skipped
occurrence (an exception) survives every later run.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from models.base import UUIDPK, Base, Timestamp, TimestampMixin, school_fk, user_fk

FREQUENCIES = ("weekly", "fortnightly", "monthly")
SERIES_STATUSES = ("active", "paused", "ended")
OCCURRENCE_STATUSES = ("scheduled", "conflict", "cancelled", "skipped")


class LessonSeries(TimestampMixin, Base):
    """A recurring lesson between one student and one instructor."""

    __tablename__ = "lesson_series"
    __table_args__ = (
        CheckConstraint(f"frequency IN {FREQUENCIES}", name="frequency_values"),
        CheckConstraint(f"status IN {SERIES_STATUSES}", name="status_values"),
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("start_minute BETWEEN 0 AND 1439", name="minute_range"),
        CheckConstraint("horizon BETWEEN 1 AND 52", name="horizon_range"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="dates_ordered"),
        CheckConstraint("anchor_on >= starts_on", name="anchor_after_start"),
        CheckConstraint(
            "(frequency = 'monthly') = (week_of_month IS NOT NULL) AND "
            "(week_of_month IS NULL OR week_of_month BETWEEN 1 AND 5)",
            name="week_of_month_for_monthly",
        ),
        CheckConstraint("(status = 'ended') = (ended_at IS NOT NULL)", name="ended_has_time"),
        CheckConstraint("student_id <> instructor_id", name="distinct_people"),
        # The worker's look-up: active series whose generated window must move on.
        Index(
            "ix_lesson_series_extend_at",
            "extend_at",
            postgresql_where=text("status = 'active' AND extend_at IS NOT NULL"),
        ),
        Index("ix_lesson_series_student_id", "student_id"),
        Index("ix_lesson_series_instructor_id", "instructor_id"),
    )

    id: Mapped[UUIDPK]
    school_id: Mapped[uuid.UUID] = school_fk()
    student_id: Mapped[uuid.UUID] = user_fk(index=False)
    instructor_id: Mapped[uuid.UUID] = user_fk(index=False)
    lesson_type_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("lesson_types.id", ondelete="RESTRICT"), index=True
    )
    frequency: Mapped[str] = mapped_column(String(12))
    weekday: Mapped[int] = mapped_column(SmallInteger)  # 0 = Monday … 6 = Sunday
    start_minute: Mapped[int] = mapped_column(SmallInteger)  # local minutes after midnight
    # Monthly series: the ordinal of the weekday in the month (1 to 4; 5 means "the last").
    week_of_month: Mapped[int | None] = mapped_column(SmallInteger)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    # The first date of the rule now in force (fortnightly parity and monthly months count
    # from it); a change of weekday or frequency moves it.
    anchor_on: Mapped[date] = mapped_column(Date)
    auto_confirm: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    horizon: Mapped[int] = mapped_column(SmallInteger)
    location: Mapped[str | None] = mapped_column(String(300))
    notes: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), server_default=text("'active'"))
    created_by_id: Mapped[uuid.UUID | None] = user_fk(
        nullable=True, index=False, ondelete="SET NULL"
    )
    # A series split by a "this and following" change continues as a new series.
    previous_series_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("lesson_series.id", ondelete="SET NULL")
    )
    # When the generated window must next move on (an occurrence passed, or a date came
    # within the school's booking horizon); null when nothing is left to generate.
    extend_at: Mapped[Timestamp | None]
    ended_at: Mapped[Timestamp | None]


class SeriesOccurrence(TimestampMixin, Base):
    """One date of a series: booked, a recorded conflict, cancelled, or skipped."""

    __tablename__ = "series_occurrences"
    __table_args__ = (
        CheckConstraint(f"status IN {OCCURRENCE_STATUSES}", name="status_values"),
        CheckConstraint(
            "(status = 'conflict') = (conflict_code IS NOT NULL)", name="conflict_has_code"
        ),
        CheckConstraint("status <> 'scheduled' OR booking_id IS NOT NULL", name="scheduled_booked"),
        CheckConstraint(
            "status NOT IN ('conflict', 'skipped') OR booking_id IS NULL",
            name="unbooked_without_booking",
        ),
        # The idempotency guard of generation: one row per series and local date.
        Index("uq_series_occurrences_series_date", "series_id", "occurs_on", unique=True),
        Index("uq_series_occurrences_booking_id", "booking_id", unique=True),
    )

    id: Mapped[UUIDPK]
    school_id: Mapped[uuid.UUID] = school_fk(index=False)
    series_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("lesson_series.id", ondelete="CASCADE")
    )
    occurs_on: Mapped[date] = mapped_column(Date)
    booking_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("bookings.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(10))
    conflict_code: Mapped[str | None] = mapped_column(String(40))
    conflict_message: Mapped[str | None] = mapped_column(String(300))
    # Changed on its own (moved, cancelled, skipped): generation and series-wide changes
    # leave it as it is.
    is_exception: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
