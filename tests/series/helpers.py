"""Shared by the series tests: a diary whose school books a year ahead, series made
through the service, the dates of the next clock changes, and GraphQL documents."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from models.scheduling import Booking
from models.series import LessonSeries, SeriesOccurrence
from resolvers.context import AppState
from services.actor import Actor
from services.series import generation, manage
from services.series.rules import nth_weekday
from services.uow import unit_of_work
from tests.scheduling.helpers import LONDON, Diary, make_diary
from tests.support import Factory

SUNDAY = 6


async def year_diary(factory: Factory, **settings: Any) -> Diary:
    """A diary (every hour open, 80 h cap) whose school books up to two years ahead."""
    return await make_diary(factory, booking_horizon_days=730, **settings)


def today() -> date:
    return datetime.now(LONDON).date()


def last_sunday(year: int, month: int) -> date:
    return nth_weekday(year, month, SUNDAY, 5)


def next_clock_changes() -> tuple[date, date]:
    """The next spring-forward and fall-back Sundays in London (last Sundays of March and
    October), each at least 15 days ahead (so a series may start two weeks before)."""
    now = today() + timedelta(days=15)
    spring = last_sunday(now.year, 3)
    if spring <= now:
        spring = last_sunday(now.year + 1, 3)
    autumn = last_sunday(now.year, 10)
    if autumn <= now:
        autumn = last_sunday(now.year + 1, 10)
    return spring, autumn


def next_gap() -> tuple[str, date, time]:
    """The nearest spring-forward Sunday at least 15 days ahead, as (zone, date, a local
    time that does not exist that day): London's last Sunday of March (01:00 to 02:00
    is skipped) or Sydney's first Sunday of October (02:00 to 03:00), so one is always
    within about seven months whatever the date the tests run on."""
    threshold = today() + timedelta(days=15)
    candidates = [
        candidate
        for year in (threshold.year, threshold.year + 1)
        for candidate in (
            ("Europe/London", last_sunday(year, 3), time(1, 30)),
            ("Australia/Sydney", nth_weekday(year, 10, SUNDAY, 1), time(2, 30)),
        )
        if candidate[1] >= threshold
    ]
    return min(candidates, key=lambda candidate: candidate[1])


async def create(
    state: AppState,
    actor: Actor,
    diary: Diary,
    *,
    starts_on: date,
    local_time: time = time(17, 0),
    weekday: int | None = None,
    frequency: str = "weekly",
    horizon: int = 4,
    ends_on: date | None = None,
    auto_confirm: bool = True,
    student: Any = None,
    instructor: Any = None,
    now: datetime | None = None,
) -> manage.Outcome:
    async with unit_of_work(state.db, state.hub, state.deps) as uow:
        return await manage.create_series(
            uow,
            actor,
            instructor_id=(instructor or diary.world.instructor).id,
            student_id=(student or diary.world.student).id,
            lesson_type_id=diary.lesson_type.id,
            frequency=frequency,
            weekday=starts_on.weekday() if weekday is None else weekday,
            local_time=local_time,
            starts_on=starts_on,
            ends_on=ends_on,
            horizon=horizon,
            auto_confirm=auto_confirm,
            location=None,
            notes=None,
            now=now or datetime.now(UTC),
        )


async def generate(state: AppState, series_id: uuid.UUID, now: datetime | None = None) -> Any:
    async with unit_of_work(state.db, state.hub, state.deps) as uow:
        return await generation.generate(uow, None, series_id, now or datetime.now(UTC))


async def occurrences(state: AppState, series_id: uuid.UUID) -> list[SeriesOccurrence]:
    async with state.db.session() as session:
        rows = await session.scalars(
            select(SeriesOccurrence)
            .where(SeriesOccurrence.series_id == series_id)
            .order_by(SeriesOccurrence.occurs_on)
        )
        return list(rows)


async def series_bookings(state: AppState, series_id: uuid.UUID) -> list[Booking]:
    async with state.db.session() as session:
        rows = await session.scalars(
            select(Booking).where(Booking.series_id == series_id).order_by(Booking.starts_at)
        )
        return list(rows)


async def series_row(state: AppState, series_id: uuid.UUID) -> LessonSeries:
    async with state.db.session() as session:
        row = await session.get(LessonSeries, series_id)
        assert row is not None
        return row


async def count(state: AppState, model: Any, *where: Any) -> int:
    async with state.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def local_times(rows: list[Booking], zone: ZoneInfo = LONDON) -> set[str]:
    return {b.starts_at.astimezone(zone).strftime("%H:%M") for b in rows}


CREATE = """
mutation Create($input: CreateLessonSeriesInput!) {
  createLessonSeries(input: $input) {
    series {
      id status frequency weekday localTime weekOfMonth startsOn endsOn autoConfirm horizon
      student { id } instructor { id } createdBy { id }
      occurrences { id occursOn status isException startsAt booking { id status } }
    }
    booked { id occursOn booking { id status startsAt localStart series { id } } }
    conflicts { id occursOn conflict { code message } }
    errors { code message field }
  }
}
"""

UPDATE = """
mutation Update($input: UpdateLessonSeriesInput!) {
  updateLessonSeries(input: $input) {
    series {
      id status localTime weekday startsOn endsOn previousSeries { id endsOn }
      occurrences { id occursOn status isException booking { id status startsAt } }
    }
    occurrence { id status isException booking { id status startsAt } }
    booked { id occursOn }
    conflicts { id occursOn conflict { code } }
    errors { code message field }
  }
}
"""

END = """
mutation End($input: EndLessonSeriesInput!) {
  endLessonSeries(input: $input) {
    series { id status endedAt occurrences { status booking { status } } }
    errors { code message field }
  }
}
"""

PAUSE = """
mutation Pause($input: LessonSeriesInput!) {
  pauseLessonSeries(input: $input) { series { id status } errors { code field } }
}
"""

RESUME = """
mutation Resume($input: LessonSeriesInput!) {
  resumeLessonSeries(input: $input) { series { id status } booked { occursOn } errors { code } }
}
"""

NODE = """
query Node($id: ID!) {
  node(id: $id) { ... on LessonSeries { id status student { id } } ... on SeriesOccurrence { id } }
}
"""

LIST = """
query List($first: Int!) {
  lessonSeries(first: $first) {
    edges { node {
      id status
      student { id } instructor { id } lessonType { name }
      occurrences { id status conflict { code } booking { id status instructor { id } } }
    } }
    pageInfo { hasNextPage }
  }
}
"""


def create_input(diary: Diary, starts_on: date, **fields: Any) -> dict[str, Any]:
    """A weekly 17:00 series of four lessons for the diary's student."""
    from tests.support import gid

    weekdays = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
    return {
        "instructorId": gid("User", diary.world.instructor.id),
        "lessonTypeId": gid("LessonType", diary.lesson_type.id),
        "studentId": gid("User", diary.world.student.id),
        "frequency": "WEEKLY",
        "weekday": weekdays[starts_on.weekday()],
        "localTime": "17:00:00",
        "startsOn": starts_on.isoformat(),
        "horizon": 4,
        **fields,
    }
