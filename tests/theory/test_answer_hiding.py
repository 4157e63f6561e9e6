"""Nothing in the API reveals a correct answer, or whether an answer is right, before a mock
test is finalised: every path is queried while the test runs — root fields, `node(id:)`,
`nodes`, nested objects, lists, practice, progress and mutation payloads — by the student
and by staff. The same document after submission shows the answers, so the check can fail."""

from __future__ import annotations

import json
from typing import Any

from resolvers.context import AppState
from tests.support import GraphQLClient, SchoolWorld, gid
from tests.theory.helpers import (
    ANSWER,
    answer_with_score,
    bank,
    load_bank,
    start_test,
    submit,
)

EVERY_PATH = """
query EveryPath($test: ID!, $row: ID!, $question: ID!, $category: ID!, $student: ID!) {
  activeMockTest { ...Test }
  mockTests(studentId: $student, first: 5) { edges { node { ...Test } } }
  test: node(id: $test) { ... on MockTest { ...Test } }
  row: node(id: $row) { ... on MockTestQuestion { ...Row } }
  many: nodes(ids: [$test, $row, $question]) {
    ... on MockTest { ...Test }
    ... on MockTestQuestion { ...Row }
    ... on TheoryQuestion { ...Question }
  }
  question: node(id: $question) { ... on TheoryQuestion { ...Question } }
  theoryQuestions(first: 100, categoryId: $category) { edges { node { ...Question } } }
  theoryProgress(studentId: $student) {
    questionsAttempted questionsCorrect accuracy
    topics { attempted correct accuracy }
    mockTests { taken passed bestScore lastScore }
    readiness { passProbability }
  }
}
fragment Question on TheoryQuestion { id text options { key text } answerKey { correctOptionKeys explanation } }
fragment Row on MockTestQuestion {
  id selectedOptionKeys answered review { correct correctOptionKeys explanation }
  question { ...Question }
}
fragment Test on MockTest {
  id status result { score passed topics { correct } }
  questions { ...Row }
}
"""


def _leaks(body: dict[str, Any]) -> list[str]:
    """Every place in a response that carries an answer or a verdict."""
    found: list[str] = []

    def walk(value: Any, path: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key in ("review", "result", "answerKey") and item is not None:
                    found.append(f"{path}.{key}")
                walk(item, f"{path}.{key}")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, f"{path}[{index}]")
        elif isinstance(value, str) and "Because of rule" in value:
            found.append(path)  # every generated explanation says this

    walk(body, "")
    return found


async def _every_path(
    gql: GraphQLClient, token: str, test: dict[str, Any], world: SchoolWorld
) -> dict[str, Any]:
    row = test["questions"][0]
    body = await gql.execute(
        EVERY_PATH,
        {
            "test": test["id"],
            "row": row["id"],
            "question": row["question"]["id"],
            "category": (await _category_id(gql, token, row["question"]["category"]["code"])),
            "student": gid("User", world.student.id),
        },
        token=token,
    )
    assert "errors" not in body, body
    return body


async def _category_id(gql: GraphQLClient, token: str, code: str) -> str:
    data = await gql.data("{ theoryCategories { id code } }", token=token)
    return next(c["id"] for c in data["theoryCategories"] if c["code"] == code)


async def test_no_path_reveals_an_answer_before_submission_and_every_path_does_after(
    gql: GraphQLClient, state: AppState, world: SchoolWorld
) -> None:
    # Given a student half way through a mock test
    await load_bank(state, bank(10))
    token = await gql.login(world.student.email)
    test = await start_test(gql, token)
    half = {**test, "questions": test["questions"][:25]}
    await answer_with_score(gql, token, state, half, 20)
    staff_tokens = [await gql.login(u.email) for u in (world.instructor, world.admin)]

    # When the student and their instructor and admin read every path to the test
    during = [await _every_path(gql, t, test, world) for t in (token, *staff_tokens)]

    # Then nothing carries an answer or a verdict, and progress has not moved
    for body in during:
        assert _leaks(body) == [], json.dumps(body)[:2000]
        progress = body["data"]["theoryProgress"]
        assert progress["questionsAttempted"] == 0
        assert progress["mockTests"]["taken"] == 0
    assert during[0]["data"]["test"]["questions"][0]["answered"] is True

    # And after submission the same document shows the answers
    assert (await submit(gql, token, test["id"]))["errors"] == []
    after = await _every_path(gql, token, test, world)
    leaks = _leaks(after)
    assert any(".review" in place for place in leaks)
    assert any(place.endswith(".result") for place in leaks)
    assert after["data"]["theoryProgress"]["questionsAttempted"] == 25
    assert after["data"]["theoryProgress"]["mockTests"]["taken"] == 1
    assert all(".answerKey" not in place for place in leaks)  # students never get answer keys


async def test_answering_tells_nothing_about_correctness(
    gql: GraphQLClient, state: AppState, world: SchoolWorld
) -> None:
    await load_bank(state, bank(10))
    token = await gql.login(world.student.email)
    test = await start_test(gql, token)
    row = test["questions"][0]
    options = [o["key"] for o in row["question"]["options"]]
    wanted = row["question"]["marksRequired"]

    # every option answered in turn: the payloads differ only in what was chosen
    payloads = []
    for key in options:
        chosen = [key, *[k for k in options if k != key][: wanted - 1]]
        data = await gql.data(
            ANSWER,
            {"input": {"mockTestQuestionId": row["id"], "selectedOptionKeys": chosen}},
            token=token,
        )
        payloads.append(data["answerMockTestQuestion"])

    for payload in payloads:
        assert payload["errors"] == []
        assert payload["mockTestQuestion"]["review"] is None
    shapes = {json.dumps({**p["mockTestQuestion"], "selectedOptionKeys": None}) for p in payloads}
    assert len(shapes) == 1


async def test_practice_is_closed_while_a_mock_test_runs(
    gql: GraphQLClient, state: AppState, world: SchoolWorld
) -> None:
    await load_bank(state, bank(10))
    token = await gql.login(world.student.email)
    test = await start_test(gql, token)
    question = test["questions"][0]["question"]
    practise = """
    mutation($input: AnswerPracticeQuestionInput!) {
      answerPracticeQuestion(input: $input) {
        feedback { correct correctOptionKeys explanation } errors { code message field }
      }
    }
    """
    keys = [o["key"] for o in question["options"]][: question["marksRequired"]]
    variables = {"input": {"questionId": question["id"], "selectedOptionKeys": keys}}

    during = (await gql.data(practise, variables, token=token))["answerPracticeQuestion"]
    await submit(gql, token, test["id"])
    after = (await gql.data(practise, variables, token=token))["answerPracticeQuestion"]

    assert during["feedback"] is None
    assert [e["code"] for e in during["errors"]] == ["FINISH_MOCK_TEST_FIRST"]
    assert after["errors"] == []
    assert after["feedback"]["correctOptionKeys"]


async def test_only_bank_managers_see_answer_keys(
    gql: GraphQLClient, state: AppState, world: SchoolWorld, factory: Any
) -> None:
    await load_bank(state, bank(1))
    await load_bank(state, bank(1, prefix="own"), school_id=world.school.id)
    root = await factory.platform_admin()
    query = """
    { theoryQuestions(first: 100) { edges { node { externalId bank answerKey { correctOptionKeys } } } } }
    """

    seen = {}
    for email in (world.student.email, world.instructor.email, world.admin.email, root.email):
        edges = (await gql.data(query, token=await gql.login(email)))["theoryQuestions"]["edges"]
        seen[email] = {
            bank_name: {
                e["node"]["answerKey"] is not None for e in edges if e["node"]["bank"] == bank_name
            }
            for bank_name in ("SHARED", "SCHOOL")
        }

    assert seen[world.student.email] == {"SHARED": {False}, "SCHOOL": {False}}
    assert seen[world.instructor.email] == {"SHARED": {False}, "SCHOOL": {False}}
    assert seen[world.admin.email] == {"SHARED": {False}, "SCHOOL": {True}}
    assert seen[root.email] == {"SHARED": {True}, "SCHOOL": {True}}
