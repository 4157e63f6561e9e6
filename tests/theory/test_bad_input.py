"""Bad input to the test mutations gets a typed payload error and changes nothing: malformed
and foreign ids, another student's or another school's rows, impossible answers and times."""

from __future__ import annotations

from sqlalchemy import select

from models.theory import MockTestQuestion
from resolvers.context import AppState
from tests.support import GraphQLClient, SchoolWorld, gid
from tests.theory.helpers import ANSWER, FLAG, SUBMIT, bank, load_bank, start_test


async def test_answers_to_rows_that_are_not_yours_or_not_answers_are_refused(
    gql: GraphQLClient, state: AppState, world: SchoolWorld, other_world: SchoolWorld
) -> None:
    await load_bank(state, bank(10))
    mine = await gql.login(world.student.email)
    test = await start_test(gql, mine)
    classmate_test = await start_test(gql, await gql.login(world.other_student.email))
    elsewhere_test = await start_test(gql, await gql.login(other_world.student.email))
    row = test["questions"][0]
    wanted = row["question"]["marksRequired"]
    keys = ["A", "C"][:wanted]
    cases = [
        ("not-an-id", keys, 100, "NOT_FOUND", "mockTestQuestionId"),
        (test["id"], keys, 100, "NOT_FOUND", "mockTestQuestionId"),  # a MockTest id
        (row["question"]["id"], keys, 100, "NOT_FOUND", "mockTestQuestionId"),
        (classmate_test["questions"][0]["id"], keys, 100, "NOT_FOUND", "mockTestQuestionId"),
        (elsewhere_test["questions"][0]["id"], keys, 100, "NOT_FOUND", "mockTestQuestionId"),
        (gid("MockTestQuestion", world.student.id), keys, 100, "NOT_FOUND", "mockTestQuestionId"),
        (row["id"], ["Z"], 100, "INVALID_ANSWER", "selectedOptionKeys"),
        (row["id"], ["A"] * (wanted + 1), 100, "INVALID_ANSWER", "selectedOptionKeys"),
        (row["id"], ["A", "B", "C", "D"], 100, "INVALID_ANSWER", "selectedOptionKeys"),
        (row["id"], ["x" * 5000], 100, "INVALID_ANSWER", "selectedOptionKeys"),
        (row["id"], keys, -5, "INVALID", "timeSpentMs"),
        (row["id"], keys, 57 * 60 * 1000 + 1, "INVALID", "timeSpentMs"),
    ]

    for row_id, chosen, time_ms, code, field in cases:
        data = await gql.data(
            ANSWER,
            {
                "input": {
                    "mockTestQuestionId": row_id,
                    "selectedOptionKeys": chosen,
                    "timeSpentMs": time_ms,
                }
            },
            token=mine,
        )
        payload = data["answerMockTestQuestion"]
        assert payload["mockTestQuestion"] is None, (row_id, chosen)
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [(code, field)], payload
        assert len(payload["errors"][0]["message"]) < 200

    async with state.db.session() as session:
        answered = list(
            await session.scalars(
                select(MockTestQuestion.id).where(MockTestQuestion.selected.is_not(None))
            )
        )
    assert answered == []


async def test_flags_and_submissions_of_other_peoples_tests_are_not_found(
    gql: GraphQLClient, state: AppState, world: SchoolWorld, other_world: SchoolWorld
) -> None:
    await load_bank(state, bank(10))
    theirs = await start_test(gql, await gql.login(other_world.student.email))
    mine = await gql.login(world.student.email)

    flag = await gql.data(
        FLAG, {"input": {"mockTestQuestionId": theirs["questions"][0]["id"]}}, token=mine
    )
    submitted = await gql.data(SUBMIT, {"input": {"mockTestId": theirs["id"]}}, token=mine)
    malformed = await gql.data(SUBMIT, {"input": {"mockTestId": "###"}}, token=mine)

    assert [e["code"] for e in flag["flagMockTestQuestion"]["errors"]] == ["NOT_FOUND"]
    assert [e["code"] for e in submitted["submitMockTest"]["errors"]] == ["NOT_FOUND"]
    assert [(e["code"], e["field"]) for e in malformed["submitMockTest"]["errors"]] == [
        ("NOT_FOUND", "mockTestId")
    ]
    still = await gql.data(
        "query($id: ID!) { node(id: $id) { ... on MockTest { status } } }",
        {"id": theirs["id"]},
        token=await gql.login(other_world.student.email),
    )
    assert still["node"]["status"] == "IN_PROGRESS"


async def test_staff_cannot_answer_a_students_test(
    gql: GraphQLClient, state: AppState, world: SchoolWorld
) -> None:
    await load_bank(state, bank(10))
    test = await start_test(gql, await gql.login(world.student.email))
    row = test["questions"][0]

    for email in (world.instructor.email, world.admin.email):
        body = await gql.execute(
            ANSWER,
            {"input": {"mockTestQuestionId": row["id"], "selectedOptionKeys": ["A"]}},
            token=await gql.login(email),
        )
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_anonymous_callers_are_unauthenticated(gql: GraphQLClient) -> None:
    for document in (
        "{ theoryProgress { questionsAttempted } }",
        "{ activeMockTest { id } }",
        "mutation { startMockTest { errors { code } } }",
    ):
        body = await gql.execute(document)
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
