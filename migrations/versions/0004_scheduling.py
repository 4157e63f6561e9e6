"""Scheduling: lesson types, availability, cancellation tiers, bookings and their history,
reschedule requests, the waiting list, lesson start codes, and idempotency keys.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 10:57:08.263901
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # GiST indexes over uuid equality (the bookings' exclusion constraints) need btree_gist.
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.create_table(
        "cancellation_tiers",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=False),
        sa.Column("min_notice_hours", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("fee_percent", sa.SmallInteger(), nullable=True),
        sa.CheckConstraint(
            "(outcome = 'fee') = (fee_percent IS NOT NULL) AND (fee_percent IS NULL OR fee_percent BETWEEN 1 AND 100)",
            name=op.f("ck_cancellation_tiers_fee_percent_for_fees"),
        ),
        sa.CheckConstraint(
            "outcome IN ('returned', 'fee', 'forfeited')",
            name=op.f("ck_cancellation_tiers_outcome_values"),
        ),
        sa.CheckConstraint(
            "min_notice_hours BETWEEN 0 AND 720", name=op.f("ck_cancellation_tiers_notice_range")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_cancellation_tiers_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cancellation_tiers")),
    )
    op.create_index(
        "uq_cancellation_tiers_school_notice",
        "cancellation_tiers",
        ["school_id", "min_notice_hours"],
        unique=True,
    )
    op.create_table(
        "lesson_types",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("price_minor", sa.Integer(), nullable=False),
        sa.Column("deposit_minor", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
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
            "currency ~ '^[A-Z]{3}$'", name=op.f("ck_lesson_types_currency_iso4217")
        ),
        sa.CheckConstraint(
            "deposit_minor BETWEEN 0 AND price_minor",
            name=op.f("ck_lesson_types_deposit_within_price"),
        ),
        sa.CheckConstraint(
            "duration_minutes BETWEEN 15 AND 600", name=op.f("ck_lesson_types_duration_range")
        ),
        sa.CheckConstraint("price_minor >= 0", name=op.f("ck_lesson_types_price_non_negative")),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_lesson_types_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lesson_types")),
    )
    op.create_index(op.f("ix_lesson_types_school_id"), "lesson_types", ["school_id"], unique=False)
    op.create_index(
        "uq_lesson_types_school_name",
        "lesson_types",
        ["school_id", sa.literal_column("lower(name)")],
        unique=True,
    )
    op.create_table(
        "availability_exceptions",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=False),
        sa.Column("instructor_id", sa.UUID(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=True),
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
        sa.CheckConstraint(
            "kind IN ('time_off', 'extra_hours')",
            name=op.f("ck_availability_exceptions_kind_values"),
        ),
        sa.CheckConstraint(
            "ends_at > starts_at", name=op.f("ck_availability_exceptions_range_ordered")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_availability_exceptions_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["instructor_id"],
            ["users.id"],
            name=op.f("fk_availability_exceptions_instructor_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_availability_exceptions_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_availability_exceptions")),
    )
    op.create_index(
        "ix_availability_exceptions_instructor_time",
        "availability_exceptions",
        ["instructor_id", "starts_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_availability_exceptions_school_id"),
        "availability_exceptions",
        ["school_id"],
        unique=False,
    )
    op.create_table(
        "bookings",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=False),
        sa.Column("student_id", sa.UUID(), nullable=False),
        sa.Column("instructor_id", sa.UUID(), nullable=False),
        sa.Column("lesson_type_id", sa.UUID(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("price_minor", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("location", sa.String(length=300), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("booked_by_id", sa.UUID(), nullable=True),
        sa.Column(
            "outside_working_hours", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by_id", sa.UUID(), nullable=True),
        sa.Column("cancelled_by_role", sa.String(length=20), nullable=True),
        sa.Column("cancellation_reason", sa.String(length=500), nullable=True),
        sa.Column(
            "is_late_cancellation", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
        sa.Column("policy_outcome", sa.String(length=10), nullable=True),
        sa.Column("fee_minor", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("fee_waived_by_id", sa.UUID(), nullable=True),
        sa.Column("fee_waiver_reason", sa.String(length=500), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
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
        postgresql.ExcludeConstraint(
            (sa.column("instructor_id"), "="),
            (sa.text("tstzrange(starts_at, blocked_until)"), "&&"),
            where=sa.text("status <> 'cancelled' AND deleted_at IS NULL"),
            using="gist",
            name="ex_bookings_instructor_time",
        ),
        postgresql.ExcludeConstraint(
            (sa.column("student_id"), "="),
            (sa.text("tstzrange(starts_at, ends_at)"), "&&"),
            where=sa.text("status <> 'cancelled' AND deleted_at IS NULL"),
            using="gist",
            name="ex_bookings_student_time",
        ),
        sa.CheckConstraint(
            "(status = 'cancelled') = (cancelled_at IS NOT NULL)",
            name=op.f("ck_bookings_cancelled_has_time"),
        ),
        sa.CheckConstraint(
            "policy_outcome IS NULL OR policy_outcome IN ('consumed', 'returned', 'fee', 'forfeited', 'waived')",
            name=op.f("ck_bookings_outcome_values"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'confirmed', 'in_progress', 'completed', 'cancelled', 'no_show')",
            name=op.f("ck_bookings_status_values"),
        ),
        sa.CheckConstraint("blocked_until >= ends_at", name=op.f("ck_bookings_buffer_after_end")),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_bookings_range_ordered")),
        sa.CheckConstraint("fee_minor >= 0", name=op.f("ck_bookings_fee_non_negative")),
        sa.CheckConstraint("price_minor >= 0", name=op.f("ck_bookings_price_non_negative")),
        sa.CheckConstraint("student_id <> instructor_id", name=op.f("ck_bookings_distinct_people")),
        sa.ForeignKeyConstraint(
            ["booked_by_id"],
            ["users.id"],
            name=op.f("fk_bookings_booked_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["cancelled_by_id"],
            ["users.id"],
            name=op.f("fk_bookings_cancelled_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["fee_waived_by_id"],
            ["users.id"],
            name=op.f("fk_bookings_fee_waived_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["instructor_id"],
            ["users.id"],
            name=op.f("fk_bookings_instructor_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["lesson_type_id"],
            ["lesson_types.id"],
            name=op.f("fk_bookings_lesson_type_id_lesson_types"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_bookings_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["users.id"],
            name=op.f("fk_bookings_student_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookings")),
    )
    op.create_index(
        "ix_bookings_instructor_starts", "bookings", ["instructor_id", "starts_at"], unique=False
    )
    op.create_index(
        op.f("ix_bookings_lesson_type_id"), "bookings", ["lesson_type_id"], unique=False
    )
    op.create_index(
        "ix_bookings_school_starts", "bookings", ["school_id", "starts_at"], unique=False
    )
    op.create_index(
        "ix_bookings_student_starts", "bookings", ["student_id", "starts_at"], unique=False
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("operation", sa.String(length=60), nullable=False),
        sa.Column("request_digest", sa.String(length=64), nullable=False),
        sa.Column("result_id", sa.UUID(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_idempotency_keys_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_keys")),
    )
    op.create_index(
        "uq_idempotency_keys_user_key", "idempotency_keys", ["user_id", "key"], unique=True
    )
    op.create_table(
        "working_hours",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=False),
        sa.Column("instructor_id", sa.UUID(), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.Column("start_minute", sa.SmallInteger(), nullable=False),
        sa.Column("end_minute", sa.SmallInteger(), nullable=False),
        postgresql.ExcludeConstraint(
            (sa.column("instructor_id"), "="),
            (sa.column("weekday"), "="),
            (sa.text("int4range(start_minute, end_minute)"), "&&"),
            using="gist",
            name="ex_working_hours_no_overlap",
        ),
        sa.CheckConstraint(
            "start_minute >= 0 AND start_minute < end_minute AND end_minute <= 1440",
            name=op.f("ck_working_hours_minutes_ordered"),
        ),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name=op.f("ck_working_hours_weekday_range")),
        sa.ForeignKeyConstraint(
            ["instructor_id"],
            ["users.id"],
            name=op.f("fk_working_hours_instructor_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_working_hours_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_working_hours")),
    )
    op.create_index(
        op.f("ix_working_hours_school_id"), "working_hours", ["school_id"], unique=False
    )
    op.create_table(
        "booking_changes",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=False),
        sa.Column("booking_id", sa.UUID(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("actor_id", sa.UUID(), nullable=True),
        sa.Column("from_starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("to_starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("from_status", sa.String(length=12), nullable=True),
        sa.Column("to_status", sa.String(length=12), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "kind IN ('created', 'moved', 'confirmed', 'started', 'completed', 'cancelled', 'no_show', 'updated', 'fee_waived')",
            name=op.f("ck_booking_changes_kind_values"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_booking_changes_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_booking_changes_booking_id_bookings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_booking_changes_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_changes")),
    )
    op.create_index(
        "ix_booking_changes_booking_id", "booking_changes", ["booking_id", "id"], unique=False
    )
    op.create_table(
        "lesson_start_codes",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=False),
        sa.Column("booking_id", sa.UUID(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "attempts BETWEEN 0 AND 5", name=op.f("ck_lesson_start_codes_attempts_range")
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_lesson_start_codes_booking_id_bookings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_lesson_start_codes_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lesson_start_codes")),
    )
    op.create_index(
        "ix_lesson_start_codes_booking_id",
        "lesson_start_codes",
        ["booking_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "reschedule_requests",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=False),
        sa.Column("booking_id", sa.UUID(), nullable=False),
        sa.Column("requested_by_id", sa.UUID(), nullable=True),
        sa.Column("proposed_starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("message", sa.String(length=500), nullable=True),
        sa.Column(
            "status", sa.String(length=10), server_default=sa.text("'pending'"), nullable=False
        ),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("response_note", sa.String(length=500), nullable=True),
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
            "status IN ('pending', 'accepted', 'declined', 'withdrawn', 'expired')",
            name=op.f("ck_reschedule_requests_status_values"),
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_reschedule_requests_booking_id_bookings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_reschedule_requests_requested_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_reschedule_requests_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reschedule_requests")),
    )
    op.create_index(
        op.f("ix_reschedule_requests_school_id"), "reschedule_requests", ["school_id"], unique=False
    )
    op.create_index(
        "uq_reschedule_requests_pending_booking",
        "reschedule_requests",
        ["booking_id"],
        unique=True,
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_table(
        "waitlist_entries",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=False),
        sa.Column("student_id", sa.UUID(), nullable=False),
        sa.Column("instructor_id", sa.UUID(), nullable=False),
        sa.Column("lesson_type_id", sa.UUID(), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("not_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("booking_id", sa.UUID(), nullable=True),
        sa.Column(
            "status", sa.String(length=10), server_default=sa.text("'active'"), nullable=False
        ),
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
            "status IN ('active', 'fulfilled', 'cancelled')",
            name=op.f("ck_waitlist_entries_status_values"),
        ),
        sa.CheckConstraint(
            "not_after > not_before", name=op.f("ck_waitlist_entries_window_ordered")
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_waitlist_entries_booking_id_bookings"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["instructor_id"],
            ["users.id"],
            name=op.f("fk_waitlist_entries_instructor_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["lesson_type_id"],
            ["lesson_types.id"],
            name=op.f("fk_waitlist_entries_lesson_type_id_lesson_types"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_waitlist_entries_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["users.id"],
            name=op.f("fk_waitlist_entries_student_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waitlist_entries")),
    )
    op.create_index(
        "ix_waitlist_entries_instructor_status",
        "waitlist_entries",
        ["instructor_id", "status"],
        unique=False,
    )
    op.create_index(
        op.f("ix_waitlist_entries_school_id"), "waitlist_entries", ["school_id"], unique=False
    )
    op.create_index(
        "uq_waitlist_entries_active_pair",
        "waitlist_entries",
        ["student_id", "instructor_id"],
        unique=True,
        postgresql_where=sa.text("status = 'active'"),
    )
    op.create_table(
        "slot_offers",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=False),
        sa.Column("entry_id", sa.UUID(), nullable=False),
        sa.Column("student_id", sa.UUID(), nullable=False),
        sa.Column("instructor_id", sa.UUID(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), server_default=sa.text("'open'"), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("booking_id", sa.UUID(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status IN ('open', 'accepted', 'taken', 'declined', 'expired')",
            name=op.f("ck_slot_offers_status_values"),
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_slot_offers_booking_id_bookings"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["waitlist_entries.id"],
            name=op.f("fk_slot_offers_entry_id_waitlist_entries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["instructor_id"],
            ["users.id"],
            name=op.f("fk_slot_offers_instructor_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_slot_offers_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["users.id"],
            name=op.f("fk_slot_offers_student_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slot_offers")),
    )
    op.create_index(
        "ix_slot_offers_instructor_slot",
        "slot_offers",
        ["instructor_id", "starts_at"],
        unique=False,
    )
    op.create_index(
        "ix_slot_offers_student_status", "slot_offers", ["student_id", "status"], unique=False
    )
    op.create_index(
        "uq_slot_offers_entry_slot", "slot_offers", ["entry_id", "starts_at"], unique=True
    )


def downgrade() -> None:
    op.drop_index("uq_slot_offers_entry_slot", table_name="slot_offers")
    op.drop_index("ix_slot_offers_student_status", table_name="slot_offers")
    op.drop_index("ix_slot_offers_instructor_slot", table_name="slot_offers")
    op.drop_table("slot_offers")
    op.drop_index(
        "uq_waitlist_entries_active_pair",
        table_name="waitlist_entries",
        postgresql_where=sa.text("status = 'active'"),
    )
    op.drop_index(op.f("ix_waitlist_entries_school_id"), table_name="waitlist_entries")
    op.drop_index("ix_waitlist_entries_instructor_status", table_name="waitlist_entries")
    op.drop_table("waitlist_entries")
    op.drop_index(
        "uq_reschedule_requests_pending_booking",
        table_name="reschedule_requests",
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.drop_index(op.f("ix_reschedule_requests_school_id"), table_name="reschedule_requests")
    op.drop_table("reschedule_requests")
    op.drop_index("ix_lesson_start_codes_booking_id", table_name="lesson_start_codes")
    op.drop_table("lesson_start_codes")
    op.drop_index("ix_booking_changes_booking_id", table_name="booking_changes")
    op.drop_table("booking_changes")
    op.drop_index(op.f("ix_working_hours_school_id"), table_name="working_hours")
    op.drop_table("working_hours")
    op.drop_index("uq_idempotency_keys_user_key", table_name="idempotency_keys")
    op.drop_table("idempotency_keys")
    op.drop_index("ix_bookings_student_starts", table_name="bookings")
    op.drop_index("ix_bookings_school_starts", table_name="bookings")
    op.drop_index(op.f("ix_bookings_lesson_type_id"), table_name="bookings")
    op.drop_index("ix_bookings_instructor_starts", table_name="bookings")
    op.drop_table("bookings")
    op.drop_index(
        op.f("ix_availability_exceptions_school_id"), table_name="availability_exceptions"
    )
    op.drop_index(
        "ix_availability_exceptions_instructor_time", table_name="availability_exceptions"
    )
    op.drop_table("availability_exceptions")
    op.drop_index("uq_lesson_types_school_name", table_name="lesson_types")
    op.drop_index(op.f("ix_lesson_types_school_id"), table_name="lesson_types")
    op.drop_table("lesson_types")
    op.drop_index("uq_cancellation_tiers_school_notice", table_name="cancellation_tiers")
    op.drop_table("cancellation_tiers")
    op.execute("DROP EXTENSION IF EXISTS btree_gist")
