"""The Driver's Record under concurrent recording, and reads whose cost does not grow
with the number of skills or entries."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from sqlalchemy import select

from models.progress import SKILL_CODES, SkillEntry
from resolvers.context import AppState
from tests.feedback.helpers import Lessons
from tests.progress.test_driver_record import DRIVER_RECORD, HISTORY, RECORD, record_input
from tests.scheduling.helpers import make_diary
from tests.support import Factory, GraphQLClient, gid

LEVELS = ("INTRODUCED", "HELPED", "PROMPTED", "INDEPENDENT", "REFLECTION")


async def test_ten_simultaneous_recordings_of_one_skill_in_one_lesson_leave_one(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a completed lesson
    diary = await make_diary(factory)
    lesson = await Lessons(state, diary).completed()
    token = await gql.login(diary.world.instructor.email)

    # When the instructor's app sends the same skill ten times at once, at different levels
    responses = await asyncio.gather(
        *(
            gql.post(RECORD, record_input(lesson, ("parking", LEVELS[n % 5])), token=token)
            for n in range(10)
        )
    )

    # Then one is recorded, nine are told it already is, and PostgreSQL holds one entry
    outcomes: Counter[str] = Counter()
    for response in responses:
        body = response.json()
        assert "errors" not in body, body
        payload = body["data"]["recordDriverProgress"]
        outcomes.update([payload["errors"][0]["code"] if payload["errors"] else "OK"])
    assert outcomes == Counter({"OK": 1, "ALREADY_RECORDED": 9})
    async with state.db.session() as session:
        assert len(list(await session.scalars(select(SkillEntry)))) == 1


async def _statements(gql: GraphQLClient, query: str, variables: dict[str, Any], token: str) -> Any:
    body = await gql.execute(query, variables, token=token)
    assert "errors" not in body, body
    return body["extensions"]["sqlStatements"], body["data"]


async def test_a_record_costs_the_same_with_one_entry_and_with_every_skill_many_times(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given one learner with a single entry, and one with all 27 skills over 6 lessons
    sparse = await make_diary(factory)
    lesson = await Lessons(state, sparse).completed()
    await gql.data(
        RECORD,
        record_input(lesson, ("mirrors", "HELPED")),
        token=await gql.login(sparse.world.instructor.email),
    )
    full = await make_diary(factory)
    lessons = Lessons(state, full)
    instructor = await gql.login(full.world.instructor.email)
    for n in range(6):
        lesson = await lessons.completed()
        entries = [(code, LEVELS[min(n, 4)], f"lesson {n}") for code in SKILL_CODES]
        recorded = await gql.data(RECORD, record_input(lesson, *entries), token=instructor)
        assert recorded["recordDriverProgress"]["errors"] == []

    # When each learner's instructor reads the whole record with entries, lessons and people
    deep = DRIVER_RECORD.replace(
        "currentEntry { id notes booking { id } }",
        "currentEntry { id notes recordedBy { id } booking { id status instructor { id } } }",
    )
    small, small_data = await _statements(
        gql,
        deep,
        {"studentId": gid("User", sparse.world.student.id)},
        await gql.login(sparse.world.instructor.email),
    )
    large, large_data = await _statements(
        gql, deep, {"studentId": gid("User", full.world.student.id)}, instructor
    )

    # Then both cost the same few statements: the session, the learner's record access,
    # the learner and the current levels, the entries' authors and lessons, the lessons'
    # instructors
    filled = [
        s
        for g in large_data["driverRecord"]["groups"]
        for s in g["skills"]
        if s["currentLevel"] == "REFLECTION"
    ]
    assert len(filled) == 27
    assert small_data["driverRecord"]["skillsAtLeast"] == [1, 1, 0, 0, 0]
    assert small == large == 6


async def test_a_skills_history_costs_the_same_for_one_entry_and_many(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a learner with one parking entry and one with twelve
    counts = []
    for lessons_taken in (1, 12):
        diary = await make_diary(factory)
        lessons = Lessons(state, diary)
        token = await gql.login(diary.world.instructor.email)
        for _ in range(lessons_taken):
            lesson = await lessons.completed()
            await gql.data(RECORD, record_input(lesson, ("parking", "HELPED")), token=token)
        # When the instructor reads the history with each entry's lesson
        statements, data = await _statements(
            gql,
            HISTORY,
            {"skill": "parking", "studentId": gid("User", diary.world.student.id), "first": 20},
            token,
        )
        assert len(data["skillHistory"]["edges"]) == lessons_taken
        counts.append(statements)

    # Then the cost is the same: the session, the page, the lessons
    assert counts[0] == counts[1] == 3
