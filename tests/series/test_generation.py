"""Generation: wall-clock time across daylight-saving changes, idempotence, conflicts
recorded (never double-booked) and told to both parties."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from models.notifications import OutboundMessage
from models.scheduling import Booking
from models.series import SeriesOccurrence
from resolvers.context import AppState
from services.errors import DomainError
from services.scheduling import bookings, lesson_types
from services.series import generation
from services.uow import unit_of_work
from tests.scheduling.helpers import LONDON, book, local
from tests.series.helpers import (
    count,
    create,
    generate,
    local_times,
    next_clock_changes,
    next_gap,
    occurrences,
    series_bookings,
    series_row,
    today,
    year_diary,
)
from tests.support import Factory


async def test_a_weekly_17_00_london_series_stays_at_17_00_across_both_clock_changes(
    factory: Factory, state: AppState
) -> None:
    # Given a school booking two years ahead and a weekly Sunday 17:00 series of 52
    # lessons, which spans the last Sundays of March and of October
    diary = await year_diary(factory)
    spring, autumn = next_clock_changes()
    # Starting the Sunday before the earlier change: the later one is at most 31 weeks on.
    first_sunday = min(spring, autumn) - timedelta(weeks=1)

    # When it is created (which generates its window at once)
    outcome = await create(state, diary.admin_actor, diary, starts_on=first_sunday, horizon=52)

    # Then 52 lessons are booked, every one at 17:00 London time, on both change days too
    lessons = await series_bookings(state, outcome.series.id)
    assert len(lessons) == 52
    assert local_times(lessons) == {"17:00"}
    days = {b.starts_at.astimezone(LONDON).date() for b in lessons}
    assert {spring, autumn} <= days
    offsets = {b.starts_at.astimezone(LONDON).utcoffset() for b in lessons}
    assert offsets == {timedelta(0), timedelta(hours=1)}  # GMT and BST both occur
    assert all(b.status == "confirmed" for b in lessons)  # auto-confirm

    # And generating twice more adds nothing
    again = await generate(state, outcome.series.id)
    await generate(state, outcome.series.id)
    assert again.booked == again.conflicts == []
    assert len(await occurrences(state, outcome.series.id)) == 52
    assert await count(state, Booking, Booking.series_id == outcome.series.id) == 52


async def test_a_time_in_the_spring_forward_gap_is_a_conflict_with_its_own_code(
    factory: Factory, state: AppState
) -> None:
    # Given a weekly series at a local time that the next spring-forward Sunday skips
    # (01:30 in London, or 02:30 in Sydney), running through that Sunday
    zone_name, gap_day, skipped = next_gap()
    diary = await year_diary(factory, time_zone=zone_name)
    start = gap_day - timedelta(weeks=2)

    outcome = await create(
        state, diary.admin_actor, diary, starts_on=start, local_time=skipped, horizon=5
    )

    # Then that Sunday is a conflict, and the Sundays around it are booked at that time
    rows = {o.occurs_on: o for o in await occurrences(state, outcome.series.id)}
    assert len(rows) == 5
    gap = rows[gap_day]
    assert (gap.status, gap.conflict_code, gap.booking_id) == (
        "conflict",
        "NONEXISTENT_LOCAL_TIME",
        None,
    )
    lessons = await series_bookings(state, outcome.series.id)
    assert len(lessons) == 4
    assert local_times(lessons, ZoneInfo(zone_name)) == {skipped.strftime("%H:%M")}


async def test_a_taken_date_is_recorded_as_a_conflict_both_are_told_and_the_rest_are_booked(
    factory: Factory, state: AppState
) -> None:
    # Given the instructor already teaches another student at 17:00 in two weeks' time
    diary = await year_diary(factory)
    world = diary.world
    await factory.assign(world.other_student, world.instructor, assignment_type="secondary")
    start = today() + timedelta(days=7)
    taken_day = start + timedelta(weeks=2)
    other = await book(
        state, diary.admin_actor, diary, local(taken_day, 17), student=world.other_student
    )

    # When a weekly 17:00 series of four lessons is created over it
    outcome = await create(state, diary.admin_actor, diary, starts_on=start, horizon=4)

    # Then three lessons are booked, the taken date is a conflict (never a double booking),
    # and the student and the instructor each got a message about it
    assert len(outcome.generated.booked) == 3
    [conflict] = outcome.generated.conflicts
    assert (conflict.occurs_on, conflict.conflict_code) == (taken_day, "SLOT_UNAVAILABLE")
    at_that_time = await count(
        state,
        Booking,
        Booking.instructor_id == world.instructor.id,
        Booking.starts_at == local(taken_day, 17),
    )
    assert at_that_time == 1
    assert other.status == "confirmed"
    for person in (world.student, world.instructor):
        message = await factory.last_message(person.email, "series.conflict")
        assert message.data["occurrence_id"] == str(conflict.id)
        assert message.data["code"] == "SLOT_UNAVAILABLE"
    # And a later generation neither retries nor repeats the conflict
    await generate(state, outcome.series.id)
    assert await count(state, OutboundMessage, OutboundMessage.template == "series.conflict") == 2


async def test_two_generations_at_once_add_each_date_once(
    factory: Factory, state: AppState
) -> None:
    # Given a series whose window is empty (its occurrences were removed after creation)
    diary = await year_diary(factory)
    outcome = await create(
        state, diary.admin_actor, diary, starts_on=today() + timedelta(days=3), horizon=6
    )
    async with state.db.transaction() as session:
        for row in await session.scalars(
            select(SeriesOccurrence).where(SeriesOccurrence.series_id == outcome.series.id)
        ):
            await session.delete(row)
        for booking in await session.scalars(
            select(Booking).where(Booking.series_id == outcome.series.id)
        ):
            await session.delete(booking)

    # When five generations run at the same time
    results = await asyncio.gather(*(generate(state, outcome.series.id) for _ in range(5)))

    # Then each date was booked exactly once
    assert sum(len(r.booked) for r in results) == 6
    assert sum(len(r.conflicts) for r in results) == 0
    assert len(await occurrences(state, outcome.series.id)) == 6
    assert await count(state, Booking, Booking.series_id == outcome.series.id) == 6


async def test_the_periodic_extension_moves_each_window_on_as_lessons_pass(
    factory: Factory, state: AppState
) -> None:
    # Given a weekly series keeping 3 lessons booked
    diary = await year_diary(factory)
    start = today() + timedelta(days=1)
    outcome = await create(state, diary.admin_actor, diary, starts_on=start, horizon=3)
    series = outcome.series
    assert series.extend_at == local(start, 17)  # when the first lesson starts

    # When the periodic job runs before that, nothing is due
    async with unit_of_work(state.db, state.hub, state.deps) as uow:
        assert await generation.extend_due(uow, datetime.now(UTC)) == 0

    # And when it runs just after the first lesson started, the window moves on by one
    later = local(start, 17) + timedelta(minutes=1)
    async with unit_of_work(state.db, state.hub, state.deps) as uow:
        assert await generation.extend_due(uow, later) == 1
    days = [o.occurs_on for o in await occurrences(state, series.id)]
    assert days == [start + timedelta(weeks=n) for n in range(4)]
    async with unit_of_work(state.db, state.hub, state.deps) as uow:
        assert await generation.extend_due(uow, later) == 0  # nothing due again yet


async def test_the_cores_place_can_carry_on_after_a_refusal_in_one_transaction(
    factory: Factory, state: AppState
) -> None:
    # Given a taken 17:00 (generation places date after date in one transaction, and
    # the scheduling core's write() must leave the session usable after an overlap)
    diary = await year_diary(factory)
    day = today() + timedelta(days=3)
    await book(state, diary.admin_actor, diary, local(day, 17))

    # When place() is refused at 17:00 and then asked for 19:00 in the same unit of work
    async with unit_of_work(state.db, state.hub, state.deps) as uow:
        placement = await bookings.load_placement(
            uow,
            school_id=diary.school.id,
            student_id=diary.world.student.id,
            instructor_id=diary.world.instructor.id,
            lesson_type_id=diary.lesson_type.id,
            starts_at=local(day, 17),
        )
        with pytest.raises(DomainError) as refused:
            await bookings.place(uow, None, placement, status="confirmed")
        later = await bookings.place(
            uow, None, replace(placement, starts_at=local(day, 19)), status="confirmed"
        )

    # Then the refusal was SLOT_UNAVAILABLE and the second lesson was booked
    assert str(refused.value.code) == "SLOT_UNAVAILABLE"
    assert await count(state, Booking, Booking.id == later.id) == 1
    assert await count(state, Booking) == 2


async def test_a_series_whose_lesson_type_was_retired_pauses_and_says_why_once(
    factory: Factory, state: AppState
) -> None:
    # Given a series, then its lesson type retired by the school
    diary = await year_diary(factory)
    outcome = await create(
        state, diary.admin_actor, diary, starts_on=today() + timedelta(days=1), horizon=2
    )
    async with unit_of_work(state.db, state.hub, state.deps) as uow:
        await lesson_types.update(
            uow, diary.admin_actor, diary.lesson_type.id, {"is_active": False}
        )

    # When its window moves on, twice
    later = local(today() + timedelta(days=1), 17) + timedelta(minutes=1)
    for _ in range(2):
        async with unit_of_work(state.db, state.hub, state.deps) as uow:
            await generation.extend_due(uow, later)

    # Then it is paused, nothing new was booked or recorded, and both were told once
    row = await series_row(state, outcome.series.id)
    assert (row.status, row.extend_at) == ("paused", None)
    assert len(await occurrences(state, outcome.series.id)) == 2
    for person in (diary.world.student, diary.world.instructor):
        message = await factory.last_message(person.email, "series.paused")
        assert "no longer offered" in message.body
    assert await count(state, OutboundMessage, OutboundMessage.template == "series.paused") == 2
