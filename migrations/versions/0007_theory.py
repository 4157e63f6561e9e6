"""Theory test practice: topics, question banks, practice, mock tests, hazard perception,
per-topic progress; the 14 topics are created here.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 11:05:59.431132
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# Copied, not imported: a migration must not change when the application's code does.
TOPICS = (
    ("alertness", "Alertness"),
    ("attitude", "Attitude"),
    ("safety_and_your_vehicle", "Safety and your vehicle"),
    ("safety_margins", "Safety margins"),
    ("hazard_awareness", "Hazard awareness"),
    ("vulnerable_road_users", "Vulnerable road users"),
    ("other_types_of_vehicle", "Other types of vehicle"),
    ("road_conditions_and_vehicle_handling", "Road conditions and vehicle handling"),
    ("motorway_driving", "Motorway driving"),
    ("rules_of_the_road", "Rules of the road"),
    ("road_and_traffic_signs", "Road and traffic signs"),
    ("essential_documents", "Essential documents"),
    ("incidents_accidents_and_emergencies", "Incidents, accidents and emergencies"),
    ("vehicle_loading", "Vehicle loading"),
)

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "theory_categories",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("display_order", sa.SmallInteger(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
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
            "code ~ '^[a-z][a-z_]{1,59}$'", name=op.f("ck_theory_categories_code_format")
        ),
        sa.CheckConstraint(
            "char_length(name) BETWEEN 1 AND 100", name=op.f("ck_theory_categories_name_length")
        ),
        sa.CheckConstraint(
            "display_order BETWEEN 1 AND 100", name=op.f("ck_theory_categories_order_range")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theory_categories")),
        sa.UniqueConstraint("code", name=op.f("uq_theory_categories_code")),
    )
    op.create_table(
        "theory_sources",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("official", sa.Boolean(), nullable=False),
        sa.Column("notice", sa.Text(), nullable=True),
        sa.Column(
            "imported_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "char_length(name) BETWEEN 1 AND 200", name=op.f("ck_theory_sources_name_length")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_theory_sources_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theory_sources")),
    )
    op.create_index(
        op.f("ix_theory_sources_school_id"), "theory_sources", ["school_id"], unique=False
    )
    op.create_index(
        "uq_theory_sources_school_name",
        "theory_sources",
        ["school_id", "name"],
        unique=True,
        postgresql_where=sa.text("school_id IS NOT NULL"),
    )
    op.create_index(
        "uq_theory_sources_shared_name",
        "theory_sources",
        ["name"],
        unique=True,
        postgresql_where=sa.text("school_id IS NULL"),
    )
    op.create_table(
        "theory_hazard_clips",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=True),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("source_id", sa.UUID(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("media_url", sa.String(length=2000), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("hazard_count", sa.SmallInteger(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
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
            "external_id ~ '^[A-Za-z0-9._-]{3,100}$'",
            name=op.f("ck_theory_hazard_clips_external_id_format"),
        ),
        sa.CheckConstraint(
            "duration_ms BETWEEN 1000 AND 600000",
            name=op.f("ck_theory_hazard_clips_duration_range"),
        ),
        sa.CheckConstraint(
            "hazard_count IN (1, 2)", name=op.f("ck_theory_hazard_clips_hazard_count_values")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_theory_hazard_clips_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["theory_sources.id"],
            name=op.f("fk_theory_hazard_clips_source_id_theory_sources"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theory_hazard_clips")),
    )
    op.create_index(
        op.f("ix_theory_hazard_clips_school_id"), "theory_hazard_clips", ["school_id"], unique=False
    )
    op.create_index(
        op.f("ix_theory_hazard_clips_source_id"), "theory_hazard_clips", ["source_id"], unique=False
    )
    op.create_index(
        "uq_theory_hazard_clips_school_external_id",
        "theory_hazard_clips",
        ["school_id", "external_id"],
        unique=True,
        postgresql_where=sa.text("school_id IS NOT NULL"),
    )
    op.create_index(
        "uq_theory_hazard_clips_shared_external_id",
        "theory_hazard_clips",
        ["external_id"],
        unique=True,
        postgresql_where=sa.text("school_id IS NULL"),
    )
    op.create_table(
        "theory_hazard_tests",
        sa.Column("max_score", sa.SmallInteger(), nullable=False),
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=False),
        sa.Column("student_id", sa.UUID(), nullable=False),
        sa.Column(
            "status", sa.String(length=12), server_default=sa.text("'in_progress'"), nullable=False
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finalised_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("score", sa.SmallInteger(), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.Column("pass_mark", sa.SmallInteger(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(status = 'in_progress') = (finalised_at IS NULL) AND (finalised_at IS NULL) = (score IS NULL) AND (score IS NULL) = (passed IS NULL)",
            name=op.f("ck_theory_hazard_tests_finalised_consistent"),
        ),
        sa.CheckConstraint(
            "status IN ('in_progress', 'submitted', 'expired')",
            name=op.f("ck_theory_hazard_tests_status_values"),
        ),
        sa.CheckConstraint(
            "expires_at > started_at", name=op.f("ck_theory_hazard_tests_expires_after_start")
        ),
        sa.CheckConstraint(
            "max_score BETWEEN 5 AND 100", name=op.f("ck_theory_hazard_tests_max_score_range")
        ),
        sa.CheckConstraint(
            "pass_mark BETWEEN 1 AND max_score", name=op.f("ck_theory_hazard_tests_pass_mark_range")
        ),
        sa.CheckConstraint(
            "score IS NULL OR score BETWEEN 0 AND max_score",
            name=op.f("ck_theory_hazard_tests_score_range"),
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_theory_hazard_tests_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["users.id"],
            name=op.f("fk_theory_hazard_tests_student_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theory_hazard_tests")),
    )
    op.create_index(
        "ix_theory_hazard_tests_open_expiry",
        "theory_hazard_tests",
        ["expires_at"],
        unique=False,
        postgresql_where=sa.text("status = 'in_progress'"),
    )
    op.create_index(
        "ix_theory_hazard_tests_school_id", "theory_hazard_tests", ["school_id"], unique=False
    )
    op.create_index(
        "ix_theory_hazard_tests_student_created",
        "theory_hazard_tests",
        ["student_id", "created_at", "id"],
        unique=False,
    )
    op.create_index(
        "uq_theory_hazard_tests_open_per_student",
        "theory_hazard_tests",
        ["student_id"],
        unique=True,
        postgresql_where=sa.text("status = 'in_progress'"),
    )
    op.create_table(
        "theory_mock_tests",
        sa.Column("question_count", sa.SmallInteger(), nullable=False),
        sa.Column("time_limit_seconds", sa.Integer(), nullable=False),
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=False),
        sa.Column("student_id", sa.UUID(), nullable=False),
        sa.Column(
            "status", sa.String(length=12), server_default=sa.text("'in_progress'"), nullable=False
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finalised_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("score", sa.SmallInteger(), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.Column("pass_mark", sa.SmallInteger(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(status = 'in_progress') = (finalised_at IS NULL) AND (finalised_at IS NULL) = (score IS NULL) AND (score IS NULL) = (passed IS NULL)",
            name=op.f("ck_theory_mock_tests_finalised_consistent"),
        ),
        sa.CheckConstraint(
            "status IN ('in_progress', 'submitted', 'expired')",
            name=op.f("ck_theory_mock_tests_status_values"),
        ),
        sa.CheckConstraint(
            "expires_at > started_at", name=op.f("ck_theory_mock_tests_expires_after_start")
        ),
        sa.CheckConstraint(
            "pass_mark BETWEEN 1 AND question_count",
            name=op.f("ck_theory_mock_tests_pass_mark_range"),
        ),
        sa.CheckConstraint(
            "question_count BETWEEN 14 AND 100",
            name=op.f("ck_theory_mock_tests_question_count_range"),
        ),
        sa.CheckConstraint(
            "score IS NULL OR score BETWEEN 0 AND question_count",
            name=op.f("ck_theory_mock_tests_score_range"),
        ),
        sa.CheckConstraint(
            "time_limit_seconds BETWEEN 300 AND 10800",
            name=op.f("ck_theory_mock_tests_time_limit_range"),
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_theory_mock_tests_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["users.id"],
            name=op.f("fk_theory_mock_tests_student_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theory_mock_tests")),
    )
    op.create_index(
        "ix_theory_mock_tests_open_expiry",
        "theory_mock_tests",
        ["expires_at"],
        unique=False,
        postgresql_where=sa.text("status = 'in_progress'"),
    )
    op.create_index(
        "ix_theory_mock_tests_school_id", "theory_mock_tests", ["school_id"], unique=False
    )
    op.create_index(
        "ix_theory_mock_tests_student_created",
        "theory_mock_tests",
        ["student_id", "created_at", "id"],
        unique=False,
    )
    op.create_index(
        "uq_theory_mock_tests_open_per_student",
        "theory_mock_tests",
        ["student_id"],
        unique=True,
        postgresql_where=sa.text("status = 'in_progress'"),
    )
    op.create_table(
        "theory_questions",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=True),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("category_id", sa.UUID(), nullable=False),
        sa.Column("source_id", sa.UUID(), nullable=True),
        sa.Column("question_type", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("media_kind", sa.String(length=10), nullable=True),
        sa.Column("media_url", sa.String(length=2000), nullable=True),
        sa.Column("media_description", sa.String(length=500), nullable=True),
        sa.Column("options", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("answer", postgresql.ARRAY(sa.String(length=1)), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("difficulty", sa.String(length=10), nullable=False),
        sa.Column("reference", sa.String(length=300), nullable=False),
        sa.Column(
            "tags",
            postgresql.ARRAY(sa.String(length=40)),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
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
            "CASE question_type WHEN 'single_choice' THEN cardinality(answer) = 1 ELSE cardinality(answer) BETWEEN 2 AND 5 END",
            name=op.f("ck_theory_questions_answer_count"),
        ),
        sa.CheckConstraint(
            "difficulty IN ('easy', 'medium', 'hard')",
            name=op.f("ck_theory_questions_difficulty_values"),
        ),
        sa.CheckConstraint(
            "external_id ~ '^[A-Za-z0-9._-]{3,100}$'",
            name=op.f("ck_theory_questions_external_id_format"),
        ),
        sa.CheckConstraint(
            "jsonb_typeof(options) = 'array' AND jsonb_array_length(options) BETWEEN 2 AND 6",
            name=op.f("ck_theory_questions_options_count"),
        ),
        sa.CheckConstraint(
            "media_kind IS NULL OR media_kind IN ('image', 'video')",
            name=op.f("ck_theory_questions_media_kind_values"),
        ),
        sa.CheckConstraint(
            "question_type IN ('single_choice', 'multiple_response')",
            name=op.f("ck_theory_questions_type_values"),
        ),
        sa.CheckConstraint(
            "(media_kind IS NULL) = (media_url IS NULL)",
            name=op.f("ck_theory_questions_media_complete"),
        ),
        sa.CheckConstraint("cardinality(tags) <= 10", name=op.f("ck_theory_questions_tag_count")),
        sa.CheckConstraint(
            "char_length(explanation) BETWEEN 1 AND 2000",
            name=op.f("ck_theory_questions_explanation_length"),
        ),
        sa.CheckConstraint(
            "char_length(text) BETWEEN 1 AND 1000", name=op.f("ck_theory_questions_text_length")
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["theory_categories.id"],
            name=op.f("fk_theory_questions_category_id_theory_categories"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_theory_questions_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["theory_sources.id"],
            name=op.f("fk_theory_questions_source_id_theory_sources"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theory_questions")),
    )
    op.create_index(
        "ix_theory_questions_category_active",
        "theory_questions",
        ["category_id", "active"],
        unique=False,
    )
    op.create_index(
        op.f("ix_theory_questions_school_id"), "theory_questions", ["school_id"], unique=False
    )
    op.create_index(
        op.f("ix_theory_questions_source_id"), "theory_questions", ["source_id"], unique=False
    )
    op.create_index(
        "uq_theory_questions_school_external_id",
        "theory_questions",
        ["school_id", "external_id"],
        unique=True,
        postgresql_where=sa.text("school_id IS NOT NULL"),
    )
    op.create_index(
        "uq_theory_questions_shared_external_id",
        "theory_questions",
        ["external_id"],
        unique=True,
        postgresql_where=sa.text("school_id IS NULL"),
    )
    op.create_table(
        "theory_test_formats",
        sa.Column("school_id", sa.UUID(), nullable=False),
        sa.Column("question_count", sa.SmallInteger(), nullable=False),
        sa.Column("time_limit_minutes", sa.SmallInteger(), nullable=False),
        sa.Column("pass_mark", sa.SmallInteger(), nullable=False),
        sa.Column("updated_by_id", sa.UUID(), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "pass_mark BETWEEN 1 AND question_count",
            name=op.f("ck_theory_test_formats_pass_mark_range"),
        ),
        sa.CheckConstraint(
            "question_count BETWEEN 14 AND 100",
            name=op.f("ck_theory_test_formats_question_count_range"),
        ),
        sa.CheckConstraint(
            "time_limit_minutes BETWEEN 5 AND 180",
            name=op.f("ck_theory_test_formats_time_limit_range"),
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_theory_test_formats_school_id_schools"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_theory_test_formats_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("school_id", name=op.f("pk_theory_test_formats")),
    )
    op.create_table(
        "theory_topic_progress",
        sa.Column("student_id", sa.UUID(), nullable=False),
        sa.Column("category_id", sa.UUID(), nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=False),
        sa.Column("attempted", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("correct", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("total_time_ms", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_practised_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "correct BETWEEN 0 AND attempted",
            name=op.f("ck_theory_topic_progress_correct_within_attempted"),
        ),
        sa.CheckConstraint(
            "total_time_ms >= 0", name=op.f("ck_theory_topic_progress_time_nonnegative")
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["theory_categories.id"],
            name=op.f("fk_theory_topic_progress_category_id_theory_categories"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_theory_topic_progress_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["users.id"],
            name=op.f("fk_theory_topic_progress_student_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("student_id", "category_id", name=op.f("pk_theory_topic_progress")),
    )
    op.create_index(
        op.f("ix_theory_topic_progress_school_id"),
        "theory_topic_progress",
        ["school_id"],
        unique=False,
    )
    op.create_table(
        "theory_hazard_clip_hazards",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("clip_id", sa.UUID(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("windows_ms", postgresql.ARRAY(sa.Integer()), nullable=False),
        sa.CheckConstraint(
            "cardinality(windows_ms) = 6 AND windows_ms[1] >= 0 AND windows_ms[1] < windows_ms[2] AND windows_ms[2] < windows_ms[3] AND windows_ms[3] < windows_ms[4] AND windows_ms[4] < windows_ms[5] AND windows_ms[5] < windows_ms[6]",
            name=op.f("ck_theory_hazard_clip_hazards_windows_increasing"),
        ),
        sa.CheckConstraint(
            "position IN (1, 2)", name=op.f("ck_theory_hazard_clip_hazards_position_values")
        ),
        sa.ForeignKeyConstraint(
            ["clip_id"],
            ["theory_hazard_clips.id"],
            name=op.f("fk_theory_hazard_clip_hazards_clip_id_theory_hazard_clips"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theory_hazard_clip_hazards")),
    )
    op.create_index(
        "uq_theory_hazard_clip_hazards_clip_position",
        "theory_hazard_clip_hazards",
        ["clip_id", "position"],
        unique=True,
    )
    op.create_table(
        "theory_hazard_test_clips",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=False),
        sa.Column("test_id", sa.UUID(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("clip_id", sa.UUID(), nullable=False),
        sa.Column("clicks_ms", postgresql.ARRAY(sa.Integer()), nullable=True),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("score", sa.SmallInteger(), nullable=True),
        sa.Column("hazard_scores", postgresql.ARRAY(sa.SmallInteger()), nullable=True),
        sa.Column("disqualified", sa.String(length=20), nullable=True),
        sa.CheckConstraint(
            "disqualified IS NULL OR disqualified IN ('too_many_clicks', 'click_burst', 'regular_clicking')",
            name=op.f("ck_theory_hazard_test_clips_disqualified_values"),
        ),
        sa.CheckConstraint(
            "(responded_at IS NULL) = (clicks_ms IS NULL) AND (clicks_ms IS NULL) = (score IS NULL)",
            name=op.f("ck_theory_hazard_test_clips_response_complete"),
        ),
        sa.CheckConstraint(
            "position >= 1", name=op.f("ck_theory_hazard_test_clips_position_positive")
        ),
        sa.CheckConstraint(
            "score IS NULL OR score BETWEEN 0 AND 10",
            name=op.f("ck_theory_hazard_test_clips_score_range"),
        ),
        sa.ForeignKeyConstraint(
            ["clip_id"],
            ["theory_hazard_clips.id"],
            name=op.f("fk_theory_hazard_test_clips_clip_id_theory_hazard_clips"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_theory_hazard_test_clips_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["test_id"],
            ["theory_hazard_tests.id"],
            name=op.f("fk_theory_hazard_test_clips_test_id_theory_hazard_tests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theory_hazard_test_clips")),
    )
    op.create_index(
        op.f("ix_theory_hazard_test_clips_clip_id"),
        "theory_hazard_test_clips",
        ["clip_id"],
        unique=False,
    )
    op.create_index(
        "uq_theory_hazard_test_clips_test_clip",
        "theory_hazard_test_clips",
        ["test_id", "clip_id"],
        unique=True,
    )
    op.create_index(
        "uq_theory_hazard_test_clips_test_position",
        "theory_hazard_test_clips",
        ["test_id", "position"],
        unique=True,
    )
    op.create_table(
        "theory_mock_test_questions",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=False),
        sa.Column("test_id", sa.UUID(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("question_id", sa.UUID(), nullable=False),
        sa.Column("category_id", sa.UUID(), nullable=False),
        sa.Column("is_video", sa.Boolean(), nullable=False),
        sa.Column("selected", postgresql.ARRAY(sa.String(length=1)), nullable=True),
        sa.Column("is_correct", sa.Boolean(), nullable=True),
        sa.Column("flagged", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("time_spent_ms", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("answer_changes", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.CheckConstraint(
            "(selected IS NULL) = (is_correct IS NULL)",
            name=op.f("ck_theory_mock_test_questions_answer_complete"),
        ),
        sa.CheckConstraint(
            "position >= 1", name=op.f("ck_theory_mock_test_questions_position_positive")
        ),
        sa.CheckConstraint(
            "selected IS NULL OR cardinality(selected) >= 1",
            name=op.f("ck_theory_mock_test_questions_selected_nonempty"),
        ),
        sa.CheckConstraint(
            "time_spent_ms >= 0 AND answer_changes >= 0",
            name=op.f("ck_theory_mock_test_questions_counters_nonnegative"),
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["theory_categories.id"],
            name=op.f("fk_theory_mock_test_questions_category_id_theory_categories"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["theory_questions.id"],
            name=op.f("fk_theory_mock_test_questions_question_id_theory_questions"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_theory_mock_test_questions_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["test_id"],
            ["theory_mock_tests.id"],
            name=op.f("fk_theory_mock_test_questions_test_id_theory_mock_tests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theory_mock_test_questions")),
    )
    op.create_index(
        op.f("ix_theory_mock_test_questions_question_id"),
        "theory_mock_test_questions",
        ["question_id"],
        unique=False,
    )
    op.create_index(
        "uq_theory_mock_test_questions_test_position",
        "theory_mock_test_questions",
        ["test_id", "position"],
        unique=True,
    )
    op.create_index(
        "uq_theory_mock_test_questions_test_question",
        "theory_mock_test_questions",
        ["test_id", "question_id"],
        unique=True,
    )
    op.create_table(
        "theory_practice_answers",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=False),
        sa.Column("student_id", sa.UUID(), nullable=False),
        sa.Column("question_id", sa.UUID(), nullable=False),
        sa.Column("category_id", sa.UUID(), nullable=False),
        sa.Column("selected", postgresql.ARRAY(sa.String(length=1)), nullable=False),
        sa.Column("is_correct", sa.Boolean(), nullable=False),
        sa.Column("time_spent_ms", sa.Integer(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "cardinality(selected) >= 1", name=op.f("ck_theory_practice_answers_selected_nonempty")
        ),
        sa.CheckConstraint(
            "time_spent_ms >= 0", name=op.f("ck_theory_practice_answers_time_nonnegative")
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["theory_categories.id"],
            name=op.f("fk_theory_practice_answers_category_id_theory_categories"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["theory_questions.id"],
            name=op.f("fk_theory_practice_answers_question_id_theory_questions"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_theory_practice_answers_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["users.id"],
            name=op.f("fk_theory_practice_answers_student_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theory_practice_answers")),
    )
    op.create_index(
        op.f("ix_theory_practice_answers_question_id"),
        "theory_practice_answers",
        ["question_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_theory_practice_answers_school_id"),
        "theory_practice_answers",
        ["school_id"],
        unique=False,
    )
    op.create_index(
        "ix_theory_practice_answers_student_time",
        "theory_practice_answers",
        ["student_id", "answered_at"],
        unique=False,
    )
    # The 14 topics of the UK car theory test (services/theory/topics.py), so admins can
    # add questions before any bank is imported.
    categories = sa.table(
        "theory_categories",
        sa.column("code", sa.String),
        sa.column("name", sa.String),
        sa.column("display_order", sa.SmallInteger),
    )
    op.bulk_insert(
        categories,
        [
            {"code": code, "name": name, "display_order": order}
            for order, (code, name) in enumerate(TOPICS, start=1)
        ],
    )


def downgrade() -> None:
    # Dropping a table drops its indexes and constraints; children before parents.
    for table in (
        "theory_practice_answers",
        "theory_mock_test_questions",
        "theory_hazard_test_clips",
        "theory_hazard_clip_hazards",
        "theory_topic_progress",
        "theory_test_formats",
        "theory_questions",
        "theory_mock_tests",
        "theory_hazard_tests",
        "theory_hazard_clips",
        "theory_sources",
        "theory_categories",
    ):
        op.drop_table(table)
