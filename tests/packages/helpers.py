"""Shared by the packages tests: packages given to students straight through the ledger
(purchasing is the payments domain's), the documents several modules use, and checks
that the ledger and the packages agree."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.accounts import User
from models.packages import CreditEntry, LessonPackage, StudentPackage
from resolvers.context import AppState
from services.packages import ledger
from services.uow import unit_of_work
from tests.scheduling.helpers import Diary

BOOK = """
mutation Book($input: BookLessonInput!) {
  bookLesson(input: $input) {
    booking {
      id status paidWithCredit paymentDueAt confirmedAt
      studentPackage { id lessonsRemaining }
    }
    errors { code message field }
  }
}
"""

CANCEL = """
mutation Cancel($input: CancelBookingInput!) {
  cancelBooking(input: $input) { booking { id status policyOutcome } errors { code } }
}
"""

WAIVE = """
mutation Waive($input: WaiveCancellationFeeInput!) {
  waiveCancellationFee(input: $input) { booking { id policyOutcome } errors { code } }
}
"""


async def add_pending_package(
    session: AsyncSession,
    *,
    school_id: uuid.UUID,
    student_id: uuid.UUID,
    lessons: int,
    amount_minor: int,
    duration: int = 60,
    validity_days: int = 365,
    lesson_type_id: uuid.UUID | None = None,
    instructor_id: uuid.UUID | None = None,
) -> StudentPackage:
    """A catalogue package and a student's copy of it waiting for payment, as a purchase
    leaves them before its payment settles (flushed, not committed)."""
    package = LessonPackage(
        id=uuid.uuid4(),
        school_id=school_id,
        name=f"{lessons} lessons",
        lesson_type_id=lesson_type_id,
        lessons_count=lessons,
        lesson_duration_minutes=duration,
        price_minor=amount_minor,
        discount_percent=0,
        currency="GBP",
        validity_days=validity_days,
        audience="all",
        instructor_id=instructor_id,
        is_active=True,
    )
    session.add(package)
    await session.flush()
    held = StudentPackage(
        id=uuid.uuid4(),
        school_id=school_id,
        student_id=student_id,
        package_id=package.id,
        name=package.name,
        lesson_type_id=lesson_type_id,
        lesson_duration_minutes=duration,
        instructor_id=instructor_id,
        lessons_total=lessons,
        lessons_remaining=0,
        amount_paid_minor=amount_minor,
        discount_minor=0,
        currency="GBP",
        status="pending_payment",
    )
    session.add(held)
    await session.flush()
    return held


async def give_package(
    state: AppState,
    diary: Diary,
    student: User,
    *,
    lessons: int = 3,
    validity_days: int = 30,
    duration: int = 60,
    amount_minor: int = 12_000,
    lesson_type_id: uuid.UUID | None = None,
    instructor_id: uuid.UUID | None = None,
    granted_at: datetime | None = None,
) -> uuid.UUID:
    """A paid package of ``lessons`` credits: a catalogue row, a student package waiting
    for payment, then ``ledger.grant`` (as a settled purchase would) at ``granted_at``."""
    async with unit_of_work(state.db, state.hub, state.deps) as uow:
        held = await add_pending_package(
            uow.session,
            school_id=diary.school.id,
            student_id=student.id,
            lessons=lessons,
            amount_minor=amount_minor,
            duration=duration,
            validity_days=validity_days,
            lesson_type_id=lesson_type_id,
            instructor_id=instructor_id,
        )
        granted = await ledger.grant(
            uow,
            held.id,
            now=granted_at or datetime.now(UTC),
            validity_days=validity_days,
            actor_id=None,
        )
        assert granted is not None
        return held.id


async def expire_now(state: AppState, package_id: uuid.UUID) -> None:
    """Backdate a package so that it expired a minute ago."""
    async with state.db.transaction() as session:
        await session.execute(
            update(StudentPackage)
            .where(StudentPackage.id == package_id)
            .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )


async def package_row(state: AppState, package_id: uuid.UUID) -> StudentPackage:
    async with state.db.session() as session:
        row = await session.get(StudentPackage, package_id)
    assert row is not None
    return row


async def entries(state: AppState, package_id: uuid.UUID) -> list[CreditEntry]:
    async with state.db.session() as session:
        return list(
            await session.scalars(
                select(CreditEntry)
                .where(CreditEntry.student_package_id == package_id)
                .order_by(CreditEntry.id)
            )
        )


async def assert_ledger_agrees(state: AppState, package_id: uuid.UUID) -> list[CreditEntry]:
    """The sum of the package's movements is its balance, every ``balance_after`` is the
    running sum, and no balance was ever negative."""
    rows = await entries(state, package_id)
    package = await package_row(state, package_id)
    running = 0
    for row in rows:
        running += row.delta
        assert row.balance_after == running, [(r.reason, r.delta, r.balance_after) for r in rows]
        assert row.balance_after >= 0
    assert running == package.lessons_remaining
    return rows


def errors_of(body: dict[str, Any], field: str) -> list[str]:
    return [e["code"] for e in body[field]["errors"]]
