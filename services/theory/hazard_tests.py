"""Hazard-perception tests: 14 clips with 15 hazards (one clip has two), pass at 44 of 75.

The student watches each clip and sends its clicks once (times in seconds into the clip);
the server scores them with ``hazard.score_clip`` and keeps the score hidden until the
test is finalised. The test ends when it is submitted, or when it expires: the clips'
total length plus ``GRACE`` after it starts (for loading and pauses between clips).
Clip windows are never shown to students.
"""

from __future__ import annotations

import math
import random
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert

from models.theory import HazardClip, HazardClipHazard, HazardTest, HazardTestClip
from services import achievements
from services.actor import Actor
from services.errors import DomainError
from services.theory import access, clock, hazard
from services.theory.errors import E
from services.uow import UnitOfWork
from subscriptions.envelope import user_key

FINALISED = "theory.hazard_test.finalised"
GRACE = timedelta(minutes=30)
MAX_CLICKS_ACCEPTED = 100  # more is refused as input; more than hazard.MAX_CLICKS scores 0


def _bank(school_id: uuid.UUID) -> Any:
    return (HazardClip.school_id.is_(None)) | (HazardClip.school_id == school_id)


async def start(
    uow: UnitOfWork,
    actor: Actor,
    *,
    now: datetime | None = None,
    rng: random.Random | None = None,
) -> HazardTest:
    school_id = access.require_student(actor)
    now = clock.resolve(now)
    session = uow.session
    running = await session.scalar(
        select(HazardTest)
        .where(HazardTest.student_id == actor.user_id, HazardTest.status == "in_progress")
        .with_for_update()
    )
    if running is not None:
        if running.expires_at > now:
            raise DomainError(
                E.TEST_IN_PROGRESS, "You have a hazard perception test running.", "hazardTestId"
            )
        await finalise(uow, running, now)
    singles = hazard.TEST_CLIPS - hazard.TEST_DOUBLE_HAZARD_CLIPS
    ranked = (
        select(
            HazardClip.id,
            HazardClip.hazard_count,
            HazardClip.duration_ms,
            func.row_number()
            .over(partition_by=HazardClip.hazard_count, order_by=func.random())
            .label("rank"),
        )
        .where(HazardClip.active, _bank(school_id))
        .subquery()
    )
    picked = list(
        await session.execute(
            select(ranked.c.id, ranked.c.hazard_count, ranked.c.duration_ms).where(
                ((ranked.c.hazard_count == 1) & (ranked.c.rank <= singles))
                | (
                    (ranked.c.hazard_count == 2)
                    & (ranked.c.rank <= hazard.TEST_DOUBLE_HAZARD_CLIPS)
                )
            )
        )
    )
    doubles = sum(1 for _, count, _ in picked if count == 2)
    if len(picked) - doubles < singles or doubles < hazard.TEST_DOUBLE_HAZARD_CLIPS:
        raise DomainError(
            E.BANK_TOO_SMALL,
            f"A hazard perception test needs {singles} active one-hazard clips and "
            f"{hazard.TEST_DOUBLE_HAZARD_CLIPS} two-hazard clip.",
            None,
        )
    (rng or random.SystemRandom()).shuffle(picked)
    total_ms = sum(duration for _, _, duration in picked)
    test = await session.scalar(
        insert(HazardTest)
        .values(
            school_id=school_id,
            student_id=actor.user_id,
            max_score=hazard.TEST_MAX_SCORE,
            pass_mark=hazard.TEST_PASS_MARK,
            started_at=now,
            expires_at=now + timedelta(milliseconds=total_ms) + GRACE,
        )
        .on_conflict_do_nothing(
            index_elements=["student_id"], index_where=text("status = 'in_progress'")
        )
        .returning(HazardTest)
    )
    if test is None:
        raise DomainError(E.TEST_IN_PROGRESS, "You have a hazard perception test running.", None)
    await session.execute(
        insert(HazardTestClip).values(
            [
                {"school_id": school_id, "test_id": test.id, "position": n, "clip_id": clip_id}
                for n, (clip_id, _, _) in enumerate(picked, start=1)
            ]
        )
    )
    return test


def _click_times(clicks: list[float], duration_ms: int) -> list[int]:
    if len(clicks) > MAX_CLICKS_ACCEPTED:
        raise DomainError(
            E.INVALID_CLICKS, f"At most {MAX_CLICKS_ACCEPTED} clicks per clip.", "clickTimes"
        )
    times = []
    for seconds in clicks:
        if not math.isfinite(seconds) or seconds < 0 or seconds * 1000 > duration_ms:
            raise DomainError(
                E.INVALID_CLICKS,
                "Each click is a time in seconds within the clip.",
                "clickTimes",
            )
        times.append(round(seconds * 1000))
    return sorted(times)


async def respond(
    uow: UnitOfWork,
    actor: Actor,
    test_clip_id: uuid.UUID,
    clicks: list[float],
    *,
    now: datetime | None = None,
) -> HazardTestClip:
    """Record a clip's clicks (once) and score them, hidden until the test is finalised."""
    access.require_student(actor)
    now = clock.resolve(now)
    found = (
        await uow.session.execute(
            select(HazardTestClip, HazardTest, HazardClip)
            .join(HazardTest, HazardTest.id == HazardTestClip.test_id)
            .join(HazardClip, HazardClip.id == HazardTestClip.clip_id)
            .where(HazardTestClip.id == test_clip_id, HazardTest.student_id == actor.user_id)
            .with_for_update(of=HazardTest, key_share=True)
        )
    ).one_or_none()
    if found is None:
        raise DomainError(E.NOT_FOUND, "No such clip in your tests.", "hazardTestClipId")
    row, test, clip = found
    if test.status != "in_progress":
        raise DomainError(E.TEST_FINALISED, "This test has finished.", "hazardTestClipId")
    if test.expires_at <= now:
        uow.keep_on_error = True
        await finalise(uow, test, now)
        raise DomainError(E.TEST_EXPIRED, "Time is up: this test has ended.", "hazardTestClipId")
    times = _click_times(clicks, clip.duration_ms)
    windows = list(
        await uow.session.scalars(
            select(HazardClipHazard.windows_ms)
            .where(HazardClipHazard.clip_id == clip.id)
            .order_by(HazardClipHazard.position)
        )
    )
    result = hazard.score_clip(windows, times)
    updated = await uow.session.scalar(
        update(HazardTestClip)
        .where(HazardTestClip.id == row.id, HazardTestClip.responded_at.is_(None))
        .values(
            clicks_ms=times,
            responded_at=now,
            score=result.total,
            hazard_scores=list(result.hazard_scores),
            disqualified=result.disqualified,
        )
        .returning(HazardTestClip),
        execution_options={"populate_existing": True},
    )
    if updated is None:
        raise DomainError(
            E.ALREADY_RESPONDED, "You have already responded to this clip.", "hazardTestClipId"
        )
    return updated


async def submit(
    uow: UnitOfWork, actor: Actor, test_id: uuid.UUID, *, now: datetime | None = None
) -> HazardTest:
    access.require_student(actor)
    test = await uow.session.scalar(
        select(HazardTest)
        .where(HazardTest.id == test_id, HazardTest.student_id == actor.user_id)
        .with_for_update()
    )
    if test is None:
        raise DomainError(E.NOT_FOUND, "No such hazard perception test.", "hazardTestId")
    if test.status == "in_progress":
        # The clock is read once the test is locked: an answer that held the lock before
        # us was given before this instant, so it is never later than the submission.
        await finalise(uow, test, clock.resolve(now))
    return test


async def finalise_if_expired(
    uow: UnitOfWork, test_id: uuid.UUID, *, now: datetime | None = None
) -> bool:
    now = clock.resolve(now)
    test = await uow.session.scalar(
        select(HazardTest)
        .where(
            HazardTest.id == test_id,
            HazardTest.status == "in_progress",
            HazardTest.expires_at <= now,
        )
        .with_for_update()
    )
    if test is None:
        return False
    await finalise(uow, test, now)
    return True


async def finalise(uow: UnitOfWork, test: HazardTest, now: datetime) -> HazardTest:
    """Total a locked, running test's clip scores (clips not responded to score 0)."""
    expired = now >= test.expires_at
    total = (
        select(func.coalesce(func.sum(HazardTestClip.score), 0))
        .where(HazardTestClip.test_id == HazardTest.id)
        .scalar_subquery()
    )
    closed = await uow.session.scalar(
        update(HazardTest)
        .where(HazardTest.id == test.id, HazardTest.status == "in_progress")
        .values(
            status="expired" if expired else "submitted",
            finalised_at=test.expires_at if expired else now,
            score=total,
            passed=total >= HazardTest.pass_mark,
        )
        .returning(HazardTest),
        execution_options={"populate_existing": True},
    )
    if closed is None:
        return test
    if closed.passed:
        await achievements.record_milestone(
            uow,
            user_id=closed.student_id,
            school_id=closed.school_id,
            kind="theory.hazard_pass",
            source_type="HazardTest",
            source_id=closed.id,
        )
    uow.emit(
        FINALISED,
        entity_type="HazardTest",
        entity_id=closed.id,
        school_id=closed.school_id,
        keys=[user_key(closed.student_id)],
    )
    return closed
