"""Milestones are recorded once per user and kind — also when reported by several
requests at the same moment — and each is announced to its user exactly once."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import func, select

from models.achievements import Milestone
from models.events import OutboxEvent
from resolvers.context import AppState
from services.achievements import MILESTONE_REACHED, record_milestone
from services.uow import transact
from tests.support import SchoolWorld


async def _record(state: AppState, world: SchoolWorld, kind: str) -> bool:
    async def work(uow: object) -> bool:
        return await record_milestone(
            uow,  # type: ignore[arg-type]
            user_id=world.student.id,
            school_id=world.school.id,
            kind=kind,
        )

    return await transact(state.db, state.hub, state.deps, work)


async def _count(state: AppState, model: Any, *where: Any) -> int:
    async with state.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def test_a_milestone_reported_twice_is_recorded_and_announced_once(
    state: AppState, world: SchoolWorld
) -> None:
    assert await _record(state, world, "theory.first_mock_pass") is True
    assert await _record(state, world, "theory.first_mock_pass") is False

    assert await _count(state, Milestone, Milestone.user_id == world.student.id) == 1
    assert await _count(state, OutboxEvent, OutboxEvent.event_type == MILESTONE_REACHED) == 1


async def test_concurrent_reports_of_one_milestone_record_one_row(
    state: AppState, world: SchoolWorld
) -> None:
    results = await asyncio.gather(
        *(_record(state, world, "lessons.completed_10") for _ in range(20))
    )

    assert sorted(results) == [False] * 19 + [True]
    assert await _count(state, Milestone, Milestone.kind == "lessons.completed_10") == 1


@pytest.mark.parametrize("kind", ["", "first_pass", "Theory.pass", "theory.", "theory pass.x"])
async def test_a_malformed_kind_is_refused(state: AppState, world: SchoolWorld, kind: str) -> None:
    with pytest.raises(ValueError, match="milestone kinds"):
        await _record(state, world, kind)
    assert await _count(state, Milestone) == 0
