"""The lesson-package catalogue (SPEC §3): what a school sells in bundles.

School admins with ``Scope.PACKAGES_MANAGE`` create and change packages; students see the
active ones whose audience fits them (``new_students``: no completed lesson yet;
``existing_students``: at least one). Editing a package never changes what a student
already holds: a purchase copies the terms (``StudentPackage``).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true

from models.accounts import User
from models.packages import PACKAGE_AUDIENCES, LessonPackage
from models.scheduling import Booking, LessonType
from models.schools import School
from services.actor import Actor, Role, Scope
from services.errors import DomainError
from services.money import percent
from services.packages.errors import PackageErrorCode as E
from services.uow import UnitOfWork
from services.validation import clean_text, require_range

MAX_PRICE_MINOR = 100_000_000


def price_after_discount(package: LessonPackage) -> int:
    """The package's price after its own discount (before any promo code)."""
    return package.price_minor - percent(package.price_minor, package.discount_percent)


def snapshot(p: LessonPackage) -> dict[str, Any]:
    return {
        "name": p.name,
        "lesson_type_id": str(p.lesson_type_id) if p.lesson_type_id else None,
        "lessons_count": p.lessons_count,
        "lesson_duration_minutes": p.lesson_duration_minutes,
        "price_minor": p.price_minor,
        "discount_percent": p.discount_percent,
        "currency": p.currency,
        "validity_days": p.validity_days,
        "audience": p.audience,
        "instructor_id": str(p.instructor_id) if p.instructor_id else None,
        "is_active": p.is_active,
    }


def is_manager(actor: Actor, school_id: uuid.UUID) -> bool:
    """A platform admin, or an admin of the school allowed to manage packages."""
    return actor.is_platform_admin or (
        actor.role is Role.SCHOOL_ADMIN
        and actor.school_id == school_id
        and actor.has(Scope.PACKAGES_MANAGE)
    )


def has_completed_lesson(student_id: Any) -> ColumnElement[bool]:
    return exists().where(Booking.student_id == student_id, Booking.status == "completed")


def visible_packages(actor: Actor, *, include_inactive: bool = False) -> ColumnElement[bool]:
    """Catalogue rows the actor may see: managers every package of their school (inactive
    ones on request); students and instructors the active ones (students: those whose
    audience fits them)."""
    if actor.is_platform_admin:
        return true() if include_inactive else LessonPackage.is_active.is_(True)
    same_school = LessonPackage.school_id == actor.school_id
    if actor.role is Role.SCHOOL_ADMIN and actor.has(Scope.PACKAGES_MANAGE):
        return same_school if include_inactive else and_(same_school, LessonPackage.is_active)
    active = and_(same_school, LessonPackage.is_active.is_(True))
    if actor.role is Role.STUDENT:
        completed = has_completed_lesson(actor.user_id)
        return and_(
            active,
            or_(
                LessonPackage.audience == "all",
                and_(LessonPackage.audience == "new_students", ~completed),
                and_(LessonPackage.audience == "existing_students", completed),
            ),
        )
    if actor.role in (Role.SCHOOL_ADMIN, Role.INSTRUCTOR):
        return active
    return false()


async def managed_school(uow: UnitOfWork, actor: Actor, school_id: uuid.UUID | None) -> School:
    """The school whose catalogue and promo codes ``actor`` manages: the one named, or
    their own; another school's is not found."""
    actor.require(Scope.PACKAGES_MANAGE)
    school_id = school_id or actor.school_id
    school = (
        await uow.session.get(School, school_id)
        if school_id is not None and actor.can_see_school(school_id)
        else None
    )
    if school is None:
        raise DomainError(E.NOT_FOUND, "No such school.", "schoolId")
    return school


async def _lesson_type(uow: UnitOfWork, school_id: uuid.UUID, lesson_type_id: uuid.UUID) -> Any:
    lesson_type = await uow.session.get(LessonType, lesson_type_id)
    if lesson_type is None or lesson_type.school_id != school_id:
        raise DomainError(E.LESSON_TYPE_NOT_FOUND, "No such lesson type.", "lessonTypeId")
    return lesson_type


async def _instructor(uow: UnitOfWork, school_id: uuid.UUID, instructor_id: uuid.UUID) -> User:
    instructor = await uow.session.get(User, instructor_id)
    if (
        instructor is None
        or instructor.school_id != school_id
        or instructor.role != "instructor"
        or instructor.deleted_at is not None
    ):
        raise DomainError(E.INSTRUCTOR_NOT_FOUND, "No such instructor.", "instructorId")
    return instructor


async def _validate(uow: UnitOfWork, package: LessonPackage) -> None:
    require_range(package.lessons_count, 1, 200, E.INVALID, "lessonsCount")
    require_range(package.lesson_duration_minutes, 15, 600, E.INVALID, "lessonDurationMinutes")
    require_range(package.price_minor, 0, MAX_PRICE_MINOR, E.INVALID, "priceMinor")
    require_range(package.discount_percent, 0, 90, E.INVALID, "discountPercent")
    require_range(package.validity_days, 1, 1825, E.INVALID, "validityDays")
    if package.audience not in PACKAGE_AUDIENCES:
        raise DomainError(E.INVALID, "Unknown audience.", "audience")
    if package.lesson_type_id is not None:
        lesson_type = await _lesson_type(uow, package.school_id, package.lesson_type_id)
        if lesson_type.duration_minutes != package.lesson_duration_minutes:
            raise DomainError(
                E.INVALID,
                "The lesson duration must be the lesson type's "
                f"({lesson_type.duration_minutes} minutes).",
                "lessonDurationMinutes",
            )
    if package.instructor_id is not None:
        await _instructor(uow, package.school_id, package.instructor_id)


def _currency(school: School, currency: str | None) -> str:
    if currency is None:
        return school.currency
    if currency.strip().upper() != school.currency:
        raise DomainError(
            E.CURRENCY_MISMATCH, f"The school sells in {school.currency}.", "currency"
        )
    return school.currency


async def create_package(
    uow: UnitOfWork,
    actor: Actor,
    *,
    school_id: uuid.UUID | None,
    name: str,
    description: str | None,
    lesson_type_id: uuid.UUID | None,
    lessons_count: int,
    lesson_duration_minutes: int,
    price_minor: int,
    discount_percent: int,
    currency: str | None,
    validity_days: int,
    audience: str,
    instructor_id: uuid.UUID | None,
) -> LessonPackage:
    school = await managed_school(uow, actor, school_id)
    package = LessonPackage(
        id=uuid.uuid4(),
        school_id=school.id,
        name=clean_text(name, E.INVALID, "name", max_length=100, required=True),
        description=clean_text(description, E.INVALID, "description", max_length=2000),
        lesson_type_id=lesson_type_id,
        lessons_count=lessons_count,
        lesson_duration_minutes=lesson_duration_minutes,
        price_minor=price_minor,
        discount_percent=discount_percent,
        currency=_currency(school, currency),
        validity_days=validity_days,
        audience=audience,
        instructor_id=instructor_id,
        is_active=True,
    )
    await _validate(uow, package)
    uow.session.add(package)
    await uow.session.flush()
    uow.audit(
        actor,
        "lesson_package.created",
        entity_type="LessonPackage",
        entity_id=package.id,
        school_id=school.id,
        after=snapshot(package),
    )
    return package


# Fields of ``update_package`` that may be cleared (set to None) with ``clear``.
CLEARABLE = ("description", "lesson_type_id", "instructor_id")


async def update_package(
    uow: UnitOfWork,
    actor: Actor,
    package_id: uuid.UUID,
    changes: dict[str, Any],
    clear: tuple[str, ...] = (),
) -> LessonPackage:
    """Change a package; ``None`` leaves a field as it is, ``clear`` names the optional
    fields to empty (description, lesson type, instructor)."""
    actor.require(Scope.PACKAGES_MANAGE)
    package = await uow.session.get(LessonPackage, package_id, with_for_update=True)
    if package is None or not is_manager(actor, package.school_id):
        raise DomainError(E.NOT_FOUND, "No such package.", "packageId")
    before = snapshot(package)
    # The changes are checked before the row is written: the lookups below (the school's
    # currency, the lesson type, the instructor) must not flush a half-checked package,
    # whose values the database would refuse with a constraint error instead.
    with uow.session.no_autoflush:
        for key, value in changes.items():
            if value is None:
                continue
            if key == "name":
                value = clean_text(value, E.INVALID, "name", max_length=100, required=True)
            elif key == "description":
                value = clean_text(value, E.INVALID, "description", max_length=2000)
            elif key == "currency":
                school = await uow.session.get(School, package.school_id)
                assert school is not None
                value = _currency(school, value)
            setattr(package, key, value)
        for key in clear:
            if key in CLEARABLE:
                setattr(package, key, None)
        await _validate(uow, package)
    await uow.session.flush()
    uow.audit(
        actor,
        "lesson_package.updated",
        entity_type="LessonPackage",
        entity_id=package.id,
        school_id=package.school_id,
        before=before,
        after=snapshot(package),
    )
    return package


def list_statement(actor: Actor, *, include_inactive: bool) -> Any:
    return (
        select(LessonPackage)
        .where(visible_packages(actor, include_inactive=include_inactive))
        .order_by(LessonPackage.name, LessonPackage.id)
    )
