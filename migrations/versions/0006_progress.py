"""Lesson feedback, the Driver's Record (skill entries against completed lessons) and
private calendar feeds.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 11:09:26.799510
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# The 27 skills of DVSA's driver's record (February 2023), frozen here: a revised
# syllabus is a new migration, whatever models/progress.py says by then.
SKILL_CODES = (
    "legal_responsibilities",
    "safety_checks",
    "cockpit_checks",
    "security",
    "controls_and_instruments",
    "moving_away_and_stopping",
    "safe_positioning",
    "mirrors",
    "signals",
    "anticipation_and_planning",
    "use_of_speed",
    "other_traffic",
    "fuel_efficient_driving",
    "junctions",
    "roundabouts",
    "pedestrian_crossings",
    "reversing",
    "turning_around",
    "parking",
    "emergency_stop",
    "country_roads",
    "dual_carriageways",
    "motorways",
    "driving_in_the_dark",
    "weather_conditions",
    "passengers_and_loads",
    "independent_driving",
)

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendar_feeds",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IN ('instructor', 'student')", name=op.f("ck_calendar_feeds_kind_values")
        ),
        sa.CheckConstraint(
            "token_hash ~ '^[0-9a-f]{64}$'", name=op.f("ck_calendar_feeds_token_hash_format")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_calendar_feeds_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_calendar_feeds_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feeds")),
    )
    op.create_index(op.f("ix_calendar_feeds_user_id"), "calendar_feeds", ["user_id"], unique=False)
    op.create_index(
        "uq_calendar_feeds_live_user",
        "calendar_feeds",
        ["user_id"],
        unique=True,
        postgresql_where=sa.text("revoked_at IS NULL"),
    )
    op.create_index("uq_calendar_feeds_token_hash", "calendar_feeds", ["token_hash"], unique=True)
    op.create_table(
        "lesson_feedback",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=False),
        sa.Column("booking_id", sa.UUID(), nullable=False),
        sa.Column("student_id", sa.UUID(), nullable=False),
        sa.Column("instructor_id", sa.UUID(), nullable=False),
        sa.Column("areas_improved", sa.Text(), nullable=True),
        sa.Column("next_focus", sa.Text(), nullable=True),
        sa.Column("lesson_rating", sa.SmallInteger(), nullable=True),
        sa.Column("instructor_notes", sa.Text(), nullable=True),
        sa.Column("instructor_submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("instructor_submitted_by_id", sa.UUID(), nullable=True),
        sa.Column("instructor_edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("student_rating", sa.SmallInteger(), nullable=True),
        sa.Column("student_review", sa.Text(), nullable=True),
        sa.Column("student_submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("student_edited_at", sa.DateTime(timezone=True), nullable=True),
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
            "(lesson_rating IS NULL) = (instructor_submitted_at IS NULL)",
            name=op.f("ck_lesson_feedback_instructor_part_whole"),
        ),
        sa.CheckConstraint(
            "(student_rating IS NULL) = (student_submitted_at IS NULL)",
            name=op.f("ck_lesson_feedback_student_part_whole"),
        ),
        sa.CheckConstraint(
            "lesson_rating IS NULL OR lesson_rating BETWEEN 1 AND 5",
            name=op.f("ck_lesson_feedback_lesson_rating_range"),
        ),
        sa.CheckConstraint(
            "student_id <> instructor_id", name=op.f("ck_lesson_feedback_distinct_people")
        ),
        sa.CheckConstraint(
            "student_rating IS NULL OR student_rating BETWEEN 1 AND 5",
            name=op.f("ck_lesson_feedback_student_rating_range"),
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_lesson_feedback_booking_id_bookings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["instructor_id"],
            ["users.id"],
            name=op.f("fk_lesson_feedback_instructor_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["instructor_submitted_by_id"],
            ["users.id"],
            name=op.f("fk_lesson_feedback_instructor_submitted_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_lesson_feedback_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["users.id"],
            name=op.f("fk_lesson_feedback_student_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lesson_feedback")),
    )
    op.create_index(
        "ix_lesson_feedback_instructor_rated",
        "lesson_feedback",
        ["instructor_id", "student_rating"],
        unique=False,
        postgresql_where=sa.text("student_rating IS NOT NULL"),
    )
    op.create_index(
        "ix_lesson_feedback_student_id", "lesson_feedback", ["student_id"], unique=False
    )
    op.create_index("uq_lesson_feedback_booking_id", "lesson_feedback", ["booking_id"], unique=True)
    op.create_table(
        "skill_entries",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=False),
        sa.Column("student_id", sa.UUID(), nullable=False),
        sa.Column("skill_code", sa.String(length=40), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("booking_id", sa.UUID(), nullable=False),
        sa.Column("lesson_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("recorded_by_id", sa.UUID(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("level BETWEEN 1 AND 5", name=op.f("ck_skill_entries_level_range")),
        sa.CheckConstraint(
            f"skill_code IN {SKILL_CODES}", name=op.f("ck_skill_entries_skill_code_values")
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_skill_entries_booking_id_bookings"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_skill_entries_recorded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_skill_entries_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["users.id"],
            name=op.f("fk_skill_entries_student_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skill_entries")),
    )
    op.create_index(
        "ix_skill_entries_student_skill_lesson",
        "skill_entries",
        ["student_id", "skill_code", "lesson_at", "created_at"],
        unique=False,
    )
    op.create_index(
        "uq_skill_entries_booking_skill", "skill_entries", ["booking_id", "skill_code"], unique=True
    )


def downgrade() -> None:
    op.drop_index("uq_skill_entries_booking_skill", table_name="skill_entries")
    op.drop_index("ix_skill_entries_student_skill_lesson", table_name="skill_entries")
    op.drop_table("skill_entries")
    op.drop_index("uq_lesson_feedback_booking_id", table_name="lesson_feedback")
    op.drop_index("ix_lesson_feedback_student_id", table_name="lesson_feedback")
    op.drop_index(
        "ix_lesson_feedback_instructor_rated",
        table_name="lesson_feedback",
        postgresql_where=sa.text("student_rating IS NOT NULL"),
    )
    op.drop_table("lesson_feedback")
    op.drop_index("uq_calendar_feeds_token_hash", table_name="calendar_feeds")
    op.drop_index(
        "uq_calendar_feeds_live_user",
        table_name="calendar_feeds",
        postgresql_where=sa.text("revoked_at IS NULL"),
    )
    op.drop_index(op.f("ix_calendar_feeds_user_id"), table_name="calendar_feeds")
    op.drop_table("calendar_feeds")
