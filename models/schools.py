"""Schools and platform settings (SPEC §1)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, Index, Integer, String, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from models.base import UUIDPK, Base, TimestampMixin


class School(TimestampMixin, Base):
    """A driving school: one tenant of the platform."""

    __tablename__ = "schools"
    __table_args__ = (
        CheckConstraint("slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'", name="slug_format"),
        CheckConstraint("currency ~ '^[A-Z]{3}$'", name="currency_iso4217"),
        CheckConstraint("booking_horizon_days BETWEEN 1 AND 730", name="horizon_range"),
        CheckConstraint(
            "slot_granularity_minutes IN (5, 10, 15, 20, 30, 60)", name="granularity_values"
        ),
        CheckConstraint("cancellation_notice_hours BETWEEN 0 AND 336", name="notice_range"),
        CheckConstraint("platform_fee_bps BETWEEN 0 AND 10000", name="fee_range"),
        CheckConstraint("tax_rate_bps BETWEEN 0 AND 10000", name="tax_rate_range"),
        CheckConstraint("unpaid_hold_minutes BETWEEN 0 AND 10080", name="hold_range"),
        CheckConstraint(
            "late_cancellation_rule IN ('forfeit', 'half_fee', 'full_fee', 'free')",
            name="late_rule_values",
        ),
        Index("uq_schools_slug", "slug", unique=True),
    )

    id: Mapped[UUIDPK]
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(63))
    time_zone: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3))
    contact_email: Mapped[str | None] = mapped_column(String(320))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(500))
    is_active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    # Policy settings (typed columns so PostgreSQL checks their ranges)
    booking_horizon_days: Mapped[int] = mapped_column(Integer, server_default=text("90"))
    slot_granularity_minutes: Mapped[int] = mapped_column(Integer, server_default=text("15"))
    cancellation_notice_hours: Mapped[int] = mapped_column(Integer, server_default=text("48"))
    late_cancellation_rule: Mapped[str] = mapped_column(
        String(16), server_default=text("'forfeit'")
    )
    deposit_required: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    unpaid_hold_minutes: Mapped[int] = mapped_column(Integer, server_default=text("1440"))
    platform_fee_bps: Mapped[int] = mapped_column(Integer, server_default=text("1000"))
    tax_rate_bps: Mapped[int] = mapped_column(Integer, server_default=text("0"))


class PlatformSetting(TimestampMixin, Base):
    """A platform-wide key → JSON value; public ones are readable by anyone."""

    __tablename__ = "platform_settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSONB)
    category: Mapped[str] = mapped_column(String(50), server_default=text("'general'"))
    description: Mapped[str | None] = mapped_column(String(500))
    is_public: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    updated_by_id: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
