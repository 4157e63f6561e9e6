"""Foundation: schools, accounts, sessions and tokens, assignments, outbox, audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 01:39:44.477061
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("email_lower", sa.String(length=320), nullable=False),
        sa.Column("client_address", sa.String(length=64), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column(
            "attempted_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempts")),
    )
    op.create_index(
        "ix_login_attempts_address_time",
        "login_attempts",
        ["client_address", "attempted_at"],
        unique=False,
    )
    op.create_index(
        "ix_login_attempts_email_time",
        "login_attempts",
        ["email_lower", "attempted_at"],
        unique=False,
    )
    op.create_table(
        "platform_settings",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "category", sa.String(length=50), server_default=sa.text("'general'"), nullable=False
        ),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.Column("is_public", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("updated_by_id", sa.Uuid(), nullable=True),
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
        sa.PrimaryKeyConstraint("key", name=op.f("pk_platform_settings")),
    )
    op.create_table(
        "schools",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=63), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("contact_email", sa.String(length=320), nullable=True),
        sa.Column("contact_phone", sa.String(length=20), nullable=True),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column(
            "booking_horizon_days", sa.Integer(), server_default=sa.text("90"), nullable=False
        ),
        sa.Column(
            "slot_granularity_minutes", sa.Integer(), server_default=sa.text("15"), nullable=False
        ),
        sa.Column(
            "cancellation_notice_hours", sa.Integer(), server_default=sa.text("48"), nullable=False
        ),
        sa.Column(
            "late_cancellation_rule",
            sa.String(length=16),
            server_default=sa.text("'forfeit'"),
            nullable=False,
        ),
        sa.Column(
            "deposit_required", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
        sa.Column(
            "unpaid_hold_minutes", sa.Integer(), server_default=sa.text("1440"), nullable=False
        ),
        sa.Column("platform_fee_bps", sa.Integer(), server_default=sa.text("1000"), nullable=False),
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
        sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f("ck_schools_currency_iso4217")),
        sa.CheckConstraint(
            "late_cancellation_rule IN ('forfeit', 'half_fee', 'full_fee', 'free')",
            name=op.f("ck_schools_late_rule_values"),
        ),
        sa.CheckConstraint(
            "slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'", name=op.f("ck_schools_slug_format")
        ),
        sa.CheckConstraint(
            "booking_horizon_days BETWEEN 1 AND 730", name=op.f("ck_schools_horizon_range")
        ),
        sa.CheckConstraint(
            "cancellation_notice_hours BETWEEN 0 AND 336", name=op.f("ck_schools_notice_range")
        ),
        sa.CheckConstraint(
            "platform_fee_bps BETWEEN 0 AND 10000", name=op.f("ck_schools_fee_range")
        ),
        sa.CheckConstraint(
            "slot_granularity_minutes IN (5, 10, 15, 20, 30, 60)",
            name=op.f("ck_schools_granularity_values"),
        ),
        sa.CheckConstraint(
            "unpaid_hold_minutes BETWEEN 0 AND 10080", name=op.f("ck_schools_hold_range")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schools")),
    )
    op.create_index("uq_schools_slug", "schools", ["slug"], unique=True)
    op.create_table(
        "outbox_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=True),
        sa.Column("channel_keys", postgresql.ARRAY(sa.String(length=100)), nullable=False),
        sa.Column("event_type", sa.String(length=60), nullable=False),
        sa.Column("entity_type", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.UUID(), nullable=False),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_outbox_events_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_events")),
    )
    op.create_index(
        "ix_outbox_events_channel_keys",
        "outbox_events",
        ["channel_keys"],
        unique=False,
        postgresql_using="gin",
    )
    op.create_table(
        "users",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=True),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("avatar_url", sa.String(length=500), nullable=True),
        sa.Column(
            "locale", sa.String(length=16), server_default=sa.text("'en-GB'"), nullable=False
        ),
        sa.Column(
            "preferences",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column(
            "status", sa.String(length=20), server_default=sa.text("'active'"), nullable=False
        ),
        sa.Column("status_reason", sa.String(length=500), nullable=True),
        sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("phone_verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
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
        sa.CheckConstraint(
            "(role = 'platform_admin') = (school_id IS NULL)",
            name=op.f("ck_users_school_matches_role"),
        ),
        sa.CheckConstraint(
            "phone IS NULL OR phone ~ '^\\+[1-9][0-9]{6,14}$'", name=op.f("ck_users_phone_e164")
        ),
        sa.CheckConstraint(
            "role IN ('platform_admin', 'school_admin', 'instructor', 'student')",
            name=op.f("ck_users_role_values"),
        ),
        sa.CheckConstraint(
            "status IN ('pending_review', 'active', 'rejected', 'suspended')",
            name=op.f("ck_users_status_values"),
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_users_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )
    op.create_index(op.f("ix_users_school_id"), "users", ["school_id"], unique=False)
    op.create_index(
        "ix_users_school_role", "users", ["school_id", "role", "created_at", "id"], unique=False
    )
    op.create_index(
        "uq_users_email_lower",
        "users",
        [sa.literal_column("lower(email)")],
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_table(
        "admin_profiles",
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=False),
        sa.Column("department", sa.String(length=100), nullable=True),
        sa.Column("can_manage_users", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column(
            "can_assign_instructors", sa.Boolean(), server_default=sa.text("true"), nullable=False
        ),
        sa.Column(
            "can_manage_packages", sa.Boolean(), server_default=sa.text("true"), nullable=False
        ),
        sa.Column(
            "can_moderate_community", sa.Boolean(), server_default=sa.text("true"), nullable=False
        ),
        sa.Column(
            "can_manage_finances", sa.Boolean(), server_default=sa.text("true"), nullable=False
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
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_admin_profiles_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_admin_profiles_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_admin_profiles")),
    )
    op.create_index(
        op.f("ix_admin_profiles_school_id"), "admin_profiles", ["school_id"], unique=False
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=True),
        sa.Column("actor_id", sa.UUID(), nullable=True),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("entity_type", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=True),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("after", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("client_address", sa.String(length=64), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_audit_log_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_audit_log_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_school_id_id", "audit_log", ["school_id", "id"], unique=False)
    op.create_table(
        "auth_sessions",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "last_used_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.String(length=50), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        sa.Column("client_address", postgresql.INET(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_auth_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_sessions")),
    )
    op.create_index(op.f("ix_auth_sessions_user_id"), "auth_sessions", ["user_id"], unique=False)
    op.create_table(
        "instructor_assignments",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=False),
        sa.Column("student_id", sa.UUID(), nullable=False),
        sa.Column("instructor_id", sa.UUID(), nullable=False),
        sa.Column("assigned_by_id", sa.UUID(), nullable=True),
        sa.Column("assignment_type", sa.String(length=12), nullable=False),
        sa.Column(
            "status", sa.String(length=10), server_default=sa.text("'active'"), nullable=False
        ),
        sa.Column("priority", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
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
            "assignment_type <> 'temporary' OR ends_on IS NOT NULL",
            name=op.f("ck_instructor_assignments_temporary_has_end"),
        ),
        sa.CheckConstraint(
            "assignment_type IN ('primary', 'secondary', 'temporary')",
            name=op.f("ck_instructor_assignments_type_values"),
        ),
        sa.CheckConstraint(
            "status IN ('active', 'ended')", name=op.f("ck_instructor_assignments_status_values")
        ),
        sa.CheckConstraint(
            "ends_on IS NULL OR ends_on >= starts_on",
            name=op.f("ck_instructor_assignments_dates_ordered"),
        ),
        sa.CheckConstraint(
            "priority BETWEEN 1 AND 100", name=op.f("ck_instructor_assignments_priority_range")
        ),
        sa.CheckConstraint(
            "student_id <> instructor_id", name=op.f("ck_instructor_assignments_distinct_people")
        ),
        sa.ForeignKeyConstraint(
            ["assigned_by_id"],
            ["users.id"],
            name=op.f("fk_instructor_assignments_assigned_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["instructor_id"],
            ["users.id"],
            name=op.f("fk_instructor_assignments_instructor_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_instructor_assignments_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["users.id"],
            name=op.f("fk_instructor_assignments_student_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instructor_assignments")),
    )
    op.create_index(
        "ix_instructor_assignments_instructor_status",
        "instructor_assignments",
        ["instructor_id", "status"],
        unique=False,
    )
    op.create_index(
        op.f("ix_instructor_assignments_school_id"),
        "instructor_assignments",
        ["school_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_instructor_assignments_student_id"),
        "instructor_assignments",
        ["student_id"],
        unique=False,
    )
    op.create_index(
        "uq_instructor_assignments_live_pair",
        "instructor_assignments",
        ["student_id", "instructor_id"],
        unique=True,
        postgresql_where=sa.text("status = 'active'"),
    )
    op.create_index(
        "uq_instructor_assignments_live_primary",
        "instructor_assignments",
        ["student_id"],
        unique=True,
        postgresql_where=sa.text("status = 'active' AND assignment_type = 'primary'"),
    )
    op.create_table(
        "instructor_profiles",
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=False),
        sa.Column("licence_number", sa.String(length=50), nullable=True),
        sa.Column(
            "specialisations",
            postgresql.ARRAY(sa.String(length=50)),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column("hourly_rate_minor", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("bio", sa.Text(), nullable=True),
        sa.Column(
            "vehicle",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "certifications",
            postgresql.ARRAY(sa.String(length=100)),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column(
            "areas_covered",
            postgresql.ARRAY(sa.String(length=100)),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column("max_students", sa.Integer(), server_default=sa.text("30"), nullable=False),
        sa.Column("max_hours_per_week", sa.Integer(), server_default=sa.text("40"), nullable=False),
        sa.Column("buffer_minutes", sa.Integer(), server_default=sa.text("15"), nullable=False),
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
            "buffer_minutes BETWEEN 0 AND 120", name=op.f("ck_instructor_profiles_buffer_range")
        ),
        sa.CheckConstraint(
            "hourly_rate_minor >= 0", name=op.f("ck_instructor_profiles_rate_non_negative")
        ),
        sa.CheckConstraint(
            "max_hours_per_week BETWEEN 0 AND 80",
            name=op.f("ck_instructor_profiles_max_hours_range"),
        ),
        sa.CheckConstraint(
            "max_students BETWEEN 0 AND 500", name=op.f("ck_instructor_profiles_max_students_range")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_instructor_profiles_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_instructor_profiles_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_instructor_profiles")),
    )
    op.create_index(
        op.f("ix_instructor_profiles_school_id"), "instructor_profiles", ["school_id"], unique=False
    )
    op.create_table(
        "one_time_tokens",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "purpose IN ('verify_email', 'verify_phone', 'reset_password')",
            name=op.f("ck_one_time_tokens_purpose_values"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_one_time_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_one_time_tokens")),
    )
    op.create_index(
        op.f("ix_one_time_tokens_user_id"), "one_time_tokens", ["user_id"], unique=False
    )
    op.create_index("uq_one_time_tokens_token_hash", "one_time_tokens", ["token_hash"], unique=True)
    op.create_table(
        "outbound_messages",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=True),
        sa.Column("user_id", sa.UUID(), nullable=True),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("template", sa.String(length=50), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "data",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=20), server_default=sa.text("'sent'"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_outbound_messages_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_outbound_messages_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_messages")),
    )
    op.create_index(
        op.f("ix_outbound_messages_school_id"), "outbound_messages", ["school_id"], unique=False
    )
    op.create_index(
        op.f("ix_outbound_messages_user_id"), "outbound_messages", ["user_id"], unique=False
    )
    op.create_table(
        "student_profiles",
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=False),
        sa.Column(
            "licence_type",
            sa.String(length=20),
            server_default=sa.text("'provisional'"),
            nullable=False,
        ),
        sa.Column(
            "experience_level",
            sa.String(length=20),
            server_default=sa.text("'beginner'"),
            nullable=False,
        ),
        sa.Column(
            "theory_test_passed", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
        sa.Column("theory_test_passed_on", sa.Date(), nullable=True),
        sa.Column("practical_test_date", sa.Date(), nullable=True),
        sa.Column("medical_notes", sa.Text(), nullable=True),
        sa.Column("emergency_contact", sa.String(length=300), nullable=True),
        sa.Column(
            "preferred_areas",
            postgresql.ARRAY(sa.String(length=100)),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column("goals", sa.Text(), nullable=True),
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
            "experience_level IN ('beginner', 'some_experience', 'test_ready')",
            name=op.f("ck_student_profiles_experience_values"),
        ),
        sa.CheckConstraint(
            "licence_type IN ('provisional', 'full', 'none')",
            name=op.f("ck_student_profiles_licence_type_values"),
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_student_profiles_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_student_profiles_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_student_profiles")),
    )
    op.create_index(
        op.f("ix_student_profiles_school_id"), "student_profiles", ["school_id"], unique=False
    )
    op.create_table(
        "refresh_tokens",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("session_id", sa.UUID(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["auth_sessions.id"],
            name=op.f("fk_refresh_tokens_session_id_auth_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refresh_tokens")),
    )
    op.create_index(
        op.f("ix_refresh_tokens_session_id"), "refresh_tokens", ["session_id"], unique=False
    )
    op.create_index("uq_refresh_tokens_token_hash", "refresh_tokens", ["token_hash"], unique=True)


def downgrade() -> None:

    op.drop_index("uq_refresh_tokens_token_hash", table_name="refresh_tokens")
    op.drop_index(op.f("ix_refresh_tokens_session_id"), table_name="refresh_tokens")
    op.drop_table("refresh_tokens")
    op.drop_index(op.f("ix_student_profiles_school_id"), table_name="student_profiles")
    op.drop_table("student_profiles")
    op.drop_index(op.f("ix_outbound_messages_user_id"), table_name="outbound_messages")
    op.drop_index(op.f("ix_outbound_messages_school_id"), table_name="outbound_messages")
    op.drop_table("outbound_messages")
    op.drop_index("uq_one_time_tokens_token_hash", table_name="one_time_tokens")
    op.drop_index(op.f("ix_one_time_tokens_user_id"), table_name="one_time_tokens")
    op.drop_table("one_time_tokens")
    op.drop_index(op.f("ix_instructor_profiles_school_id"), table_name="instructor_profiles")
    op.drop_table("instructor_profiles")
    op.drop_index(
        "uq_instructor_assignments_live_primary",
        table_name="instructor_assignments",
        postgresql_where=sa.text("status = 'active' AND assignment_type = 'primary'"),
    )
    op.drop_index(
        "uq_instructor_assignments_live_pair",
        table_name="instructor_assignments",
        postgresql_where=sa.text("status = 'active'"),
    )
    op.drop_index(op.f("ix_instructor_assignments_student_id"), table_name="instructor_assignments")
    op.drop_index(op.f("ix_instructor_assignments_school_id"), table_name="instructor_assignments")
    op.drop_index(
        "ix_instructor_assignments_instructor_status", table_name="instructor_assignments"
    )
    op.drop_table("instructor_assignments")
    op.drop_index(op.f("ix_auth_sessions_user_id"), table_name="auth_sessions")
    op.drop_table("auth_sessions")
    op.drop_index("ix_audit_log_school_id_id", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index(op.f("ix_admin_profiles_school_id"), table_name="admin_profiles")
    op.drop_table("admin_profiles")
    op.drop_index(
        "uq_users_email_lower", table_name="users", postgresql_where=sa.text("deleted_at IS NULL")
    )
    op.drop_index("ix_users_school_role", table_name="users")
    op.drop_index(op.f("ix_users_school_id"), table_name="users")
    op.drop_table("users")
    op.drop_index(
        "ix_outbox_events_channel_keys", table_name="outbox_events", postgresql_using="gin"
    )
    op.drop_table("outbox_events")
    op.drop_index("uq_schools_slug", table_name="schools")
    op.drop_table("schools")
    op.drop_table("platform_settings")
    op.drop_index("ix_login_attempts_email_time", table_name="login_attempts")
    op.drop_index("ix_login_attempts_address_time", table_name="login_attempts")
    op.drop_table("login_attempts")
