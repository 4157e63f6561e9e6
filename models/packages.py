"""Packages: what a school sells, what a student holds, and every credit movement (SPEC §3).

The invariants that concurrent requests could break are PostgreSQL's job:

* a student package never holds fewer than 0 or more than its total credits
  (``ck_student_packages_remaining_range``), and a credit is drawn with a conditional
  ``UPDATE … WHERE lessons_remaining >= 1``, so the last credit is taken once;
* a booking draws at most one credit and gets it back at most once
  (``uq_credit_entries_booking_reason``);
* a promo code is never used more often than its limit
  (``ck_promo_codes_usage_within_limit``, bumped with a conditional ``UPDATE``);
* every credit movement is a row of ``credit_entries``, append-only; ``balance_after``
  is the package's balance after that movement, so the ledger and the package are
  checked against each other.
"""

from __future__ import annotations

import uuid

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from models.base import UUIDPK, Base, CreatedAt, Timestamp, TimestampMixin, school_fk, user_fk

PACKAGE_AUDIENCES = ("all", "new_students", "existing_students")
STUDENT_PACKAGE_STATUSES = (
    "pending_payment",
    "active",
    "exhausted",
    "expired",
    "refunded",
    "cancelled",
)
CREDIT_REASONS = ("purchase", "booking", "returned", "expired", "refunded", "adjustment")
PROMO_KINDS = ("percentage", "fixed")


class LessonPackage(TimestampMixin, Base):
    """A bundle of lessons a school sells at a price (``price_minor``, before its
    ``discount_percent``)."""

    __tablename__ = "lesson_packages"
    __table_args__ = (
        CheckConstraint("lessons_count BETWEEN 1 AND 200", name="lessons_range"),
        CheckConstraint("lesson_duration_minutes BETWEEN 15 AND 600", name="duration_range"),
        CheckConstraint("price_minor BETWEEN 0 AND 100000000", name="price_range"),
        CheckConstraint("discount_percent BETWEEN 0 AND 90", name="discount_range"),
        CheckConstraint("validity_days BETWEEN 1 AND 1825", name="validity_range"),
        CheckConstraint("currency ~ '^[A-Z]{3}$'", name="currency_iso4217"),
        CheckConstraint(f"audience IN {PACKAGE_AUDIENCES}", name="audience_values"),
    )

    id: Mapped[UUIDPK]
    school_id: Mapped[uuid.UUID] = school_fk()
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    lesson_type_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("lesson_types.id", ondelete="RESTRICT"), index=True
    )
    lessons_count: Mapped[int] = mapped_column(Integer)
    lesson_duration_minutes: Mapped[int] = mapped_column(Integer)
    price_minor: Mapped[int] = mapped_column(Integer)
    discount_percent: Mapped[int] = mapped_column(SmallInteger, server_default=text("0"))
    currency: Mapped[str] = mapped_column(String(3))
    validity_days: Mapped[int] = mapped_column(Integer)
    audience: Mapped[str] = mapped_column(String(20), server_default=text("'all'"))
    instructor_id: Mapped[uuid.UUID | None] = user_fk(nullable=True)
    is_active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))


class StudentPackage(TimestampMixin, Base):
    """A package a student bought: its credits, expiry and what was paid for it.

    The package's terms are copied at purchase, so editing the catalogue never changes
    what a student already holds."""

    __tablename__ = "student_packages"
    __table_args__ = (
        CheckConstraint("lessons_remaining BETWEEN 0 AND lessons_total", name="remaining_range"),
        CheckConstraint("lessons_total BETWEEN 1 AND 200", name="total_range"),
        CheckConstraint("amount_paid_minor >= 0", name="amount_non_negative"),
        CheckConstraint("discount_minor >= 0", name="discount_non_negative"),
        CheckConstraint("currency ~ '^[A-Z]{3}$'", name="currency_iso4217"),
        CheckConstraint(f"status IN {STUDENT_PACKAGE_STATUSES}", name="status_values"),
        Index("ix_student_packages_student_status", "student_id", "status", "expires_at"),
    )

    id: Mapped[UUIDPK]
    school_id: Mapped[uuid.UUID] = school_fk(index=False)
    student_id: Mapped[uuid.UUID] = user_fk(index=False)
    package_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("lesson_packages.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    lesson_type_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("lesson_types.id", ondelete="RESTRICT")
    )
    lesson_duration_minutes: Mapped[int] = mapped_column(Integer)
    instructor_id: Mapped[uuid.UUID | None] = user_fk(nullable=True, index=False)
    lessons_total: Mapped[int] = mapped_column(Integer)
    lessons_remaining: Mapped[int] = mapped_column(Integer)
    amount_paid_minor: Mapped[int] = mapped_column(Integer)
    discount_minor: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16))
    purchased_at: Mapped[Timestamp | None]
    expires_at: Mapped[Timestamp | None]
    promo_code_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("promo_codes.id", ondelete="RESTRICT")
    )
    bought_by_id: Mapped[uuid.UUID | None] = user_fk(
        nullable=True, index=False, ondelete="SET NULL"
    )


class CreditEntry(Base):
    """One credit movement, append-only: ``delta`` credits (negative when drawn) and the
    package's balance after it. A draw records the credit's value in money
    (``value_minor``), which instructor earnings are built on."""

    __tablename__ = "credit_entries"
    __table_args__ = (
        CheckConstraint(f"reason IN {CREDIT_REASONS}", name="reason_values"),
        CheckConstraint("delta <> 0", name="delta_non_zero"),
        CheckConstraint("balance_after >= 0", name="balance_non_negative"),
        CheckConstraint("value_minor >= 0", name="value_non_negative"),
        CheckConstraint(
            "(reason IN ('booking', 'returned')) = (booking_id IS NOT NULL)",
            name="booking_movements_name_the_booking",
        ),
        Index(
            "uq_credit_entries_booking_reason",
            "booking_id",
            "reason",
            unique=True,
            postgresql_where=text("booking_id IS NOT NULL"),
        ),
        Index("ix_credit_entries_student_id", "student_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    school_id: Mapped[uuid.UUID] = school_fk(index=False)
    student_id: Mapped[uuid.UUID] = user_fk(index=False)
    student_package_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("student_packages.id", ondelete="RESTRICT"), index=True
    )
    booking_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("bookings.id", ondelete="RESTRICT")
    )
    delta: Mapped[int] = mapped_column(Integer)
    balance_after: Mapped[int] = mapped_column(Integer)
    value_minor: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    reason: Mapped[str] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(String(500))
    actor_id: Mapped[uuid.UUID | None] = user_fk(nullable=True, index=False, ondelete="SET NULL")
    created_at: Mapped[CreatedAt]


class PromoCode(TimestampMixin, Base):
    """A discount code: a percentage or a fixed amount off a package, within its limits."""

    __tablename__ = "promo_codes"
    __table_args__ = (
        CheckConstraint(f"kind IN {PROMO_KINDS}", name="kind_values"),
        CheckConstraint(
            "(kind = 'percentage' AND value BETWEEN 1 AND 100)"
            " OR (kind = 'fixed' AND value BETWEEN 1 AND 100000000)",
            name="value_range",
        ),
        CheckConstraint("code ~ '^[A-Z0-9_-]{3,32}$'", name="code_format"),
        CheckConstraint("usage_limit IS NULL OR usage_limit >= 1", name="usage_limit_positive"),
        CheckConstraint(
            "per_user_limit IS NULL OR per_user_limit >= 1", name="per_user_limit_positive"
        ),
        CheckConstraint(
            "usage_limit IS NULL OR times_used <= usage_limit", name="usage_within_limit"
        ),
        CheckConstraint("times_used >= 0", name="times_used_non_negative"),
        CheckConstraint("min_amount_minor >= 0", name="min_amount_non_negative"),
        CheckConstraint(
            "starts_at IS NULL OR ends_at IS NULL OR ends_at > starts_at", name="window_ordered"
        ),
        Index("uq_promo_codes_school_code", "school_id", "code", unique=True),
    )

    id: Mapped[UUIDPK]
    school_id: Mapped[uuid.UUID] = school_fk(index=False)
    code: Mapped[str] = mapped_column(String(32))
    description: Mapped[str | None] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(10))
    value: Mapped[int] = mapped_column(Integer)
    usage_limit: Mapped[int | None] = mapped_column(Integer)
    per_user_limit: Mapped[int | None] = mapped_column(Integer)
    times_used: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    starts_at: Mapped[Timestamp | None]
    ends_at: Mapped[Timestamp | None]
    min_amount_minor: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    is_active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))


class PromoCodePackage(Base):
    """A package a promo code applies to; a code with none applies to every package."""

    __tablename__ = "promo_code_packages"

    promo_code_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("promo_codes.id", ondelete="CASCADE"), primary_key=True
    )
    package_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("lesson_packages.id", ondelete="CASCADE"), primary_key=True
    )


class PromoRedemption(Base):
    """One use of a promo code by a student, for one purchase."""

    __tablename__ = "promo_redemptions"
    __table_args__ = (
        CheckConstraint("discount_minor >= 0", name="discount_non_negative"),
        Index("ix_promo_redemptions_code_student", "promo_code_id", "student_id"),
    )

    id: Mapped[UUIDPK]
    school_id: Mapped[uuid.UUID] = school_fk(index=False)
    promo_code_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("promo_codes.id", ondelete="RESTRICT")
    )
    student_id: Mapped[uuid.UUID] = user_fk(index=False)
    student_package_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True),
        ForeignKey("student_packages.id", ondelete="RESTRICT"),
        unique=True,
    )
    discount_minor: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[CreatedAt]
