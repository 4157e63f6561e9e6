"""Booking invariants under real concurrency (SPEC §0: a check done only in Python is a
race). Simultaneous HTTP requests race for one time; PostgreSQL's exclusion constraints
decide, and the losers are told SLOT_UNAVAILABLE."""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from models.scheduling import Booking
from resolvers.context import AppState
from services.actor import Role
from tests.scheduling.helpers import BOOK, add_instructor, days_ahead, iso, local, make_diary
from tests.support import Factory, GraphQLClient, gid

REPETITIONS = 10


def outcomes(responses: list[Any]) -> Counter[str]:
    counted: Counter[str] = Counter()
    for response in responses:
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body
        payload = body["data"]["bookLesson"]
        counted.update([payload["errors"][0]["code"] if payload["errors"] else "OK"])
    return counted


async def live_bookings(state: AppState, **where: Any) -> int:
    conditions = [getattr(Booking, k) == v for k, v in where.items()]
    async with state.db.session() as session:
        count = await session.scalar(
            select(func.count()).where(Booking.status != "cancelled", *conditions)
        )
    return int(count or 0)


async def test_fifty_students_racing_for_one_slot_leave_exactly_one_booking(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given 50 students assigned to one instructor, each logged in
    diary = await make_diary(factory)
    students = [await factory.user(diary.school, Role.STUDENT) for _ in range(50)]
    for student in students:
        await factory.assign(student, diary.world.instructor)
    tokens = [await gql.login(s.email) for s in students]
    day = days_ahead(2)

    for run in range(REPETITIONS):
        # When all 50 book the same hour at once
        slot = local(day, 8 + run)
        responses = await asyncio.gather(
            *(
                gql.post(BOOK, {"input": {**diary.ids(), "startsAt": iso(slot)}}, token=token)
                for token in tokens
            )
        )

        # Then exactly one is booked and 49 are told the slot is taken
        assert outcomes(responses) == Counter({"OK": 1, "SLOT_UNAVAILABLE": 49}), run
        assert (
            await live_bookings(state, instructor_id=diary.world.instructor.id, starts_at=slot) == 1
        )
    assert await live_bookings(state, instructor_id=diary.world.instructor.id) == REPETITIONS


async def test_one_student_booking_twenty_instructors_at_one_time_gets_one(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a student assigned to 20 instructors (their own plus 19 more)
    diary = await make_diary(factory)
    student = diary.world.student
    instructors = [diary.world.instructor] + [
        await add_instructor(factory, diary, student) for _ in range(19)
    ]
    token = await gql.login(student.email)
    day = days_ahead(3)

    for run in range(REPETITIONS):
        # When the student books all twenty for the same hour at once
        slot = local(day, 8 + run)
        responses = await asyncio.gather(
            *(
                gql.post(
                    BOOK,
                    {"input": {**diary.ids(instructor=i), "startsAt": iso(slot)}},
                    token=token,
                )
                for i in instructors
            )
        )

        # Then one lesson is booked and 19 are refused: a student is in one car at a time
        assert outcomes(responses) == Counter({"OK": 1, "SLOT_UNAVAILABLE": 19}), run
        assert await live_bookings(state, student_id=student.id, starts_at=slot) == 1


async def test_overlapping_not_identical_times_are_caught_too(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given the instructor keeps a 15-minute buffer after each lesson
    diary = await make_diary(factory, buffer=15)
    students = [await factory.user(diary.school, Role.STUDENT) for _ in range(8)]
    for student in students:
        await factory.assign(student, diary.world.instructor)
    admin = await gql.login(diary.world.admin.email)
    day = days_ahead(4)
    base = local(day, 10)

    # When eight lessons starting 15 minutes apart are booked at once
    starts: list[datetime] = [base + timedelta(minutes=15 * n) for n in range(8)]
    responses = await asyncio.gather(
        *(
            gql.post(
                BOOK,
                {"input": {**diary.ids(student=s), "startsAt": iso(t)}},
                token=admin,
            )
            for s, t in zip(students, starts, strict=True)
        )
    )

    # Then no two kept lessons overlap, buffer included
    counted = outcomes(responses)
    assert counted["OK"] >= 1
    assert counted["OK"] + counted["SLOT_UNAVAILABLE"] == 8
    async with state.db.session() as session:
        kept = sorted(
            (
                await session.execute(
                    select(Booking.starts_at, Booking.blocked_until).where(
                        Booking.instructor_id == diary.world.instructor.id,
                        Booking.status != "cancelled",
                    )
                )
            ).all()
        )
    assert len(kept) == counted["OK"]
    for (_, blocked_until), (next_start, _) in itertools.pairwise(kept):
        assert next_start >= blocked_until


async def test_concurrent_bookings_never_exceed_the_weekly_cap(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given an instructor capped at 3 hours a week and 10 students
    diary = await make_diary(factory, cap_hours=3)
    students = [await factory.user(diary.school, Role.STUDENT) for _ in range(10)]
    for student in students:
        await factory.assign(student, diary.world.instructor)
    admin = await gql.login(diary.world.admin.email)
    monday = days_ahead(8)
    monday -= timedelta(days=monday.weekday())

    # When ten hour-long lessons on different days of one week are booked at once
    responses = await asyncio.gather(
        *(
            gql.post(
                BOOK,
                {
                    "input": {
                        **diary.ids(student=s),
                        "startsAt": iso(local(monday + timedelta(days=n % 7), 9 + n)),
                    }
                },
                token=admin,
            )
            for n, s in enumerate(students)
        )
    )

    # Then three fit and seven are refused for the cap
    assert outcomes(responses) == Counter({"OK": 3, "WEEKLY_HOURS_EXCEEDED": 7})
    assert await live_bookings(state, instructor_id=diary.world.instructor.id) == 3


async def test_a_cancelled_slot_can_be_booked_again(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    diary = await make_diary(factory)
    admin = await gql.login(diary.world.admin.email)
    slot = iso(local(days_ahead(3), 10))
    first = await gql.data(
        BOOK, {"input": {**diary.ids(student=diary.world.student), "startsAt": slot}}, token=admin
    )
    booking_id = first["bookLesson"]["booking"]["id"]
    cancelled = await gql.data(
        "mutation($input: CancelBookingInput!) { cancelBooking(input: $input) { errors { code } } }",
        {"input": {"bookingId": booking_id}},
        token=admin,
    )
    assert cancelled["cancelBooking"]["errors"] == []

    again = await gql.data(
        BOOK,
        {"input": {**diary.ids(student=diary.world.student), "startsAt": slot}},
        token=admin,
    )

    assert again["bookLesson"]["errors"] == []
    assert again["bookLesson"]["booking"]["id"] != booking_id
    assert gid("User", diary.world.student.id) == again["bookLesson"]["booking"]["student"]["id"]
