"""Bank files made to order, and shortcuts for putting a bank and tests in place."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from models.theory import MockTest, MockTestQuestion, TheoryQuestion
from resolvers.context import AppState
from services.theory import importer
from services.theory.importer import ImportReport
from services.theory.topics import TOPICS
from services.uow import unit_of_work

SOURCE = {"name": "Test bank", "official": False, "notice": "Made up for the tests."}


def question(
    topic: str, n: int, *, multiple: bool = False, video: bool = False, prefix: str = "t"
) -> dict[str, Any]:
    """A valid question; its correct answer is A (single) or A and C (multiple)."""
    return {
        "id": f"{prefix}-{topic}-{n:04d}",
        "category": topic,
        "type": "multiple_response" if multiple else "single_choice",
        "text": f"Question {n} about {topic}." + (" Mark two answers." if multiple else ""),
        "media": {
            "kind": "video",
            "url": f"https://media.clutch.invalid/{topic}/{n}.mp4",
            "description": "A short clip from the driver's seat.",
        }
        if video
        else None,
        "options": [
            {"key": "A", "text": "The right thing"},
            {"key": "B", "text": "A wrong thing"},
            {"key": "C", "text": "Another right thing" if multiple else "Another wrong thing"},
            {"key": "D", "text": "Something silly"},
        ],
        "answer": ["A", "C"] if multiple else ["A"],
        "explanation": f"Because of rule {n}.",
        "difficulty": "easy",
        "reference": f"Highway Code rule {n}",
        "tags": ["test"],
        "active": True,
    }


def clip(n: int, *, hazards: int = 1) -> dict[str, Any]:
    """A 60-second clip with hazards from 10 s to 15 s (and from 40 s to 45 s)."""
    windows = [[10.0, 11.0, 12.0, 13.0, 14.0, 15.0], [40.0, 41.0, 42.0, 43.0, 44.0, 45.0]]
    return {
        "id": f"clip-{n:03d}",
        "title": f"Clip {n}",
        "mediaUrl": f"https://media.clutch.invalid/hazard/{n}.mp4",
        "durationSeconds": 60.0,
        "hazards": [
            {"description": f"Hazard {h + 1}", "windows": windows[h]} for h in range(hazards)
        ],
        "active": True,
    }


def bank(
    per_topic: int = 6,
    *,
    videos: int = 3,
    multiple_every: int = 5,
    clips: int = 0,
    prefix: str = "t",
    categories: bool = True,
) -> dict[str, Any]:
    """A bank document: ``per_topic`` questions in every topic, ``videos`` video questions
    (one per topic from the first), every ``multiple_every``-th a multiple-response one,
    and ``clips`` hazard clips of which the last has two hazards."""
    questions = []
    for index, topic in enumerate(TOPICS):
        for n in range(1, per_topic + 1):
            questions.append(
                question(
                    topic.code,
                    n,
                    multiple=multiple_every > 0 and n % multiple_every == 0,
                    video=n == 1 and index < videos,
                    prefix=prefix,
                )
            )
    document: dict[str, Any] = {
        "format": "clutch-theory-bank",
        "version": 1,
        "source": dict(SOURCE),
        "questions": questions,
        "hazardClips": [clip(n, hazards=2 if n == clips else 1) for n in range(1, clips + 1)],
    }
    if categories:
        document["categories"] = [
            {"code": t.code, "name": t.name, "order": t.order, "description": None} for t in TOPICS
        ]
    return document


async def load_bank(
    state: AppState, document: dict[str, Any], school_id: uuid.UUID | None = None
) -> ImportReport:
    import orjson

    parsed = importer.read_bank_file(orjson.dumps(document))
    async with unit_of_work(state.db, state.hub, state.deps) as uow:
        return await importer.import_bank(uow, None, parsed, school_id=school_id)


async def correct_keys(
    state: AppState, test_question_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[str]]:
    """The answer key behind each test question (read from the database, as no client can)."""
    async with state.db.session() as session:
        rows = await session.execute(
            select(MockTestQuestion.id, TheoryQuestion.answer)
            .join(TheoryQuestion, TheoryQuestion.id == MockTestQuestion.question_id)
            .where(MockTestQuestion.id.in_(test_question_ids))
        )
        return {row_id: sorted(answer) for row_id, answer in rows}


async def expire(state: AppState, test_id: uuid.UUID, model: Any = MockTest) -> None:
    """Move a test's deadline into the past (no test sleeps 57 minutes)."""
    async with state.db.transaction() as session:
        test = await session.get(model, test_id)
        assert test is not None
        shift = test.expires_at - test.started_at + timedelta(minutes=1)
        await session.execute(
            update(model)
            .where(model.id == test_id)
            .values(started_at=model.started_at - shift, expires_at=model.expires_at - shift)
        )


# -- GraphQL documents and shortcuts ---------------------------------------------------------------

START = """
mutation Start {
  startMockTest {
    mockTest {
      id status questionCount timeLimitMinutes passMark startedAt expiresAt secondsRemaining
      answeredCount result { score }
      questions {
        id position answered review { correct }
        question { id marksRequired media { kind } options { key } category { code } answerKey { correctOptionKeys } }
      }
    }
    errors { code message field }
  }
}
"""

ANSWER = """
mutation Answer($input: AnswerMockTestQuestionInput!) {
  answerMockTestQuestion(input: $input) {
    mockTestQuestion { id selectedOptionKeys answered timeSpentMs flagged review { correct } }
    errors { code message field }
  }
}
"""

FLAG = """
mutation Flag($input: FlagMockTestQuestionInput!) {
  flagMockTestQuestion(input: $input) {
    mockTestQuestion { id flagged } errors { code message field }
  }
}
"""

SUBMIT = """
mutation Submit($input: SubmitMockTestInput!) {
  submitMockTest(input: $input) {
    mockTest {
      id status finalisedAt
      result { score passed passMark questionCount timeTakenSeconds topics { category { code } questions correct } }
      questions { id review { correct correctOptionKeys explanation } }
    }
    errors { code message field }
  }
}
"""


def wrong_keys(correct: list[str], options: list[str]) -> list[str]:
    """A well-formed wrong answer: as many keys as the right one, not all of them right."""
    wrong = [k for k in options if k not in correct]
    return sorted([wrong[0], *correct[1:]])


async def start_test(gql: Any, token: str) -> dict[str, Any]:
    data = await gql.data(START, token=token)
    assert data["startMockTest"]["errors"] == [], data
    return data["startMockTest"]["mockTest"]  # type: ignore[no-any-return]


async def answer(
    gql: Any, token: str, row_id: str, keys: list[str], time_ms: int | None = 1500
) -> dict[str, Any]:
    data = await gql.data(
        ANSWER,
        {
            "input": {
                "mockTestQuestionId": row_id,
                "selectedOptionKeys": keys,
                "timeSpentMs": time_ms,
            }
        },
        token=token,
    )
    return data["answerMockTestQuestion"]  # type: ignore[no-any-return]


async def answer_with_score(
    gql: Any, token: str, state: AppState, test: dict[str, Any], right: int
) -> None:
    """Answer every question of ``test``: the first ``right`` correctly, the rest wrongly."""
    from schema.common.node import parse_global_id

    rows = test["questions"]
    ids = {row["id"]: parse_global_id(row["id"])[1] for row in rows}  # type: ignore[index]
    keys = await correct_keys(state, list(ids.values()))
    for index, row in enumerate(rows):
        correct = keys[ids[row["id"]]]
        options = [o["key"] for o in row["question"]["options"]]
        chosen = correct if index < right else wrong_keys(correct, options)
        result = await answer(gql, token, row["id"], chosen)
        assert result["errors"] == [], result


async def submit(gql: Any, token: str, test_id: str) -> dict[str, Any]:
    data = await gql.data(SUBMIT, {"input": {"mockTestId": test_id}}, token=token)
    return data["submitMockTest"]  # type: ignore[no-any-return]


async def with_topics(state: AppState) -> None:
    """The 14 topics (the migration creates them; each test starts from empty tables)."""
    from services.theory.categories import ensure_topics

    async with unit_of_work(state.db, state.hub, state.deps) as uow:
        await ensure_topics(uow.session)


async def finished_tests(
    state: AppState, student: Any, count: int, score: int = 46, start: Any = None
) -> None:
    """``count`` finalised mock tests for ``student``, written straight into the tables (as
    finalising them would leave them), for tests about reading long histories."""
    from datetime import UTC, datetime

    from models.theory import TopicProgress
    from services.theory.categories import ensure_topics

    begin = start or datetime(2030, 1, 1, 9, tzinfo=UTC)
    async with unit_of_work(state.db, state.hub, state.deps) as uow:
        topics = await ensure_topics(uow.session)
        uow.session.add_all(
            MockTest(
                school_id=student.school_id,
                student_id=student.id,
                status="submitted",
                question_count=50,
                time_limit_seconds=57 * 60,
                pass_mark=43,
                started_at=begin + timedelta(days=n),
                expires_at=begin + timedelta(days=n, minutes=57),
                finalised_at=begin + timedelta(days=n, minutes=40),
                score=score,
                passed=score >= 43,
            )
            for n in range(count)
        )
        per_topic = round(count * 50 / 14)
        uow.session.add_all(
            TopicProgress(
                student_id=student.id,
                category_id=topic_id,
                school_id=student.school_id,
                attempted=per_topic,
                correct=round(per_topic * score / 50),
                total_time_ms=per_topic * 30_000,
                last_practised_at=begin + timedelta(days=count),
            )
            for topic_id in topics.values()
        )
