"""Instructor assignments: loaders, thin resolvers and the live feed."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.assignments import InstructorAssignment
from resolvers.context import Info
from resolvers.loaders import SessionLoader
from resolvers.pagination import Page, paginate
from services import assignments
from services.actor import Role
from subscriptions.envelope import user_key
from subscriptions.feeds import follow


class AssignmentByIdLoader(SessionLoader[uuid.UUID, InstructorAssignment | None]):
    async def load_batch(
        self, session: AsyncSession, keys: list[uuid.UUID]
    ) -> list[InstructorAssignment | None]:
        if self.actor is None:
            return [None] * len(keys)
        rows = await session.scalars(
            select(InstructorAssignment).where(
                InstructorAssignment.id.in_(keys), assignments.visible_assignments(self.actor)
            )
        )
        found = {row.id: row for row in rows}
        return [found.get(key) for key in keys]


class _ActiveAssignmentsLoader(SessionLoader[uuid.UUID, list[InstructorAssignment]]):
    # A column *name*: a mapped attribute stored on the loader class would act as a
    # descriptor and fail when read through the (unmapped) loader instance.
    column: str

    async def load_batch(
        self, session: AsyncSession, keys: list[uuid.UUID]
    ) -> list[list[InstructorAssignment]]:
        if self.actor is None:
            return [[] for _ in keys]
        column = getattr(InstructorAssignment, self.column)
        rows = await session.scalars(
            select(InstructorAssignment)
            .where(
                column.in_(keys),
                InstructorAssignment.status == "active",
                assignments.visible_assignments(self.actor),
            )
            .order_by(InstructorAssignment.priority, InstructorAssignment.created_at)
        )
        grouped: dict[uuid.UUID, list[InstructorAssignment]] = defaultdict(list)
        for row in rows:
            grouped[getattr(row, self.column)].append(row)
        return [grouped.get(key, []) for key in keys]


class AssignmentsByStudentLoader(_ActiveAssignmentsLoader):
    """A student's live assignments that the actor may see."""

    column = "student_id"


class AssignmentsByInstructorLoader(_ActiveAssignmentsLoader):
    """An instructor's live assignments that the actor may see."""

    column = "instructor_id"


async def assignment(info: Info, assignment_id: uuid.UUID) -> InstructorAssignment | None:
    info.context.require_actor()
    return await info.context.loaders[AssignmentByIdLoader].load(assignment_id)


async def list_assignments(
    info: Info,
    *,
    first: int,
    after: str | None,
    student_id: uuid.UUID | None,
    instructor_id: uuid.UUID | None,
    include_ended: bool,
) -> Page[InstructorAssignment]:
    actor = info.context.require_actor()
    stmt = select(InstructorAssignment).where(assignments.visible_assignments(actor))
    if student_id is not None:
        stmt = stmt.where(InstructorAssignment.student_id == student_id)
    if instructor_id is not None:
        stmt = stmt.where(InstructorAssignment.instructor_id == instructor_id)
    if not include_ended:
        stmt = stmt.where(InstructorAssignment.status == "active")
    async with info.context.state.db.session() as session:
        return await paginate(
            session,
            stmt,
            sort=InstructorAssignment.created_at,
            id_column=InstructorAssignment.id,
            first=first,
            after=after,
            max_page_size=info.context.state.max_page_size,
        )


async def my_assignments(info: Info) -> list[InstructorAssignment]:
    actor = info.context.require_actor()
    loader = (
        AssignmentsByInstructorLoader
        if actor.role is Role.INSTRUCTOR
        else AssignmentsByStudentLoader
    )
    return await info.context.loaders[loader].load(actor.user_id)


async def assign_instructor(info: Info, **fields: Any) -> InstructorAssignment:
    actor = info.context.require_actor()
    async with info.context.unit_of_work() as uow:
        return await assignments.assign_instructor(uow, actor, **fields)


async def update_assignment(
    info: Info, assignment_id: uuid.UUID, **fields: Any
) -> InstructorAssignment:
    actor = info.context.require_actor()
    async with info.context.unit_of_work() as uow:
        return await assignments.update_assignment(uow, actor, assignment_id, **fields)


async def end_assignment(
    info: Info, assignment_id: uuid.UUID, reason: str | None
) -> InstructorAssignment:
    actor = info.context.require_actor()
    async with info.context.unit_of_work() as uow:
        return await assignments.end_assignment(uow, actor, assignment_id, reason)


async def my_assignment_events(
    info: Info, after: int | None
) -> AsyncIterator[tuple[int, str, InstructorAssignment]]:
    """(event id, event type, assignment) for each change to an assignment involving the actor."""
    context = info.context
    actor = context.require_actor()
    async for envelope in follow(
        context.state.hub, context.state.db, {user_key(actor.user_id)}, after
    ):
        if envelope.type not in assignments.EVENT_TYPES:
            continue
        context.fresh_loaders_for_event()
        current = await context.loaders[AssignmentByIdLoader].load(envelope.entity_id)
        # Re-authorise: the subscriber must still be a party to the assignment.
        if current is None or actor.user_id not in (current.student_id, current.instructor_id):
            continue
        yield envelope.id, envelope.type, current
