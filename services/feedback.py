"""Feedback after a completed lesson (SPEC §2).

Two parts share one row per booking:

* the instructor's part — areas improved, next focus, a 1 to 5 rating of the lesson and
  notes — written by the lesson's instructor (or an admin of its school);
* the student's part — a 1 to 5 rating of the instructor and a review — written by the
  lesson's student only.

Each part is submitted once, within ``SUBMISSION_WINDOW`` of the lesson's completion, and
its author may edit it for ``EDIT_WINDOW`` after submitting; then it is settled (ratings
feed the instructor's average, which should not drift months later). Submission is one
atomic ``INSERT … ON CONFLICT (booking_id) DO UPDATE … WHERE <part> IS NULL``: two
simultaneous submissions of a part leave one row and one part, and the loser is told
``ALREADY_SUBMITTED``. The student, the instructor and the school's admins see both parts.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, and_, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from models.accounts import User
from models.feedback import LessonFeedback
from models.scheduling import Booking
from services.accounts import visible_users
from services.actor import Actor
from services.errors import DomainError, Forbidden
from services.scheduling.visibility import can_see, is_admin_of, visible_bookings
from services.uow import UnitOfWork
from services.validation import clean_text, require_range
from subscriptions.envelope import user_key

SUBMISSION_WINDOW = timedelta(days=30)
EDIT_WINDOW = timedelta(days=7)
MAX_TEXT = 2000
EVENT_SUBMITTED = "lesson_feedback.submitted"
EVENT_UPDATED = "lesson_feedback.updated"


class FeedbackErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    INVALID = "INVALID"
    CONFLICT = "CONFLICT"
    LESSON_NOT_COMPLETED = "LESSON_NOT_COMPLETED"
    ALREADY_SUBMITTED = "ALREADY_SUBMITTED"
    NOT_SUBMITTED = "NOT_SUBMITTED"
    SUBMISSION_WINDOW_CLOSED = "SUBMISSION_WINDOW_CLOSED"
    EDIT_WINDOW_CLOSED = "EDIT_WINDOW_CLOSED"


E = FeedbackErrorCode


class Part(StrEnum):
    INSTRUCTOR = "instructor"
    STUDENT = "student"


def now() -> datetime:
    return datetime.now(UTC)


def _visible(actor: Actor, stmt: Select[Any]) -> Select[Any]:
    """Feedback is visible exactly when its booking is (admins: the school's; the lesson's
    instructor and student: theirs), so the booking's rule is applied in the same query."""
    return stmt.join(Booking, Booking.id == LessonFeedback.booking_id).where(
        visible_bookings(actor)
    )


def visible(actor: Actor) -> Select[Any]:
    """Every feedback row the actor may see."""
    return _visible(actor, select(LessonFeedback))


def feedback_for_bookings(actor: Actor, booking_ids: list[uuid.UUID]) -> Select[Any]:
    return _visible(actor, select(LessonFeedback).where(LessonFeedback.booking_id.in_(booking_ids)))


def feedback_by_ids(actor: Actor, ids: list[uuid.UUID]) -> Select[Any]:
    return _visible(actor, select(LessonFeedback).where(LessonFeedback.id.in_(ids)))


# -- writing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InstructorPart:
    areas_improved: str | None
    next_focus: str | None
    lesson_rating: int
    notes: str | None


@dataclass(frozen=True)
class StudentPart:
    rating: int
    review: str | None


async def _completed_booking(
    uow: UnitOfWork, actor: Actor, booking_id: uuid.UUID, part: Part, current: datetime
) -> Booking:
    booking = await uow.session.get(Booking, booking_id)
    if booking is None or not can_see(actor, booking):
        raise DomainError(E.NOT_FOUND, "No such lesson.", "bookingId")
    _require_author(actor, booking, part)
    if booking.status != "completed" or booking.completed_at is None:
        raise DomainError(E.LESSON_NOT_COMPLETED, "Feedback is for completed lessons.", "bookingId")
    if current - booking.completed_at > SUBMISSION_WINDOW:
        raise DomainError(
            E.SUBMISSION_WINDOW_CLOSED,
            f"Feedback can be given up to {SUBMISSION_WINDOW.days} days after the lesson.",
            "bookingId",
        )
    return booking


def _require_author(actor: Actor, booking: Booking, part: Part) -> None:
    if part is Part.STUDENT:
        if actor.user_id != booking.student_id:
            raise Forbidden("Only the lesson's student can review it.")
    elif not (actor.user_id == booking.instructor_id or is_admin_of(actor, booking.school_id)):
        raise Forbidden("Only the lesson's instructor or an admin can write the lesson notes.")


def _text(value: str | None, field: str) -> str | None:
    return clean_text(value, E.INVALID, field, max_length=MAX_TEXT)


def _instructor_values(part: InstructorPart) -> dict[str, Any]:
    return {
        "areas_improved": _text(part.areas_improved, "areasImproved"),
        "next_focus": _text(part.next_focus, "nextFocus"),
        "lesson_rating": require_range(part.lesson_rating, 1, 5, E.INVALID, "lessonRating"),
        "instructor_notes": _text(part.notes, "notes"),
    }


def _student_values(part: StudentPart) -> dict[str, Any]:
    return {
        "student_rating": require_range(part.rating, 1, 5, E.INVALID, "rating"),
        "student_review": _text(part.review, "review"),
    }


async def _submit(
    uow: UnitOfWork,
    actor: Actor,
    booking_id: uuid.UUID,
    part: Part,
    values: dict[str, Any],
    current: datetime,
) -> LessonFeedback:
    booking = await _completed_booking(uow, actor, booking_id, part, current)
    if part is Part.INSTRUCTOR:
        values = {
            **values,
            "instructor_submitted_at": current,
            "instructor_submitted_by_id": actor.user_id,
        }
        still_open = LessonFeedback.instructor_submitted_at.is_(None)
    else:
        values = {**values, "student_submitted_at": current}
        still_open = LessonFeedback.student_submitted_at.is_(None)
    statement = (
        insert(LessonFeedback)
        .values(
            school_id=booking.school_id,
            booking_id=booking.id,
            student_id=booking.student_id,
            instructor_id=booking.instructor_id,
            **values,
        )
        .on_conflict_do_update(
            index_elements=[LessonFeedback.booking_id],
            set_={**values, "updated_at": func.now()},
            where=still_open,
        )
        .returning(LessonFeedback.id)
    )
    feedback_id = await uow.session.scalar(statement)
    if feedback_id is None:
        who = "Your lesson notes" if part is Part.INSTRUCTOR else "Your review"
        raise DomainError(
            E.ALREADY_SUBMITTED,
            f"{who} for this lesson were already submitted; edit them instead.",
            "bookingId",
        )
    return await _announce(uow, feedback_id, part, EVENT_SUBMITTED)


async def _announce(
    uow: UnitOfWork, feedback_id: uuid.UUID, part: Part, event: str
) -> LessonFeedback:
    feedback = await uow.session.get(LessonFeedback, feedback_id, populate_existing=True)
    assert feedback is not None
    uow.emit(
        event,
        entity_type="LessonFeedback",
        entity_id=feedback.id,
        school_id=feedback.school_id,
        keys=[user_key(feedback.student_id), user_key(feedback.instructor_id)],
        data={"part": part.value, "booking_id": str(feedback.booking_id)},
    )
    return feedback


async def submit_instructor_feedback(
    uow: UnitOfWork,
    actor: Actor,
    booking_id: uuid.UUID,
    part: InstructorPart,
    *,
    current: datetime | None = None,
) -> LessonFeedback:
    actor.require_active()
    return await _submit(
        uow, actor, booking_id, Part.INSTRUCTOR, _instructor_values(part), current or now()
    )


async def submit_student_review(
    uow: UnitOfWork,
    actor: Actor,
    booking_id: uuid.UUID,
    part: StudentPart,
    *,
    current: datetime | None = None,
) -> LessonFeedback:
    actor.require_active()
    return await _submit(
        uow, actor, booking_id, Part.STUDENT, _student_values(part), current or now()
    )


async def _edit(
    uow: UnitOfWork,
    actor: Actor,
    booking_id: uuid.UUID,
    part: Part,
    values: dict[str, Any],
    current: datetime,
) -> LessonFeedback:
    actor.require_active()
    booking = await uow.session.get(Booking, booking_id)
    if booking is None or not can_see(actor, booking):
        raise DomainError(E.NOT_FOUND, "No such lesson.", "bookingId")
    _require_author(actor, booking, part)
    if not values:
        raise DomainError(E.INVALID, "Nothing to change.", None)
    submitted = (
        LessonFeedback.instructor_submitted_at
        if part is Part.INSTRUCTOR
        else LessonFeedback.student_submitted_at
    )
    edited = "instructor_edited_at" if part is Part.INSTRUCTOR else "student_edited_at"
    # One atomic statement: the window is checked against the row as it is now.
    feedback_id = await uow.session.scalar(
        update(LessonFeedback)
        .where(
            LessonFeedback.booking_id == booking.id,
            submitted.is_not(None),
            submitted > current - EDIT_WINDOW,
        )
        .values(**values, **{edited: current}, updated_at=func.now())
        .returning(LessonFeedback.id)
    )
    if feedback_id is None:
        exists = await uow.session.scalar(
            select(submitted).where(LessonFeedback.booking_id == booking.id)
        )
        if exists is None:
            raise DomainError(E.NOT_SUBMITTED, "Submit your feedback first.", "bookingId")
        raise DomainError(
            E.EDIT_WINDOW_CLOSED,
            f"Feedback can be edited for {EDIT_WINDOW.days} days after it was submitted.",
            "bookingId",
        )
    return await _announce(uow, feedback_id, part, EVENT_UPDATED)


async def edit_instructor_feedback(
    uow: UnitOfWork,
    actor: Actor,
    booking_id: uuid.UUID,
    *,
    areas_improved: str | None = None,
    next_focus: str | None = None,
    lesson_rating: int | None = None,
    notes: str | None = None,
    current: datetime | None = None,
) -> LessonFeedback:
    """Change the given fields of the instructor's part (omitted ones stay)."""
    values: dict[str, Any] = {}
    if areas_improved is not None:
        values["areas_improved"] = _text(areas_improved, "areasImproved")
    if next_focus is not None:
        values["next_focus"] = _text(next_focus, "nextFocus")
    if lesson_rating is not None:
        values["lesson_rating"] = require_range(lesson_rating, 1, 5, E.INVALID, "lessonRating")
    if notes is not None:
        values["instructor_notes"] = _text(notes, "notes")
    return await _edit(uow, actor, booking_id, Part.INSTRUCTOR, values, current or now())


async def edit_student_review(
    uow: UnitOfWork,
    actor: Actor,
    booking_id: uuid.UUID,
    *,
    rating: int | None = None,
    review: str | None = None,
    current: datetime | None = None,
) -> LessonFeedback:
    values: dict[str, Any] = {}
    if rating is not None:
        values["student_rating"] = require_range(rating, 1, 5, E.INVALID, "rating")
    if review is not None:
        values["student_review"] = _text(review, "review")
    return await _edit(uow, actor, booking_id, Part.STUDENT, values, current or now())


# -- ratings -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rating:
    """An instructor's rating by their students: the mean of 1 to 5 ratings, and how many."""

    instructor_id: uuid.UUID
    average: float | None
    count: int


def _mean(value: Decimal | float | None) -> float | None:
    return None if value is None else round(float(value), 2)


async def instructor_ratings(
    session: AsyncSession, actor: Actor, instructor_ids: list[uuid.UUID]
) -> dict[uuid.UUID, Rating]:
    """Ratings of the instructors the actor may see, in one statement (instructors without
    ratings included with a zero count; invisible ones and non-instructors left out)."""
    rated = and_(
        LessonFeedback.instructor_id == User.id, LessonFeedback.student_rating.is_not(None)
    )
    rows = await session.execute(
        select(User.id, func.avg(LessonFeedback.student_rating), func.count(LessonFeedback.id))
        .outerjoin(LessonFeedback, rated)
        .where(User.id.in_(instructor_ids), User.role == "instructor", visible_users(actor))
        .group_by(User.id)
    )
    return {
        user_id: Rating(user_id, _mean(average), int(count)) for user_id, average, count in rows
    }
