"""A school's mock-test format: question count, time limit and pass mark (a typed setting).

Schools without their own format use the real test's: 50 questions, 57 minutes, pass at
43. A test copies the format when it starts, so a change never affects a running test.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from models.schools import School
from models.theory import TheoryTestFormat
from services.actor import Actor, Scope
from services.errors import DomainError, Forbidden
from services.theory.errors import E
from services.uow import UnitOfWork

QUESTION_COUNT_RANGE = (14, 100)  # every topic at least once
TIME_LIMIT_MINUTES_RANGE = (5, 180)
VIDEO_QUESTIONS = 3


@dataclass(frozen=True)
class TestFormat:
    question_count: int = 50
    time_limit_minutes: int = 57
    pass_mark: int = 43
    custom: bool = False

    @property
    def time_limit_seconds(self) -> int:
        return self.time_limit_minutes * 60


OFFICIAL = TestFormat()


async def format_for(session: AsyncSession, school_id: uuid.UUID) -> TestFormat:
    row = await session.get(TheoryTestFormat, school_id)
    if row is None:
        return OFFICIAL
    return TestFormat(row.question_count, row.time_limit_minutes, row.pass_mark, custom=True)


def check_format(question_count: int, time_limit_minutes: int, pass_mark: int) -> TestFormat:
    low, high = QUESTION_COUNT_RANGE
    if not low <= question_count <= high:
        raise DomainError(
            E.INVALID_FORMAT, f"questionCount must be between {low} and {high}.", "questionCount"
        )
    low, high = TIME_LIMIT_MINUTES_RANGE
    if not low <= time_limit_minutes <= high:
        raise DomainError(
            E.INVALID_FORMAT,
            f"timeLimitMinutes must be between {low} and {high}.",
            "timeLimitMinutes",
        )
    if not 1 <= pass_mark <= question_count:
        raise DomainError(
            E.INVALID_FORMAT, "passMark must be between 1 and questionCount.", "passMark"
        )
    return TestFormat(question_count, time_limit_minutes, pass_mark, custom=True)


async def update_format(
    uow: UnitOfWork,
    actor: Actor,
    school_id: uuid.UUID,
    *,
    question_count: int,
    time_limit_minutes: int,
    pass_mark: int,
) -> TestFormat:
    """Set a school's format (its admins, with SCHOOL_MANAGE; or a platform admin)."""
    actor.require(Scope.SCHOOL_MANAGE)
    if not actor.can_see_school(school_id):
        raise Forbidden("You may not change this school's settings.")
    if await uow.session.get(School, school_id) is None:
        raise DomainError(E.NOT_FOUND, "No such school.", "schoolId")
    new = check_format(question_count, time_limit_minutes, pass_mark)
    before = await uow.session.scalar(
        select(TheoryTestFormat).where(TheoryTestFormat.school_id == school_id).with_for_update()
    )
    values = {
        "question_count": new.question_count,
        "time_limit_minutes": new.time_limit_minutes,
        "pass_mark": new.pass_mark,
        "updated_by_id": actor.user_id,
    }
    stmt = insert(TheoryTestFormat).values(school_id=school_id, **values)
    await uow.session.execute(
        stmt.on_conflict_do_update(
            index_elements=["school_id"], set_={**values, "updated_at": func.now()}
        )
    )
    uow.audit(
        actor,
        "theory.test_format_changed",
        entity_type="School",
        entity_id=school_id,
        school_id=school_id,
        before=None
        if before is None
        else {
            "question_count": before.question_count,
            "time_limit_minutes": before.time_limit_minutes,
            "pass_mark": before.pass_mark,
        },
        after={k: v for k, v in values.items() if k != "updated_by_id"},
    )
    return new
