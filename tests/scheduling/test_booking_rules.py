"""Every rule a booking must pass, and impossible input: each gets its typed error and
changes nothing — never a 500, never another school's data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from models.scheduling import Booking, LessonType
from resolvers.context import AppState
from tests.scheduling.helpers import BOOK, Diary, book, days_ahead, iso, local, make_diary
from tests.support import Factory, GraphQLClient, gid

NODE = "query Node($id: ID!) { node(id: $id) { id ... on Booking { status } } }"
CANCEL = """
mutation Cancel($input: CancelBookingInput!) { cancelBooking(input: $input) { errors { code field } } }
"""


async def bookings_count(state: AppState) -> int:
    async with state.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(Booking)) or 0)


async def attempt(gql: GraphQLClient, token: str, **fields: Any) -> dict[str, Any]:
    body = await gql.data(BOOK, {"input": fields}, token=token)
    return body["bookLesson"]  # type: ignore[no-any-return]


@pytest.fixture
async def diary(factory: Factory) -> Diary:
    return await make_diary(factory, booking_horizon_days=30)


async def test_each_placement_rule_has_its_code(
    gql: GraphQLClient, diary: Diary, factory: Factory, state: AppState
) -> None:
    student = await gql.login(diary.world.student.email)
    day = days_ahead(3)
    now = datetime.now(UTC)
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"startsAt": iso(now - timedelta(hours=2))}, "IN_THE_PAST", "startsAt"),
        ({"startsAt": iso(local(days_ahead(45), 10))}, "BEYOND_HORIZON", "startsAt"),
        ({"startsAt": iso(local(day, 10, 7))}, "MISALIGNED_START", "startsAt"),
        (
            {**diary.ids(instructor=diary.world.other_instructor), "startsAt": iso(local(day, 10))},
            "NOT_ASSIGNED",
            "instructorId",
        ),
        ({"startsAt": iso(local(day, 10)), "notes": "x" * 2001}, "INVALID", "notes"),
    ]
    for overrides, code, field in cases:
        payload = await attempt(gql, student, **{**diary.ids(), **overrides})
        assert payload["booking"] is None
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [(code, field)], overrides
    assert await bookings_count(state) == 0


async def test_working_hours_hold_unless_an_admin_overrides(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    from datetime import time

    from services.scheduling.availability import HoursInput

    day = days_ahead(3)
    diary = await make_diary(factory, hours=[HoursInput(day.weekday(), time(9), time(17))])
    await factory.assign(
        diary.world.other_student, diary.world.instructor, assignment_type="secondary", priority=2
    )
    student = await gql.login(diary.world.student.email)
    admin = await gql.login(diary.world.admin.email)
    evening = iso(local(day, 17))

    refused = await attempt(gql, student, **diary.ids(), startsAt=evening)
    forbidden = await gql.execute(
        BOOK,
        {"input": {**diary.ids(), "startsAt": evening, "overrideWorkingHours": True}},
        token=student,
    )
    overridden = await attempt(
        gql,
        admin,
        **diary.ids(student=diary.world.student),
        startsAt=evening,
        overrideWorkingHours=True,
    )
    last_of_day = await attempt(
        gql, admin, **diary.ids(student=diary.world.other_student), startsAt=iso(local(day, 16))
    )

    assert refused["errors"][0]["code"] == "OUTSIDE_WORKING_HOURS"
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert overridden["errors"] == []
    assert last_of_day["errors"] == []  # 16:00 to 17:00 ends exactly at closing time
    async with state.db.session() as session:
        flags = list(await session.scalars(select(Booking.outside_working_hours)))
    assert sorted(flags) == [False, True]


async def test_another_schools_lesson_type_instructor_and_booking_are_not_found(
    gql: GraphQLClient, diary: Diary, factory: Factory, state: AppState
) -> None:
    foreign = await make_diary(factory)
    foreign_booking = await book(state, foreign.admin_actor, foreign, local(days_ahead(3), 10))
    admin = await gql.login(diary.world.admin.email)
    slot = iso(local(days_ahead(3), 12))

    lesson_type = await attempt(
        gql,
        admin,
        **{
            **diary.ids(student=diary.world.student),
            "lessonTypeId": gid("LessonType", foreign.lesson_type.id),
        },
        startsAt=slot,
    )
    instructor = await attempt(
        gql,
        admin,
        **{
            **diary.ids(student=diary.world.student),
            "instructorId": gid("User", foreign.world.instructor.id),
        },
        startsAt=slot,
    )
    node = await gql.data(NODE, {"id": gid("Booking", foreign_booking.id)}, token=admin)
    cancel = await gql.data(
        CANCEL, {"input": {"bookingId": gid("Booking", foreign_booking.id)}}, token=admin
    )

    assert lesson_type["errors"][0]["code"] == "LESSON_TYPE_NOT_FOUND"
    assert instructor["errors"][0]["code"] == "INSTRUCTOR_NOT_FOUND"
    assert node["node"] is None
    assert cancel["cancelBooking"]["errors"][0]["code"] == "NOT_FOUND"
    assert await bookings_count(state) == 1  # only the foreign school's own booking


async def test_malformed_ids_and_times_get_typed_errors(
    gql: GraphQLClient, diary: Diary, state: AppState
) -> None:
    student = await gql.login(diary.world.student.email)
    slot = iso(local(days_ahead(3), 10))

    wrong_type_of_id = await attempt(
        gql,
        student,
        **{**diary.ids(), "lessonTypeId": gid("User", diary.world.student.id)},
        startsAt=slot,
    )
    garbage_id = await attempt(
        gql, student, **{**diary.ids(), "instructorId": "not-an-id"}, startsAt=slot
    )
    naive_time = await attempt(gql, student, **diary.ids(), startsAt="2031-01-01T10:00:00")
    not_a_time = await gql.post(
        BOOK, {"input": {**diary.ids(), "startsAt": "next tuesday"}}, token=student
    )

    assert wrong_type_of_id["errors"][0]["code"] == "LESSON_TYPE_NOT_FOUND"
    assert garbage_id["errors"][0]["code"] == "INSTRUCTOR_NOT_FOUND"
    assert naive_time["errors"] == [
        {"code": "INVALID", "message": "Give the time with its UTC offset.", "field": "startsAt"}
    ]
    assert not_a_time.status_code == 400
    assert "data" not in not_a_time.json()
    assert await bookings_count(state) == 0


async def test_a_retired_lesson_type_and_an_inactive_student_cannot_be_booked(
    gql: GraphQLClient, diary: Diary, state: AppState
) -> None:
    admin = await gql.login(diary.world.admin.email)
    slot = iso(local(days_ahead(3), 10))
    pending = await attempt(gql, admin, **diary.ids(student=diary.world.pending), startsAt=slot)
    async with state.db.transaction() as session:
        await session.execute(
            update(LessonType).where(LessonType.id == diary.lesson_type.id).values(is_active=False)
        )
    retired = await attempt(gql, admin, **diary.ids(student=diary.world.student), startsAt=slot)

    assert pending["errors"][0]["code"] == "STUDENT_NOT_ACTIVE"
    assert retired["errors"][0]["code"] == "LESSON_TYPE_INACTIVE"
    assert await bookings_count(state) == 0


async def test_students_book_only_for_themselves_and_instructors_only_in_their_diary(
    gql: GraphQLClient, diary: Diary, state: AppState
) -> None:
    student = await gql.login(diary.world.student.email)
    colleague = await gql.login(diary.world.other_instructor.email)
    slot = iso(local(days_ahead(3), 10))

    for_someone_else = await gql.execute(
        BOOK,
        {"input": {**diary.ids(student=diary.world.other_student), "startsAt": slot}},
        token=student,
    )
    in_a_colleagues_diary = await gql.execute(
        BOOK,
        {"input": {**diary.ids(student=diary.world.student), "startsAt": slot}},
        token=colleague,
    )

    assert for_someone_else["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert in_a_colleagues_diary["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await bookings_count(state) == 0


async def test_an_instructor_booking_is_confirmed_and_a_students_is_pending(
    gql: GraphQLClient, diary: Diary
) -> None:
    day = days_ahead(3)
    by_student = await attempt(
        gql, await gql.login(diary.world.student.email), **diary.ids(), startsAt=iso(local(day, 10))
    )
    by_instructor = await attempt(
        gql,
        await gql.login(diary.world.instructor.email),
        **diary.ids(student=diary.world.student),
        startsAt=iso(local(day, 12)),
    )

    assert by_student["booking"]["status"] == "PENDING"
    assert by_instructor["booking"]["status"] == "CONFIRMED"


async def test_unauthenticated_callers_are_refused(gql: GraphQLClient, diary: Diary) -> None:
    body = await gql.execute(
        BOOK, {"input": {**diary.ids(), "startsAt": iso(local(days_ahead(3), 10))}}
    )
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
