"""No N+1: listing series with their lesson types, people, occurrences and bookings costs
the same number of SQL statements for one series as for many."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from resolvers.context import AppState
from services.actor import Role
from tests.scheduling.helpers import add_instructor
from tests.series.helpers import LIST, create, today, year_diary
from tests.support import Factory, GraphQLClient

# Measured: the session check, the page of series, then one batch each for lesson types,
# users (students and instructors together), occurrences, their bookings, and the
# bookings' instructors (a second users batch, one level deeper).
STATEMENTS = 7


async def _school_with_series(factory: Factory, state: AppState, series: int) -> Any:
    diary = await year_diary(factory)
    start = today() + timedelta(days=3)
    for n in range(series):
        # Each series its own student and instructor, so that every date is booked.
        student = await factory.user(diary.school, Role.STUDENT) if n else diary.world.student
        instructor = await add_instructor(factory, diary, student) if n else None
        await create(
            state,
            diary.admin_actor,
            diary,
            starts_on=start,
            student=student,
            instructor=instructor,
            horizon=4,
        )
    return diary


async def _measure(gql: GraphQLClient, email: str) -> tuple[int, dict[str, Any]]:
    body = await gql.execute(LIST, {"first": 50}, token=await gql.login(email))
    assert "errors" not in body, body
    return body["extensions"]["sqlStatements"], body["data"]


async def test_listing_one_or_six_series_with_occurrences_costs_the_same(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    small = await _school_with_series(factory, state, 1)
    large = await _school_with_series(factory, state, 6)

    small_count, small_data = await _measure(gql, small.world.admin.email)
    large_count, large_data = await _measure(gql, large.world.admin.email)

    assert len(small_data["lessonSeries"]["edges"]) == 1
    assert len(large_data["lessonSeries"]["edges"]) == 6
    lessons = [
        o["booking"]["instructor"]["id"]
        for e in large_data["lessonSeries"]["edges"]
        for o in e["node"]["occurrences"]
    ]
    assert len(lessons) == 24
    assert small_count == large_count == STATEMENTS
