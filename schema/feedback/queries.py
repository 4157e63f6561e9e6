"""Queries of the feedback domain."""

from __future__ import annotations

import asyncio
from typing import Annotated

import strawberry

from resolvers import feedback as resolvers
from resolvers.context import Info
from schema.common.connection import AFTER_DESCRIPTION, FIRST_DESCRIPTION, Connection
from schema.common.node import decode_id, decode_optional_id
from schema.common.permissions import IsAuthenticated
from schema.feedback.types import InstructorRating, LessonFeedback, feedback_or_none
from services.errors import CommonErrorCode, DomainError
from services.feedback import FeedbackErrorCode as E

MAX_INSTRUCTORS = 100


@strawberry.type
class FeedbackQuery:
    @strawberry.field(
        description="A lesson's feedback (null when there is none yet or you may not see it).",
        permission_classes=[IsAuthenticated],
    )
    async def lesson_feedback(
        self,
        info: Info,
        booking_id: Annotated[strawberry.ID, strawberry.argument(description="The lesson.")],
    ) -> LessonFeedback | None:
        booking = decode_id(booking_id, "Booking", E.NOT_FOUND, "bookingId")
        return feedback_or_none(await resolvers.lesson_feedback(info, booking))

    @strawberry.field(
        description="Feedback you may see, newest first (students and instructors: on their "
        "own lessons; admins: the school's).",
        permission_classes=[IsAuthenticated],
    )
    async def lesson_feedbacks(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=FIRST_DESCRIPTION)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
        instructor_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this instructor's lessons.")
        ] = None,
        student_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this student's lessons.")
        ] = None,
    ) -> Connection[LessonFeedback]:
        page = await resolvers.list_feedback(
            info,
            first=first,
            after=after,
            instructor_id=decode_optional_id(instructor_id, "User", E.INVALID, "instructorId"),
            student_id=decode_optional_id(student_id, "User", E.INVALID, "studentId"),
        )
        return Connection[LessonFeedback].from_page(page, lambda m: LessonFeedback(model=m))

    @strawberry.field(
        description="An instructor's average rating by their students (null when you may not "
        "see the instructor).",
        permission_classes=[IsAuthenticated],
    )
    async def instructor_rating(
        self,
        info: Info,
        instructor_id: Annotated[strawberry.ID, strawberry.argument(description="The instructor.")],
    ) -> InstructorRating | None:
        instructor = decode_id(instructor_id, "User", E.NOT_FOUND, "instructorId")
        rating = await resolvers.instructor_rating(info, instructor)
        return InstructorRating(model=rating) if rating else None

    @strawberry.field(
        description="Several instructors' ratings at once (up to 100), in order; null for each "
        "you may not see. One database query however many.",
        permission_classes=[IsAuthenticated],
    )
    async def instructor_ratings(
        self,
        info: Info,
        instructor_ids: Annotated[
            list[strawberry.ID], strawberry.argument(description="Up to 100 instructors.")
        ],
    ) -> list[InstructorRating | None]:
        if len(instructor_ids) > MAX_INSTRUCTORS:
            raise DomainError(
                CommonErrorCode.INVALID,
                f"At most {MAX_INSTRUCTORS} instructors at once.",
                "instructorIds",
            )
        ids = [decode_id(i, "User", E.NOT_FOUND, "instructorIds") for i in instructor_ids]
        ratings = await asyncio.gather(*(resolvers.instructor_rating(info, i) for i in ids))
        return [InstructorRating(model=r) if r else None for r in ratings]
