"""Progress and readiness: reads through the progress loader, and the live feed."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

from models.theory import HazardTest, MockTest
from resolvers.context import Info
from resolvers.theory.loaders import (
    HazardTestByIdLoader,
    MockTestByIdLoader,
    ProgressByStudentLoader,
)
from services.errors import CommonErrorCode, DomainError
from services.theory import hazard_tests, mock_tests
from services.theory.progress import ProgressView
from subscriptions.envelope import user_key
from subscriptions.feeds import follow

MAX_STUDENTS = 100
PROGRESS_EVENTS = (mock_tests.FINALISED, hazard_tests.FINALISED)


async def progress_of(info: Info, student_id: uuid.UUID | None) -> ProgressView | None:
    """A student's progress (yours when no student is named); None when you may not see it."""
    actor = info.context.require_actor()
    return await info.context.loaders[ProgressByStudentLoader].load(student_id or actor.user_id)


async def progress_of_many(info: Info, student_ids: list[uuid.UUID]) -> list[ProgressView | None]:
    info.context.require_actor()
    if len(student_ids) > MAX_STUDENTS:
        raise DomainError(
            CommonErrorCode.INVALID, f"At most {MAX_STUDENTS} students at once.", "studentIds"
        )
    return list(await info.context.loaders[ProgressByStudentLoader].load_many(student_ids))


@dataclass(frozen=True)
class ProgressEvent:
    event_id: int
    change: str
    progress: ProgressView
    mock_test: MockTest | None
    hazard_test: HazardTest | None


async def my_progress_events(info: Info, after: int | None) -> AsyncIterator[ProgressEvent]:
    """The actor's own progress, each time one of their tests is finalised."""
    context = info.context
    actor = context.require_actor()
    async for envelope in follow(
        context.state.hub, context.state.db, {user_key(actor.user_id)}, after
    ):
        if envelope.type not in PROGRESS_EVENTS:
            continue
        context.fresh_loaders_for_event()
        mock = hazard = None
        if envelope.type == mock_tests.FINALISED:
            mock = await context.loaders[MockTestByIdLoader].load(envelope.entity_id)
            owner = mock.student_id if mock else None
        else:
            hazard = await context.loaders[HazardTestByIdLoader].load(envelope.entity_id)
            owner = hazard.student_id if hazard else None
        # Re-authorise: only the student's own tests reach them.
        if owner != actor.user_id:
            continue
        view = await context.loaders[ProgressByStudentLoader].load(actor.user_id)
        if view is None:
            continue
        yield ProgressEvent(envelope.id, envelope.type, view, mock, hazard)
