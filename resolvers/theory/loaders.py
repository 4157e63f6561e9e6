"""DataLoaders of the theory domain. Each applies the actor's visibility inside its batch
query: banks (shared + own school), and students' tests (``access.visible_students``)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.accounts import User
from models.theory import (
    HazardClip,
    HazardClipHazard,
    HazardTest,
    HazardTestClip,
    MockTest,
    MockTestQuestion,
    TheoryCategory,
    TheoryQuestion,
    TheorySource,
)
from resolvers.loaders import SessionLoader
from services.accounts import visible_users
from services.theory import access, clock, progress
from services.theory.progress import ProgressView


def _by_key(rows: Any, keys: list[Any], attribute: str = "id") -> list[Any]:
    found = {getattr(row, attribute): row for row in rows}
    return [found.get(key) for key in keys]


def _grouped(rows: Any, keys: list[Any], attribute: str) -> list[list[Any]]:
    groups: dict[Any, list[Any]] = defaultdict(list)
    for row in rows:
        groups[getattr(row, attribute)].append(row)
    return [groups.get(key, []) for key in keys]


class CategoryByIdLoader(SessionLoader[uuid.UUID, TheoryCategory | None]):
    """Topics are platform-wide: any signed-in user sees them."""

    async def load_batch(
        self, session: AsyncSession, keys: list[uuid.UUID]
    ) -> list[TheoryCategory | None]:
        if self.actor is None:
            return [None] * len(keys)
        return _by_key(
            await session.scalars(select(TheoryCategory).where(TheoryCategory.id.in_(keys))), keys
        )


class QuestionCountByCategoryLoader(SessionLoader[uuid.UUID, int]):
    """Active questions per topic in the banks the actor sees."""

    async def load_batch(self, session: AsyncSession, keys: list[uuid.UUID]) -> list[int]:
        if self.actor is None:
            return [0] * len(keys)
        rows = await session.execute(
            select(TheoryQuestion.category_id, func.count())
            .where(
                TheoryQuestion.category_id.in_(keys),
                TheoryQuestion.active,
                access.visible_bank(self.actor, TheoryQuestion.school_id),
            )
            .group_by(TheoryQuestion.category_id)
        )
        counts = dict(rows.all())
        return [counts.get(key, 0) for key in keys]


class QuestionByIdLoader(SessionLoader[uuid.UUID, TheoryQuestion | None]):
    """Questions of the banks the actor sees (retired ones too: finished tests show them)."""

    async def load_batch(
        self, session: AsyncSession, keys: list[uuid.UUID]
    ) -> list[TheoryQuestion | None]:
        if self.actor is None:
            return [None] * len(keys)
        rows = await session.scalars(
            select(TheoryQuestion).where(
                TheoryQuestion.id.in_(keys),
                access.visible_bank(self.actor, TheoryQuestion.school_id),
            )
        )
        return _by_key(rows, keys)


class SourceByIdLoader(SessionLoader[uuid.UUID, TheorySource | None]):
    async def load_batch(
        self, session: AsyncSession, keys: list[uuid.UUID]
    ) -> list[TheorySource | None]:
        if self.actor is None:
            return [None] * len(keys)
        rows = await session.scalars(
            select(TheorySource).where(
                TheorySource.id.in_(keys), access.visible_bank(self.actor, TheorySource.school_id)
            )
        )
        return _by_key(rows, keys)


class MockTestByIdLoader(SessionLoader[uuid.UUID, MockTest | None]):
    """Mock tests of students the actor may read about."""

    async def load_batch(
        self, session: AsyncSession, keys: list[uuid.UUID]
    ) -> list[MockTest | None]:
        if self.actor is None:
            return [None] * len(keys)
        rows = await session.scalars(
            select(MockTest).where(
                MockTest.id.in_(keys), access.visible_students(self.actor, MockTest.student_id)
            )
        )
        return _by_key(rows, keys)


class _RunningTestLoader(SessionLoader[uuid.UUID, bool]):
    """Whether each student has a test of this kind running now. While one runs, the
    answers of their earlier tests of that kind stay hidden from them, as practice is
    closed: either would answer the running test."""

    model: Any

    async def load_batch(self, session: AsyncSession, keys: list[uuid.UUID]) -> list[bool]:
        if self.actor is None:
            return [False] * len(keys)
        test = self.model
        running = set(
            await session.scalars(
                select(test.student_id).where(
                    test.student_id.in_(keys),
                    test.status == "in_progress",
                    test.expires_at > clock.utcnow(),
                    access.visible_students(self.actor, test.student_id),
                )
            )
        )
        return [key in running for key in keys]


class RunningMockTestLoader(_RunningTestLoader):
    model = MockTest


class RunningHazardTestLoader(_RunningTestLoader):
    model = HazardTest


class MockTestQuestionByIdLoader(SessionLoader[uuid.UUID, MockTestQuestion | None]):
    async def load_batch(
        self, session: AsyncSession, keys: list[uuid.UUID]
    ) -> list[MockTestQuestion | None]:
        if self.actor is None:
            return [None] * len(keys)
        rows = await session.scalars(
            select(MockTestQuestion)
            .join(MockTest, MockTest.id == MockTestQuestion.test_id)
            .where(
                MockTestQuestion.id.in_(keys),
                access.visible_students(self.actor, MockTest.student_id),
            )
        )
        return _by_key(rows, keys)


class MockTestQuestionsByTestLoader(SessionLoader[uuid.UUID, list[MockTestQuestion]]):
    """A test's questions in position order."""

    async def load_batch(
        self, session: AsyncSession, keys: list[uuid.UUID]
    ) -> list[list[MockTestQuestion]]:
        if self.actor is None:
            return [[] for _ in keys]
        rows = await session.scalars(
            select(MockTestQuestion)
            .join(MockTest, MockTest.id == MockTestQuestion.test_id)
            .where(
                MockTestQuestion.test_id.in_(keys),
                access.visible_students(self.actor, MockTest.student_id),
            )
            .order_by(MockTestQuestion.test_id, MockTestQuestion.position)
        )
        return _grouped(rows, keys, "test_id")


class HazardClipByIdLoader(SessionLoader[uuid.UUID, HazardClip | None]):
    async def load_batch(
        self, session: AsyncSession, keys: list[uuid.UUID]
    ) -> list[HazardClip | None]:
        if self.actor is None:
            return [None] * len(keys)
        rows = await session.scalars(
            select(HazardClip).where(
                HazardClip.id.in_(keys), access.visible_bank(self.actor, HazardClip.school_id)
            )
        )
        return _by_key(rows, keys)


class HazardsByClipLoader(SessionLoader[uuid.UUID, list[HazardClipHazard]]):
    """A clip's hazards and windows. Callers decide who may see them (managers, or a
    student reviewing a finalised test)."""

    async def load_batch(
        self, session: AsyncSession, keys: list[uuid.UUID]
    ) -> list[list[HazardClipHazard]]:
        if self.actor is None:
            return [[] for _ in keys]
        rows = await session.scalars(
            select(HazardClipHazard)
            .join(HazardClip, HazardClip.id == HazardClipHazard.clip_id)
            .where(
                HazardClipHazard.clip_id.in_(keys),
                access.visible_bank(self.actor, HazardClip.school_id),
            )
            .order_by(HazardClipHazard.clip_id, HazardClipHazard.position)
        )
        return _grouped(rows, keys, "clip_id")


class HazardTestByIdLoader(SessionLoader[uuid.UUID, HazardTest | None]):
    async def load_batch(
        self, session: AsyncSession, keys: list[uuid.UUID]
    ) -> list[HazardTest | None]:
        if self.actor is None:
            return [None] * len(keys)
        rows = await session.scalars(
            select(HazardTest).where(
                HazardTest.id.in_(keys), access.visible_students(self.actor, HazardTest.student_id)
            )
        )
        return _by_key(rows, keys)


class HazardTestClipByIdLoader(SessionLoader[uuid.UUID, HazardTestClip | None]):
    async def load_batch(
        self, session: AsyncSession, keys: list[uuid.UUID]
    ) -> list[HazardTestClip | None]:
        if self.actor is None:
            return [None] * len(keys)
        rows = await session.scalars(
            select(HazardTestClip)
            .join(HazardTest, HazardTest.id == HazardTestClip.test_id)
            .where(
                HazardTestClip.id.in_(keys),
                access.visible_students(self.actor, HazardTest.student_id),
            )
        )
        return _by_key(rows, keys)


class HazardTestClipsByTestLoader(SessionLoader[uuid.UUID, list[HazardTestClip]]):
    async def load_batch(
        self, session: AsyncSession, keys: list[uuid.UUID]
    ) -> list[list[HazardTestClip]]:
        if self.actor is None:
            return [[] for _ in keys]
        rows = await session.scalars(
            select(HazardTestClip)
            .join(HazardTest, HazardTest.id == HazardTestClip.test_id)
            .where(
                HazardTestClip.test_id.in_(keys),
                access.visible_students(self.actor, HazardTest.student_id),
            )
            .order_by(HazardTestClip.test_id, HazardTestClip.position)
        )
        return _grouped(rows, keys, "test_id")


class ProgressByStudentLoader(SessionLoader[uuid.UUID, ProgressView | None]):
    """Progress of students the actor may read about; anyone else loads as None."""

    async def load_batch(
        self, session: AsyncSession, keys: list[uuid.UUID]
    ) -> list[ProgressView | None]:
        if self.actor is None:
            return [None] * len(keys)
        visible = list(
            await session.scalars(
                select(User.id).where(
                    User.id.in_(keys),
                    User.role == "student",
                    visible_users(self.actor),
                )
            )
        )
        views = await progress.load_progress(session, visible) if visible else {}
        return [views.get(key) for key in keys]
