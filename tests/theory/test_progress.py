"""Progress and readiness: per topic, weak and strong topics, the predicted pass
probability, recommendations; who may read whose; and reads that cost the same number of
statements whatever the history."""

from __future__ import annotations

from typing import Any

from resolvers.context import AppState
from services.actor import Role
from tests.support import Factory, GraphQLClient, SchoolWorld, gid
from tests.theory.helpers import (
    START,
    answer_with_score,
    bank,
    finished_tests,
    load_bank,
    start_test,
    submit,
)

PROGRESS = """
query Progress($student: ID) {
  theoryProgress(studentId: $student) {
    id questionsAttempted questionsCorrect accuracy
    student { email }
    topics { category { code name } attempted correct accuracy averageTimeMs estimatedAccuracy status }
    weakTopics { category { code } }
    strongTopics { category { code } }
    readiness { passProbability level ready knowledge recentMockAverage }
    recommendations { kind category { code } message }
    mockTests { taken passed bestScore lastScore lastTakenAt }
    hazardTests { taken passed }
  }
}
"""

MANY = """
query Many($ids: [ID!]!) {
  studentsTheoryProgress(studentIds: $ids) {
    student { email }
    readiness { passProbability level }
    topics { category { name } attempted }
    weakTopics { category { code } }
    mockTests { taken bestScore }
    recommendations { kind category { code } }
  }
}
"""


async def _progress(gql: GraphQLClient, token: str, student: Any = None) -> Any:
    variables = {"student": gid("User", student.id)} if student is not None else {}
    return (await gql.data(PROGRESS, variables, token=token))["theoryProgress"]


async def test_a_student_scoring_48_of_50_is_ready_and_strong_everywhere(
    gql: GraphQLClient, state: AppState, world: SchoolWorld
) -> None:
    # Given a student who has finished five mock tests at 48 of 50
    await load_bank(state, bank(10, videos=0, multiple_every=0))
    token = await gql.login(world.student.email)
    for _ in range(5):
        test = await start_test(gql, token)
        await answer_with_score(gql, token, state, test, 48)
        await submit(gql, token, test["id"])

    # When they read their progress
    progress = await _progress(gql, token)

    # Then every topic is counted, none is weak, and they are ready
    assert progress["questionsAttempted"] == 250
    assert progress["questionsCorrect"] == 240
    assert progress["mockTests"] == {
        "taken": 5,
        "passed": 5,
        "bestScore": 48,
        "lastScore": 48,
        "lastTakenAt": progress["mockTests"]["lastTakenAt"],
    }
    assert len(progress["topics"]) == 14
    assert progress["weakTopics"] == []
    readiness = progress["readiness"]
    assert readiness["level"] == "HIGH"
    assert readiness["ready"] is True
    assert readiness["passProbability"] >= 0.8
    assert readiness["recentMockAverage"] == 0.96
    assert [r["kind"] for r in progress["recommendations"]] == ["PRACTISE_HAZARD_PERCEPTION"]


async def test_a_student_failing_two_topics_is_told_to_practise_them(
    gql: GraphQLClient, state: AppState, world: SchoolWorld
) -> None:
    # Given a student who answers everything right except in two topics
    await load_bank(state, bank(10, videos=0, multiple_every=0))
    token = await gql.login(world.student.email)
    from services.theory.topics import TOPIC_CODES

    weak = {TOPIC_CODES[3], TOPIC_CODES[7]}
    for _ in range(4):
        test = await start_test(gql, token)
        rows = test["questions"]
        good = [r for r in rows if r["question"]["category"]["code"] not in weak]
        bad = [r for r in rows if r["question"]["category"]["code"] in weak]
        await answer_with_score(gql, token, state, {**test, "questions": good + bad}, len(good))
        await submit(gql, token, test["id"])

    progress = await _progress(gql, token)

    assert {t["category"]["code"] for t in progress["weakTopics"]} == weak
    assert progress["readiness"]["level"] == "LOW"
    assert progress["readiness"]["passProbability"] < 0.4
    practise = [r for r in progress["recommendations"] if r["kind"] == "PRACTISE_TOPIC"]
    assert {r["category"]["code"] for r in practise} == weak
    assert all("0% of your" in r["message"] for r in practise)
    statuses = {t["category"]["code"]: t["status"] for t in progress["topics"]}
    assert {code for code, status in statuses.items() if status == "WEAK"} == weak


async def test_a_new_student_has_every_topic_not_started(
    gql: GraphQLClient, state: AppState, world: SchoolWorld
) -> None:
    await load_bank(state, bank(1))

    progress = await _progress(gql, await gql.login(world.student.email))

    assert progress["questionsAttempted"] == 0
    assert progress["accuracy"] is None
    assert {t["status"] for t in progress["topics"]} == {"NOT_STARTED"}
    assert progress["readiness"]["level"] == "LOW"
    kinds = [r["kind"] for r in progress["recommendations"]]
    assert kinds == ["START_TOPIC"] * 3 + ["TAKE_MOCK_TEST", "PRACTISE_HAZARD_PERCEPTION"]


async def test_who_may_read_a_students_progress(
    gql: GraphQLClient,
    state: AppState,
    world: SchoolWorld,
    other_world: SchoolWorld,
    factory: Factory,
) -> None:
    await load_bank(state, bank(1))
    root = await factory.platform_admin()
    readers = {
        world.student.email: True,  # themselves
        world.instructor.email: True,  # their assigned instructor
        world.admin.email: True,  # their school's admin
        root.email: True,  # the platform
        world.other_instructor.email: False,  # not their instructor
        world.other_student.email: False,
        other_world.admin.email: False,
        other_world.instructor.email: False,
    }

    for email, allowed in readers.items():
        progress = await _progress(gql, await gql.login(email), world.student)
        assert (progress is not None) is allowed, email
        if progress is not None:
            assert progress["student"]["email"] == world.student.email
    node = await gql.data(
        "query($id: ID!) { node(id: $id) { ... on TheoryProgress { questionsAttempted } } }",
        {"id": gid("TheoryProgress", world.student.id)},
        token=await gql.login(other_world.admin.email),
    )
    assert node["node"] is None


async def test_progress_is_for_students_only(
    gql: GraphQLClient, state: AppState, world: SchoolWorld
) -> None:
    await load_bank(state, bank(1))

    progress = await _progress(gql, await gql.login(world.admin.email), world.instructor)

    assert progress is None


# -- statement counts -----------------------------------------------------------------------------

START_ONLY = "mutation { startMockTest { mockTest { id } errors { code } } }"

# Measured: the session check; the student's advisory lock; the school's format; the
# running-test check; the topic supply; the test row; the INSERT … SELECT of its questions.
START_STATEMENTS = 7
# The full START document adds: the test's questions, their bank questions, their topics.
START_DEEP_STATEMENTS = 10
# Session check; the visible-students check; topics; progress totals; mock and hazard
# summaries; the student (for `student { email }`).
PROGRESS_STATEMENTS = 7


async def _statements(gql: GraphQLClient, query: str, token: str, variables: Any = None) -> int:
    body = await gql.execute(query, variables, token=token)
    assert "errors" not in body, body
    return int(body["extensions"]["sqlStatements"])


async def test_starting_a_mock_test_costs_the_same_for_a_small_and_a_large_bank(
    gql: GraphQLClient, state: AppState, world: SchoolWorld, factory: Factory
) -> None:
    # Given a bank of 84 questions, then one of 84 + 700
    await load_bank(state, bank(6))
    students = [await factory.user(world.school, Role.STUDENT) for _ in range(4)]
    tokens = [await gql.login(s.email) for s in students]
    small = await _statements(gql, START_ONLY, tokens[0])
    small_deep = await _statements(gql, START, tokens[1])
    await load_bank(state, bank(50, prefix="more"))
    large = await _statements(gql, START_ONLY, tokens[2])
    large_deep = await _statements(gql, START, tokens[3])

    assert small == large == START_STATEMENTS
    assert small_deep == large_deep == START_DEEP_STATEMENTS


async def test_progress_costs_the_same_after_one_test_and_after_a_hundred(
    gql: GraphQLClient, state: AppState, world: SchoolWorld
) -> None:
    await load_bank(state, bank(1))
    await finished_tests(state, world.student, 1)
    await finished_tests(state, world.other_student, 100)
    token = await gql.login(world.admin.email)

    one = await _statements(gql, PROGRESS, token, {"student": gid("User", world.student.id)})
    hundred_body = await gql.execute(
        PROGRESS, {"student": gid("User", world.other_student.id)}, token=token
    )

    assert hundred_body["data"]["theoryProgress"]["mockTests"]["taken"] == 100
    assert one == hundred_body["extensions"]["sqlStatements"] == PROGRESS_STATEMENTS


async def test_many_students_progress_costs_the_same_for_2_and_30(
    gql: GraphQLClient, state: AppState, world: SchoolWorld, factory: Factory
) -> None:
    await load_bank(state, bank(1))
    students = [await factory.user(world.school, Role.STUDENT) for _ in range(30)]
    for n, student in enumerate(students):
        await finished_tests(state, student, 1 + n % 3, score=30 + n % 20)
    token = await gql.login(world.admin.email)

    two = await gql.execute(MANY, {"ids": [gid("User", s.id) for s in students[:2]]}, token=token)
    thirty = await gql.execute(MANY, {"ids": [gid("User", s.id) for s in students]}, token=token)

    assert [p["student"]["email"] for p in thirty["data"]["studentsTheoryProgress"]] == [
        s.email for s in students
    ]
    assert two["extensions"]["sqlStatements"] == thirty["extensions"]["sqlStatements"]
    assert thirty["extensions"]["sqlStatements"] == PROGRESS_STATEMENTS
