"""Shared by the scheduling tests: a school with lesson types and working hours, local
times as instants, and the GraphQL documents several test modules use."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import update

from models.accounts import InstructorProfile, User
from models.scheduling import Booking, LessonType
from models.schools import School
from resolvers.context import AppState
from services.actor import Actor
from services.scheduling import availability, bookings, lesson_types
from services.scheduling.availability import HoursInput
from services.uow import unit_of_work
from tests.support import Factory, SchoolWorld, build_school_world, gid

LONDON = ZoneInfo("Europe/London")
ALL_DAY = [HoursInput(day, time(0, 0), time(0, 0)) for day in range(7)]

BOOK = """
mutation Book($input: BookLessonInput!) {
  bookLesson(input: $input) {
    booking { id status startsAt endsAt student { id } instructor { id } lessonType { id } }
    errors { code message field }
  }
}
"""

SLOTS = """
query Slots($instructorId: ID!, $lessonTypeId: ID!, $from: DateTime!, $to: DateTime!) {
  availableSlots(instructorId: $instructorId, lessonTypeId: $lessonTypeId, from: $from, to: $to) {
    startsAt endsAt localStart
  }
}
"""


def local(day: date, hour: int, minute: int = 0, zone: ZoneInfo = LONDON) -> datetime:
    """The instant of a local wall-clock time (the first one, where clocks go back)."""
    return datetime.combine(day, time(hour, minute), zone).astimezone(UTC)


def days_ahead(n: int, zone: ZoneInfo = LONDON) -> date:
    return datetime.now(zone).date() + timedelta(days=n)


def iso(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat()


@dataclass
class Diary:
    """A school world with an hour-long lesson type and instructors who work every hour."""

    world: SchoolWorld
    lesson_type: LessonType
    admin_actor: Actor

    @property
    def school(self) -> Any:
        return self.world.school

    def ids(self, *, instructor: User | None = None, student: User | None = None) -> dict[str, Any]:
        return {
            "instructorId": gid("User", (instructor or self.world.instructor).id),
            "lessonTypeId": gid("LessonType", self.lesson_type.id),
            **({"studentId": gid("User", student.id)} if student else {}),
        }


async def make_diary(
    factory: Factory,
    *,
    hours: list[HoursInput] = ALL_DAY,
    duration: int = 60,
    buffer: int = 0,
    cap_hours: int = 80,
    max_students: int = 100,
    **school_settings: Any,
) -> Diary:
    world = await build_school_world(factory)
    state = factory.state
    actor = await factory.actor()
    async with unit_of_work(state.db, state.hub, state.deps) as uow:
        if school_settings:
            await uow.session.execute(
                update(School).where(School.id == world.school.id).values(**school_settings)
            )
        await uow.session.execute(
            update(InstructorProfile)
            .where(InstructorProfile.school_id == world.school.id)
            .values(buffer_minutes=buffer, max_hours_per_week=cap_hours, max_students=max_students)
        )
        lesson_type = await lesson_types.create(
            uow,
            actor,
            school_id=world.school.id,
            name="Standard lesson",
            description=None,
            duration_minutes=duration,
            price_minor=4000,
            deposit_minor=0,
        )
        for instructor in (world.instructor, world.other_instructor):
            await availability.set_working_hours(uow, actor, instructor.id, hours)
    return Diary(world, lesson_type, actor)


async def set_hours(
    state: AppState, actor: Actor, instructor: User, hours: list[HoursInput]
) -> None:
    async with unit_of_work(state.db, state.hub, state.deps) as uow:
        await availability.set_working_hours(uow, actor, instructor.id, hours)


async def add_instructor(factory: Factory, diary: Diary, student: User | None = None) -> User:
    """Another instructor of the school, working every hour, assigned to ``student``."""
    from services.actor import Role

    instructor = await factory.user(diary.school, Role.INSTRUCTOR)
    state = factory.state
    async with unit_of_work(state.db, state.hub, state.deps) as uow:
        await uow.session.execute(
            update(InstructorProfile)
            .where(InstructorProfile.user_id == instructor.id)
            .values(buffer_minutes=0, max_hours_per_week=80, max_students=100)
        )
        await availability.set_working_hours(uow, diary.admin_actor, instructor.id, ALL_DAY)
    if student is not None:
        await factory.assign(student, instructor, assignment_type="secondary", priority=2)
    return instructor


async def book(
    state: AppState,
    actor: Actor,
    diary: Diary,
    starts_at: datetime,
    *,
    student: User | None = None,
    instructor: User | None = None,
) -> Booking:
    """A booking made through the service, as an admin (confirmed)."""
    async with unit_of_work(state.db, state.hub, state.deps) as uow:
        return await bookings.book_lesson(
            uow,
            actor,
            instructor_id=(instructor or diary.world.instructor).id,
            student_id=(student or diary.world.student).id,
            lesson_type_id=diary.lesson_type.id,
            starts_at=starts_at,
        )


async def shift(state: AppState, booking_id: uuid.UUID, starts_at: datetime) -> None:
    """Move a booking's times directly in the database (to stage a lesson that is due now
    or already past, which no mutation may create)."""
    async with state.db.transaction() as session:
        booking = await session.get(Booking, booking_id)
        assert booking is not None
        length = booking.ends_at - booking.starts_at
        booking.starts_at = starts_at
        booking.ends_at = starts_at + length
        booking.blocked_until = starts_at + length
