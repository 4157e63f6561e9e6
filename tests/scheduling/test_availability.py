"""`availableSlots` over HTTP: working hours, dated exceptions, buffers, existing bookings,
the weekly cap, the school's grid, a clock-change day, and impossible ranges."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select

from models.scheduling import AvailabilityException
from resolvers.context import AppState
from services.scheduling.availability import HoursInput
from tests.scheduling.helpers import (
    LONDON,
    SLOTS,
    book,
    days_ahead,
    iso,
    local,
    make_diary,
    set_hours,
)
from tests.support import Factory, GraphQLClient, gid

ADD_EXCEPTION = """
mutation Add($input: AddAvailabilityExceptionInput!) {
  addAvailabilityException(input: $input) {
    exception { id kind startsAt endsAt }
    errors { code field }
  }
}
"""

SET_HOURS = """
mutation Hours($input: SetWorkingHoursInput!) {
  setWorkingHours(input: $input) { hours { weekday start end } errors { code field } }
}
"""


def nine_to_five(day: date) -> list[HoursInput]:
    return [HoursInput(day.weekday(), time(9), time(17))]


async def slots(
    gql: GraphQLClient, token: str, ids: dict[str, Any], start: datetime, end: datetime
) -> list[str]:
    body = await gql.data(SLOTS, {**ids, "from": iso(start), "to": iso(end)}, token=token)
    return [
        datetime.fromisoformat(s["startsAt"]).astimezone(LONDON).strftime("%H:%M")
        for s in body["availableSlots"]
    ]


async def test_slots_follow_working_hours_and_end_exactly_at_closing(
    gql: GraphQLClient, factory: Factory
) -> None:
    day = days_ahead(4)
    diary = await make_diary(factory, hours=nine_to_five(day))
    token = await gql.login(diary.world.student.email)

    offered = await slots(gql, token, diary.ids(), local(day, 0), local(day + timedelta(days=1), 0))

    assert offered[0] == "09:00"
    assert offered[-1] == "16:00"
    assert len(offered) == 29


async def test_back_to_back_bookings_and_the_buffer_after_each(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    day = days_ahead(5)
    diary = await make_diary(factory, hours=nine_to_five(day), buffer=15)
    await book(state, diary.admin_actor, diary, local(day, 10))
    token = await gql.login(diary.world.student.email)

    offered = await slots(gql, token, diary.ids(), local(day, 9), local(day, 17))

    assert "09:00" not in offered  # 09:00 to 10:00 plus 15 minutes runs into 10:00
    assert "08:45" not in offered
    assert "11:00" not in offered  # the booked lesson's buffer runs to 11:15
    assert offered[:2] == ["11:15", "11:30"]


async def test_time_off_and_extra_hours_change_the_slots(
    gql: GraphQLClient, factory: Factory
) -> None:
    day = days_ahead(6)
    diary = await make_diary(factory, hours=nine_to_five(day))
    instructor_token = await gql.login(diary.world.instructor.email)
    instructor = gid("User", diary.world.instructor.id)
    off = await gql.data(
        ADD_EXCEPTION,
        {
            "input": {
                "instructorId": instructor,
                "kind": "TIME_OFF",
                "startDate": day.isoformat(),
                "startTime": "12:00",
                "endTime": "14:00",
            }
        },
        token=instructor_token,
    )
    extra = await gql.data(
        ADD_EXCEPTION,
        {
            "input": {
                "instructorId": instructor,
                "kind": "EXTRA_HOURS",
                "startDate": day.isoformat(),
                "startTime": "18:00",
                "endTime": "20:00",
            }
        },
        token=instructor_token,
    )
    assert off["addAvailabilityException"]["errors"] == []
    assert extra["addAvailabilityException"]["errors"] == []

    token = await gql.login(diary.world.student.email)
    offered = await slots(gql, token, diary.ids(), local(day, 0), local(day, 23))

    assert "11:00" in offered  # ends at 12:00, as the time off starts
    assert not {"11:15", "12:00", "13:45"} & set(offered)
    assert "14:00" in offered
    assert offered[-2:] == ["18:45", "19:00"]


READ_AVAILABILITY = """
query Availability($instructorId: ID!, $from: DateTime!, $to: DateTime!) {
  workingHours(instructorId: $instructorId) { weekday start end }
  availabilityExceptions(instructorId: $instructorId, from: $from, to: $to) {
    id kind startsAt endsAt reason
  }
}
"""

REMOVE_EXCEPTION = """
mutation Remove($input: RemoveAvailabilityExceptionInput!) {
  removeAvailabilityException(input: $input) { exception { id } errors { code field } }
}
"""


async def test_the_week_and_its_exceptions_are_read_back_and_an_exception_removed(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given an instructor working 09:00-17:00 on one day, with an afternoon off that day
    day = days_ahead(6)
    diary = await make_diary(factory, hours=nine_to_five(day))
    instructor = gid("User", diary.world.instructor.id)
    token = await gql.login(diary.world.instructor.email)
    added = await gql.data(
        ADD_EXCEPTION,
        {
            "input": {
                "instructorId": instructor,
                "kind": "TIME_OFF",
                "startDate": day.isoformat(),
                "startTime": "13:00",
                "endTime": "17:00",
                "reason": "Dentist",
            }
        },
        token=token,
    )
    exception_id = added["addAvailabilityException"]["exception"]["id"]
    # (the longest range the exceptions query takes: 366 days)
    year = {
        "instructorId": instructor,
        "from": iso(local(day, 0)),
        "to": iso(local(day, 0) + timedelta(days=366)),
    }

    # When the instructor reads their availability back
    read = await gql.data(READ_AVAILABILITY, year, token=token)

    # Then the week is in local time and the exception is there with its reason
    weekday = day.strftime("%A").upper()
    assert read["workingHours"] == [{"weekday": weekday, "start": "09:00:00", "end": "17:00:00"}]
    assert read["availabilityExceptions"] == [
        {
            "id": exception_id,
            "kind": "TIME_OFF",
            "startsAt": local(day, 13).isoformat(),
            "endsAt": local(day, 17).isoformat(),
            "reason": "Dentist",
        }
    ]

    # And a colleague cannot remove it, but the instructor can, which gives the afternoon back
    colleague = await gql.login(diary.world.other_instructor.email)
    refused = await gql.data(
        REMOVE_EXCEPTION, {"input": {"exceptionId": exception_id}}, token=colleague
    )
    assert refused["removeAvailabilityException"]["errors"] == [
        {"code": "NOT_FOUND", "field": "exceptionId"}
    ]
    student = await gql.login(diary.world.student.email)
    before = await slots(gql, student, diary.ids(), local(day, 0), local(day, 23))
    removed = await gql.data(
        REMOVE_EXCEPTION, {"input": {"exceptionId": exception_id}}, token=token
    )
    after = await slots(gql, student, diary.ids(), local(day, 0), local(day, 23))
    assert removed["removeAvailabilityException"] == {
        "exception": {"id": exception_id},
        "errors": [],
    }
    assert before[-1] == "12:00"
    assert after[-1] == "16:00"
    assert (await gql.data(READ_AVAILABILITY, year, token=token))["availabilityExceptions"] == []
    async with state.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(AvailabilityException)) == 0


async def test_the_weekly_cap_removes_the_rest_of_the_week(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    monday = days_ahead(8)
    monday -= timedelta(days=monday.weekday())
    diary = await make_diary(factory, cap_hours=2)
    await book(state, diary.admin_actor, diary, local(monday, 9))
    await book(state, diary.admin_actor, diary, local(monday + timedelta(days=2), 9))
    token = await gql.login(diary.world.student.email)

    this_week = await slots(
        gql,
        token,
        diary.ids(),
        local(monday + timedelta(days=3), 9),
        local(monday + timedelta(days=3), 12),
    )
    next_week = await slots(
        gql,
        token,
        diary.ids(),
        local(monday + timedelta(days=7), 9),
        local(monday + timedelta(days=7), 12),
    )

    assert this_week == []
    assert len(next_week) == 12


async def test_the_school_grid_decides_the_start_times(
    gql: GraphQLClient, factory: Factory
) -> None:
    day = days_ahead(3)
    diary = await make_diary(factory, hours=nine_to_five(day), slot_granularity_minutes=30)
    token = await gql.login(diary.world.student.email)

    offered = await slots(gql, token, diary.ids(), local(day, 9), local(day, 12))

    assert offered == ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]


async def test_a_clock_change_day_offers_local_times(gql: GraphQLClient, factory: Factory) -> None:
    # The next last Sunday of March, with a horizon long enough to reach it.
    year = datetime.now(UTC).year + 1
    spring = max(date(year, 3, d) for d in range(25, 32) if date(year, 3, d).weekday() == 6)
    diary = await make_diary(
        factory,
        hours=[HoursInput(6, time(0), time(4)), HoursInput(6, time(9), time(11))],
        booking_horizon_days=730,
        slot_granularity_minutes=60,
    )
    token = await gql.login(diary.world.student.email)

    offered = await slots(
        gql, token, diary.ids(), local(spring, 0), local(spring + timedelta(days=1), 0)
    )

    # 00:00 to 04:00 local is three real hours that night, and 01:00 does not exist.
    assert offered == ["00:00", "02:00", "03:00", "09:00", "10:00"]


async def test_a_student_sees_only_times_they_are_free_too(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    day = days_ahead(3)
    diary = await make_diary(factory, hours=nine_to_five(day))
    # The student has a lesson with their other instructor at 12:00.
    await factory.assign(
        diary.world.student, diary.world.other_instructor, assignment_type="secondary", priority=2
    )
    await book(
        state, diary.admin_actor, diary, local(day, 12), instructor=diary.world.other_instructor
    )
    token = await gql.login(diary.world.student.email)

    offered = await slots(gql, token, diary.ids(), local(day, 11), local(day, 14))

    assert "11:00" in offered
    assert not {"11:15", "12:00", "12:45"} & set(offered)
    assert "13:00" in offered


async def test_impossible_ranges_get_typed_errors(gql: GraphQLClient, factory: Factory) -> None:
    diary = await make_diary(factory)
    token = await gql.login(diary.world.student.email)
    day = days_ahead(3)
    cases = [
        (local(day, 12), local(day, 9), "INVALID_TIME_RANGE"),
        (local(day, 9), local(day, 9) + timedelta(days=3650), "RANGE_TOO_LONG"),
    ]
    for start, end, reason in cases:
        body = await gql.execute(
            SLOTS, {**diary.ids(), "from": iso(start), "to": iso(end)}, token=token
        )
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert body["errors"][0]["extensions"]["reason"] == reason

    naive = await gql.execute(
        SLOTS,
        {**diary.ids(), "from": "2030-01-01T09:00:00", "to": "2030-01-01T12:00:00"},
        token=token,
    )
    assert naive["errors"][0]["extensions"]["reason"] == "INVALID"


async def test_working_hours_mutation_refuses_overlaps_and_keeps_the_old_week(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    day = days_ahead(3)
    diary = await make_diary(factory, hours=nine_to_five(day))
    token = await gql.login(diary.world.instructor.email)
    instructor = gid("User", diary.world.instructor.id)

    overlapping = await gql.data(
        SET_HOURS,
        {
            "input": {
                "instructorId": instructor,
                "hours": [
                    {"weekday": "MONDAY", "start": "09:00", "end": "13:00"},
                    {"weekday": "MONDAY", "start": "12:00", "end": "17:00"},
                ],
            }
        },
        token=token,
    )
    backwards = await gql.data(
        SET_HOURS,
        {
            "input": {
                "instructorId": instructor,
                "hours": [{"weekday": "TUESDAY", "start": "17:00", "end": "09:00"}],
            }
        },
        token=token,
    )
    split = await gql.data(
        SET_HOURS,
        {
            "input": {
                "instructorId": instructor,
                "hours": [
                    {"weekday": "MONDAY", "start": "09:00", "end": "12:00"},
                    {"weekday": "MONDAY", "start": "12:00", "end": "00:00"},
                ],
            }
        },
        token=token,
    )

    assert overlapping["setWorkingHours"]["errors"][0]["code"] == "OVERLAPPING_HOURS"
    assert backwards["setWorkingHours"]["errors"][0]["code"] == "INVALID_TIME_RANGE"
    assert split["setWorkingHours"]["hours"] == [
        {"weekday": "MONDAY", "start": "09:00:00", "end": "12:00:00"},
        {"weekday": "MONDAY", "start": "12:00:00", "end": "00:00:00"},
    ]


async def test_another_instructors_diary_and_another_schools_are_out_of_reach(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    diary = await make_diary(factory)
    other = await make_diary(factory)
    token = await gql.login(diary.world.instructor.email)
    day = days_ahead(3)

    colleague = await gql.data(
        ADD_EXCEPTION,
        {
            "input": {
                "instructorId": gid("User", diary.world.other_instructor.id),
                "kind": "TIME_OFF",
                "startDate": day.isoformat(),
            }
        },
        token=token,
    )
    foreign_slots = await gql.execute(
        SLOTS,
        {
            **other.ids(),
            "from": iso(local(day, 9)),
            "to": iso(local(day, 12)),
        },
        token=await gql.login(diary.world.student.email),
    )

    assert colleague["addAvailabilityException"]["errors"][0]["code"] == "INSTRUCTOR_NOT_FOUND"
    assert foreign_slots["data"] is None
    assert foreign_slots["errors"][0]["extensions"]["reason"] in (
        "LESSON_TYPE_NOT_FOUND",
        "INSTRUCTOR_NOT_FOUND",
    )
    async with state.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(AvailabilityException)) == 0


async def test_a_time_in_the_spring_gap_is_refused(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    year = datetime.now(UTC).year + 1
    spring = max(date(year, 3, d) for d in range(25, 32) if date(year, 3, d).weekday() == 6)
    diary = await make_diary(factory)
    token = await gql.login(diary.world.instructor.email)

    body = await gql.data(
        ADD_EXCEPTION,
        {
            "input": {
                "instructorId": gid("User", diary.world.instructor.id),
                "kind": "TIME_OFF",
                "startDate": spring.isoformat(),
                "startTime": "01:30",
                "endTime": "03:00",
            }
        },
        token=token,
    )

    assert body["addAvailabilityException"]["errors"] == [
        {"code": "NONEXISTENT_LOCAL_TIME", "field": "startTime"}
    ]
    async with state.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(AvailabilityException)) == 0
    await set_hours(state, diary.admin_actor, diary.world.instructor, [])
