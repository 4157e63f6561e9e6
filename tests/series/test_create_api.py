"""createLessonSeries over HTTP: who may make a series, what its lessons look like, and
impossible input answered with a typed error that changes nothing."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from models.scheduling import Booking
from models.series import LessonSeries, SeriesOccurrence
from resolvers.context import AppState
from services.actor import Role
from services.scheduling import lesson_types
from services.uow import unit_of_work
from tests.series.helpers import (
    CREATE,
    LIST,
    NODE,
    count,
    create_input,
    next_gap,
    today,
    year_diary,
)
from tests.support import Factory, GraphQLClient, gid


async def _create(gql: GraphQLClient, token: str, payload: dict[str, Any]) -> dict[str, Any]:
    data = await gql.data(CREATE, {"input": payload}, token=token)
    return data["createLessonSeries"]  # type: ignore[no-any-return]


async def _nothing_written(state: AppState) -> None:
    assert await count(state, LessonSeries) == 0
    assert await count(state, SeriesOccurrence) == 0
    assert await count(state, Booking) == 0


async def test_a_student_creates_a_series_of_pending_lessons_with_their_instructor(
    gql: GraphQLClient, factory: Factory
) -> None:
    diary = await year_diary(factory)
    token = await gql.login(diary.world.student.email)
    start = today() + timedelta(days=3)

    result = await _create(
        gql, token, {**create_input(diary, start), "studentId": None, "horizon": 3}
    )

    assert result["errors"] == []
    series = result["series"]
    assert (series["status"], series["frequency"], series["localTime"]) == (
        "ACTIVE",
        "WEEKLY",
        "17:00:00",
    )
    assert series["student"]["id"] == gid("User", diary.world.student.id)
    assert series["createdBy"]["id"] == gid("User", diary.world.student.id)
    assert [o["occursOn"] for o in series["occurrences"]] == [
        (start + timedelta(weeks=n)).isoformat() for n in range(3)
    ]
    assert {o["booking"]["status"] for o in series["occurrences"]} == {"PENDING"}
    assert len(result["booked"]) == 3
    assert {b["booking"]["localStart"][11:16] for b in result["booked"]} == {"17:00"}
    assert {b["booking"]["series"]["id"] for b in result["booked"]} == {series["id"]}
    assert result["conflicts"] == []


async def test_an_instructor_creates_an_auto_confirmed_monthly_series_for_their_student(
    gql: GraphQLClient, factory: Factory
) -> None:
    diary = await year_diary(factory)
    token = await gql.login(diary.world.instructor.email)
    # the second Tuesday of next month
    first_of_next = (today().replace(day=1) + timedelta(days=32)).replace(day=1)
    second_tuesday = first_of_next + timedelta(days=(1 - first_of_next.weekday()) % 7 + 7)

    result = await _create(
        gql,
        token,
        create_input(diary, second_tuesday, frequency="MONTHLY", autoConfirm=True, horizon=3),
    )

    assert result["errors"] == []
    days = [o["occursOn"] for o in result["series"]["occurrences"]]
    assert result["series"]["weekOfMonth"] == 2
    assert len(days) == 3
    for day in days:
        parsed = today().fromisoformat(day)
        assert parsed.weekday() == 1
        assert 8 <= parsed.day <= 14  # the second Tuesday of its month
    assert {o["booking"]["status"] for o in result["series"]["occurrences"]} == {"CONFIRMED"}


async def test_a_student_cannot_make_their_series_confirm_itself(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    diary = await year_diary(factory)
    token = await gql.login(diary.world.student.email)

    body = await gql.execute(
        CREATE,
        {"input": {**create_input(diary, today() + timedelta(days=3)), "autoConfirm": True}},
        token=token,
    )

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    await _nothing_written(state)


def _bad_inputs() -> list[tuple[str, dict[str, Any], str, str]]:
    start = today() + timedelta(days=3)
    return [
        (
            "end before start",
            {"endsOn": (start - timedelta(days=1)).isoformat()},
            "INVALID_DATES",
            "endsOn",
        ),
        (
            "ten years",
            {"endsOn": (start + timedelta(days=3653)).isoformat()},
            "RANGE_TOO_LONG",
            "endsOn",
        ),
        (
            "starts in ten years",
            {"startsOn": (start + timedelta(days=3653)).isoformat()},
            "RANGE_TOO_LONG",
            "startsOn",
        ),
        (
            "in the past",
            {"startsOn": (start - timedelta(days=30)).isoformat()},
            "IN_THE_PAST",
            "startsOn",
        ),
        ("implausible year", {"startsOn": "9999-01-01"}, "INVALID_DATES", "startsOn"),
        ("off the slot grid", {"localTime": "17:07:00"}, "MISALIGNED_START", "localTime"),
        ("seconds", {"localTime": "17:00:30"}, "INVALID", "localTime"),
        ("horizon zero", {"horizon": 0}, "INVALID", "horizon"),
        ("horizon too far", {"horizon": 53}, "INVALID", "horizon"),
        ("a location too long", {"location": "x" * 301}, "INVALID", "location"),
        ("control characters", {"notes": "bad\x00notes"}, "INVALID", "notes"),
        (
            "a malformed lesson type id",
            {"lessonTypeId": "not-an-id"},
            "LESSON_TYPE_NOT_FOUND",
            "lessonTypeId",
        ),
        (
            "a user id as lesson type",
            {"lessonTypeId": gid("User", uuid.uuid4())},
            "LESSON_TYPE_NOT_FOUND",
            "lessonTypeId",
        ),
        (
            "a nonexistent instructor",
            {"instructorId": gid("User", uuid.uuid4())},
            "INSTRUCTOR_NOT_FOUND",
            "instructorId",
        ),
    ]


@pytest.mark.parametrize(
    ("case", "change", "code", "field"),
    _bad_inputs(),
    ids=[case[0] for case in _bad_inputs()],
)
async def test_impossible_input_is_a_typed_error_and_changes_nothing(
    gql: GraphQLClient,
    factory: Factory,
    state: AppState,
    case: str,
    change: dict[str, Any],
    code: str,
    field: str,
) -> None:
    diary = await year_diary(factory)
    token = await gql.login(diary.world.admin.email)

    result = await _create(
        gql, token, {**create_input(diary, today() + timedelta(days=3)), **change}
    )

    assert result["series"] is None, case
    assert [(e["code"], e["field"]) for e in result["errors"]] == [(code, field)], case
    await _nothing_written(state)


async def test_a_lesson_type_or_student_of_another_school_is_not_found(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    diary = await year_diary(factory)
    other = await year_diary(factory)
    token = await gql.login(diary.world.admin.email)
    start = today() + timedelta(days=3)

    foreign_type = await _create(
        gql,
        token,
        {**create_input(diary, start), "lessonTypeId": gid("LessonType", other.lesson_type.id)},
    )
    foreign_student = await _create(
        gql, token, {**create_input(diary, start), "studentId": gid("User", other.world.student.id)}
    )
    foreign_instructor = await _create(
        gql,
        token,
        {**create_input(diary, start), "instructorId": gid("User", other.world.instructor.id)},
    )

    assert [e["code"] for e in foreign_type["errors"]] == ["LESSON_TYPE_NOT_FOUND"]
    assert [e["code"] for e in foreign_student["errors"]] == ["STUDENT_NOT_FOUND"]
    assert [e["code"] for e in foreign_instructor["errors"]] == ["INSTRUCTOR_NOT_FOUND"]
    await _nothing_written(state)


async def test_a_retired_lesson_type_and_an_unassigned_instructor_are_refused(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    diary = await year_diary(factory)
    token = await gql.login(diary.world.admin.email)
    start = today() + timedelta(days=3)
    unassigned = await factory.user(diary.school, Role.INSTRUCTOR)

    not_assigned = await _create(
        gql, token, {**create_input(diary, start), "instructorId": gid("User", unassigned.id)}
    )
    async with unit_of_work(state.db, state.hub, state.deps) as uow:
        await lesson_types.update(
            uow, diary.admin_actor, diary.lesson_type.id, {"is_active": False}
        )
    retired = await _create(gql, token, create_input(diary, start))

    assert [e["code"] for e in retired["errors"]] == ["LESSON_TYPE_INACTIVE"]
    assert [e["code"] for e in not_assigned["errors"]] == ["NOT_ASSIGNED"]
    await _nothing_written(state)


async def test_another_school_sees_no_series_and_cannot_fetch_one(
    gql: GraphQLClient, factory: Factory
) -> None:
    diary = await year_diary(factory)
    other = await year_diary(factory)
    admin = await gql.login(diary.world.admin.email)
    made = await _create(gql, admin, create_input(diary, today() + timedelta(days=3)))
    series_id = made["series"]["id"]
    occurrence_id = made["series"]["occurrences"][0]["id"]

    for email in (
        other.world.admin.email,
        other.world.student.email,
        diary.world.other_student.email,
    ):
        token = await gql.login(email)
        assert (await gql.data(NODE, {"id": series_id}, token=token))["node"] is None
        assert (await gql.data(NODE, {"id": occurrence_id}, token=token))["node"] is None
        assert (await gql.data(LIST, {"first": 10}, token=token))["lessonSeries"]["edges"] == []
    own = await gql.data(NODE, {"id": series_id}, token=await gql.login(diary.world.student.email))
    assert own["node"]["id"] == series_id


async def test_two_series_for_one_slot_at_once_never_double_book(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given four requests for the same weekly lesson, sent at the same time
    diary = await year_diary(factory)
    token = await gql.login(diary.world.admin.email)
    payload = create_input(diary, today() + timedelta(days=3), horizon=5)

    results = await asyncio.gather(
        *(gql.data(CREATE, {"input": payload}, token=token) for _ in range(4))
    )

    # Then all four series exist, but each date is booked once: the other three recorded
    # every date as a conflict
    outcomes = [r["createLessonSeries"] for r in results]
    assert all(o["errors"] == [] for o in outcomes)
    assert sorted(len(o["booked"]) for o in outcomes) == [0, 0, 0, 5]
    assert sorted(len(o["conflicts"]) for o in outcomes) == [0, 5, 5, 5]
    assert await count(state, Booking) == 5
    async with state.db.session() as session:
        lessons = list(await session.scalars(select(Booking)))
    assert len({b.starts_at for b in lessons}) == 5


async def test_a_retried_creation_with_its_idempotency_key_makes_one_series(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a creation sent with a key
    diary = await year_diary(factory)
    token = await gql.login(diary.world.admin.email)
    payload = {**create_input(diary, today() + timedelta(days=3)), "idempotencyKey": "k-1"}
    first = await _create(gql, token, payload)

    # When it is retried, and when the key is reused for another request
    retried = await _create(gql, token, payload)
    reused = await _create(gql, token, {**payload, "localTime": "18:00:00"})

    # Then the retry returns the first series, the reuse is refused, one series exists
    assert retried["errors"] == []
    assert retried["series"]["id"] == first["series"]["id"]
    assert retried["booked"] == []
    assert [e["code"] for e in reused["errors"]] == ["IDEMPOTENCY_KEY_REUSED"]
    assert await count(state, LessonSeries) == 1
    assert await count(state, Booking) == 4


async def test_a_series_whose_first_lesson_falls_in_a_clock_change_gap_is_refused(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    zone_name, gap_day, skipped = next_gap()
    diary = await year_diary(factory, time_zone=zone_name)
    token = await gql.login(diary.world.admin.email)

    result = await _create(gql, token, create_input(diary, gap_day, localTime=skipped.isoformat()))

    assert result["series"] is None
    assert [(e["code"], e["field"]) for e in result["errors"]] == [
        ("NONEXISTENT_LOCAL_TIME", "localTime")
    ]
    await _nothing_written(state)
