"""Lesson types: what a school sells by the lesson (SPEC §2). School admins manage them;
everyone in the school sees the active ones."""

from __future__ import annotations

import uuid
from typing import Any

from models.scheduling import LessonType
from models.schools import School
from services.actor import Actor, Scope
from services.errors import DomainError
from services.scheduling.errors import SchedulingErrorCode as E
from services.uow import UnitOfWork
from services.validation import clean_text, require_range

MAX_PRICE_MINOR = 10_000_000  # £100,000: anything above is a typo


def snapshot(t: LessonType) -> dict[str, Any]:
    return {
        "name": t.name,
        "duration_minutes": t.duration_minutes,
        "price_minor": t.price_minor,
        "deposit_minor": t.deposit_minor,
        "is_active": t.is_active,
    }


def _validate(t: LessonType) -> None:
    require_range(t.duration_minutes, 15, 600, E.INVALID, "durationMinutes")
    require_range(t.price_minor, 0, MAX_PRICE_MINOR, E.INVALID, "priceMinor")
    require_range(t.deposit_minor, 0, MAX_PRICE_MINOR, E.INVALID, "depositMinor")
    if t.deposit_minor > t.price_minor:
        raise DomainError(E.INVALID, "The deposit cannot exceed the price.", "depositMinor")


def _name_taken(_: str | None) -> DomainError:
    return DomainError(E.NAME_TAKEN, "The school already has a lesson type of that name.", "name")


async def create(
    uow: UnitOfWork,
    actor: Actor,
    *,
    school_id: uuid.UUID,
    name: str,
    description: str | None,
    duration_minutes: int,
    price_minor: int,
    deposit_minor: int,
) -> LessonType:
    actor.require(Scope.SCHOOL_MANAGE)
    school = await uow.session.get(School, school_id) if actor.can_see_school(school_id) else None
    if school is None:
        raise DomainError(E.NOT_FOUND, "No such school.", "schoolId")
    lesson_type = LessonType(
        school_id=school.id,
        name=clean_text(name, E.INVALID, "name", max_length=100, required=True),
        description=clean_text(description, E.INVALID, "description", max_length=2000),
        duration_minutes=duration_minutes,
        price_minor=price_minor,
        deposit_minor=deposit_minor,
        currency=school.currency,
    )
    _validate(lesson_type)
    uow.session.add(lesson_type)
    await uow.flush_unique(_name_taken)
    uow.audit(
        actor,
        "lesson_type.created",
        entity_type="LessonType",
        entity_id=lesson_type.id,
        school_id=school.id,
        after=snapshot(lesson_type),
    )
    return lesson_type


async def update(
    uow: UnitOfWork, actor: Actor, lesson_type_id: uuid.UUID, changes: dict[str, Any]
) -> LessonType:
    """Change a lesson type; booked lessons keep the price they were booked at."""
    actor.require(Scope.SCHOOL_MANAGE)
    lesson_type = await uow.session.get(LessonType, lesson_type_id, with_for_update=True)
    if lesson_type is None or not actor.can_see_school(lesson_type.school_id):
        raise DomainError(E.LESSON_TYPE_NOT_FOUND, "No such lesson type.", "lessonTypeId")
    before = snapshot(lesson_type)
    for key, value in changes.items():
        if value is None:
            continue
        if key == "name":
            value = clean_text(value, E.INVALID, "name", max_length=100, required=True)
        elif key == "description":
            value = clean_text(value, E.INVALID, "description", max_length=2000)
        setattr(lesson_type, key, value)
    _validate(lesson_type)
    await uow.flush_unique(_name_taken)
    uow.audit(
        actor,
        "lesson_type.updated",
        entity_type="LessonType",
        entity_id=lesson_type.id,
        school_id=lesson_type.school_id,
        before=before,
        after=snapshot(lesson_type),
    )
    return lesson_type
