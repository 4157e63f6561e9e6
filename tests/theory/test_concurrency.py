"""Theory invariants under real concurrency: simultaneous HTTP requests, then a count of
what PostgreSQL holds."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from sqlalchemy import func, select

from models.theory import MockTest, MockTestQuestion, TopicProgress
from resolvers.context import AppState
from schema.common.node import parse_global_id
from tests.support import GraphQLClient, SchoolWorld
from tests.theory.helpers import ANSWER, START, SUBMIT, bank, correct_keys, load_bank, start_test

PRACTISE = """
mutation($input: AnswerPracticeQuestionInput!) {
  answerPracticeQuestion(input: $input) { feedback { correct } errors { code } }
}
"""


def _pk(global_id: str) -> Any:
    parsed = parse_global_id(global_id)
    assert parsed is not None
    return parsed[1]


def _codes(responses: list[Any], field: str) -> Counter[str]:
    outcomes: Counter[str] = Counter()
    for response in responses:
        assert response.status_code == 200, response.text
        payload = response.json()["data"][field]
        outcomes.update([payload["errors"][0]["code"] if payload["errors"] else "OK"])
    return outcomes


async def test_ten_simultaneous_starts_make_one_test(
    gql: GraphQLClient, state: AppState, world: SchoolWorld
) -> None:
    await load_bank(state, bank(10))
    token = await gql.login(world.student.email)

    responses = await asyncio.gather(*(gql.post(START, token=token) for _ in range(10)))

    assert _codes(responses, "startMockTest") == Counter({"OK": 1, "TEST_IN_PROGRESS": 9})
    async with state.db.session() as session:
        tests = await session.scalar(select(func.count()).select_from(MockTest))
        rows = await session.scalar(select(func.count()).select_from(MockTestQuestion))
    assert (tests, rows) == (1, 50)


async def test_twenty_simultaneous_answers_to_one_question_keep_one_answer_row(
    gql: GraphQLClient, state: AppState, world: SchoolWorld
) -> None:
    await load_bank(state, bank(10))
    token = await gql.login(world.student.email)
    test = await start_test(gql, token)
    row = test["questions"][0]
    options = [o["key"] for o in row["question"]["options"]]
    choices = [
        [options[n % len(options)], *options[(n % len(options)) + 1 :]][
            : row["question"]["marksRequired"]
        ]
        for n in range(20)
    ]
    choices = [c for c in choices if len(c) == row["question"]["marksRequired"]]

    responses = await asyncio.gather(
        *(
            gql.post(
                ANSWER,
                {
                    "input": {
                        "mockTestQuestionId": row["id"],
                        "selectedOptionKeys": c,
                        "timeSpentMs": 100,
                    }
                },
                token=token,
            )
            for c in choices
        )
    )

    assert _codes(responses, "answerMockTestQuestion") == Counter({"OK": len(choices)})
    async with state.db.session() as session:
        rows = list(
            await session.scalars(
                select(MockTestQuestion).where(
                    MockTestQuestion.test_id == _pk(test["id"]),
                    MockTestQuestion.question_id == _pk(row["question"]["id"]),
                )
            )
        )
    assert len(rows) == 1
    assert rows[0].answer_changes == len(choices)  # no update was lost
    assert rows[0].time_spent_ms == 100 * len(choices)
    assert rows[0].selected in choices


async def test_answers_racing_a_submission_are_either_scored_or_refused(
    gql: GraphQLClient, state: AppState, world: SchoolWorld
) -> None:
    await load_bank(state, bank(10))
    token = await gql.login(world.student.email)
    test = await start_test(gql, token)
    rows = test["questions"][:30]
    keys = await correct_keys(state, [_pk(r["id"]) for r in rows])

    responses = await asyncio.gather(
        gql.post(SUBMIT, {"input": {"mockTestId": test["id"]}}, token=token),
        *(
            gql.post(
                ANSWER,
                {
                    "input": {
                        "mockTestQuestionId": r["id"],
                        "selectedOptionKeys": keys[_pk(r["id"])],
                    }
                },
                token=token,
            )
            for r in rows
        ),
    )

    outcomes = _codes(list(responses[1:]), "answerMockTestQuestion")
    assert set(outcomes) <= {"OK", "TEST_FINALISED"}
    score = responses[0].json()["data"]["submitMockTest"]["mockTest"]["result"]["score"]
    async with state.db.session() as session:
        stored = list(
            await session.scalars(
                select(MockTestQuestion).where(MockTestQuestion.test_id == _pk(test["id"]))
            )
        )
        closed = await session.get(MockTest, _pk(test["id"]))
    assert closed is not None
    # every answer the test holds was accepted before the submission, and is scored
    assert score == outcomes["OK"] == sum(1 for r in stored if r.is_correct)
    assert closed.finalised_at is not None
    assert all(r.answered_at <= closed.finalised_at for r in stored if r.answered_at)


async def test_simultaneous_practice_answers_are_all_counted(
    gql: GraphQLClient, state: AppState, world: SchoolWorld
) -> None:
    await load_bank(state, bank(10))
    token = await gql.login(world.student.email)
    topic = (await gql.data("{ theoryCategories { id } }", token=token))["theoryCategories"][0][
        "id"
    ]
    questions = (
        await gql.data(
            "query($c: ID!) { theoryPracticeQuestions(categoryId: $c, first: 10) { id marksRequired } }",
            {"c": topic},
            token=token,
        )
    )["theoryPracticeQuestions"]

    responses = await asyncio.gather(
        *(
            gql.post(
                PRACTISE,
                {
                    "input": {
                        "questionId": q["id"],
                        "selectedOptionKeys": ["A", "C"][: q["marksRequired"]],
                        "timeSpentMs": 1000,
                    }
                },
                token=token,
            )
            for q in questions
        )
    )

    assert _codes(responses, "answerPracticeQuestion") == Counter({"OK": 10})
    async with state.db.session() as session:
        progress = await session.scalar(
            select(TopicProgress).where(TopicProgress.student_id == world.student.id)
        )
    assert progress is not None
    assert (progress.attempted, progress.correct, progress.total_time_ms) == (10, 10, 10_000)
