"""Transaction-scoped advisory locks that order a student's practice against their mock tests.

Practice reveals answers, so it must not overlap a running mock test. Answering in practice
takes the student's lock shared (practice answers do not wait for each other); starting a
mock test takes it exclusively, so a practice answer either commits before the test exists
or sees the running test and is refused.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession


def _key(student_id: uuid.UUID) -> object:
    return func.hashtextextended(f"theory-student:{student_id}", 0)


async def lock_for_practice(session: AsyncSession, student_id: uuid.UUID) -> None:
    await session.execute(select(func.pg_advisory_xact_lock_shared(_key(student_id))))


async def lock_for_mock_test(session: AsyncSession, student_id: uuid.UUID) -> None:
    await session.execute(select(func.pg_advisory_xact_lock(_key(student_id))))
