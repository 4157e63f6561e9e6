"""Inputs of the feedback domain."""

from __future__ import annotations

import strawberry

BOOKING = "The completed lesson (a Booking ID)."


@strawberry.input(description="The instructor's notes on a completed lesson.")
class SubmitInstructorFeedbackInput:
    booking_id: strawberry.ID = strawberry.field(description=BOOKING)
    lesson_rating: int = strawberry.field(description="The lesson, 1 (poor) to 5 (excellent).")
    areas_improved: str | None = strawberry.field(
        default=None, description="What went better (up to 2,000 characters)."
    )
    next_focus: str | None = strawberry.field(
        default=None, description="What to work on next (up to 2,000 characters)."
    )
    notes: str | None = strawberry.field(
        default=None, description="Further notes for the student (up to 2,000 characters)."
    )


@strawberry.input(description="Change the instructor's notes; omitted fields stay as they are.")
class EditInstructorFeedbackInput:
    booking_id: strawberry.ID = strawberry.field(description=BOOKING)
    lesson_rating: int | None = strawberry.field(default=None, description="New rating, 1 to 5.")
    areas_improved: str | None = strawberry.field(default=None, description="New text.")
    next_focus: str | None = strawberry.field(default=None, description="New text.")
    notes: str | None = strawberry.field(default=None, description="New text.")


@strawberry.input(description="The student's rating and review of the instructor for a lesson.")
class SubmitStudentReviewInput:
    booking_id: strawberry.ID = strawberry.field(description=BOOKING)
    rating: int = strawberry.field(description="The instructor, 1 (poor) to 5 (excellent).")
    review: str | None = strawberry.field(
        default=None, description="A review of the instructor (up to 2,000 characters)."
    )


@strawberry.input(description="Change your review; omitted fields stay as they are.")
class EditStudentReviewInput:
    booking_id: strawberry.ID = strawberry.field(description=BOOKING)
    rating: int | None = strawberry.field(default=None, description="New rating, 1 to 5.")
    review: str | None = strawberry.field(default=None, description="New text.")
