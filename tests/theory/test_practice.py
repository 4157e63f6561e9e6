"""Practice by topic: questions without answers, immediate feedback per answer, progress
counted at once, and bad answers refused with typed errors."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from models.achievements import Milestone
from models.theory import PracticeAnswer, TheoryQuestion
from resolvers.context import AppState
from tests.support import GraphQLClient, SchoolWorld, gid
from tests.theory.helpers import bank, load_bank

QUESTIONS = """
query($c: ID!, $n: Int!) {
  theoryPracticeQuestions(categoryId: $c, first: $n) {
    id text marksRequired type options { key text } category { code } answerKey { correctOptionKeys }
  }
}
"""

PRACTISE = """
mutation($input: AnswerPracticeQuestionInput!) {
  answerPracticeQuestion(input: $input) {
    feedback {
      correct selectedOptionKeys correctOptionKeys explanation reference answeredAt
      question { id }
    }
    errors { code message field }
  }
}
"""

PROGRESS = """
{ theoryProgress {
    questionsAttempted questionsCorrect
    topics { category { code } attempted correct accuracy averageTimeMs lastPractisedAt status }
} }
"""


async def _topic(gql: GraphQLClient, token: str, code: str) -> str:
    data = await gql.data("{ theoryCategories { id code name order questionCount } }", token=token)
    assert [c["order"] for c in data["theoryCategories"]] == list(range(1, 15))
    return next(c["id"] for c in data["theoryCategories"] if c["code"] == code)


async def _practise(
    gql: GraphQLClient, token: str, question_id: str, keys: list[str], time_ms: Any = 2000
) -> dict[str, Any]:
    data = await gql.data(
        PRACTISE,
        {"input": {"questionId": question_id, "selectedOptionKeys": keys, "timeSpentMs": time_ms}},
        token=token,
    )
    return data["answerPracticeQuestion"]  # type: ignore[no-any-return]


async def test_practice_gives_feedback_at_once_and_moves_progress(
    gql: GraphQLClient, state: AppState, world: SchoolWorld
) -> None:
    # Given the shared bank and a student practising safety margins
    await load_bank(state, bank(6))
    token = await gql.login(world.student.email)
    topic = await _topic(gql, token, "safety_margins")
    questions = (await gql.data(QUESTIONS, {"c": topic, "n": 4}, token=token))[
        "theoryPracticeQuestions"
    ]
    assert len(questions) == 4
    assert {q["category"]["code"] for q in questions} == {"safety_margins"}
    assert all(q["answerKey"] is None for q in questions)
    single = next(q for q in questions if q["marksRequired"] == 1)

    # When they answer one right and one wrong
    right = await _practise(gql, token, single["id"], ["A"], 3000)
    wrong = await _practise(gql, token, single["id"], ["B"], 5000)

    # Then each answer gets its feedback at once
    assert right["errors"] == []
    assert right["feedback"]["correct"] is True
    assert right["feedback"]["correctOptionKeys"] == ["A"]
    assert right["feedback"]["explanation"].startswith("Because of rule")
    assert right["feedback"]["reference"].startswith("Highway Code rule")
    assert wrong["feedback"]["correct"] is False
    assert wrong["feedback"]["selectedOptionKeys"] == ["B"]
    # And the topic's progress counts both
    progress = (await gql.data(PROGRESS, token=token))["theoryProgress"]
    margins = next(t for t in progress["topics"] if t["category"]["code"] == "safety_margins")
    assert (margins["attempted"], margins["correct"], margins["accuracy"]) == (2, 1, 0.5)
    assert margins["averageTimeMs"] == 4000
    assert margins["lastPractisedAt"] is not None
    assert margins["status"] == "WEAK"
    assert (progress["questionsAttempted"], progress["questionsCorrect"]) == (2, 1)
    async with state.db.session() as session:
        milestones = await session.scalar(
            select(func.count()).where(
                Milestone.user_id == world.student.id, Milestone.kind == "theory.first_practice"
            )
        )
    assert milestones == 1


async def test_questions_answered_right_come_after_the_others(
    gql: GraphQLClient, state: AppState, world: SchoolWorld
) -> None:
    await load_bank(state, bank(3))
    token = await gql.login(world.student.email)
    topic = await _topic(gql, token, "alertness")
    first = (await gql.data(QUESTIONS, {"c": topic, "n": 3}, token=token))[
        "theoryPracticeQuestions"
    ]
    mastered = next(q for q in first if q["marksRequired"] == 1)
    await _practise(gql, token, mastered["id"], ["A"])

    for _ in range(5):
        again = (await gql.data(QUESTIONS, {"c": topic, "n": 2}, token=token))[
            "theoryPracticeQuestions"
        ]
        assert mastered["id"] not in {q["id"] for q in again}


async def test_a_multiple_response_question_needs_exactly_its_marks(
    gql: GraphQLClient, state: AppState, world: SchoolWorld
) -> None:
    await load_bank(state, bank(5, multiple_every=5))
    token = await gql.login(world.student.email)
    questions = (
        await gql.data(QUESTIONS, {"c": await _topic(gql, token, "attitude"), "n": 5}, token=token)
    )["theoryPracticeQuestions"]
    multiple = next(q for q in questions if q["marksRequired"] == 2)
    assert "Mark two answers" in multiple["text"]

    one = await _practise(gql, token, multiple["id"], ["A"])
    two = await _practise(gql, token, multiple["id"], ["C", "A"])

    assert one["feedback"] is None
    assert one["errors"] == [
        {"code": "INVALID_ANSWER", "message": "Mark two answers.", "field": "selectedOptionKeys"}
    ]
    assert two["feedback"]["correct"] is True
    assert two["feedback"]["selectedOptionKeys"] == ["A", "C"]


async def test_bad_practice_answers_are_typed_errors_and_change_nothing(
    gql: GraphQLClient, state: AppState, world: SchoolWorld, other_world: SchoolWorld
) -> None:
    await load_bank(state, bank(2))
    await load_bank(state, bank(1, prefix="theirs"), school_id=other_world.school.id)
    token = await gql.login(world.student.email)
    questions = (
        await gql.data(QUESTIONS, {"c": await _topic(gql, token, "alertness"), "n": 2}, token=token)
    )["theoryPracticeQuestions"]
    question = questions[0]["id"]
    async with state.db.session() as session:
        theirs = await session.scalar(
            select(TheoryQuestion.id)
            .where(TheoryQuestion.school_id == other_world.school.id)
            .limit(1)
        )

    assert theirs is not None
    cases = [
        (question, ["G"], 100, "INVALID_ANSWER", "selectedOptionKeys"),
        (question, ["A", "A"], 100, "INVALID_ANSWER", "selectedOptionKeys"),
        (question, [], 100, "INVALID_ANSWER", "selectedOptionKeys"),
        (question, ["A\x00"], 100, "INVALID_ANSWER", "selectedOptionKeys"),
        (question, ["A"], -1, "INVALID", "timeSpentMs"),
        (question, ["A"], 10**9, "INVALID", "timeSpentMs"),
        ("not-an-id", ["A"], 100, "QUESTION_NOT_FOUND", "questionId"),
        (gid("MockTest", world.student.id), ["A"], 100, "QUESTION_NOT_FOUND", "questionId"),
        (gid("TheoryQuestion", theirs), ["A"], 100, "QUESTION_NOT_FOUND", "questionId"),
    ]
    for question_id, keys, time_ms, code, field in cases:
        result = await _practise(gql, token, question_id, keys, time_ms)
        assert result["feedback"] is None, (question_id, keys)
        assert [(e["code"], e["field"]) for e in result["errors"]] == [(code, field)], result

    async with state.db.session() as session:
        stored = await session.scalar(select(func.count()).select_from(PracticeAnswer))
    assert stored == 0


async def test_only_students_practise(
    gql: GraphQLClient, state: AppState, world: SchoolWorld
) -> None:
    await load_bank(state, bank(1))
    token = await gql.login(world.instructor.email)
    topic = await _topic(gql, token, "alertness")

    listed = await gql.execute(QUESTIONS, {"c": topic, "n": 1}, token=token)
    started = await gql.execute("mutation { startMockTest { errors { code } } }", token=token)

    assert listed["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert started["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_pending_student_cannot_practise(
    gql: GraphQLClient, state: AppState, world: SchoolWorld
) -> None:
    await load_bank(state, bank(1))
    token = await gql.login(world.pending.email)

    started = await gql.execute("mutation { startMockTest { errors { code } } }", token=token)

    assert started["errors"][0]["extensions"]["code"] == "FORBIDDEN"
