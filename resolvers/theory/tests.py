"""Practice answers, mock tests and hazard-perception tests: thin resolvers.

Every read path that returns a test (or one of its questions or clips) first finalises
it if its time is up, so nobody ever sees a test that should have ended as still running.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import select

from models.theory import HazardTest, HazardTestClip, MockTest, MockTestQuestion
from resolvers.context import Info
from resolvers.pagination import Page, paginate
from resolvers.theory.loaders import (
    HazardTestByIdLoader,
    HazardTestClipByIdLoader,
    MockTestByIdLoader,
    MockTestQuestionByIdLoader,
    QuestionByIdLoader,
)
from services.actor import Role
from services.errors import DomainError
from services.theory import access, clock, hazard_tests, mock_tests, practice
from services.theory.errors import E
from services.theory.practice import PracticeOutcome

T = TypeVar("T", MockTest, HazardTest)


async def _settle(info: Info, tests: Sequence[T | None]) -> list[T | None]:
    """The tests as they are now, after finalising any whose time is up."""
    now = clock.utcnow()
    stale = [
        t for t in tests if t is not None and t.status == "in_progress" and t.expires_at <= now
    ]
    if not stale:
        return list(tests)
    async with info.context.unit_of_work() as uow:
        for test in stale:
            if isinstance(test, MockTest):
                await mock_tests.finalise_if_expired(uow, test.id, now=now)
            else:
                await hazard_tests.finalise_if_expired(uow, test.id, now=now)
    loader: Any = MockTestByIdLoader if isinstance(stale[0], MockTest) else HazardTestByIdLoader
    ids = [t.id if t is not None else None for t in tests]
    fresh = await info.context.loaders[loader].load_many([i for i in ids if i is not None])
    by_id = {t.id: t for t in fresh if t is not None}
    return [by_id.get(i) if i is not None else None for i in ids]


def _student_filter(actor: Any, student_id: uuid.UUID | None) -> uuid.UUID:
    if student_id is None:
        if actor.role is not Role.STUDENT:
            raise DomainError(E.INVALID, "Say which student.", "studentId")
        return actor.user_id  # type: ignore[no-any-return]
    return student_id


async def _running(info: Info, model: type[T]) -> T | None:
    """The student's running test of one kind (mock or hazard), settled first."""
    actor = info.context.require_actor()
    if actor.role is not Role.STUDENT:
        return None
    async with info.context.state.db.session() as session:
        running = await session.scalar(
            select(model).where(model.student_id == actor.user_id, model.status == "in_progress")
        )
    settled = (await _settle(info, [running]))[0]
    return settled if settled is not None and settled.status == "in_progress" else None


async def _tests_page(
    info: Info, model: type[T], student_id: uuid.UUID | None, first: int, after: str | None
) -> Page[T]:
    """One kind of test of a student the actor may see, newest first, each settled."""
    actor = info.context.require_actor()
    stmt = select(model).where(
        model.student_id == _student_filter(actor, student_id),
        access.visible_students(actor, model.student_id),
    )
    async with info.context.state.db.session() as session:
        page = await paginate(
            session,
            stmt,
            sort=model.created_at,
            id_column=model.id,
            first=first,
            after=after,
            max_page_size=info.context.state.max_page_size,
            descending=True,
        )
    settled = await _settle(info, [row for _, row in page.items])
    page.items = [(cursor, row) for (cursor, _), row in zip(page.items, settled, strict=True)]
    return page


# -- practice ------------------------------------------------------------------------------------


async def answer_practice(
    info: Info, question_id: uuid.UUID, selected: list[str], time_spent_ms: int | None
) -> PracticeOutcome:
    actor = info.context.require_actor()
    async with info.context.unit_of_work() as uow:
        outcome = await practice.answer(uow, actor, question_id, selected, time_spent_ms)
    info.context.loaders[QuestionByIdLoader].prime(outcome.question.id, outcome.question)
    return outcome


# -- mock tests ----------------------------------------------------------------------------------


async def mock_test(info: Info, test_id: uuid.UUID) -> MockTest | None:
    info.context.require_actor()
    found = await info.context.loaders[MockTestByIdLoader].load(test_id)
    return (await _settle(info, [found]))[0]


async def mock_test_question(info: Info, row_id: uuid.UUID) -> MockTestQuestion | None:
    info.context.require_actor()
    row = await info.context.loaders[MockTestQuestionByIdLoader].load(row_id)
    if row is None:
        return None
    # Settle its test first: an expired test's review must not stay hidden, nor the
    # question look answerable.
    await mock_test(info, row.test_id)
    return await info.context.loaders[MockTestQuestionByIdLoader].load(row_id)


async def active_mock_test(info: Info) -> MockTest | None:
    return await _running(info, MockTest)


async def mock_tests_page(
    info: Info, *, student_id: uuid.UUID | None, first: int, after: str | None
) -> Page[MockTest]:
    return await _tests_page(info, MockTest, student_id, first, after)


def _primed(info: Info, test: T) -> T:
    """The test a mutation returns, primed so its fields do not read it again."""
    loader: Any = MockTestByIdLoader if isinstance(test, MockTest) else HazardTestByIdLoader
    info.context.loaders[loader].prime(test.id, test)
    return test


async def start_mock_test(info: Info) -> MockTest:
    actor = info.context.require_actor()
    async with info.context.unit_of_work() as uow:
        test = await mock_tests.start(uow, actor)
    return _primed(info, test)


async def answer_mock_question(
    info: Info, row_id: uuid.UUID, selected: list[str], time_spent_ms: int | None
) -> MockTestQuestion:
    actor = info.context.require_actor()
    async with info.context.unit_of_work() as uow:
        return await mock_tests.answer(uow, actor, row_id, selected, time_spent_ms)


async def flag_mock_question(info: Info, row_id: uuid.UUID, flagged: bool) -> MockTestQuestion:
    actor = info.context.require_actor()
    async with info.context.unit_of_work() as uow:
        return await mock_tests.flag(uow, actor, row_id, flagged)


async def submit_mock_test(info: Info, test_id: uuid.UUID | None) -> MockTest:
    actor = info.context.require_actor()
    async with info.context.unit_of_work() as uow:
        test = await mock_tests.submit(uow, actor, test_id)
    return _primed(info, test)


# -- hazard perception ---------------------------------------------------------------------------


async def hazard_test(info: Info, test_id: uuid.UUID) -> HazardTest | None:
    info.context.require_actor()
    found = await info.context.loaders[HazardTestByIdLoader].load(test_id)
    return (await _settle(info, [found]))[0]


async def hazard_test_clip(info: Info, row_id: uuid.UUID) -> HazardTestClip | None:
    info.context.require_actor()
    row = await info.context.loaders[HazardTestClipByIdLoader].load(row_id)
    if row is None:
        return None
    await hazard_test(info, row.test_id)
    return await info.context.loaders[HazardTestClipByIdLoader].load(row_id)


async def active_hazard_test(info: Info) -> HazardTest | None:
    return await _running(info, HazardTest)


async def hazard_tests_page(
    info: Info, *, student_id: uuid.UUID | None, first: int, after: str | None
) -> Page[HazardTest]:
    return await _tests_page(info, HazardTest, student_id, first, after)


async def start_hazard_test(info: Info) -> HazardTest:
    actor = info.context.require_actor()
    async with info.context.unit_of_work() as uow:
        test = await hazard_tests.start(uow, actor)
    return _primed(info, test)


async def respond_to_clip(info: Info, row_id: uuid.UUID, clicks: list[float]) -> HazardTestClip:
    actor = info.context.require_actor()
    async with info.context.unit_of_work() as uow:
        return await hazard_tests.respond(uow, actor, row_id, clicks)


async def submit_hazard_test(info: Info, test_id: uuid.UUID) -> HazardTest:
    actor = info.context.require_actor()
    async with info.context.unit_of_work() as uow:
        test = await hazard_tests.submit(uow, actor, test_id)
    return _primed(info, test)
