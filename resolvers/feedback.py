"""Lesson feedback: loaders and thin resolvers."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.feedback import LessonFeedback
from resolvers.context import Info
from resolvers.loaders import SessionLoader
from resolvers.pagination import Page, paginate
from services import feedback
from services.feedback import Rating


class FeedbackByIdLoader(SessionLoader[uuid.UUID, LessonFeedback | None]):
    async def load_batch(
        self, session: AsyncSession, keys: list[uuid.UUID]
    ) -> list[LessonFeedback | None]:
        if self.actor is None:
            return [None] * len(keys)
        rows = await session.scalars(feedback.feedback_by_ids(self.actor, keys))
        found = {row.id: row for row in rows}
        return [found.get(key) for key in keys]


class FeedbackByBookingLoader(SessionLoader[uuid.UUID, LessonFeedback | None]):
    """A booking's feedback, if the actor may see the booking."""

    async def load_batch(
        self, session: AsyncSession, keys: list[uuid.UUID]
    ) -> list[LessonFeedback | None]:
        if self.actor is None:
            return [None] * len(keys)
        rows = await session.scalars(feedback.feedback_for_bookings(self.actor, keys))
        found = {row.booking_id: row for row in rows}
        return [found.get(key) for key in keys]


class InstructorRatingLoader(SessionLoader[uuid.UUID, Rating | None]):
    """Instructors' average rating from their students, many instructors in one statement."""

    async def load_batch(self, session: AsyncSession, keys: list[uuid.UUID]) -> list[Rating | None]:
        if self.actor is None:
            return [None] * len(keys)
        found = await feedback.instructor_ratings(session, self.actor, keys)
        return [found.get(key) for key in keys]


async def lesson_feedback(info: Info, booking_id: uuid.UUID) -> LessonFeedback | None:
    info.context.require_actor()
    return await info.context.loaders[FeedbackByBookingLoader].load(booking_id)


async def feedback_node(info: Info, feedback_id: uuid.UUID) -> LessonFeedback | None:
    if info.context.actor is None:
        return None
    return await info.context.loaders[FeedbackByIdLoader].load(feedback_id)


async def instructor_rating(info: Info, instructor_id: uuid.UUID) -> Rating | None:
    info.context.require_actor()
    return await info.context.loaders[InstructorRatingLoader].load(instructor_id)


async def list_feedback(
    info: Info,
    *,
    first: int,
    after: str | None,
    instructor_id: uuid.UUID | None,
    student_id: uuid.UUID | None,
) -> Page[LessonFeedback]:
    """Feedback the actor may see, newest first."""
    actor = info.context.require_actor()
    stmt = feedback.visible(actor)
    if instructor_id is not None:
        stmt = stmt.where(LessonFeedback.instructor_id == instructor_id)
    if student_id is not None:
        stmt = stmt.where(LessonFeedback.student_id == student_id)
    async with info.context.state.db.session() as session:
        return await paginate(
            session,
            stmt,
            sort=LessonFeedback.created_at,
            id_column=LessonFeedback.id,
            first=first,
            after=after,
            max_page_size=info.context.state.max_page_size,
            descending=True,
        )


async def submit_instructor_feedback(
    info: Info, booking_id: uuid.UUID, part: feedback.InstructorPart
) -> LessonFeedback:
    actor = info.context.require_actor()
    async with info.context.unit_of_work() as uow:
        return await feedback.submit_instructor_feedback(uow, actor, booking_id, part)


async def submit_student_review(
    info: Info, booking_id: uuid.UUID, part: feedback.StudentPart
) -> LessonFeedback:
    actor = info.context.require_actor()
    async with info.context.unit_of_work() as uow:
        return await feedback.submit_student_review(uow, actor, booking_id, part)


async def edit_instructor_feedback(
    info: Info, booking_id: uuid.UUID, **fields: Any
) -> LessonFeedback:
    actor = info.context.require_actor()
    async with info.context.unit_of_work() as uow:
        return await feedback.edit_instructor_feedback(uow, actor, booking_id, **fields)


async def edit_student_review(info: Info, booking_id: uuid.UUID, **fields: Any) -> LessonFeedback:
    actor = info.context.require_actor()
    async with info.context.unit_of_work() as uow:
        return await feedback.edit_student_review(uow, actor, booking_id, **fields)
