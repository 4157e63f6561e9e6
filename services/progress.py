"""The Driver's Record (SPEC §2): the levels a learner reaches in the syllabus's skills.

Progress is recorded after a lesson, never during one — DVSA's guidance is that a
supervising instructor must not use a phone or tablet while the learner drives — so every
entry names a *completed* booking, written by its instructor (or an admin of the school).
Entries are append-only, one per lesson and skill (a unique index decides between two
simultaneous recordings); a skill's current level is its entry from the most recent lesson.

Who reads a learner's record: the learner, their *current* instructors (a live assignment
whose dates include today in the school's time zone) and their school's admins.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import IntEnum, StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Date, Select, and_, cast, func, or_, select, true, tuple_
from sqlalchemy.dialects.postgresql import distinct_on

from models.accounts import User
from models.assignments import InstructorAssignment
from models.progress import SKILL_CODES, SYLLABUS, Skill, SkillEntry, SkillGroup
from models.scheduling import Booking
from models.schools import School
from services.actor import Actor, Role
from services.errors import DomainError, Forbidden
from services.scheduling.visibility import can_see, is_admin_of
from services.uow import UnitOfWork
from services.validation import clean_text
from subscriptions.envelope import user_key

EVENT_RECORDED = "driver_record.recorded"
MAX_NOTES = 1000


class Level(IntEnum):
    """The five progress levels of the driver's record, lowest first."""

    INTRODUCED = 1
    HELPED = 2
    PROMPTED = 3
    INDEPENDENT = 4
    REFLECTION = 5


class ProgressErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    INVALID = "INVALID"
    CONFLICT = "CONFLICT"
    STUDENT_NOT_FOUND = "STUDENT_NOT_FOUND"
    LESSON_NOT_COMPLETED = "LESSON_NOT_COMPLETED"
    UNKNOWN_SKILL = "UNKNOWN_SKILL"
    ALREADY_RECORDED = "ALREADY_RECORDED"


E = ProgressErrorCode
SKILLS: dict[str, Skill] = {s.code: s for g in SYLLABUS for s in g.skills}
GROUP_OF: dict[str, SkillGroup] = {s.code: g for g in SYLLABUS for s in g.skills}


def skill(code: str, field: str = "skillCode") -> Skill:
    found = SKILLS.get(code)
    if found is None:
        raise DomainError(E.UNKNOWN_SKILL, "No such skill in the driver's record.", field)
    return found


# -- who reads whose record -------------------------------------------------------------------


def _school_today() -> Any:
    """The current date in the assignment's school's time zone, in SQL."""
    return cast(func.timezone(School.time_zone, func.now()), Date)


def currently_taught_by(instructor_id: uuid.UUID) -> Select[Any]:
    """Students with a live assignment to the instructor whose dates include today."""
    today = _school_today()
    return (
        select(InstructorAssignment.student_id)
        .join(School, School.id == InstructorAssignment.school_id)
        .where(
            InstructorAssignment.instructor_id == instructor_id,
            InstructorAssignment.status == "active",
            InstructorAssignment.starts_on <= today,
            or_(InstructorAssignment.ends_on.is_(None), InstructorAssignment.ends_on >= today),
        )
    )


def readable_records(actor: Actor, student_id: Any, school_id: Any) -> ColumnElement[bool]:
    """Whose records the actor may read, over a row's student and school columns."""
    if actor.is_platform_admin:
        return true()
    same_school = school_id == actor.school_id
    if actor.role is Role.SCHOOL_ADMIN:
        return same_school
    if actor.role is Role.INSTRUCTOR:
        return and_(same_school, student_id.in_(currently_taught_by(actor.user_id)))
    return and_(same_school, student_id == actor.user_id)


def readable_students(actor: Actor) -> Select[Any]:
    """The (live) student accounts whose records the actor may read."""
    return select(User).where(
        User.role == "student",
        User.deleted_at.is_(None),
        readable_records(actor, User.id, User.school_id),
    )


def readable_entries(actor: Actor) -> ColumnElement[bool]:
    return readable_records(actor, SkillEntry.student_id, SkillEntry.school_id)


def current_entries(actor: Actor, student_ids: list[uuid.UUID]) -> Select[Any]:
    """Each student's latest entry per skill (the current level), for many students in one
    statement: ``DISTINCT ON (student, skill)`` newest lesson first."""
    return (
        select(SkillEntry)
        .where(SkillEntry.student_id.in_(student_ids), readable_entries(actor))
        .ext(distinct_on(SkillEntry.student_id, SkillEntry.skill_code))
        .order_by(
            SkillEntry.student_id,
            SkillEntry.skill_code,
            SkillEntry.lesson_at.desc(),
            SkillEntry.created_at.desc(),
        )
    )


def history(actor: Actor, keys: list[tuple[uuid.UUID, str]]) -> Select[Any]:
    """Entries of many (student, skill) pairs, newest lesson first."""
    return (
        select(SkillEntry)
        .where(tuple_(SkillEntry.student_id, SkillEntry.skill_code).in_(keys))
        .where(readable_entries(actor))
        .order_by(SkillEntry.lesson_at.desc(), SkillEntry.created_at.desc())
    )


# -- recording ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryInput:
    skill_code: str
    level: int
    notes: str | None = None


def _validated(entries: list[EntryInput]) -> list[tuple[Skill, Level, str | None]]:
    if not entries:
        raise DomainError(E.INVALID, "Record at least one skill.", "entries")
    if len(entries) > len(SKILL_CODES):
        raise DomainError(E.INVALID, f"At most {len(SKILL_CODES)} skills at once.", "entries")
    seen: set[str] = set()
    result = []
    for index, entry in enumerate(entries):
        field = f"entries.{index}"
        found = skill(entry.skill_code, f"{field}.skillCode")
        if found.code in seen:
            raise DomainError(E.INVALID, "Each skill once per lesson.", f"{field}.skillCode")
        seen.add(found.code)
        if entry.level not in tuple(Level):
            raise DomainError(E.INVALID, "Levels run from 1 to 5.", f"{field}.level")
        notes = clean_text(entry.notes, E.INVALID, f"{field}.notes", max_length=MAX_NOTES)
        result.append((found, Level(entry.level), notes))
    return result


async def record_progress(
    uow: UnitOfWork, actor: Actor, booking_id: uuid.UUID, entries: list[EntryInput]
) -> list[SkillEntry]:
    """Record the levels a learner showed in a completed lesson (one entry per skill)."""
    actor.require_active()
    validated = _validated(entries)
    booking = await uow.session.get(Booking, booking_id)
    if booking is None or not can_see(actor, booking):
        raise DomainError(E.NOT_FOUND, "No such lesson.", "bookingId")
    if not (actor.user_id == booking.instructor_id or is_admin_of(actor, booking.school_id)):
        raise Forbidden("Only the lesson's instructor or an admin can record progress.")
    if booking.status != "completed":
        raise DomainError(
            E.LESSON_NOT_COMPLETED,
            "Progress is recorded after a completed lesson, never during one.",
            "bookingId",
        )
    rows = [
        SkillEntry(
            school_id=booking.school_id,
            student_id=booking.student_id,
            skill_code=found.code,
            level=int(level),
            booking_id=booking.id,
            lesson_at=booking.starts_at,
            notes=notes,
            recorded_by_id=actor.user_id,
            created_at=datetime.now(UTC),
        )
        for found, level, notes in validated
    ]
    uow.session.add_all(rows)
    await uow.flush_unique(
        lambda _constraint: DomainError(
            E.ALREADY_RECORDED,
            "Progress in one of these skills is already recorded for this lesson.",
            "entries",
        )
    )
    uow.emit(
        EVENT_RECORDED,
        entity_type="Booking",
        entity_id=booking.id,
        school_id=booking.school_id,
        keys=[user_key(booking.student_id), user_key(booking.instructor_id)],
        data={"skills": [row.skill_code for row in rows]},
    )
    return rows
