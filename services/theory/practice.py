"""Practice by topic: questions without answers, then immediate feedback on each answer.

Practice reveals the correct answer and the explanation at once, by design, so it is
closed while the student has a mock test running: otherwise practice would answer the
test's questions for them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select

from models.theory import MockTest, PracticeAnswer, TheoryQuestion
from services import achievements
from services.actor import Actor
from services.errors import DomainError
from services.theory import access, answers, clock, locks, progress
from services.theory.errors import E
from services.uow import UnitOfWork

PRACTICE_TIME_LIMIT_MS = 15 * 60 * 1000
MAX_PRACTICE_QUESTIONS = 50


@dataclass(frozen=True)
class PracticeOutcome:
    answer: PracticeAnswer
    question: TheoryQuestion


def practice_selection(actor: Actor, category_id: uuid.UUID, count: int) -> Select[Any]:
    """``count`` active questions of a topic, those the student has not yet answered
    correctly first, in random order."""
    if not 1 <= count <= MAX_PRACTICE_QUESTIONS:
        raise DomainError(
            E.INVALID, f"first must be between 1 and {MAX_PRACTICE_QUESTIONS}.", "first"
        )
    mastered = select(PracticeAnswer.question_id).where(
        PracticeAnswer.student_id == actor.user_id, PracticeAnswer.is_correct
    )
    return (
        select(TheoryQuestion)
        .where(
            TheoryQuestion.category_id == category_id,
            TheoryQuestion.active,
            access.visible_bank(actor, TheoryQuestion.school_id),
        )
        .order_by(TheoryQuestion.id.in_(mastered), func.random())
        .limit(count)
    )


async def has_running_mock_test(uow: UnitOfWork, student_id: uuid.UUID, now: datetime) -> bool:
    running = await uow.session.scalar(
        select(MockTest.id).where(
            MockTest.student_id == student_id,
            MockTest.status == "in_progress",
            MockTest.expires_at > now,
        )
    )
    return running is not None


async def answer(
    uow: UnitOfWork,
    actor: Actor,
    question_id: uuid.UUID,
    selected: list[str],
    time_spent_ms: int | None,
    *,
    now: datetime | None = None,
) -> PracticeOutcome:
    school_id = access.require_student(actor)
    now = clock.resolve(now)
    question = await uow.session.scalar(
        select(TheoryQuestion).where(
            TheoryQuestion.id == question_id,
            TheoryQuestion.active,
            access.visible_bank(actor, TheoryQuestion.school_id),
        )
    )
    if question is None:
        raise DomainError(E.QUESTION_NOT_FOUND, "No such question.", "questionId")
    keys = answers.chosen_keys(question, selected, allow_none=False, field="selectedOptionKeys")
    spent = answers.check_time_spent(time_spent_ms, PRACTICE_TIME_LIMIT_MS)
    await locks.lock_for_practice(uow.session, actor.user_id)
    if await has_running_mock_test(uow, actor.user_id, now):
        raise DomainError(
            E.FINISH_MOCK_TEST_FIRST,
            "Finish your mock test first: practice shows answers straight away.",
            "questionId",
        )
    correct = answers.is_correct(question, keys)
    record = PracticeAnswer(
        school_id=school_id,
        student_id=actor.user_id,
        question_id=question.id,
        category_id=question.category_id,
        selected=keys,
        is_correct=correct,
        time_spent_ms=spent,
        answered_at=now,
    )
    uow.session.add(record)
    await uow.session.flush()
    await progress.add_practice_answer(
        uow.session,
        student_id=actor.user_id,
        school_id=school_id,
        category_id=question.category_id,
        correct=correct,
        time_spent_ms=spent,
        at=now,
    )
    await achievements.record_milestone(
        uow,
        user_id=actor.user_id,
        school_id=school_id,
        kind="theory.first_practice",
        source_type="TheoryQuestion",
        source_id=question.id,
    )
    return PracticeOutcome(record, question)
