"""Theory test practice (SPEC §4): the question bank, practice, mock tests, hazard
perception and per-topic progress.

Banks: a row with ``school_id IS NULL`` belongs to the platform's shared bank; a row with
a school belongs to that school's own bank, seen only by that school. A question's
``external_id`` is its stable key in the import/export format, unique within its bank.

Tests snapshot their format (question count, time limit, pass mark) when they start,
and keep every answer on the test's own question rows: one row per question of the
test, so concurrent submissions for one question can only ever update that row.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

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
)
from sqlalchemy import text as sql
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from models.base import UUIDPK, Base, CreatedAt, Timestamp, TimestampMixin, school_fk, user_fk

QUESTION_TYPES = ("single_choice", "multiple_response")
DIFFICULTIES = ("easy", "medium", "hard")
MEDIA_KINDS = ("image", "video")
TEST_STATUSES = ("in_progress", "submitted", "expired")
EXTERNAL_ID_PATTERN = "^[A-Za-z0-9._-]{3,100}$"


def _bank_school_fk() -> Mapped[uuid.UUID | None]:
    """NULL: the platform's shared bank; a school: that school's own bank."""
    return mapped_column(
        UUID(as_uuid=True), ForeignKey("schools.id", ondelete="RESTRICT"), index=True
    )


def _per_bank_unique(table: str, column: str) -> tuple[Index, Index]:
    """``column`` unique within the shared bank and within each school's bank."""
    return (
        Index(
            f"uq_{table}_shared_{column}",
            column,
            unique=True,
            postgresql_where=sql("school_id IS NULL"),
        ),
        Index(
            f"uq_{table}_school_{column}",
            "school_id",
            column,
            unique=True,
            postgresql_where=sql("school_id IS NOT NULL"),
        ),
    )


class TheoryCategory(TimestampMixin, Base):
    """One of the 14 topics of the UK car theory test. Platform-wide."""

    __tablename__ = "theory_categories"
    __table_args__ = (
        CheckConstraint("code ~ '^[a-z][a-z_]{1,59}$'", name="code_format"),
        CheckConstraint("display_order BETWEEN 1 AND 100", name="order_range"),
        CheckConstraint("char_length(name) BETWEEN 1 AND 100", name="name_length"),
    )

    id: Mapped[UUIDPK]
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    display_order: Mapped[int] = mapped_column(SmallInteger)
    active: Mapped[bool] = mapped_column(Boolean, server_default=sql("true"))


class TheorySource(Base):
    """Where a bank's content came from: the sample bank, a licensed bank, a school's own."""

    __tablename__ = "theory_sources"
    __table_args__ = (
        *_per_bank_unique("theory_sources", "name"),
        CheckConstraint("char_length(name) BETWEEN 1 AND 200", name="name_length"),
    )

    id: Mapped[UUIDPK]
    school_id: Mapped[uuid.UUID | None] = _bank_school_fk()
    name: Mapped[str] = mapped_column(String(200))
    official: Mapped[bool] = mapped_column(Boolean)
    notice: Mapped[str | None] = mapped_column(Text)
    imported_at: Mapped[CreatedAt]


class TheoryQuestion(TimestampMixin, Base):
    """A multiple-choice question: single choice, or multiple response (mark N of up to 6)."""

    __tablename__ = "theory_questions"
    __table_args__ = (
        *_per_bank_unique("theory_questions", "external_id"),
        CheckConstraint(f"external_id ~ '{EXTERNAL_ID_PATTERN}'", name="external_id_format"),
        CheckConstraint(f"question_type IN {QUESTION_TYPES}", name="type_values"),
        CheckConstraint(f"difficulty IN {DIFFICULTIES}", name="difficulty_values"),
        CheckConstraint(
            f"media_kind IS NULL OR media_kind IN {MEDIA_KINDS}", name="media_kind_values"
        ),
        CheckConstraint("(media_kind IS NULL) = (media_url IS NULL)", name="media_complete"),
        CheckConstraint("char_length(text) BETWEEN 1 AND 1000", name="text_length"),
        CheckConstraint("char_length(explanation) BETWEEN 1 AND 2000", name="explanation_length"),
        CheckConstraint(
            "jsonb_typeof(options) = 'array' AND jsonb_array_length(options) BETWEEN 2 AND 6",
            name="options_count",
        ),
        CheckConstraint(
            "CASE question_type WHEN 'single_choice' THEN cardinality(answer) = 1 "
            "ELSE cardinality(answer) BETWEEN 2 AND 5 END",
            name="answer_count",
        ),
        CheckConstraint("cardinality(tags) <= 10", name="tag_count"),
        # The mock test draws per topic among active questions of the visible banks.
        Index("ix_theory_questions_category_active", "category_id", "active"),
    )

    id: Mapped[UUIDPK]
    school_id: Mapped[uuid.UUID | None] = _bank_school_fk()
    external_id: Mapped[str] = mapped_column(String(100))
    category_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("theory_categories.id", ondelete="RESTRICT")
    )
    source_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("theory_sources.id", ondelete="SET NULL"), index=True
    )
    question_type: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    media_kind: Mapped[str | None] = mapped_column(String(10))
    media_url: Mapped[str | None] = mapped_column(String(2000))
    media_description: Mapped[str | None] = mapped_column(String(500))
    # [{"key": "A", "text": "…"}, …], keys A… in order.
    options: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    answer: Mapped[list[str]] = mapped_column(ARRAY(String(1)))
    explanation: Mapped[str] = mapped_column(Text)
    difficulty: Mapped[str] = mapped_column(String(10))
    reference: Mapped[str] = mapped_column(String(300))
    tags: Mapped[list[str]] = mapped_column(ARRAY(String(40)), server_default=sql("'{}'"))
    active: Mapped[bool] = mapped_column(Boolean, server_default=sql("true"))


class HazardClip(TimestampMixin, Base):
    """Metadata of a hazard-perception clip (no video is stored: ``media_url`` points at it)."""

    __tablename__ = "theory_hazard_clips"
    __table_args__ = (
        *_per_bank_unique("theory_hazard_clips", "external_id"),
        CheckConstraint(f"external_id ~ '{EXTERNAL_ID_PATTERN}'", name="external_id_format"),
        CheckConstraint("duration_ms BETWEEN 1000 AND 600000", name="duration_range"),
        CheckConstraint("hazard_count IN (1, 2)", name="hazard_count_values"),
    )

    id: Mapped[UUIDPK]
    school_id: Mapped[uuid.UUID | None] = _bank_school_fk()
    external_id: Mapped[str] = mapped_column(String(100))
    source_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("theory_sources.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    media_url: Mapped[str] = mapped_column(String(2000))
    duration_ms: Mapped[int] = mapped_column(Integer)
    # Kept with the clip so a test can draw 13 one-hazard clips and one two-hazard clip
    # in one query; the importer writes it together with the hazards.
    hazard_count: Mapped[int] = mapped_column(SmallInteger)
    active: Mapped[bool] = mapped_column(Boolean, server_default=sql("true"))


class HazardClipHazard(Base):
    """A scoreable hazard: six increasing instants (ms) bound its five scoring windows."""

    __tablename__ = "theory_hazard_clip_hazards"
    __table_args__ = (
        Index("uq_theory_hazard_clip_hazards_clip_position", "clip_id", "position", unique=True),
        CheckConstraint("position IN (1, 2)", name="position_values"),
        CheckConstraint(
            "cardinality(windows_ms) = 6 AND windows_ms[1] >= 0"
            " AND windows_ms[1] < windows_ms[2] AND windows_ms[2] < windows_ms[3]"
            " AND windows_ms[3] < windows_ms[4] AND windows_ms[4] < windows_ms[5]"
            " AND windows_ms[5] < windows_ms[6]",
            name="windows_increasing",
        ),
    )

    id: Mapped[UUIDPK]
    clip_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("theory_hazard_clips.id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(SmallInteger)
    description: Mapped[str] = mapped_column(String(500))
    windows_ms: Mapped[list[int]] = mapped_column(ARRAY(Integer))


class TheoryTestFormat(Base):
    """A school's mock-test format; schools without a row use the real test's (50/57/43)."""

    __tablename__ = "theory_test_formats"
    __table_args__ = (
        CheckConstraint("question_count BETWEEN 14 AND 100", name="question_count_range"),
        CheckConstraint("time_limit_minutes BETWEEN 5 AND 180", name="time_limit_range"),
        CheckConstraint("pass_mark BETWEEN 1 AND question_count", name="pass_mark_range"),
    )

    school_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("schools.id", ondelete="CASCADE"), primary_key=True
    )
    question_count: Mapped[int] = mapped_column(SmallInteger)
    time_limit_minutes: Mapped[int] = mapped_column(SmallInteger)
    pass_mark: Mapped[int] = mapped_column(SmallInteger)
    updated_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    updated_at: Mapped[CreatedAt]


class _TimedTest:
    """What mock tests and hazard-perception tests share: the server's clock and the result."""

    id: Mapped[UUIDPK]
    school_id: Mapped[uuid.UUID] = school_fk(index=False)
    student_id: Mapped[uuid.UUID] = user_fk(index=False)
    status: Mapped[str] = mapped_column(String(12), server_default=sql("'in_progress'"))
    started_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    finalised_at: Mapped[Timestamp | None]
    score: Mapped[int | None] = mapped_column(SmallInteger)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    pass_mark: Mapped[int] = mapped_column(SmallInteger)
    created_at: Mapped[CreatedAt]


def _timed_test_args(table: str, maximum: str) -> tuple[Any, ...]:
    return (
        CheckConstraint(f"status IN {TEST_STATUSES}", name="status_values"),
        CheckConstraint("expires_at > started_at", name="expires_after_start"),
        CheckConstraint(
            "(status = 'in_progress') = (finalised_at IS NULL)"
            " AND (finalised_at IS NULL) = (score IS NULL)"
            " AND (score IS NULL) = (passed IS NULL)",
            name="finalised_consistent",
        ),
        CheckConstraint(f"score IS NULL OR score BETWEEN 0 AND {maximum}", name="score_range"),
        CheckConstraint(f"pass_mark BETWEEN 1 AND {maximum}", name="pass_mark_range"),
        # One open test per student: a second start (or a concurrent one) is refused.
        Index(
            f"uq_{table}_open_per_student",
            "student_id",
            unique=True,
            postgresql_where=sql("status = 'in_progress'"),
        ),
        Index(f"ix_{table}_student_created", "student_id", "created_at", "id"),
        # The periodic finaliser reads only open tests, oldest deadline first.
        Index(
            f"ix_{table}_open_expiry",
            "expires_at",
            postgresql_where=sql("status = 'in_progress'"),
        ),
        Index(f"ix_{table}_school_id", "school_id"),
    )


class MockTest(_TimedTest, Base):
    """A timed mock test drawn across every topic; its result is hidden until finalised."""

    __tablename__ = "theory_mock_tests"
    __table_args__ = (
        *_timed_test_args("theory_mock_tests", "question_count"),
        CheckConstraint("question_count BETWEEN 14 AND 100", name="question_count_range"),
        CheckConstraint("time_limit_seconds BETWEEN 300 AND 10800", name="time_limit_range"),
    )

    question_count: Mapped[int] = mapped_column(SmallInteger)
    time_limit_seconds: Mapped[int] = mapped_column(Integer)


class MockTestQuestion(Base):
    """A question of one mock test, with the student's answer (one row per question, ever)."""

    __tablename__ = "theory_mock_test_questions"
    __table_args__ = (
        Index("uq_theory_mock_test_questions_test_position", "test_id", "position", unique=True),
        # 50 distinct questions: a question appears at most once in a test.
        Index("uq_theory_mock_test_questions_test_question", "test_id", "question_id", unique=True),
        CheckConstraint("position >= 1", name="position_positive"),
        CheckConstraint("(selected IS NULL) = (is_correct IS NULL)", name="answer_complete"),
        CheckConstraint("selected IS NULL OR cardinality(selected) >= 1", name="selected_nonempty"),
        CheckConstraint("time_spent_ms >= 0 AND answer_changes >= 0", name="counters_nonnegative"),
    )

    id: Mapped[UUIDPK]
    school_id: Mapped[uuid.UUID] = school_fk(index=False)
    test_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("theory_mock_tests.id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(SmallInteger)
    question_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("theory_questions.id", ondelete="RESTRICT"), index=True
    )
    category_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("theory_categories.id", ondelete="RESTRICT")
    )
    is_video: Mapped[bool] = mapped_column(Boolean)
    selected: Mapped[list[str] | None] = mapped_column(ARRAY(String(1)))
    # Computed when the answer is given and never shown before the test is finalised, so a
    # later edit of the question cannot change a result already earned.
    is_correct: Mapped[bool | None] = mapped_column(Boolean)
    flagged: Mapped[bool] = mapped_column(Boolean, server_default=sql("false"))
    answered_at: Mapped[Timestamp | None]
    time_spent_ms: Mapped[int] = mapped_column(Integer, server_default=sql("0"))
    answer_changes: Mapped[int] = mapped_column(Integer, server_default=sql("0"))


class PracticeAnswer(Base):
    """One answer given in topic practice (immediate feedback); kept as history."""

    __tablename__ = "theory_practice_answers"
    __table_args__ = (
        Index("ix_theory_practice_answers_student_time", "student_id", "answered_at"),
        CheckConstraint("cardinality(selected) >= 1", name="selected_nonempty"),
        CheckConstraint("time_spent_ms >= 0", name="time_nonnegative"),
    )

    id: Mapped[UUIDPK]
    school_id: Mapped[uuid.UUID] = school_fk()
    student_id: Mapped[uuid.UUID] = user_fk(index=False)
    question_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("theory_questions.id", ondelete="RESTRICT"), index=True
    )
    category_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("theory_categories.id", ondelete="RESTRICT")
    )
    selected: Mapped[list[str]] = mapped_column(ARRAY(String(1)))
    is_correct: Mapped[bool] = mapped_column(Boolean)
    time_spent_ms: Mapped[int] = mapped_column(Integer)
    answered_at: Mapped[datetime]


class TopicProgress(Base):
    """Running totals per student and topic: practice answers and finalised mock tests."""

    __tablename__ = "theory_topic_progress"
    __table_args__ = (
        CheckConstraint("correct BETWEEN 0 AND attempted", name="correct_within_attempted"),
        CheckConstraint("total_time_ms >= 0", name="time_nonnegative"),
    )

    student_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="RESTRICT"), primary_key=True
    )
    category_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True),
        ForeignKey("theory_categories.id", ondelete="RESTRICT"),
        primary_key=True,
    )
    school_id: Mapped[uuid.UUID] = school_fk()
    attempted: Mapped[int] = mapped_column(Integer, server_default=sql("0"))
    correct: Mapped[int] = mapped_column(Integer, server_default=sql("0"))
    total_time_ms: Mapped[int] = mapped_column(BigInteger, server_default=sql("0"))
    last_practised_at: Mapped[datetime]


class HazardTest(_TimedTest, Base):
    """A hazard-perception test: 14 clips with 15 hazards, 0 to 5 points each."""

    __tablename__ = "theory_hazard_tests"
    __table_args__ = (
        *_timed_test_args("theory_hazard_tests", "max_score"),
        CheckConstraint("max_score BETWEEN 5 AND 100", name="max_score_range"),
    )

    max_score: Mapped[int] = mapped_column(SmallInteger)


class HazardTestClip(Base):
    """A clip of one hazard test with the student's clicks and (hidden) score."""

    __tablename__ = "theory_hazard_test_clips"
    __table_args__ = (
        Index("uq_theory_hazard_test_clips_test_position", "test_id", "position", unique=True),
        Index("uq_theory_hazard_test_clips_test_clip", "test_id", "clip_id", unique=True),
        CheckConstraint("position >= 1", name="position_positive"),
        CheckConstraint(
            "(responded_at IS NULL) = (clicks_ms IS NULL)"
            " AND (clicks_ms IS NULL) = (score IS NULL)",
            name="response_complete",
        ),
        CheckConstraint("score IS NULL OR score BETWEEN 0 AND 10", name="score_range"),
        CheckConstraint(
            "disqualified IS NULL OR disqualified IN ('too_many_clicks', 'click_burst', "
            "'regular_clicking')",
            name="disqualified_values",
        ),
    )

    id: Mapped[UUIDPK]
    school_id: Mapped[uuid.UUID] = school_fk(index=False)
    test_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("theory_hazard_tests.id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(SmallInteger)
    clip_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("theory_hazard_clips.id", ondelete="RESTRICT"), index=True
    )
    clicks_ms: Mapped[list[int] | None] = mapped_column(ARRAY(Integer))
    responded_at: Mapped[Timestamp | None]
    score: Mapped[int | None] = mapped_column(SmallInteger)
    # Per hazard, in position order: 0 to 5 each (all zero when disqualified).
    hazard_scores: Mapped[list[int] | None] = mapped_column(ARRAY(SmallInteger))
    disqualified: Mapped[str | None] = mapped_column(String(20))
