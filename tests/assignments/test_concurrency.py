"""Assignment invariants under real concurrency (SPEC §0: a check done only in Python is a
race). Each test fires simultaneous HTTP requests at the running server and then counts
what PostgreSQL actually holds."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import func, select

from models.accounts import User
from models.assignments import InstructorAssignment
from resolvers.context import AppState
from services.actor import Role
from tests.support import Factory, GraphQLClient, SchoolWorld, gid

ASSIGN = """
mutation Assign($input: AssignInstructorInput!) {
  assignInstructor(input: $input) { assignment { id } errors { code } }
}
"""

SET_CAPACITY = """
mutation Capacity($input: UpdateInstructorProfileInput!) {
  updateInstructorProfile(input: $input) { user { instructorProfile { maxStudents } } errors { code } }
}
"""

RUNS = range(5)


async def _assign_all(
    gql: GraphQLClient, token: str, pairs: list[tuple[User, User]], assignment_type: str
) -> Counter[str]:
    """Send every assignment at once; count the outcomes ("OK" or the error code)."""
    responses = await asyncio.gather(
        *(
            gql.post(
                ASSIGN,
                {
                    "input": {
                        "studentId": gid("User", student.id),
                        "instructorId": gid("User", instructor.id),
                        "assignmentType": assignment_type,
                    }
                },
                token=token,
            )
            for student, instructor in pairs
        )
    )
    outcomes: Counter[str] = Counter()
    for response in responses:
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body
        payload = body["data"]["assignInstructor"]
        outcomes.update([payload["errors"][0]["code"] if payload["errors"] else "OK"])
    return outcomes


async def _live(state: AppState, **where: Any) -> int:
    conditions = [getattr(InstructorAssignment, k) == v for k, v in where.items()]
    async with state.db.session() as session:
        count = await session.scalar(
            select(func.count()).where(InstructorAssignment.status == "active", *conditions)
        )
    return int(count or 0)


@pytest.mark.parametrize("run", RUNS)
async def test_concurrent_assignments_never_exceed_capacity(
    gql: GraphQLClient, factory: Factory, state: AppState, world: SchoolWorld, run: int
) -> None:
    # Given a fresh instructor whose admin caps them at 3 students, and 10 active students
    token = await gql.login(world.admin.email)
    instructor = await factory.user(world.school, Role.INSTRUCTOR)
    capped = await gql.data(
        SET_CAPACITY,
        {"input": {"userId": gid("User", instructor.id), "maxStudents": 3}},
        token=token,
    )
    assert capped["updateInstructorProfile"]["user"]["instructorProfile"]["maxStudents"] == 3
    students = [await factory.user(world.school, Role.STUDENT) for _ in range(10)]

    # When the admin assigns all ten to the instructor at the same moment
    outcomes = await _assign_all(gql, token, [(s, instructor) for s in students], "PRIMARY")

    # Then exactly three succeed, seven are told the instructor is full, and the database agrees
    assert outcomes == Counter({"OK": 3, "CAPACITY_REACHED": 7}), (run, outcomes)
    assert await _live(state, instructor_id=instructor.id) == 3


@pytest.mark.parametrize("run", RUNS)
async def test_concurrent_primaries_for_one_student_leave_exactly_one(
    gql: GraphQLClient, factory: Factory, state: AppState, world: SchoolWorld, run: int
) -> None:
    # Given a fresh active student and ten instructors with room
    token = await gql.login(world.admin.email)
    student = await factory.user(world.school, Role.STUDENT)
    instructors = [await factory.user(world.school, Role.INSTRUCTOR) for _ in range(10)]

    # When the admin makes each of them the student's primary instructor at once
    outcomes = await _assign_all(gql, token, [(student, i) for i in instructors], "PRIMARY")

    # Then one wins and nine are told the student already has a primary instructor
    assert outcomes == Counter({"OK": 1, "PRIMARY_EXISTS": 9}), (run, outcomes)
    assert await _live(state, student_id=student.id) == 1


async def test_concurrent_duplicates_of_one_pair_leave_exactly_one(
    gql: GraphQLClient, factory: Factory, state: AppState, world: SchoolWorld
) -> None:
    # Given a fresh active student and an instructor with room
    token = await gql.login(world.admin.email)
    student = await factory.user(world.school, Role.STUDENT)

    # When the same secondary assignment is sent ten times at once
    outcomes = await _assign_all(gql, token, [(student, world.other_instructor)] * 10, "SECONDARY")

    # Then one is made and nine are reported as already assigned
    assert outcomes == Counter({"OK": 1, "ALREADY_ASSIGNED": 9}), outcomes
    assert await _live(state, student_id=student.id) == 1
