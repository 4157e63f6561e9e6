"""Demo data for scheduling: lesson types, working hours, a cancellation policy and a few
booked lessons in the coming fortnight. Idempotent like the rest of the demo seed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from models.accounts import User
from models.scheduling import Booking, CancellationTier, LessonType, WorkingHours
from models.schools import School
from models.series import LessonSeries
from resolvers.context import AppState
from services.actor import Actor
from services.scheduling import availability, bookings, lesson_types, policy
from services.series import manage
from services.uow import unit_of_work

LESSON_TYPES = [
    # name, minutes, price (pence), deposit (pence), description
    ("Standard lesson", 60, 4200, 0, "One hour behind the wheel."),
    ("Double lesson", 120, 8000, 0, "Two hours: longer routes and test practice."),
    ("Motorway lesson", 120, 9000, 2000, "Motorway driving with a qualified instructor."),
    ("Mock driving test", 90, 6000, 0, "A full mock test under exam conditions."),
]
WEEKDAY_HOURS = (time(8), time(18))
SATURDAY_HOURS = (time(9), time(14))
TIERS = [
    policy.Tier(48, policy.Outcome.RETURNED),
    policy.Tier(24, policy.Outcome.FEE, 50),
    policy.Tier(0, policy.Outcome.FORFEITED),
]
LESSONS_PER_STUDENT = 2


class Report(Protocol):
    def note(self, made: bool, what: str) -> None: ...


async def seed_scheduling(
    state: AppState,
    actor: Actor,
    school_id: object,
    instructors: list[User],
    students: list[User],
    report: Report,
    progress: Callable[[str], None],
) -> None:
    db, hub, deps = state.db, state.hub, state.deps
    async with unit_of_work(db, hub, deps) as uow:
        school = await uow.session.get(School, school_id)
        assert school is not None
        for name, minutes, price, deposit, description in LESSON_TYPES:
            existing = await uow.session.scalar(
                select(LessonType).where(LessonType.school_id == school.id, LessonType.name == name)
            )
            report.note(existing is None, f"{'lesson type':<14} {name}")
            if existing is None:
                await lesson_types.create(
                    uow,
                    actor,
                    school_id=school.id,
                    name=name,
                    description=description,
                    duration_minutes=minutes,
                    price_minor=price,
                    deposit_minor=deposit,
                )
        has_tiers = await uow.session.scalar(
            select(CancellationTier.id).where(CancellationTier.school_id == school.id).limit(1)
        )
        report.note(has_tiers is None, f"{'policy':<14} 48 h free, 24 h half fee, else forfeited")
        if has_tiers is None:
            await policy.set_policy(uow, actor, school.id, TIERS)
        for instructor in instructors:
            has_hours = await uow.session.scalar(
                select(WorkingHours.id).where(WorkingHours.instructor_id == instructor.id).limit(1)
            )
            report.note(has_hours is None, f"{'working hours':<14} {instructor.email}")
            if has_hours is None:
                hours = [availability.HoursInput(day, *WEEKDAY_HOURS) for day in range(5)]
                hours.append(availability.HoursInput(5, *SATURDAY_HOURS))
                await availability.set_working_hours(uow, actor, instructor.id, hours)
    progress("  lesson types, policy and working hours ready")

    async with db.session() as session:
        booked = await session.scalar(
            select(func.count()).select_from(Booking).where(Booking.school_id == school_id)
        )
        standard = await session.scalar(
            select(LessonType).where(
                LessonType.school_id == school_id, LessonType.name == LESSON_TYPES[0][0]
            )
        )
    await _seed_series(state, actor, students, instructors, standard, report)
    report.note(not booked, f"{'bookings':<14} {LESSONS_PER_STUDENT} each for 6 students")
    if booked or standard is None:
        return
    zone = ZoneInfo(school.time_zone)
    weekdays = _next_weekdays(datetime.now(zone), 10)
    for index, student in enumerate(students[:6]):
        instructor = instructors[index % len(instructors)]
        for lesson in range(LESSONS_PER_STUDENT):
            day = weekdays[(index // 2 + lesson * 3) % len(weekdays)]
            starts_at = datetime.combine(day, time(9 + (index // 2) * 2 + lesson), zone)
            async with unit_of_work(db, hub, deps) as uow:
                await bookings.book_lesson(
                    uow,
                    actor,
                    instructor_id=instructor.id,
                    student_id=student.id,
                    lesson_type_id=standard.id,
                    starts_at=starts_at,
                    location="Pick-up at home",
                )
    progress("  bookings ready")


SERIES_STUDENT = 1  # amira.khan@demo.test, whose instructor is instructor2@demo.test
SERIES_WEEKDAY = 3  # Thursday
SERIES_TIME = time(16)


async def _seed_series(
    state: AppState,
    actor: Actor,
    students: list[User],
    instructors: list[User],
    standard: LessonType | None,
    report: Report,
) -> None:
    """A weekly Thursday 16:00 lesson, six weeks kept booked ahead (the worker extends it)."""
    student = students[SERIES_STUDENT]
    instructor = instructors[SERIES_STUDENT % len(instructors)]
    async with state.db.session() as session:
        existing = await session.scalar(
            select(LessonSeries.id).where(LessonSeries.student_id == student.id).limit(1)
        )
    report.note(existing is None, f"{'lesson series':<14} weekly, Thursday 16:00, {student.email}")
    if existing is not None or standard is None:
        return
    today = datetime.now(UTC).date()
    first = today + timedelta(days=(SERIES_WEEKDAY - today.weekday()) % 7 or 7)
    async with unit_of_work(state.db, state.hub, state.deps) as uow:
        await manage.create_series(
            uow,
            actor,
            instructor_id=instructor.id,
            student_id=student.id,
            lesson_type_id=standard.id,
            frequency="weekly",
            weekday=SERIES_WEEKDAY,
            local_time=SERIES_TIME,
            starts_on=first,
            ends_on=None,
            horizon=6,
            auto_confirm=True,
            location="Pick-up at college",
            notes=None,
            now=datetime.now(UTC),
        )


def _next_weekdays(now: datetime, count: int) -> list[date]:
    days: list[date] = []
    day = now.date() + timedelta(days=1)
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days
