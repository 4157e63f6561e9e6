"""Mock tests over HTTP: 50 distinct questions across every topic with three video
questions, answered, flagged and revisited, resumed after a dropped connection, scored at
submission with the pass at exactly 43."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import func, select

from models.achievements import Milestone
from models.theory import MockTestQuestion, TheoryQuestion
from resolvers.context import AppState
from schema.common.node import parse_global_id
from services.theory.topics import TOPIC_CODES
from tests.support import GraphQLClient, SchoolWorld, gid
from tests.theory.helpers import (
    FLAG,
    START,
    answer,
    answer_with_score,
    bank,
    correct_keys,
    load_bank,
    start_test,
    submit,
)

ACTIVE = """
query Active {
  activeMockTest {
    id answeredCount flaggedCount secondsRemaining
    questions { id answered selectedOptionKeys flagged timeSpentMs }
  }
}
"""


def _pk(global_id: str) -> Any:
    parsed = parse_global_id(global_id)
    assert parsed is not None
    return parsed[1]


async def test_a_mock_test_has_50_distinct_questions_over_every_topic_with_3_videos(
    gql: GraphQLClient, state: AppState, world: SchoolWorld
) -> None:
    # Given a bank of 10 questions per topic, 3 of the topics with a video question
    await load_bank(state, bank(10, videos=3))
    token = await gql.login(world.student.email)

    # When the student starts a mock test
    test = await start_test(gql, token)

    # Then it mirrors the real test
    rows = test["questions"]
    assert (test["status"], test["questionCount"], test["timeLimitMinutes"], test["passMark"]) == (
        "IN_PROGRESS",
        50,
        57,
        43,
    )
    assert len(rows) == 50
    assert [r["position"] for r in rows] == list(range(1, 51))
    assert len({r["question"]["id"] for r in rows}) == 50
    topics = Counter(r["question"]["category"]["code"] for r in rows)
    assert set(topics) == set(TOPIC_CODES)
    assert set(topics.values()) <= {3, 4}  # in proportion to a bank of equal topics
    assert sum(1 for r in rows if (r["question"]["media"] or {}).get("kind") == "VIDEO") == 3
    assert 57 * 60 - 5 <= test["secondsRemaining"] <= 57 * 60
    assert test["result"] is None
    assert all(r["review"] is None and not r["answered"] for r in rows)


async def test_a_test_answered_43_right_passes_and_42_right_fails(
    gql: GraphQLClient, state: AppState, world: SchoolWorld
) -> None:
    await load_bank(state, bank(10))
    outcomes = {}
    for right, email in ((43, world.student.email), (42, world.other_student.email)):
        token = await gql.login(email)
        test = await start_test(gql, token)
        await answer_with_score(gql, token, state, test, right)

        submitted = await submit(gql, token, test["id"])

        assert submitted["errors"] == []
        outcomes[right] = submitted["mockTest"]

    for right, passed in ((43, True), (42, False)):
        result = outcomes[right]["result"]
        assert (result["score"], result["passed"], result["passMark"]) == (right, passed, 43)
        assert outcomes[right]["status"] == "SUBMITTED"
        reviews = [q["review"] for q in outcomes[right]["questions"]]
        assert sum(r["correct"] for r in reviews) == right
        assert all(r["correctOptionKeys"] and r["explanation"] for r in reviews)
        assert sum(t["questions"] for t in result["topics"]) == 50
        assert sum(t["correct"] for t in result["topics"]) == right


async def test_an_unanswered_question_counts_as_wrong_and_a_cleared_answer_is_unanswered(
    gql: GraphQLClient, state: AppState, world: SchoolWorld
) -> None:
    await load_bank(state, bank(10))
    token = await gql.login(world.student.email)
    test = await start_test(gql, token)
    first = test["questions"][0]
    keys = await correct_keys(state, [_pk(first["id"])])
    await answer(gql, token, first["id"], keys[_pk(first["id"])])

    cleared = await answer(gql, token, first["id"], [])
    submitted = await submit(gql, token, test["id"])

    assert cleared["mockTestQuestion"]["answered"] is False
    assert cleared["mockTestQuestion"]["selectedOptionKeys"] == []
    assert submitted["mockTest"]["result"]["score"] == 0


async def test_flag_revisit_and_resume_after_a_dropped_connection(
    gql: GraphQLClient, state: AppState, world: SchoolWorld
) -> None:
    # Given a student who answered three questions and flagged one, then lost the connection
    await load_bank(state, bank(10))
    token = await gql.login(world.student.email)
    test = await start_test(gql, token)
    rows = test["questions"]
    for row in rows[:3]:
        options = [o["key"] for o in row["question"]["options"]]
        assert (
            await answer(gql, token, row["id"], options[: row["question"]["marksRequired"]], 4000)
        )["errors"] == []
    flagged = await gql.data(FLAG, {"input": {"mockTestQuestionId": rows[1]["id"]}}, token=token)
    assert flagged["flagMockTestQuestion"]["mockTestQuestion"]["flagged"] is True

    # When they come back with a new session and revisit the flagged question
    again = await gql.login(world.student.email)
    resumed = (await gql.data(ACTIVE, token=again))["activeMockTest"]
    revisited = await answer(
        gql, again, rows[1]["id"], resumed["questions"][1]["selectedOptionKeys"], 2500
    )

    # Then the same test is running with their answers, flag and time kept
    assert resumed["id"] == test["id"]
    assert resumed["answeredCount"] == 3
    assert resumed["flaggedCount"] == 1
    assert [q["answered"] for q in resumed["questions"][:4]] == [True, True, True, False]
    assert resumed["questions"][1]["flagged"] is True
    assert resumed["questions"][0]["timeSpentMs"] == 4000
    assert revisited["mockTestQuestion"]["timeSpentMs"] == 6500  # both visits
    assert 0 < resumed["secondsRemaining"] <= 57 * 60
    async with state.db.session() as session:
        changes = await session.scalar(
            select(MockTestQuestion.answer_changes).where(MockTestQuestion.id == _pk(rows[1]["id"]))
        )
    assert changes == 2


async def test_a_second_start_while_a_test_runs_is_refused(
    gql: GraphQLClient, state: AppState, world: SchoolWorld
) -> None:
    await load_bank(state, bank(10))
    token = await gql.login(world.student.email)
    first = await start_test(gql, token)

    second = (await gql.data(START, token=token))["startMockTest"]

    assert second["mockTest"] is None
    assert [e["code"] for e in second["errors"]] == ["TEST_IN_PROGRESS"]
    active = (await gql.data(ACTIVE, token=token))["activeMockTest"]
    assert active["id"] == first["id"]


async def test_a_bank_missing_a_topic_cannot_make_a_test(
    gql: GraphQLClient, state: AppState, world: SchoolWorld
) -> None:
    document = bank(10)
    document["questions"] = [q for q in document["questions"] if q["category"] != "vehicle_loading"]
    await load_bank(state, document)

    started = (await gql.data(START, token=await gql.login(world.student.email)))["startMockTest"]

    assert [e["code"] for e in started["errors"]] == ["BANK_TOO_SMALL"]
    assert "Vehicle loading" in started["errors"][0]["message"]


async def test_a_schools_own_questions_are_drawn_for_its_students_only(
    gql: GraphQLClient, state: AppState, world: SchoolWorld, other_world: SchoolWorld
) -> None:
    # Given a shared bank of 3 per topic and, in world's school, 3 more of its own per topic
    await load_bank(state, bank(3, prefix="shared"))
    await load_bank(state, bank(3, prefix="own"), school_id=world.school.id)

    mine = await start_test(gql, await gql.login(world.student.email))
    theirs_error = (await gql.data(START, token=await gql.login(other_world.student.email)))[
        "startMockTest"
    ]

    # Then world's student draws from both banks; the other school's bank is too small
    async with state.db.session() as session:
        banks = Counter(
            await session.scalars(
                select(TheoryQuestion.school_id)
                .join(MockTestQuestion, MockTestQuestion.question_id == TheoryQuestion.id)
                .where(MockTestQuestion.test_id == _pk(mine["id"]))
            )
        )
    assert set(banks) == {None, world.school.id}
    assert [e["code"] for e in theirs_error["errors"]] == ["BANK_TOO_SMALL"]


async def test_milestones_for_the_first_pass_and_five_passes(
    gql: GraphQLClient, state: AppState, world: SchoolWorld
) -> None:
    await load_bank(state, bank(10))
    token = await gql.login(world.student.email)
    for _ in range(5):
        test = await start_test(gql, token)
        await answer_with_score(gql, token, state, test, 48)
        assert (await submit(gql, token, test["id"]))["mockTest"]["result"]["passed"]

    async with state.db.session() as session:
        kinds = set(
            await session.scalars(
                select(Milestone.kind).where(Milestone.user_id == world.student.id)
            )
        )
        total = await session.scalar(select(func.count()).select_from(Milestone))
    assert {"theory.first_mock_pass", "theory.mock_passes_5", "theory.ready"} <= kinds
    assert total == len(kinds)  # each once


async def test_staff_see_a_students_tests_and_other_students_do_not(
    gql: GraphQLClient, state: AppState, world: SchoolWorld, other_world: SchoolWorld
) -> None:
    await load_bank(state, bank(10))
    test = await start_test(gql, await gql.login(world.student.email))
    query = "query($id: ID!) { node(id: $id) { ... on MockTest { id student { email } } } }"

    seen = {}
    for who in (
        world.instructor,
        world.admin,
        world.other_instructor,
        world.other_student,
        other_world.admin,
        other_world.student,
    ):
        data = await gql.data(query, {"id": test["id"]}, token=await gql.login(who.email))
        seen[who.email] = data["node"]

    assert seen[world.instructor.email]["student"]["email"] == world.student.email
    assert seen[world.admin.email]["id"] == test["id"]
    for outsider in (
        world.other_instructor,
        world.other_student,
        other_world.admin,
        other_world.student,
    ):
        assert seen[outsider.email] is None


async def test_mock_tests_lists_newest_first_and_staff_name_the_student(
    gql: GraphQLClient, state: AppState, world: SchoolWorld
) -> None:
    await load_bank(state, bank(10))
    token = await gql.login(world.student.email)
    first = await start_test(gql, token)
    await submit(gql, token, first["id"])
    second = await start_test(gql, token)
    query = """
    query($student: ID) { mockTests(studentId: $student, first: 10) {
      edges { node { id status result { score } } } } }
    """

    own = await gql.data(query, token=token)
    staff = await gql.data(
        query, {"student": gid("User", world.student.id)}, token=await gql.login(world.admin.email)
    )
    unnamed = await gql.execute(query, token=await gql.login(world.admin.email))

    ids = [e["node"]["id"] for e in own["mockTests"]["edges"]]
    assert ids == [second["id"], first["id"]]
    assert [e["node"]["id"] for e in staff["mockTests"]["edges"]] == ids
    assert own["mockTests"]["edges"][0]["node"]["result"] is None
    assert unnamed["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_submitting_without_an_id_hands_in_the_running_test(
    gql: GraphQLClient, state: AppState, world: SchoolWorld
) -> None:
    await load_bank(state, bank(10))
    token = await gql.login(world.student.email)
    test = await start_test(gql, token)
    document = "mutation { submitMockTest(input: {}) { mockTest { id status } errors { code } } }"

    first = (await gql.data(document, token=token))["submitMockTest"]
    second = (await gql.data(document, token=token))["submitMockTest"]

    assert first == {"mockTest": {"id": test["id"], "status": "SUBMITTED"}, "errors": []}
    assert second == {"mockTest": None, "errors": [{"code": "NOT_FOUND"}]}
