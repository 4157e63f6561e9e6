"""Mutations of the feedback domain."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from resolvers import feedback as resolvers
from resolvers.context import Info
from schema.common.arguments import INPUT
from schema.common.errors import attempt, user_errors
from schema.common.node import decode_id
from schema.common.permissions import IsAuthenticated
from schema.feedback.inputs import (
    EditInstructorFeedbackInput,
    EditStudentReviewInput,
    SubmitInstructorFeedbackInput,
    SubmitStudentReviewInput,
)
from schema.feedback.types import FeedbackError, LessonFeedback, feedback_or_none
from services.errors import DomainError
from services.feedback import FeedbackErrorCode as E
from services.feedback import InstructorPart, StudentPart


@strawberry.type(description="Result of a feedback mutation.")
class LessonFeedbackPayload:
    feedback: LessonFeedback | None = strawberry.field(
        description="The lesson's feedback as it is now, on success."
    )
    errors: list[FeedbackError] = strawberry.field(description="Why it failed; empty on success.")


def _payload(model: Any, errors: list[DomainError]) -> LessonFeedbackPayload:
    return LessonFeedbackPayload(
        feedback=feedback_or_none(model), errors=user_errors(FeedbackError, E, errors)
    )


def _booking(value: strawberry.ID) -> Any:
    return decode_id(value, "Booking", E.NOT_FOUND, "bookingId")


@strawberry.type
class FeedbackMutation:
    @strawberry.mutation(
        description="Write the instructor's notes and rating on a completed lesson (the lesson's "
        "instructor or an admin), once, within 30 days of the lesson.",
        permission_classes=[IsAuthenticated],
    )
    async def submit_instructor_feedback(
        self, info: Info, input: Annotated[SubmitInstructorFeedbackInput, INPUT]
    ) -> LessonFeedbackPayload:
        async def work() -> Any:
            part = InstructorPart(
                areas_improved=input.areas_improved,
                next_focus=input.next_focus,
                lesson_rating=input.lesson_rating,
                notes=input.notes,
            )
            return await resolvers.submit_instructor_feedback(
                info, _booking(input.booking_id), part
            )

        return _payload(*await attempt(work()))

    @strawberry.mutation(
        description="Edit the instructor's notes, within 7 days of submitting them.",
        permission_classes=[IsAuthenticated],
    )
    async def edit_instructor_feedback(
        self, info: Info, input: Annotated[EditInstructorFeedbackInput, INPUT]
    ) -> LessonFeedbackPayload:
        async def work() -> Any:
            return await resolvers.edit_instructor_feedback(
                info,
                _booking(input.booking_id),
                areas_improved=input.areas_improved,
                next_focus=input.next_focus,
                lesson_rating=input.lesson_rating,
                notes=input.notes,
            )

        return _payload(*await attempt(work()))

    @strawberry.mutation(
        description="Rate and review the instructor of a completed lesson (the lesson's student), "
        "once, within 30 days of the lesson.",
        permission_classes=[IsAuthenticated],
    )
    async def submit_student_review(
        self, info: Info, input: Annotated[SubmitStudentReviewInput, INPUT]
    ) -> LessonFeedbackPayload:
        async def work() -> Any:
            part = StudentPart(rating=input.rating, review=input.review)
            return await resolvers.submit_student_review(info, _booking(input.booking_id), part)

        return _payload(*await attempt(work()))

    @strawberry.mutation(
        description="Edit your review, within 7 days of submitting it.",
        permission_classes=[IsAuthenticated],
    )
    async def edit_student_review(
        self, info: Info, input: Annotated[EditStudentReviewInput, INPUT]
    ) -> LessonFeedbackPayload:
        async def work() -> Any:
            return await resolvers.edit_student_review(
                info, _booking(input.booking_id), rating=input.rating, review=input.review
            )

        return _payload(*await attempt(work()))
