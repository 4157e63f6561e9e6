"""Mock tests that mirror the real test: drawn across every topic, timed by the server.

Life of a test::

    start ──► in_progress ──(submit)──────────► submitted
                   │
                   └──(expires_at passes)─────► expired

* ``started_at`` and ``expires_at`` are the server's; an answer after ``expires_at`` is
  refused with TEST_EXPIRED, and the refusal finalises the test in the same transaction
  (the unit of work keeps it although the answer is refused). Reading an expired test
  finalises it too, and ``expiry.finalise_expired`` does it for tests nobody touches.
* One open test per student (a partial unique index); a student with an open test gets
  TEST_IN_PROGRESS and resumes it (``activeMockTest``).
* Answers are stored on the test's own question rows, one row per question, updated
  atomically, so concurrent submissions for one question cannot make two answers.
* Correctness is computed when an answer is given and never returned before the test is
  finalised; finalising scores the test and adds it to the student's progress.

Starting a test runs a fixed number of statements whatever the bank's size: the format,
the open-test check, the per-topic supply, the test row, and one INSERT … SELECT that
draws every question with a window function.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Boolean,
    Integer,
    and_,
    bindparam,
    column,
    func,
    literal,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID, insert

from models.theory import MockTest, MockTestQuestion, TheoryCategory, TheoryQuestion
from services import achievements
from services.actor import Actor
from services.errors import DomainError
from services.theory import access, answers, clock, composition, formats, locks, progress
from services.theory.errors import E
from services.theory.readiness import READY_FROM
from services.uow import UnitOfWork
from subscriptions.envelope import user_key

FINALISED = "theory.mock_test.finalised"
MOCK_PASSES_FOR_MILESTONE = 5


def _bank(school_id: uuid.UUID) -> Any:
    return (TheoryQuestion.school_id.is_(None)) | (TheoryQuestion.school_id == school_id)


def _is_video() -> Any:
    return func.coalesce(TheoryQuestion.media_kind == "video", literal(False))


async def _supply(uow: UnitOfWork, school_id: uuid.UUID) -> list[composition.TopicSupply]:
    """Active questions per active topic in the banks the student sees (one statement)."""
    rows = await uow.session.execute(
        select(
            TheoryCategory.id,
            TheoryCategory.name,
            func.count(TheoryQuestion.id),
            func.count(TheoryQuestion.id).filter(TheoryQuestion.media_kind == "video"),
        )
        .select_from(TheoryCategory)
        .outerjoin(
            TheoryQuestion,
            and_(
                TheoryQuestion.category_id == TheoryCategory.id,
                TheoryQuestion.active,
                _bank(school_id),
            ),
        )
        .where(TheoryCategory.active)
        .group_by(TheoryCategory.id)
        .order_by(TheoryCategory.display_order)
    )
    return [composition.TopicSupply(*row) for row in rows]


def _draw(school_id: uuid.UUID, test_id: uuid.UUID, quotas: list[composition.Quota]) -> Any:
    """INSERT … SELECT drawing each topic's quota at random (videos and others apart) and
    shuffling the positions, in one statement."""
    is_video = _is_video()
    ranked = (
        select(
            TheoryQuestion.id.label("question_id"),
            TheoryQuestion.category_id,
            is_video.label("is_video"),
            func.row_number()
            .over(partition_by=(TheoryQuestion.category_id, is_video), order_by=func.random())
            .label("rank"),
        )
        .where(TheoryQuestion.active, _bank(school_id))
        .subquery("ranked")
    )
    wanted = [(q.category_id, True, q.videos) for q in quotas if q.videos] + [
        (q.category_id, False, q.others) for q in quotas if q.others
    ]
    quota = (
        func.unnest(
            bindparam("quota_topics", [w[0] for w in wanted], type_=ARRAY(UUID(as_uuid=True))),
            bindparam("quota_videos", [w[1] for w in wanted], type_=ARRAY(Boolean)),
            bindparam("quota_counts", [w[2] for w in wanted], type_=ARRAY(Integer)),
        )
        .table_valued(
            column("category_id", UUID(as_uuid=True)),
            column("is_video", Boolean),
            column("n", Integer),
        )
        .render_derived(name="quota")
    )
    picked = (
        select(
            literal(school_id, UUID(as_uuid=True)),
            literal(test_id, UUID(as_uuid=True)),
            func.row_number().over(order_by=func.random()),
            ranked.c.question_id,
            ranked.c.category_id,
            ranked.c.is_video,
        )
        .select_from(
            ranked.join(
                quota,
                and_(
                    quota.c.category_id == ranked.c.category_id,
                    quota.c.is_video == ranked.c.is_video,
                ),
            )
        )
        .where(ranked.c.rank <= quota.c.n)
    )
    return insert(MockTestQuestion).from_select(
        ["school_id", "test_id", "position", "question_id", "category_id", "is_video"], picked
    )


async def start(
    uow: UnitOfWork,
    actor: Actor,
    *,
    now: datetime | None = None,
    rng: random.Random | None = None,
) -> MockTest:
    school_id = access.require_student(actor)
    now = clock.resolve(now)
    session = uow.session
    await locks.lock_for_mock_test(session, actor.user_id)
    test_format = await formats.format_for(session, school_id)
    running = await session.scalar(
        select(MockTest)
        .where(MockTest.student_id == actor.user_id, MockTest.status == "in_progress")
        .with_for_update()
    )
    if running is not None:
        if running.expires_at > now:
            raise DomainError(
                E.TEST_IN_PROGRESS, "You have a mock test running: resume it.", "mockTestId"
            )
        await finalise(uow, running, now)
    try:
        quotas = composition.allocate(
            await _supply(uow, school_id),
            test_format.question_count,
            formats.VIDEO_QUESTIONS,
            rng or random.SystemRandom(),
        )
    except composition.BankTooSmall as exc:
        raise DomainError(E.BANK_TOO_SMALL, str(exc), None) from None
    test = await session.scalar(
        insert(MockTest)
        .values(
            school_id=school_id,
            student_id=actor.user_id,
            question_count=test_format.question_count,
            time_limit_seconds=test_format.time_limit_seconds,
            pass_mark=test_format.pass_mark,
            started_at=now,
            expires_at=now + timedelta(seconds=test_format.time_limit_seconds),
        )
        .on_conflict_do_nothing(
            index_elements=["student_id"], index_where=text("status = 'in_progress'")
        )
        .returning(MockTest)
    )
    if test is None:  # another start won the race
        raise DomainError(E.TEST_IN_PROGRESS, "You have a mock test running: resume it.", None)
    drawn = await session.execute(_draw(school_id, test.id, quotas))
    if drawn.rowcount != test_format.question_count:  # type: ignore[attr-defined]
        # The bank changed between counting and drawing (a question was retired).
        raise DomainError(E.CONFLICT, "The question bank changed; start again.", None)
    return test


async def _locked_question(
    uow: UnitOfWork, actor: Actor, test_question_id: uuid.UUID
) -> tuple[MockTestQuestion, MockTest, TheoryQuestion]:
    """The student's test question with its test locked (finalising waits for us, and we
    for it) and the bank question it shows."""
    row = (
        await uow.session.execute(
            select(MockTestQuestion, MockTest, TheoryQuestion)
            .join(MockTest, MockTest.id == MockTestQuestion.test_id)
            .join(TheoryQuestion, TheoryQuestion.id == MockTestQuestion.question_id)
            .where(MockTestQuestion.id == test_question_id, MockTest.student_id == actor.user_id)
            .with_for_update(of=MockTest, key_share=True)
        )
    ).one_or_none()
    if row is None:
        raise DomainError(E.NOT_FOUND, "No such question in your mock tests.", "mockTestQuestionId")
    return row[0], row[1], row[2]


async def _refuse_if_closed(uow: UnitOfWork, test: MockTest, now: datetime) -> None:
    if test.status != "in_progress":
        raise DomainError(E.TEST_FINALISED, "This mock test has finished.", "mockTestQuestionId")
    if test.expires_at <= now:
        # Refused, and finalised in the same transaction: keep that although we raise.
        uow.keep_on_error = True
        await finalise(uow, test, now)
        raise DomainError(
            E.TEST_EXPIRED, "Time is up: this mock test has ended.", "mockTestQuestionId"
        )


async def answer(
    uow: UnitOfWork,
    actor: Actor,
    test_question_id: uuid.UUID,
    selected: list[str],
    time_spent_ms: int | None,
    *,
    now: datetime | None = None,
) -> MockTestQuestion:
    """Record (or change, or with no keys clear) the answer to one question of a running test."""
    access.require_student(actor)
    now = clock.resolve(now)
    row, test, question = await _locked_question(uow, actor, test_question_id)
    await _refuse_if_closed(uow, test, now)
    keys = answers.chosen_keys(question, selected, allow_none=True, field="selectedOptionKeys")
    spent = answers.check_time_spent(time_spent_ms, test.time_limit_seconds * 1000)
    updated = await uow.session.scalar(
        update(MockTestQuestion)
        .where(MockTestQuestion.id == row.id)
        .values(
            selected=keys or None,
            is_correct=answers.is_correct(question, keys) if keys else None,
            answered_at=now if keys else None,
            time_spent_ms=MockTestQuestion.time_spent_ms + spent,
            answer_changes=MockTestQuestion.answer_changes + 1,
        )
        .returning(MockTestQuestion),
        execution_options={"populate_existing": True},
    )
    assert updated is not None
    return updated


async def flag(
    uow: UnitOfWork,
    actor: Actor,
    test_question_id: uuid.UUID,
    flagged: bool,
    *,
    now: datetime | None = None,
) -> MockTestQuestion:
    """Flag a question to revisit it before submitting (or clear the flag)."""
    access.require_student(actor)
    now = clock.resolve(now)
    row, test, _ = await _locked_question(uow, actor, test_question_id)
    await _refuse_if_closed(uow, test, now)
    row.flagged = flagged
    await uow.session.flush()
    return row


async def submit(
    uow: UnitOfWork, actor: Actor, test_id: uuid.UUID | None, *, now: datetime | None = None
) -> MockTest:
    """Hand the test in (``test_id`` None: the student's running test). Submitting a test
    that already ended returns it as it ended."""
    access.require_student(actor)
    which = MockTest.status == "in_progress" if test_id is None else MockTest.id == test_id
    test = await uow.session.scalar(
        select(MockTest).where(MockTest.student_id == actor.user_id, which).with_for_update()
    )
    if test is None:
        raise DomainError(E.NOT_FOUND, "No such mock test.", "mockTestId")
    if test.status == "in_progress":
        # The clock is read once the test is locked: an answer that held the lock before
        # us was given before this instant, so it is never later than the submission.
        await finalise(uow, test, clock.resolve(now))
    return test


async def finalise_if_expired(
    uow: UnitOfWork, test_id: uuid.UUID, *, now: datetime | None = None
) -> bool:
    """Finalise one test if its time is up (reading an expired test does this)."""
    now = clock.resolve(now)
    test = await uow.session.scalar(
        select(MockTest)
        .where(
            MockTest.id == test_id,
            MockTest.status == "in_progress",
            MockTest.expires_at <= now,
        )
        .with_for_update()
    )
    if test is None:
        return False
    await finalise(uow, test, now)
    return True


async def finalise(uow: UnitOfWork, test: MockTest, now: datetime) -> MockTest:
    """Score a locked, running test and close it: ``submitted`` before its deadline,
    ``expired`` from it on. Adds it to progress, records milestones, tells the student."""
    expired = now >= test.expires_at
    correct = (
        select(func.count())
        .where(MockTestQuestion.test_id == MockTest.id, MockTestQuestion.is_correct.is_(True))
        .scalar_subquery()
    )
    closed = await uow.session.scalar(
        update(MockTest)
        .where(MockTest.id == test.id, MockTest.status == "in_progress")
        .values(
            status="expired" if expired else "submitted",
            finalised_at=test.expires_at if expired else now,
            score=correct,
            passed=correct >= MockTest.pass_mark,
        )
        .returning(MockTest),
        execution_options={"populate_existing": True},
    )
    if closed is None:  # finalised meanwhile
        return test
    await progress.add_mock_test(uow.session, closed)
    await _milestones(uow, closed)
    uow.emit(
        FINALISED,
        entity_type="MockTest",
        entity_id=closed.id,
        school_id=closed.school_id,
        keys=[user_key(closed.student_id)],
    )
    return closed


async def _milestones(uow: UnitOfWork, test: MockTest) -> None:
    async def reach(kind: str) -> None:
        await achievements.record_milestone(
            uow,
            user_id=test.student_id,
            school_id=test.school_id,
            kind=kind,
            source_type="MockTest",
            source_id=test.id,
        )

    if test.passed:
        await reach("theory.first_mock_pass")
        passes = await uow.session.scalar(
            select(func.count()).where(
                MockTest.student_id == test.student_id, MockTest.passed.is_(True)
            )
        )
        if (passes or 0) >= MOCK_PASSES_FOR_MILESTONE:
            await reach("theory.mock_passes_5")
    view = (await progress.load_progress(uow.session, [test.student_id]))[test.student_id]
    if view.readiness.probability >= READY_FROM:
        await reach("theory.ready")
