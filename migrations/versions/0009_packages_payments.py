"""Packages, credits and their ledger, promo codes, payments, refunds, provider events,
bank deposits, invoices with per-school numbers, and instructor payouts; bookings know
the package that pays for them and when an unpaid hold ends; schools get a tax rate.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "invoice_counters",
        sa.Column("school_id", sa.UUID(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_invoice_counters_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("school_id", name=op.f("pk_invoice_counters")),
    )
    op.create_table(
        "promo_codes",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("usage_limit", sa.Integer(), nullable=True),
        sa.Column("per_user_limit", sa.Integer(), nullable=True),
        sa.Column("times_used", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("min_amount_minor", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(kind = 'percentage' AND value BETWEEN 1 AND 100) OR (kind = 'fixed' AND value BETWEEN 1 AND 100000000)",
            name=op.f("ck_promo_codes_value_range"),
        ),
        sa.CheckConstraint("code ~ '^[A-Z0-9_-]{3,32}$'", name=op.f("ck_promo_codes_code_format")),
        sa.CheckConstraint(
            "kind IN ('percentage', 'fixed')", name=op.f("ck_promo_codes_kind_values")
        ),
        sa.CheckConstraint(
            "min_amount_minor >= 0", name=op.f("ck_promo_codes_min_amount_non_negative")
        ),
        sa.CheckConstraint(
            "per_user_limit IS NULL OR per_user_limit >= 1",
            name=op.f("ck_promo_codes_per_user_limit_positive"),
        ),
        sa.CheckConstraint(
            "starts_at IS NULL OR ends_at IS NULL OR ends_at > starts_at",
            name=op.f("ck_promo_codes_window_ordered"),
        ),
        sa.CheckConstraint("times_used >= 0", name=op.f("ck_promo_codes_times_used_non_negative")),
        sa.CheckConstraint(
            "usage_limit IS NULL OR times_used <= usage_limit",
            name=op.f("ck_promo_codes_usage_within_limit"),
        ),
        sa.CheckConstraint(
            "usage_limit IS NULL OR usage_limit >= 1",
            name=op.f("ck_promo_codes_usage_limit_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_promo_codes_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promo_codes")),
    )
    op.create_index("uq_promo_codes_school_code", "promo_codes", ["school_id", "code"], unique=True)
    op.create_table(
        "lesson_packages",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("lesson_type_id", sa.UUID(), nullable=True),
        sa.Column("lessons_count", sa.Integer(), nullable=False),
        sa.Column("lesson_duration_minutes", sa.Integer(), nullable=False),
        sa.Column("price_minor", sa.Integer(), nullable=False),
        sa.Column(
            "discount_percent", sa.SmallInteger(), server_default=sa.text("0"), nullable=False
        ),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("validity_days", sa.Integer(), nullable=False),
        sa.Column(
            "audience", sa.String(length=20), server_default=sa.text("'all'"), nullable=False
        ),
        sa.Column("instructor_id", sa.UUID(), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "audience IN ('all', 'new_students', 'existing_students')",
            name=op.f("ck_lesson_packages_audience_values"),
        ),
        sa.CheckConstraint(
            "currency ~ '^[A-Z]{3}$'", name=op.f("ck_lesson_packages_currency_iso4217")
        ),
        sa.CheckConstraint(
            "discount_percent BETWEEN 0 AND 90", name=op.f("ck_lesson_packages_discount_range")
        ),
        sa.CheckConstraint(
            "lesson_duration_minutes BETWEEN 15 AND 600",
            name=op.f("ck_lesson_packages_duration_range"),
        ),
        sa.CheckConstraint(
            "lessons_count BETWEEN 1 AND 200", name=op.f("ck_lesson_packages_lessons_range")
        ),
        sa.CheckConstraint(
            "price_minor BETWEEN 0 AND 100000000", name=op.f("ck_lesson_packages_price_range")
        ),
        sa.CheckConstraint(
            "validity_days BETWEEN 1 AND 1825", name=op.f("ck_lesson_packages_validity_range")
        ),
        sa.ForeignKeyConstraint(
            ["instructor_id"],
            ["users.id"],
            name=op.f("fk_lesson_packages_instructor_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["lesson_type_id"],
            ["lesson_types.id"],
            name=op.f("fk_lesson_packages_lesson_type_id_lesson_types"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_lesson_packages_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lesson_packages")),
    )
    op.create_index(
        op.f("ix_lesson_packages_instructor_id"), "lesson_packages", ["instructor_id"], unique=False
    )
    op.create_index(
        op.f("ix_lesson_packages_lesson_type_id"),
        "lesson_packages",
        ["lesson_type_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_lesson_packages_school_id"), "lesson_packages", ["school_id"], unique=False
    )
    op.create_table(
        "payouts",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=False),
        sa.Column("instructor_id", sa.UUID(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("lessons_completed", sa.Integer(), nullable=False),
        sa.Column("gross_minor", sa.Integer(), nullable=False),
        sa.Column("refunds_minor", sa.Integer(), nullable=False),
        sa.Column("fee_minor", sa.Integer(), nullable=False),
        sa.Column("net_minor", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column(
            "status", sa.String(length=10), server_default=sa.text("'pending'"), nullable=False
        ),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reference", sa.String(length=100), nullable=True),
        sa.Column(
            "breakdown",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("created_by_id", sa.UUID(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f("ck_payouts_currency_iso4217")),
        sa.CheckConstraint("status IN ('pending', 'paid')", name=op.f("ck_payouts_status_values")),
        sa.CheckConstraint(
            "net_minor = gross_minor - refunds_minor - fee_minor",
            name=op.f("ck_payouts_net_adds_up"),
        ),
        sa.CheckConstraint("period_end >= period_start", name=op.f("ck_payouts_period_ordered")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_payouts_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["instructor_id"],
            ["users.id"],
            name=op.f("fk_payouts_instructor_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_payouts_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payouts")),
    )
    op.create_index(
        "uq_payouts_instructor_period",
        "payouts",
        ["instructor_id", "period_start", "period_end"],
        unique=True,
    )
    op.create_table(
        "promo_code_packages",
        sa.Column("promo_code_id", sa.UUID(), nullable=False),
        sa.Column("package_id", sa.UUID(), nullable=False),
        sa.ForeignKeyConstraint(
            ["package_id"],
            ["lesson_packages.id"],
            name=op.f("fk_promo_code_packages_package_id_lesson_packages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["promo_code_id"],
            ["promo_codes.id"],
            name=op.f("fk_promo_code_packages_promo_code_id_promo_codes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("promo_code_id", "package_id", name=op.f("pk_promo_code_packages")),
    )
    op.create_table(
        "student_packages",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=False),
        sa.Column("student_id", sa.UUID(), nullable=False),
        sa.Column("package_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("lesson_type_id", sa.UUID(), nullable=True),
        sa.Column("lesson_duration_minutes", sa.Integer(), nullable=False),
        sa.Column("instructor_id", sa.UUID(), nullable=True),
        sa.Column("lessons_total", sa.Integer(), nullable=False),
        sa.Column("lessons_remaining", sa.Integer(), nullable=False),
        sa.Column("amount_paid_minor", sa.Integer(), nullable=False),
        sa.Column("discount_minor", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("purchased_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("promo_code_id", sa.UUID(), nullable=True),
        sa.Column("bought_by_id", sa.UUID(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "currency ~ '^[A-Z]{3}$'", name=op.f("ck_student_packages_currency_iso4217")
        ),
        sa.CheckConstraint(
            "status IN ('pending_payment', 'active', 'exhausted', 'expired', 'refunded', 'cancelled')",
            name=op.f("ck_student_packages_status_values"),
        ),
        sa.CheckConstraint(
            "amount_paid_minor >= 0", name=op.f("ck_student_packages_amount_non_negative")
        ),
        sa.CheckConstraint(
            "discount_minor >= 0", name=op.f("ck_student_packages_discount_non_negative")
        ),
        sa.CheckConstraint(
            "lessons_remaining BETWEEN 0 AND lessons_total",
            name=op.f("ck_student_packages_remaining_range"),
        ),
        sa.CheckConstraint(
            "lessons_total BETWEEN 1 AND 200", name=op.f("ck_student_packages_total_range")
        ),
        sa.ForeignKeyConstraint(
            ["bought_by_id"],
            ["users.id"],
            name=op.f("fk_student_packages_bought_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["instructor_id"],
            ["users.id"],
            name=op.f("fk_student_packages_instructor_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["lesson_type_id"],
            ["lesson_types.id"],
            name=op.f("fk_student_packages_lesson_type_id_lesson_types"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["package_id"],
            ["lesson_packages.id"],
            name=op.f("fk_student_packages_package_id_lesson_packages"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["promo_code_id"],
            ["promo_codes.id"],
            name=op.f("fk_student_packages_promo_code_id_promo_codes"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_student_packages_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["users.id"],
            name=op.f("fk_student_packages_student_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_student_packages")),
    )
    op.create_index(
        op.f("ix_student_packages_package_id"), "student_packages", ["package_id"], unique=False
    )
    op.create_index(
        "ix_student_packages_student_status",
        "student_packages",
        ["student_id", "status", "expires_at"],
        unique=False,
    )
    op.create_table(
        "promo_redemptions",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=False),
        sa.Column("promo_code_id", sa.UUID(), nullable=False),
        sa.Column("student_id", sa.UUID(), nullable=False),
        sa.Column("student_package_id", sa.UUID(), nullable=False),
        sa.Column("discount_minor", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "discount_minor >= 0", name=op.f("ck_promo_redemptions_discount_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["promo_code_id"],
            ["promo_codes.id"],
            name=op.f("fk_promo_redemptions_promo_code_id_promo_codes"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_promo_redemptions_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["users.id"],
            name=op.f("fk_promo_redemptions_student_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["student_package_id"],
            ["student_packages.id"],
            name=op.f("fk_promo_redemptions_student_package_id_student_packages"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promo_redemptions")),
        sa.UniqueConstraint(
            "student_package_id", name=op.f("uq_promo_redemptions_student_package_id")
        ),
    )
    op.create_index(
        "ix_promo_redemptions_code_student",
        "promo_redemptions",
        ["promo_code_id", "student_id"],
        unique=False,
    )
    op.create_table(
        "credit_entries",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=False),
        sa.Column("student_id", sa.UUID(), nullable=False),
        sa.Column("student_package_id", sa.UUID(), nullable=False),
        sa.Column("booking_id", sa.UUID(), nullable=True),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.Column("balance_after", sa.Integer(), nullable=False),
        sa.Column("value_minor", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("reason", sa.String(length=12), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("actor_id", sa.UUID(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(reason IN ('booking', 'returned')) = (booking_id IS NOT NULL)",
            name=op.f("ck_credit_entries_booking_movements_name_the_booking"),
        ),
        sa.CheckConstraint(
            "reason IN ('purchase', 'booking', 'returned', 'expired', 'refunded', 'adjustment')",
            name=op.f("ck_credit_entries_reason_values"),
        ),
        sa.CheckConstraint(
            "balance_after >= 0", name=op.f("ck_credit_entries_balance_non_negative")
        ),
        sa.CheckConstraint("delta <> 0", name=op.f("ck_credit_entries_delta_non_zero")),
        sa.CheckConstraint("value_minor >= 0", name=op.f("ck_credit_entries_value_non_negative")),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_credit_entries_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_credit_entries_booking_id_bookings"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_credit_entries_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["users.id"],
            name=op.f("fk_credit_entries_student_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["student_package_id"],
            ["student_packages.id"],
            name=op.f("fk_credit_entries_student_package_id_student_packages"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_entries")),
    )
    op.create_index(
        "ix_credit_entries_student_id", "credit_entries", ["student_id", "id"], unique=False
    )
    op.create_index(
        op.f("ix_credit_entries_student_package_id"),
        "credit_entries",
        ["student_package_id"],
        unique=False,
    )
    op.create_index(
        "uq_credit_entries_booking_reason",
        "credit_entries",
        ["booking_id", "reason"],
        unique=True,
        postgresql_where=sa.text("booking_id IS NOT NULL"),
    )
    op.create_table(
        "payments",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=False),
        sa.Column("student_id", sa.UUID(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column(
            "status", sa.String(length=20), server_default=sa.text("'pending'"), nullable=False
        ),
        sa.Column("amount_minor", sa.Integer(), nullable=False),
        sa.Column("refunded_minor", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=True),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("provider_reference", sa.String(length=255), nullable=True),
        sa.Column("bank_reference", sa.String(length=20), nullable=True),
        sa.Column("student_package_id", sa.UUID(), nullable=True),
        sa.Column("booking_id", sa.UUID(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=100), nullable=True),
        sa.Column("failure_reason", sa.String(length=300), nullable=True),
        sa.Column("recorded_by_id", sa.UUID(), nullable=True),
        sa.Column("succeeded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(kind = 'package') = (student_package_id IS NOT NULL)",
            name=op.f("ck_payments_package_payments_name_the_package"),
        ),
        sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f("ck_payments_currency_iso4217")),
        sa.CheckConstraint(
            "kind IN ('package', 'lesson', 'deposit', 'fee')", name=op.f("ck_payments_kind_values")
        ),
        sa.CheckConstraint(
            "kind NOT IN ('lesson', 'deposit', 'fee') OR booking_id IS NOT NULL",
            name=op.f("ck_payments_lesson_payments_name_the_booking"),
        ),
        sa.CheckConstraint(
            "method IN ('card', 'bank', 'cash')", name=op.f("ck_payments_method_values")
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'succeeded', 'failed', 'refunded', 'partially_refunded')",
            name=op.f("ck_payments_status_values"),
        ),
        sa.CheckConstraint(
            "amount_minor BETWEEN 1 AND 100000000", name=op.f("ck_payments_amount_range")
        ),
        sa.CheckConstraint(
            "refunded_minor BETWEEN 0 AND amount_minor",
            name=op.f("ck_payments_refunds_within_amount"),
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_payments_booking_id_bookings"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_payments_recorded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_payments_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["users.id"],
            name=op.f("fk_payments_student_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["student_package_id"],
            ["student_packages.id"],
            name=op.f("fk_payments_student_package_id_student_packages"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
    )
    op.create_index("ix_payments_booking_id", "payments", ["booking_id"], unique=False)
    op.create_index(
        "ix_payments_school_created", "payments", ["school_id", "created_at"], unique=False
    )
    op.create_index(
        "ix_payments_student_created", "payments", ["student_id", "created_at"], unique=False
    )
    op.create_index(
        "ix_payments_student_package_id", "payments", ["student_package_id"], unique=False
    )
    op.create_index(
        "uq_payments_bank_reference",
        "payments",
        ["bank_reference"],
        unique=True,
        postgresql_where=sa.text("bank_reference IS NOT NULL"),
    )
    op.create_index(
        "uq_payments_provider_reference",
        "payments",
        ["provider", "provider_reference"],
        unique=True,
        postgresql_where=sa.text("provider_reference IS NOT NULL"),
    )
    op.create_table(
        "bank_deposits",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("amount_minor", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("payer_name", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("payment_id", sa.UUID(), nullable=True),
        sa.Column("recorded_by_id", sa.UUID(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "currency ~ '^[A-Z]{3}$'", name=op.f("ck_bank_deposits_currency_iso4217")
        ),
        sa.CheckConstraint(
            "status IN ('matched', 'unmatched')", name=op.f("ck_bank_deposits_status_values")
        ),
        sa.CheckConstraint("amount_minor >= 1", name=op.f("ck_bank_deposits_amount_positive")),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["payments.id"],
            name=op.f("fk_bank_deposits_payment_id_payments"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_bank_deposits_recorded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_bank_deposits_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_deposits")),
        sa.UniqueConstraint("payment_id", name=op.f("uq_bank_deposits_payment_id")),
    )
    op.create_index(
        "ix_bank_deposits_school_received",
        "bank_deposits",
        ["school_id", "received_on"],
        unique=False,
    )
    op.create_table(
        "invoices",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.UUID(), nullable=False),
        sa.Column("payment_id", sa.UUID(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("subtotal_minor", sa.Integer(), nullable=False),
        sa.Column("discount_minor", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("tax_rate_bps", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("tax_minor", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("total_minor", sa.Integer(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.UUID(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f("ck_invoices_currency_iso4217")),
        sa.CheckConstraint(
            "status IN ('draft', 'issued', 'paid', 'void')", name=op.f("ck_invoices_status_values")
        ),
        sa.CheckConstraint(
            "discount_minor BETWEEN 0 AND subtotal_minor", name=op.f("ck_invoices_discount_range")
        ),
        sa.CheckConstraint("number >= 1", name=op.f("ck_invoices_number_positive")),
        sa.CheckConstraint("subtotal_minor >= 0", name=op.f("ck_invoices_subtotal_non_negative")),
        sa.CheckConstraint("tax_minor >= 0", name=op.f("ck_invoices_tax_non_negative")),
        sa.CheckConstraint(
            "tax_rate_bps BETWEEN 0 AND 10000", name=op.f("ck_invoices_tax_rate_range")
        ),
        sa.CheckConstraint(
            "total_minor = subtotal_minor - discount_minor + tax_minor",
            name=op.f("ck_invoices_total_adds_up"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_invoices_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["payments.id"],
            name=op.f("fk_invoices_payment_id_payments"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_invoices_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["users.id"],
            name=op.f("fk_invoices_student_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
    )
    op.create_index("ix_invoices_student_id", "invoices", ["student_id"], unique=False)
    op.create_index(
        "uq_invoices_payment_id",
        "invoices",
        ["payment_id"],
        unique=True,
        postgresql_where=sa.text("payment_id IS NOT NULL"),
    )
    op.create_index("uq_invoices_school_number", "invoices", ["school_id", "number"], unique=True)
    op.create_table(
        "refunds",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=False),
        sa.Column("payment_id", sa.UUID(), nullable=False),
        sa.Column("amount_minor", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column(
            "status", sa.String(length=10), server_default=sa.text("'succeeded'"), nullable=False
        ),
        sa.Column("provider_reference", sa.String(length=255), nullable=True),
        sa.Column("credits_revoked", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("actor_id", sa.UUID(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status IN ('succeeded', 'failed')", name=op.f("ck_refunds_status_values")
        ),
        sa.CheckConstraint("amount_minor >= 1", name=op.f("ck_refunds_amount_positive")),
        sa.CheckConstraint(
            "credits_revoked >= 0", name=op.f("ck_refunds_credits_revoked_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_refunds_actor_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["payments.id"],
            name=op.f("fk_refunds_payment_id_payments"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_refunds_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refunds")),
    )
    op.create_index(op.f("ix_refunds_payment_id"), "refunds", ["payment_id"], unique=False)
    op.create_table(
        "webhook_events",
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("payment_id", sa.UUID(), nullable=True),
        sa.Column(
            "received_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["payments.id"],
            name=op.f("fk_webhook_events_payment_id_payments"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("provider", "event_id", name=op.f("pk_webhook_events")),
    )
    op.create_table(
        "invoice_items",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("invoice_id", sa.UUID(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_minor", sa.Integer(), nullable=False),
        sa.Column("amount_minor", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "amount_minor = quantity * unit_minor", name=op.f("ck_invoice_items_amount_adds_up")
        ),
        sa.CheckConstraint(
            "quantity BETWEEN 1 AND 1000", name=op.f("ck_invoice_items_quantity_range")
        ),
        sa.CheckConstraint("unit_minor >= 0", name=op.f("ck_invoice_items_unit_non_negative")),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_invoice_items_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_items")),
    )
    op.create_index(
        op.f("ix_invoice_items_invoice_id"), "invoice_items", ["invoice_id"], unique=False
    )
    op.add_column("bookings", sa.Column("student_package_id", sa.UUID(), nullable=True))
    op.add_column(
        "bookings", sa.Column("payment_due_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_index(
        op.f("ix_bookings_student_package_id"), "bookings", ["student_package_id"], unique=False
    )
    op.create_foreign_key(
        op.f("fk_bookings_student_package_id_student_packages"),
        "bookings",
        "student_packages",
        ["student_package_id"],
        ["id"],
        ondelete="RESTRICT",
    )
    op.add_column(
        "schools",
        sa.Column("tax_rate_bps", sa.Integer(), server_default=sa.text("0"), nullable=False),
    )
    op.create_check_constraint(
        op.f("ck_schools_tax_rate_range"), "schools", "tax_rate_bps BETWEEN 0 AND 10000"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_schools_tax_rate_range"), "schools", type_="check")
    op.drop_column("schools", "tax_rate_bps")
    op.drop_constraint(
        op.f("fk_bookings_student_package_id_student_packages"), "bookings", type_="foreignkey"
    )
    op.drop_index(op.f("ix_bookings_student_package_id"), table_name="bookings")
    op.drop_column("bookings", "payment_due_at")
    op.drop_column("bookings", "student_package_id")
    op.drop_index(op.f("ix_invoice_items_invoice_id"), table_name="invoice_items")
    op.drop_table("invoice_items")
    op.drop_table("webhook_events")
    op.drop_index(op.f("ix_refunds_payment_id"), table_name="refunds")
    op.drop_table("refunds")
    op.drop_index("uq_invoices_school_number", table_name="invoices")
    op.drop_index(
        "uq_invoices_payment_id",
        table_name="invoices",
        postgresql_where=sa.text("payment_id IS NOT NULL"),
    )
    op.drop_index("ix_invoices_student_id", table_name="invoices")
    op.drop_table("invoices")
    op.drop_index("ix_bank_deposits_school_received", table_name="bank_deposits")
    op.drop_table("bank_deposits")
    op.drop_index(
        "uq_payments_provider_reference",
        table_name="payments",
        postgresql_where=sa.text("provider_reference IS NOT NULL"),
    )
    op.drop_index(
        "uq_payments_bank_reference",
        table_name="payments",
        postgresql_where=sa.text("bank_reference IS NOT NULL"),
    )
    op.drop_index("ix_payments_student_package_id", table_name="payments")
    op.drop_index("ix_payments_student_created", table_name="payments")
    op.drop_index("ix_payments_school_created", table_name="payments")
    op.drop_index("ix_payments_booking_id", table_name="payments")
    op.drop_table("payments")
    op.drop_index(
        "uq_credit_entries_booking_reason",
        table_name="credit_entries",
        postgresql_where=sa.text("booking_id IS NOT NULL"),
    )
    op.drop_index(op.f("ix_credit_entries_student_package_id"), table_name="credit_entries")
    op.drop_index("ix_credit_entries_student_id", table_name="credit_entries")
    op.drop_table("credit_entries")
    op.drop_index("ix_promo_redemptions_code_student", table_name="promo_redemptions")
    op.drop_table("promo_redemptions")
    op.drop_index("ix_student_packages_student_status", table_name="student_packages")
    op.drop_index(op.f("ix_student_packages_package_id"), table_name="student_packages")
    op.drop_table("student_packages")
    op.drop_table("promo_code_packages")
    op.drop_index("uq_payouts_instructor_period", table_name="payouts")
    op.drop_table("payouts")
    op.drop_index(op.f("ix_lesson_packages_school_id"), table_name="lesson_packages")
    op.drop_index(op.f("ix_lesson_packages_lesson_type_id"), table_name="lesson_packages")
    op.drop_index(op.f("ix_lesson_packages_instructor_id"), table_name="lesson_packages")
    op.drop_table("lesson_packages")
    op.drop_index("uq_promo_codes_school_code", table_name="promo_codes")
    op.drop_table("promo_codes")
    op.drop_table("invoice_counters")
