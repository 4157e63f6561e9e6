"""Per-student, per-topic progress: running totals, and the view a progress reader gets.

Totals are kept in ``theory_topic_progress`` and changed only by atomic upserts that add
to them (a practice answer adds one; a finalised mock test adds its answered questions),
so concurrent changes never lose an update and reading progress costs the same for a
student with one test as for one with a hundred. Mock-test answers count only once the
test is finalised: a running total that moved with each mock answer would give away
whether the answer was right.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, literal, select
from sqlalchemy.dialects.postgresql import UUID, aggregate_order_by, insert
from sqlalchemy.ext.asyncio import AsyncSession

from models.theory import HazardTest, MockTest, MockTestQuestion, TheoryCategory, TopicProgress
from services.theory import readiness
from services.theory.readiness import (
    Readiness,
    Recommendation,
    TopicStatus,
    TopicTotals,
)


def _add(stmt: object) -> dict[str, object]:
    excluded = stmt.excluded  # type: ignore[attr-defined]
    return {
        "attempted": TopicProgress.attempted + excluded.attempted,
        "correct": TopicProgress.correct + excluded.correct,
        "total_time_ms": TopicProgress.total_time_ms + excluded.total_time_ms,
        "last_practised_at": func.greatest(
            TopicProgress.last_practised_at, excluded.last_practised_at
        ),
    }


async def add_practice_answer(
    session: AsyncSession,
    *,
    student_id: uuid.UUID,
    school_id: uuid.UUID,
    category_id: uuid.UUID,
    correct: bool,
    time_spent_ms: int,
    at: datetime,
) -> None:
    stmt = insert(TopicProgress).values(
        student_id=student_id,
        category_id=category_id,
        school_id=school_id,
        attempted=1,
        correct=int(correct),
        total_time_ms=time_spent_ms,
        last_practised_at=at,
    )
    await session.execute(
        stmt.on_conflict_do_update(index_elements=["student_id", "category_id"], set_=_add(stmt))
    )


async def add_mock_test(session: AsyncSession, test: MockTest) -> None:
    """Add a finalised test's answered questions to its student's totals (one statement)."""
    answered = (
        select(
            literal(test.student_id, UUID(as_uuid=True)).label("student_id"),
            MockTestQuestion.category_id,
            MockTestQuestion.school_id,
            func.count().label("attempted"),
            func.count().filter(MockTestQuestion.is_correct.is_(True)).label("correct"),
            func.sum(MockTestQuestion.time_spent_ms).label("total_time_ms"),
            func.max(MockTestQuestion.answered_at).label("last_practised_at"),
        )
        .where(MockTestQuestion.test_id == test.id, MockTestQuestion.selected.is_not(None))
        .group_by(MockTestQuestion.category_id, MockTestQuestion.school_id)
    )
    stmt = insert(TopicProgress).from_select(
        [
            "student_id",
            "category_id",
            "school_id",
            "attempted",
            "correct",
            "total_time_ms",
            "last_practised_at",
        ],
        answered,
    )
    await session.execute(
        stmt.on_conflict_do_update(index_elements=["student_id", "category_id"], set_=_add(stmt))
    )


# -- reading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TopicView:
    category: TheoryCategory
    attempted: int
    correct: int
    total_time_ms: int
    last_practised_at: datetime | None

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.attempted if self.attempted else None

    @property
    def average_time_ms(self) -> int | None:
        return round(self.total_time_ms / self.attempted) if self.attempted else None

    @property
    def estimate(self) -> float:
        return readiness.topic_estimate(self.attempted, self.correct)

    @property
    def status(self) -> TopicStatus:
        return readiness.topic_status(self.attempted, self.correct)


@dataclass(frozen=True)
class TestSummary:
    taken: int = 0
    passed: int = 0
    best_score: int | None = None
    last_score: int | None = None
    last_finalised_at: datetime | None = None
    recent_ratios: tuple[float, ...] = ()


@dataclass(frozen=True)
class ProgressView:
    student_id: uuid.UUID
    topics: list[TopicView]
    mock_tests: TestSummary
    hazard_tests: TestSummary
    readiness: Readiness
    recommendations: list[Recommendation] = field(default_factory=list)

    @property
    def id(self) -> uuid.UUID:
        """A student has one progress, identified by the student."""
        return self.student_id

    @property
    def attempted(self) -> int:
        return sum(t.attempted for t in self.topics)

    @property
    def correct(self) -> int:
        return sum(t.correct for t in self.topics)

    def with_status(self, status: TopicStatus) -> list[TopicView]:
        return [t for t in self.topics if t.status is status]


async def _test_summaries(
    session: AsyncSession, model: type[MockTest] | type[HazardTest], student_ids: list[uuid.UUID]
) -> dict[uuid.UUID, TestSummary]:
    """Per student: finalised tests taken, passed, best and last score, recent score ratios."""
    maximum = model.question_count if model is MockTest else model.max_score  # type: ignore[union-attr]
    newest_first = (model.finalised_at.desc(), model.id.desc())
    rows = await session.execute(
        select(
            model.student_id,
            func.count().filter(model.passed.is_(True)),
            func.array_agg(aggregate_order_by(model.score, *newest_first)),
            func.array_agg(aggregate_order_by(maximum, *newest_first)),
            func.max(model.finalised_at),
        )
        .where(model.student_id.in_(student_ids), model.status != "in_progress")
        .group_by(model.student_id)
    )
    summaries = {}
    for student, passed, scores, maxima, last_at in rows:
        summaries[student] = TestSummary(
            taken=len(scores),
            passed=passed,
            best_score=max(score for score in scores if score is not None),
            last_score=scores[0],
            last_finalised_at=last_at,
            recent_ratios=tuple(
                s / m for s, m in list(zip(scores, maxima, strict=True))[: readiness.MOCK_WINDOW]
            ),
        )
    return summaries


async def load_progress(
    session: AsyncSession, student_ids: list[uuid.UUID]
) -> dict[uuid.UUID, ProgressView]:
    """Progress of each student (four statements, however many students and tests)."""
    categories = list(
        await session.scalars(
            select(TheoryCategory)
            .where(TheoryCategory.active)
            .order_by(TheoryCategory.display_order)
        )
    )
    totals: dict[uuid.UUID, dict[uuid.UUID, TopicProgress]] = defaultdict(dict)
    for total in await session.scalars(
        select(TopicProgress).where(TopicProgress.student_id.in_(student_ids))
    ):
        totals[total.student_id][total.category_id] = total
    mocks = await _test_summaries(session, MockTest, student_ids)
    hazards = await _test_summaries(session, HazardTest, student_ids)
    views = {}
    for student_id in student_ids:
        topics = []
        for category in categories:
            row = totals[student_id].get(category.id)
            topics.append(
                TopicView(
                    category=category,
                    attempted=row.attempted if row else 0,
                    correct=row.correct if row else 0,
                    total_time_ms=row.total_time_ms if row else 0,
                    last_practised_at=row.last_practised_at if row else None,
                )
            )
        mock_summary = mocks.get(student_id, TestSummary())
        hazard_summary = hazards.get(student_id, TestSummary())
        views[student_id] = view_of(student_id, topics, mock_summary, hazard_summary)
    return views


def view_of(
    student_id: uuid.UUID, topics: list[TopicView], mocks: TestSummary, hazards: TestSummary
) -> ProgressView:
    totals = [TopicTotals(t.category.id, t.category.name, t.attempted, t.correct) for t in topics]
    if totals:
        result = readiness.readiness(totals, mocks.recent_ratios)
    else:  # no topics yet (an empty platform): nothing to be ready for
        result = Readiness(0.0, readiness.Level.LOW, 0.0, 0.0, 0.0, None)
    advice = readiness.recommendations(
        totals, result, mock_tests_taken=mocks.taken, hazard_tests_passed=hazards.passed
    )
    return ProgressView(student_id, topics, mocks, hazards, result, advice)
