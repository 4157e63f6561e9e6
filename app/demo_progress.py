"""Demo data for lesson feedback, the Driver's Record and calendar feeds.

For ``student@demo.test`` with ``instructor@demo.test``: three past lessons, completed,
with the instructor's notes, the student's reviews and Driver's Record entries (the
lessons ahead, which a calendar feed shows, come from app/demo_scheduling.py). Everything goes
through the services except one step no service offers on purpose: a lesson can only be
booked in the future, so the past lessons are booked ahead and then moved back in time in
the database before they are completed. Idempotent: nothing is staged when the student
already has progress recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update

from models.accounts import User
from models.progress import SkillEntry
from models.scheduling import Booking, LessonType
from models.schools import School
from resolvers.context import AppState
from services import feedback, progress
from services.accounts import actor_for
from services.actor import Actor
from services.scheduling import bookings
from services.uow import unit_of_work

LESSON_TYPE = "Standard lesson"
# (level per skill) for each past lesson, oldest first
PAST_LESSONS: list[dict[str, str]] = [
    {"cockpit_checks": "helped", "controls_and_instruments": "introduced",
     "moving_away_and_stopping": "introduced"},
    {"cockpit_checks": "independent", "controls_and_instruments": "helped",
     "moving_away_and_stopping": "helped", "mirrors": "introduced"},
    {"controls_and_instruments": "prompted", "moving_away_and_stopping": "prompted",
     "mirrors": "helped", "junctions": "introduced"},
]  # fmt: skip
REVIEWS = [(5, "Calm and clear."), (4, "Good lesson, a bit rushed at the end."), (5, None)]


async def seed_progress_demo(
    state: AppState,
    actor: Actor,
    school_id: Any,
    note: Callable[[bool, str], None],
    progress_line: Callable[[str], None],
) -> None:
    db, hub, deps = state.db, state.hub, state.deps
    async with db.session() as session:
        student = await session.scalar(select(User).where(User.email == "student@demo.test"))
        instructor = await session.scalar(select(User).where(User.email == "instructor@demo.test"))
        school = await session.get(School, school_id)
        lesson_type = await session.scalar(
            select(LessonType).where(
                LessonType.school_id == school_id,
                func.lower(LessonType.name) == LESSON_TYPE.lower(),
            )
        )
    assert student is not None
    assert instructor is not None
    assert school is not None
    assert lesson_type is not None  # seeded by app/demo_scheduling.py, which runs first
    zone = ZoneInfo(school.time_zone)
    tomorrow = datetime.now(zone).date() + timedelta(days=1)

    async def book_at(day_offset: int, hour: int) -> Booking:
        assert lesson_type is not None
        starts = datetime.combine(tomorrow + timedelta(days=day_offset), time(hour), zone)
        async with unit_of_work(db, hub, deps) as uow:
            return await bookings.book_lesson(
                uow,
                actor,
                instructor_id=instructor.id,
                student_id=student.id,
                lesson_type_id=lesson_type.id,
                starts_at=starts.astimezone(UTC),
                location="Outside the library, Oxford Road",
                override_working_hours=True,
            )

    async with db.session() as session:
        recorded = await session.scalar(
            select(func.count()).where(SkillEntry.student_id == student.id)
        )
    note(not recorded, f"{'progress':<14} {len(PAST_LESSONS)} lessons with feedback and record")
    if not recorded:
        instructor_actor = actor_for(instructor)
        student_actor = actor_for(student)
        for index, levels in enumerate(PAST_LESSONS):
            booking = await book_at(20 + index, 9)
            past = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(
                days=3 * (len(PAST_LESSONS) - index)
            )
            async with db.transaction() as session:  # the one staging step (docstring)
                await session.execute(
                    update(Booking)
                    .where(Booking.id == booking.id)
                    .values(
                        starts_at=past,
                        ends_at=past + timedelta(hours=1),
                        blocked_until=past + timedelta(hours=1),
                    )
                )
            async with unit_of_work(db, hub, deps) as uow:
                await bookings.complete_lesson(uow, actor, booking.id)
            async with unit_of_work(db, hub, deps) as uow:
                await progress.record_progress(
                    uow,
                    instructor_actor,
                    booking.id,
                    [
                        progress.EntryInput(code, progress.Level[level.upper()].value)
                        for code, level in levels.items()
                    ],
                )
                await feedback.submit_instructor_feedback(
                    uow,
                    instructor_actor,
                    booking.id,
                    feedback.InstructorPart(
                        areas_improved="Smoother clutch control.",
                        next_focus="Junctions and mirrors.",
                        lesson_rating=3 + index % 3,
                        notes=None,
                    ),
                )
                rating, review = REVIEWS[index]
                await feedback.submit_student_review(
                    uow, student_actor, booking.id, feedback.StudentPart(rating, review)
                )
            progress_line(f"  past lessons {index + 1}/{len(PAST_LESSONS)}")
    progress_line("  lessons and progress ready")
