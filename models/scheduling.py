"""Scheduling: lesson types, availability, bookings and their history (SPEC §2).

The invariants that concurrent requests could break are PostgreSQL's job:

* an instructor never has two live bookings whose time ranges overlap, the buffer
  after each lesson included (``ex_bookings_instructor_time``);
* a student never has two live bookings that overlap (``ex_bookings_student_time``);
* a weekly working-hours interval never overlaps another of the same instructor and day.

Both booking exclusion constraints need ``btree_gist`` (uuid equality in a GiST index).
The buffer is stored as ``blocked_until`` because ``timestamptz + interval`` is not
immutable and so cannot appear in an index expression.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import UUID, ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import UUIDPK, Base, CreatedAt, Timestamp, TimestampMixin, school_fk, user_fk

BOOKING_STATUSES = ("pending", "confirmed", "in_progress", "completed", "cancelled", "no_show")
# Statuses that hold the time: everything but a cancellation.
LIVE_BOOKING = "status <> 'cancelled' AND deleted_at IS NULL"
POLICY_OUTCOMES = ("consumed", "returned", "fee", "forfeited", "waived")


class LessonType(TimestampMixin, Base):
    """What a school sells by the lesson: a duration, a price and an optional deposit."""

    __tablename__ = "lesson_types"
    __table_args__ = (
        CheckConstraint("duration_minutes BETWEEN 15 AND 600", name="duration_range"),
        CheckConstraint("price_minor >= 0", name="price_non_negative"),
        CheckConstraint("deposit_minor BETWEEN 0 AND price_minor", name="deposit_within_price"),
        CheckConstraint("currency ~ '^[A-Z]{3}$'", name="currency_iso4217"),
        Index(
            "uq_lesson_types_school_name",
            "school_id",
            func.lower(text("name")),
            unique=True,
        ),
    )

    id: Mapped[UUIDPK]
    school_id: Mapped[uuid.UUID] = school_fk()
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    price_minor: Mapped[int] = mapped_column(Integer)
    deposit_minor: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    currency: Mapped[str] = mapped_column(String(3))
    is_active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))


class WorkingHours(Base):
    """One interval of an instructor's weekly working hours, in the school's local time.

    Minutes since local midnight (``end_minute`` 1440 is midnight at the end of the day):
    a wall-clock rule, expanded with the school's time zone for each date, so it keeps its
    local times across daylight-saving changes.
    """

    __tablename__ = "working_hours"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint(
            "start_minute >= 0 AND start_minute < end_minute AND end_minute <= 1440",
            name="minutes_ordered",
        ),
        ExcludeConstraint(
            ("instructor_id", "="),
            ("weekday", "="),
            (func.int4range(text("start_minute"), text("end_minute")), "&&"),
            name="ex_working_hours_no_overlap",
            using="gist",
        ),
    )

    id: Mapped[UUIDPK]
    school_id: Mapped[uuid.UUID] = school_fk()
    instructor_id: Mapped[uuid.UUID] = user_fk(index=False, ondelete="CASCADE")
    weekday: Mapped[int] = mapped_column(SmallInteger)  # 0 = Monday … 6 = Sunday (ISO - 1)
    start_minute: Mapped[int] = mapped_column(SmallInteger)
    end_minute: Mapped[int] = mapped_column(SmallInteger)


class AvailabilityException(TimestampMixin, Base):
    """A dated change to an instructor's availability: time off, or extra hours."""

    __tablename__ = "availability_exceptions"
    __table_args__ = (
        CheckConstraint("kind IN ('time_off', 'extra_hours')", name="kind_values"),
        CheckConstraint("ends_at > starts_at", name="range_ordered"),
        Index("ix_availability_exceptions_instructor_time", "instructor_id", "starts_at"),
    )

    id: Mapped[UUIDPK]
    school_id: Mapped[uuid.UUID] = school_fk()
    instructor_id: Mapped[uuid.UUID] = user_fk(index=False, ondelete="CASCADE")
    kind: Mapped[str] = mapped_column(String(12))
    starts_at: Mapped[datetime] = mapped_column(nullable=False)
    ends_at: Mapped[datetime] = mapped_column(nullable=False)
    reason: Mapped[str | None] = mapped_column(String(300))
    created_by_id: Mapped[uuid.UUID | None] = user_fk(
        nullable=True, index=False, ondelete="SET NULL"
    )


class CancellationTier(Base):
    """One tier of a school's cancellation policy: with at least ``min_notice_hours`` of
    notice, a student's cancellation has this outcome. A school without tiers uses the
    simple policy of its ``cancellation_notice_hours`` and ``late_cancellation_rule``."""

    __tablename__ = "cancellation_tiers"
    __table_args__ = (
        CheckConstraint("min_notice_hours BETWEEN 0 AND 720", name="notice_range"),
        CheckConstraint("outcome IN ('returned', 'fee', 'forfeited')", name="outcome_values"),
        CheckConstraint(
            "(outcome = 'fee') = (fee_percent IS NOT NULL) AND "
            "(fee_percent IS NULL OR fee_percent BETWEEN 1 AND 100)",
            name="fee_percent_for_fees",
        ),
        Index("uq_cancellation_tiers_school_notice", "school_id", "min_notice_hours", unique=True),
    )

    id: Mapped[UUIDPK]
    school_id: Mapped[uuid.UUID] = school_fk(index=False)
    min_notice_hours: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(10))
    fee_percent: Mapped[int | None] = mapped_column(SmallInteger)


class Booking(TimestampMixin, Base):
    """One lesson between a student and an instructor.

    A moved booking keeps its id (links, credit, series membership and ``bookingUpdated``
    subscriptions survive); where it was before is in its history.
    """

    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint(f"status IN {BOOKING_STATUSES}", name="status_values"),
        CheckConstraint("ends_at > starts_at", name="range_ordered"),
        CheckConstraint("blocked_until >= ends_at", name="buffer_after_end"),
        CheckConstraint("student_id <> instructor_id", name="distinct_people"),
        CheckConstraint(
            f"policy_outcome IS NULL OR policy_outcome IN {POLICY_OUTCOMES}",
            name="outcome_values",
        ),
        CheckConstraint("fee_minor >= 0", name="fee_non_negative"),
        CheckConstraint("price_minor >= 0", name="price_non_negative"),
        CheckConstraint(
            "(status = 'cancelled') = (cancelled_at IS NOT NULL)", name="cancelled_has_time"
        ),
        ExcludeConstraint(
            ("instructor_id", "="),
            (func.tstzrange(text("starts_at"), text("blocked_until")), "&&"),
            name="ex_bookings_instructor_time",
            using="gist",
            where=text(LIVE_BOOKING),
        ),
        ExcludeConstraint(
            ("student_id", "="),
            (func.tstzrange(text("starts_at"), text("ends_at")), "&&"),
            name="ex_bookings_student_time",
            using="gist",
            where=text(LIVE_BOOKING),
        ),
        Index("ix_bookings_school_starts", "school_id", "starts_at"),
    )

    id: Mapped[UUIDPK]
    school_id: Mapped[uuid.UUID] = school_fk(index=False)
    student_id: Mapped[uuid.UUID] = user_fk(index=False)
    instructor_id: Mapped[uuid.UUID] = user_fk(index=False)
    lesson_type_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("lesson_types.id", ondelete="RESTRICT"), index=True
    )
    starts_at: Mapped[datetime] = mapped_column(nullable=False)
    ends_at: Mapped[datetime] = mapped_column(nullable=False)
    # ends_at plus the instructor's buffer when the booking was made or last moved.
    blocked_until: Mapped[datetime] = mapped_column(nullable=False)
    status: Mapped[str] = mapped_column(String(12))
    # What the lesson costs, fixed when it was booked (the lesson type's price may change).
    price_minor: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    location: Mapped[str | None] = mapped_column(String(300))
    notes: Mapped[str | None] = mapped_column(Text)
    booked_by_id: Mapped[uuid.UUID | None] = user_fk(
        nullable=True, index=False, ondelete="SET NULL"
    )
    outside_working_hours: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    confirmed_at: Mapped[Timestamp | None]
    started_at: Mapped[Timestamp | None]
    completed_at: Mapped[Timestamp | None]
    # Cancellation and its outcome under the school's policy (read by packages/payments).
    cancelled_at: Mapped[Timestamp | None]
    cancelled_by_id: Mapped[uuid.UUID | None] = user_fk(
        nullable=True, index=False, ondelete="SET NULL"
    )
    cancelled_by_role: Mapped[str | None] = mapped_column(String(20))
    cancellation_reason: Mapped[str | None] = mapped_column(String(500))
    is_late_cancellation: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    policy_outcome: Mapped[str | None] = mapped_column(String(10))
    fee_minor: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    fee_waived_by_id: Mapped[uuid.UUID | None] = user_fk(
        nullable=True, index=False, ondelete="SET NULL"
    )
    fee_waiver_reason: Mapped[str | None] = mapped_column(String(500))
    deleted_at: Mapped[Timestamp | None]
    # Packages and payments (SPEC §3): the package whose credit pays for the lesson, and,
    # for a lesson held until its deposit is paid, when the hold ends.
    student_package_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("student_packages.id", ondelete="RESTRICT"), index=True
    )
    payment_due_at: Mapped[Timestamp | None]
    # The recurring series the lesson came from (models/series.py), if any.
    series_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("lesson_series.id", ondelete="SET NULL"), index=True
    )


Index(
    "ix_bookings_instructor_starts",
    Booking.instructor_id,
    Booking.starts_at,
)
Index("ix_bookings_student_starts", Booking.student_id, Booking.starts_at)


class BookingChange(Base):
    """The history of a booking: every creation, move and status change, with who and why."""

    __tablename__ = "booking_changes"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('created', 'moved', 'confirmed', 'started', 'completed', 'cancelled', "
            "'no_show', 'updated', 'fee_waived')",
            name="kind_values",
        ),
        Index("ix_booking_changes_booking_id", "booking_id", "id"),
    )

    id: Mapped[UUIDPK]
    school_id: Mapped[uuid.UUID] = school_fk(index=False)
    booking_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("bookings.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(12))
    actor_id: Mapped[uuid.UUID | None] = user_fk(nullable=True, index=False, ondelete="SET NULL")
    from_starts_at: Mapped[Timestamp | None]
    to_starts_at: Mapped[Timestamp | None]
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str | None] = mapped_column(String(12))
    reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[CreatedAt]


class RescheduleRequest(TimestampMixin, Base):
    """An instructor proposes a new time; the student accepts (the booking moves) or declines."""

    __tablename__ = "reschedule_requests"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'accepted', 'declined', 'withdrawn', 'expired')",
            name="status_values",
        ),
        Index(
            "uq_reschedule_requests_pending_booking",
            "booking_id",
            unique=True,
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[UUIDPK]
    school_id: Mapped[uuid.UUID] = school_fk()
    booking_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("bookings.id", ondelete="CASCADE")
    )
    requested_by_id: Mapped[uuid.UUID | None] = user_fk(
        nullable=True, index=False, ondelete="SET NULL"
    )
    proposed_starts_at: Mapped[datetime] = mapped_column(nullable=False)
    message: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(10), server_default=text("'pending'"))
    responded_at: Mapped[Timestamp | None]
    response_note: Mapped[str | None] = mapped_column(String(500))


class WaitlistEntry(TimestampMixin, Base):
    """A student asks for an earlier slot with an instructor, within a window."""

    __tablename__ = "waitlist_entries"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'fulfilled', 'cancelled')", name="status_values"),
        CheckConstraint("not_after > not_before", name="window_ordered"),
        Index(
            "uq_waitlist_entries_active_pair",
            "student_id",
            "instructor_id",
            unique=True,
            postgresql_where=text("status = 'active'"),
        ),
        Index("ix_waitlist_entries_instructor_status", "instructor_id", "status"),
    )

    id: Mapped[UUIDPK]
    school_id: Mapped[uuid.UUID] = school_fk()
    student_id: Mapped[uuid.UUID] = user_fk(index=False)
    instructor_id: Mapped[uuid.UUID] = user_fk(index=False)
    lesson_type_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("lesson_types.id", ondelete="RESTRICT")
    )
    not_before: Mapped[datetime] = mapped_column(nullable=False)
    not_after: Mapped[datetime] = mapped_column(nullable=False)
    # A later booking the student would move into an earlier slot; null: book a new lesson.
    booking_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("bookings.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(10), server_default=text("'active'"))


class SlotOffer(Base):
    """A freed slot offered to one waiting student; the first acceptance of a slot wins."""

    __tablename__ = "slot_offers"
    __table_args__ = (
        CheckConstraint(
            "status IN ('open', 'accepted', 'taken', 'declined', 'expired')",
            name="status_values",
        ),
        Index("uq_slot_offers_entry_slot", "entry_id", "starts_at", unique=True),
        Index("ix_slot_offers_student_status", "student_id", "status"),
        Index("ix_slot_offers_instructor_slot", "instructor_id", "starts_at"),
    )

    id: Mapped[UUIDPK]
    school_id: Mapped[uuid.UUID] = school_fk(index=False)
    entry_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("waitlist_entries.id", ondelete="CASCADE")
    )
    student_id: Mapped[uuid.UUID] = user_fk(index=False)
    instructor_id: Mapped[uuid.UUID] = user_fk(index=False)
    starts_at: Mapped[datetime] = mapped_column(nullable=False)
    ends_at: Mapped[datetime] = mapped_column(nullable=False)
    status: Mapped[str] = mapped_column(String(10), server_default=text("'open'"))
    expires_at: Mapped[datetime] = mapped_column(nullable=False)
    booking_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("bookings.id", ondelete="SET NULL")
    )
    created_at: Mapped[CreatedAt]


class LessonStartCode(Base):
    """The one-time code that starts a lesson: texted to the student, typed by the instructor.

    Only a salted SHA-256 of the six digits is stored; five wrong tries spend it."""

    __tablename__ = "lesson_start_codes"
    __table_args__ = (
        CheckConstraint("attempts BETWEEN 0 AND 5", name="attempts_range"),
        Index("ix_lesson_start_codes_booking_id", "booking_id", "created_at"),
    )

    id: Mapped[UUIDPK]
    school_id: Mapped[uuid.UUID] = school_fk(index=False)
    booking_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("bookings.id", ondelete="CASCADE")
    )
    code_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    used_at: Mapped[Timestamp | None]
    created_at: Mapped[CreatedAt]
