"""Lesson feedback as clients see it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from models import feedback as models
from resolvers import feedback as resolvers
from resolvers.context import Info
from resolvers.scheduling import BookingByIdLoader
from schema.accounts.types import User
from schema.common.errors import UserError
from schema.common.node import Node, register_node
from schema.scheduling.types import Booking, booking_or_none
from services.feedback import EDIT_WINDOW, FeedbackErrorCode, Rating

FeedbackErrorCodeEnum = strawberry.enum(
    FeedbackErrorCode, description="Why a feedback request failed."
)


@strawberry.type(description="A failed feedback request.")
class FeedbackError(UserError):
    code: FeedbackErrorCodeEnum = strawberry.field(description="Machine-readable reason.")  # type: ignore[valid-type]


async def _user(info: Info, user_id: Any) -> User | None:
    from resolvers.accounts import UserByIdLoader
    from schema.accounts.types import user_or_none

    if user_id is None:
        return None
    return user_or_none(await info.context.loaders[UserByIdLoader].load(user_id))


@strawberry.type(description="The instructor's notes on a lesson.")
class InstructorFeedback:
    model: strawberry.Private[models.LessonFeedback]

    @strawberry.field(description="What went better in this lesson.")
    def areas_improved(self) -> str | None:
        return self.model.areas_improved

    @strawberry.field(description="What the next lessons should work on.")
    def next_focus(self) -> str | None:
        return self.model.next_focus

    @strawberry.field(
        description="The instructor's rating of the lesson, 1 (poor) to 5 (excellent)."
    )
    def lesson_rating(self) -> int:
        assert self.model.lesson_rating is not None
        return self.model.lesson_rating

    @strawberry.field(description="Further notes for the student.")
    def notes(self) -> str | None:
        return self.model.instructor_notes

    @strawberry.field(description="Who wrote them: the instructor, or an admin of the school.")
    async def submitted_by(self, info: Info) -> User | None:
        return await _user(info, self.model.instructor_submitted_by_id)

    @strawberry.field(description="When they were submitted.")
    def submitted_at(self) -> datetime:
        assert self.model.instructor_submitted_at is not None
        return self.model.instructor_submitted_at

    @strawberry.field(description="When they were last edited, if ever.")
    def edited_at(self) -> datetime | None:
        return self.model.instructor_edited_at

    @strawberry.field(description="Until when they can be edited.")
    def editable_until(self) -> datetime:
        assert self.model.instructor_submitted_at is not None
        return self.model.instructor_submitted_at + EDIT_WINDOW


@strawberry.type(description="The student's rating and review of the instructor for a lesson.")
class StudentReview:
    model: strawberry.Private[models.LessonFeedback]

    @strawberry.field(
        description="The student's rating of the instructor, 1 (poor) to 5 (excellent)."
    )
    def rating(self) -> int:
        assert self.model.student_rating is not None
        return self.model.student_rating

    @strawberry.field(description="The student's review.")
    def review(self) -> str | None:
        return self.model.student_review

    @strawberry.field(description="When it was submitted.")
    def submitted_at(self) -> datetime:
        assert self.model.student_submitted_at is not None
        return self.model.student_submitted_at

    @strawberry.field(description="When it was last edited, if ever.")
    def edited_at(self) -> datetime | None:
        return self.model.student_edited_at

    @strawberry.field(description="Until when it can be edited.")
    def editable_until(self) -> datetime:
        assert self.model.student_submitted_at is not None
        return self.model.student_submitted_at + EDIT_WINDOW


@strawberry.type(
    description="Feedback on one completed lesson: the instructor's notes and the student's "
    "review. Seen by the lesson's student and instructor and the school's admins."
)
class LessonFeedback(Node):
    model: strawberry.Private[models.LessonFeedback]

    @strawberry.field(description="The lesson.")
    async def booking(self, info: Info) -> Booking | None:
        return booking_or_none(
            await info.context.loaders[BookingByIdLoader].load(self.model.booking_id)
        )

    @strawberry.field(description="The lesson's student.")
    async def student(self, info: Info) -> User | None:
        return await _user(info, self.model.student_id)

    @strawberry.field(description="The lesson's instructor.")
    async def instructor(self, info: Info) -> User | None:
        return await _user(info, self.model.instructor_id)

    @strawberry.field(description="The instructor's notes; null until submitted.")
    def instructor_feedback(self) -> InstructorFeedback | None:
        if self.model.instructor_submitted_at is None:
            return None
        return InstructorFeedback(model=self.model)

    @strawberry.field(description="The student's review; null until submitted.")
    def student_review(self) -> StudentReview | None:
        if self.model.student_submitted_at is None:
            return None
        return StudentReview(model=self.model)

    @strawberry.field(description="When the first part was submitted.")
    def created_at(self) -> datetime:
        return self.model.created_at

    @strawberry.field(description="When either part last changed.")
    def updated_at(self) -> datetime:
        return self.model.updated_at


@strawberry.type(description="An instructor's rating by their students.")
class InstructorRating:
    model: strawberry.Private[Rating]

    @strawberry.field(description="The instructor.")
    async def instructor(self, info: Info) -> User | None:
        return await _user(info, self.model.instructor_id)

    @strawberry.field(
        description="The mean of students' 1-to-5 ratings, to two decimals; null when none."
    )
    def average(self) -> float | None:
        return self.model.average

    @strawberry.field(description="How many students' ratings the average is of.")
    def count(self) -> int:
        return self.model.count


def feedback_or_none(model: models.LessonFeedback | None) -> LessonFeedback | None:
    return LessonFeedback(model=model) if model is not None else None


async def _fetch(info: Info, pk: Any) -> LessonFeedback | None:
    return feedback_or_none(await resolvers.feedback_node(info, pk))


register_node("LessonFeedback", _fetch)
