"""Recurring lesson series and their occurrences; bookings know their series; the
background worker's queue (procrastinate's schema).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 12:00:00.000000
"""

from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# procrastinate's schema as shipped by the version pyproject.toml pins, vendored so this
# revision creates the same objects whatever version is installed later; a newer
# procrastinate comes with a revision applying its own migration files.
PROCRASTINATE_SCHEMA = (
    Path(__file__).resolve().parent.parent / "vendor" / "procrastinate-3.10.0.sql"
)


def _run_script(sql: str) -> None:
    """Run a multi-statement script (PL/pgSQL bodies included) in the migration's
    transaction: asyncpg prepares single statements, so use its simple-query path."""
    op.get_bind().connection.dbapi_connection.run_async(  # type: ignore[union-attr]
        lambda raw: raw.execute(sql)
    )


def upgrade() -> None:
    op.create_table(
        "lesson_series",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=False),
        sa.Column("student_id", sa.UUID(), nullable=False),
        sa.Column("instructor_id", sa.UUID(), nullable=False),
        sa.Column("lesson_type_id", sa.UUID(), nullable=False),
        sa.Column("frequency", sa.String(length=12), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.Column("start_minute", sa.SmallInteger(), nullable=False),
        sa.Column("week_of_month", sa.SmallInteger(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("anchor_on", sa.Date(), nullable=False),
        sa.Column("auto_confirm", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("horizon", sa.SmallInteger(), nullable=False),
        sa.Column("location", sa.String(length=300), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column(
            "status", sa.String(length=10), server_default=sa.text("'active'"), nullable=False
        ),
        sa.Column("created_by_id", sa.UUID(), nullable=True),
        sa.Column("previous_series_id", sa.UUID(), nullable=True),
        sa.Column("extend_at", sa.DateTime(timezone=True), nullable=True),
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
            "frequency IN ('weekly', 'fortnightly', 'monthly')",
            name=op.f("ck_lesson_series_frequency_values"),
        ),
        sa.CheckConstraint(
            "status IN ('active', 'paused', 'ended')", name=op.f("ck_lesson_series_status_values")
        ),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name=op.f("ck_lesson_series_weekday_range")),
        sa.CheckConstraint(
            "start_minute BETWEEN 0 AND 1439", name=op.f("ck_lesson_series_minute_range")
        ),
        sa.CheckConstraint("horizon BETWEEN 1 AND 52", name=op.f("ck_lesson_series_horizon_range")),
        sa.CheckConstraint(
            "ends_on IS NULL OR ends_on >= starts_on", name=op.f("ck_lesson_series_dates_ordered")
        ),
        sa.CheckConstraint(
            "anchor_on >= starts_on", name=op.f("ck_lesson_series_anchor_after_start")
        ),
        sa.CheckConstraint(
            "(frequency = 'monthly') = (week_of_month IS NOT NULL) AND "
            "(week_of_month IS NULL OR week_of_month BETWEEN 1 AND 5)",
            name=op.f("ck_lesson_series_week_of_month_for_monthly"),
        ),
        sa.CheckConstraint(
            "(status = 'ended') = (ended_at IS NOT NULL)",
            name=op.f("ck_lesson_series_ended_has_time"),
        ),
        sa.CheckConstraint(
            "student_id <> instructor_id", name=op.f("ck_lesson_series_distinct_people")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_lesson_series_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["users.id"],
            name=op.f("fk_lesson_series_student_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["instructor_id"],
            ["users.id"],
            name=op.f("fk_lesson_series_instructor_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["lesson_type_id"],
            ["lesson_types.id"],
            name=op.f("fk_lesson_series_lesson_type_id_lesson_types"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_lesson_series_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["previous_series_id"],
            ["lesson_series.id"],
            name=op.f("fk_lesson_series_previous_series_id_lesson_series"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lesson_series")),
    )
    op.create_index(op.f("ix_lesson_series_school_id"), "lesson_series", ["school_id"])
    op.create_index(op.f("ix_lesson_series_lesson_type_id"), "lesson_series", ["lesson_type_id"])
    op.create_index("ix_lesson_series_student_id", "lesson_series", ["student_id"])
    op.create_index("ix_lesson_series_instructor_id", "lesson_series", ["instructor_id"])
    op.create_index(
        "ix_lesson_series_extend_at",
        "lesson_series",
        ["extend_at"],
        postgresql_where=sa.text("status = 'active' AND extend_at IS NOT NULL"),
    )

    op.add_column("bookings", sa.Column("series_id", sa.UUID(), nullable=True))
    op.create_foreign_key(
        op.f("fk_bookings_series_id_lesson_series"),
        "bookings",
        "lesson_series",
        ["series_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_index(op.f("ix_bookings_series_id"), "bookings", ["series_id"])

    op.create_table(
        "series_occurrences",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=False),
        sa.Column("series_id", sa.UUID(), nullable=False),
        sa.Column("occurs_on", sa.Date(), nullable=False),
        sa.Column("booking_id", sa.UUID(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("conflict_code", sa.String(length=40), nullable=True),
        sa.Column("conflict_message", sa.String(length=300), nullable=True),
        sa.Column("is_exception", sa.Boolean(), server_default=sa.text("false"), nullable=False),
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
            "status IN ('scheduled', 'conflict', 'cancelled', 'skipped')",
            name=op.f("ck_series_occurrences_status_values"),
        ),
        sa.CheckConstraint(
            "(status = 'conflict') = (conflict_code IS NOT NULL)",
            name=op.f("ck_series_occurrences_conflict_has_code"),
        ),
        sa.CheckConstraint(
            "status <> 'scheduled' OR booking_id IS NOT NULL",
            name=op.f("ck_series_occurrences_scheduled_booked"),
        ),
        sa.CheckConstraint(
            "status NOT IN ('conflict', 'skipped') OR booking_id IS NULL",
            name=op.f("ck_series_occurrences_unbooked_without_booking"),
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_series_occurrences_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["lesson_series.id"],
            name=op.f("fk_series_occurrences_series_id_lesson_series"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_series_occurrences_booking_id_bookings"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_series_occurrences")),
    )
    op.create_index(
        "uq_series_occurrences_series_date",
        "series_occurrences",
        ["series_id", "occurs_on"],
        unique=True,
    )
    op.create_index(
        "uq_series_occurrences_booking_id", "series_occurrences", ["booking_id"], unique=True
    )

    _run_script(PROCRASTINATE_SCHEMA.read_text(encoding="utf-8"))


def downgrade() -> None:
    # Every object procrastinate's schema made: its tables (their triggers go with them),
    # then its functions and types, found by name so no signature is repeated here.
    _run_script(
        """
        DO $$
        DECLARE item record;
        BEGIN
            FOR item IN
                SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = current_schema() AND c.relkind = 'r'
                  AND c.relname LIKE 'procrastinate\\_%'
            LOOP
                EXECUTE format('DROP TABLE IF EXISTS %I CASCADE', item.relname);
            END LOOP;
            FOR item IN
                SELECT p.oid::regprocedure AS signature FROM pg_proc p
                JOIN pg_namespace n ON n.oid = p.pronamespace
                WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate\\_%'
            LOOP
                EXECUTE format('DROP FUNCTION IF EXISTS %s CASCADE', item.signature);
            END LOOP;
            FOR item IN
                SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                WHERE n.nspname = current_schema() AND t.typname LIKE 'procrastinate\\_%'
                  AND t.typtype IN ('e', 'c')
            LOOP
                EXECUTE format('DROP TYPE IF EXISTS %I CASCADE', item.typname);
            END LOOP;
        END;
        $$;
        """
    )
    op.drop_index("uq_series_occurrences_booking_id", table_name="series_occurrences")
    op.drop_index("uq_series_occurrences_series_date", table_name="series_occurrences")
    op.drop_table("series_occurrences")
    op.drop_index(op.f("ix_bookings_series_id"), table_name="bookings")
    op.drop_constraint(op.f("fk_bookings_series_id_lesson_series"), "bookings", type_="foreignkey")
    op.drop_column("bookings", "series_id")
    op.drop_index("ix_lesson_series_extend_at", table_name="lesson_series")
    op.drop_index("ix_lesson_series_instructor_id", table_name="lesson_series")
    op.drop_index("ix_lesson_series_student_id", table_name="lesson_series")
    op.drop_index(op.f("ix_lesson_series_lesson_type_id"), table_name="lesson_series")
    op.drop_index(op.f("ix_lesson_series_school_id"), table_name="lesson_series")
    op.drop_table("lesson_series")
