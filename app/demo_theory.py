"""Theory demo data: the sample bank in the shared bank, and some history for one student.

Through the services, like the rest of the demo, and idempotent: the bank import upserts
by question id, and the student's history is made only when they have none.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from models.accounts import User
from models.theory import MockTest, MockTestQuestion, TheoryQuestion
from resolvers.context import AppState
from services import accounts
from services.theory import importer, mock_tests, practice
from services.theory.sample import sample_bank
from services.uow import unit_of_work

HISTORY_STUDENT = "student@demo.test"
# Scores of the student's two finished mock tests: one fail, one pass.
MOCK_SCORES = (40, 46)


async def seed_theory(
    state: AppState, note: Callable[[bool, str], None], progress: Callable[[str], None]
) -> None:
    db, hub, deps = state.db, state.hub, state.deps
    bank = sample_bank()
    async with unit_of_work(db, hub, deps) as uow:
        report = await importer.import_bank(uow, None, bank, school_id=None)
    note(
        report.questions_created > 0,
        f"{'theory bank':<14} {report.questions} sample questions, "
        f"{len(bank.hazard_clips)} hazard clips (unofficial)",
    )
    progress("  theory bank ready")

    async with db.session() as session:
        student = await session.scalar(
            select(User).where(func.lower(User.email) == HISTORY_STUDENT)
        )
        finished = await session.scalar(
            select(func.count()).where(MockTest.student_id == student.id) if student else select(1)
        )
    if student is None:
        return
    note(not finished, f"{'theory history':<14} {HISTORY_STUDENT}: practice and 2 mock tests")
    if finished:
        return
    actor = accounts.actor_for(student)
    rng = random.Random(7)  # noqa: S311 - demo data, not secrets
    async with db.session() as session:
        picks = list(
            await session.scalars(
                select(TheoryQuestion)
                .where(TheoryQuestion.school_id.is_(None), TheoryQuestion.active)
                .order_by(TheoryQuestion.external_id)
            )
        )
    for question in picks[::7]:
        right = rng.random() < 0.8
        chosen = _answer(question, right)
        async with unit_of_work(db, hub, deps) as uow:
            await practice.answer(uow, actor, question.id, chosen, rng.randint(8000, 40000))
    for score in MOCK_SCORES:
        async with unit_of_work(db, hub, deps) as uow:
            test = await mock_tests.start(uow, actor, rng=rng)
        async with db.session() as session:
            rows = list(
                await session.execute(
                    select(MockTestQuestion.id, TheoryQuestion)
                    .join(TheoryQuestion, TheoryQuestion.id == MockTestQuestion.question_id)
                    .where(MockTestQuestion.test_id == test.id)
                    .order_by(MockTestQuestion.position)
                )
            )
        for index, (row_id, question) in enumerate(rows):
            async with unit_of_work(db, hub, deps) as uow:
                await mock_tests.answer(
                    uow, actor, row_id, _answer(question, index < score), rng.randint(5000, 60000)
                )
        async with unit_of_work(db, hub, deps) as uow:
            await mock_tests.submit(uow, actor, test.id)
    progress("  theory history ready")


def _answer(question: Any, right: bool) -> list[str]:
    """The right answer, or a wrong one of the same size."""
    if right:
        return sorted(question.answer)
    keys = [o["key"] for o in question.options]
    wrong = [k for k in keys if k not in question.answer]
    return sorted([wrong[0], *sorted(question.answer)[1:]])
