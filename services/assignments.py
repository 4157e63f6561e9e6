"""Instructor assignments: admins pair students with instructors (SPEC §1).

Capacity is enforced under concurrency: assigning locks the instructor's profile
row, so two admins assigning the last free place at once cannot both succeed.
One live assignment per pair and one live primary instructor per student are
unique indexes in PostgreSQL.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, func, or_, select, true

from models.accounts import InstructorProfile, User
from models.assignments import InstructorAssignment
from models.schools import School
from services.actor import Actor, Role, Scope
from services.errors import DomainError
from services.uow import UnitOfWork
from services.validation import clean_text, require_range
from subscriptions.envelope import school_key, user_key


class AssignmentErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    INVALID = "INVALID"
    CONFLICT = "CONFLICT"
    STUDENT_NOT_FOUND = "STUDENT_NOT_FOUND"
    INSTRUCTOR_NOT_FOUND = "INSTRUCTOR_NOT_FOUND"
    STUDENT_NOT_ACTIVE = "STUDENT_NOT_ACTIVE"
    INSTRUCTOR_NOT_ACTIVE = "INSTRUCTOR_NOT_ACTIVE"
    ALREADY_ASSIGNED = "ALREADY_ASSIGNED"
    PRIMARY_EXISTS = "PRIMARY_EXISTS"
    CAPACITY_REACHED = "CAPACITY_REACHED"
    INVALID_DATES = "INVALID_DATES"
    ALREADY_ENDED = "ALREADY_ENDED"


E = AssignmentErrorCode
TYPES = ("primary", "secondary", "temporary")
EVENT_TYPES = ("assignment.created", "assignment.updated", "assignment.ended")


def visible_assignments(actor: Actor) -> ColumnElement[bool]:
    if actor.is_platform_admin:
        return true()
    same_school = InstructorAssignment.school_id == actor.school_id
    if actor.role is Role.SCHOOL_ADMIN:
        return same_school
    return and_(
        same_school,
        or_(
            InstructorAssignment.student_id == actor.user_id,
            InstructorAssignment.instructor_id == actor.user_id,
        ),
    )


def can_see(actor: Actor, assignment: InstructorAssignment) -> bool:
    if not actor.can_see_school(assignment.school_id):
        return False
    return (
        actor.is_platform_admin
        or actor.role is Role.SCHOOL_ADMIN
        or actor.user_id in (assignment.student_id, assignment.instructor_id)
    )


def is_current(assignment: InstructorAssignment, today: date) -> bool:
    return (
        assignment.status == "active"
        and assignment.starts_on <= today
        and (assignment.ends_on is None or assignment.ends_on >= today)
    )


def school_today(school: School) -> date:
    return datetime.now(ZoneInfo(school.time_zone)).date()


def snapshot(a: InstructorAssignment) -> dict[str, Any]:
    return {
        "student_id": str(a.student_id),
        "instructor_id": str(a.instructor_id),
        "assignment_type": a.assignment_type,
        "status": a.status,
        "priority": a.priority,
        "starts_on": a.starts_on.isoformat(),
        "ends_on": a.ends_on.isoformat() if a.ends_on else None,
    }


def _emit(uow: UnitOfWork, a: InstructorAssignment, event_type: str) -> None:
    uow.emit(
        event_type,
        entity_type="Assignment",
        entity_id=a.id,
        school_id=a.school_id,
        keys=[user_key(a.student_id), user_key(a.instructor_id), school_key(a.school_id)],
    )


async def _school_user(
    uow: UnitOfWork, actor: Actor, user_id: uuid.UUID, role: str, code: E, field: str
) -> User:
    user = await uow.session.scalar(
        select(User).where(User.id == user_id, User.role == role, User.deleted_at.is_(None))
    )
    if user is None or not actor.can_see_school(user.school_id):
        raise DomainError(code, f"No such {role}.", field)
    return user


PLAUSIBLE_YEARS = range(2000, 2101)


def _check_dates(starts_on: date, ends_on: date | None, assignment_type: str) -> None:
    if starts_on.year not in PLAUSIBLE_YEARS:
        raise DomainError(E.INVALID_DATES, "That start date is not plausible.", "startsOn")
    if ends_on is not None and ends_on.year not in PLAUSIBLE_YEARS:
        raise DomainError(E.INVALID_DATES, "That end date is not plausible.", "endsOn")
    if ends_on is not None and ends_on < starts_on:
        raise DomainError(E.INVALID_DATES, "The end date is before the start date.", "endsOn")
    if assignment_type == "temporary" and ends_on is None:
        raise DomainError(E.INVALID_DATES, "A temporary assignment needs an end date.", "endsOn")


async def assign_instructor(
    uow: UnitOfWork,
    actor: Actor,
    *,
    student_id: uuid.UUID,
    instructor_id: uuid.UUID,
    assignment_type: str,
    priority: int,
    starts_on: date | None,
    ends_on: date | None,
    notes: str | None,
) -> InstructorAssignment:
    actor.require(Scope.ASSIGNMENTS_MANAGE)
    student = await _school_user(
        uow, actor, student_id, "student", E.STUDENT_NOT_FOUND, "studentId"
    )
    instructor = await _school_user(
        uow, actor, instructor_id, "instructor", E.INSTRUCTOR_NOT_FOUND, "instructorId"
    )
    if student.school_id != instructor.school_id:
        raise DomainError(E.INSTRUCTOR_NOT_FOUND, "No such instructor.", "instructorId")
    if student.status != "active":
        raise DomainError(
            E.STUDENT_NOT_ACTIVE,
            "Activate the student before assigning an instructor.",
            "studentId",
        )
    if instructor.status != "active":
        raise DomainError(E.INSTRUCTOR_NOT_ACTIVE, "This instructor is not active.", "instructorId")
    if assignment_type not in TYPES:
        raise DomainError(E.INVALID, "Unknown assignment type.", "assignmentType")
    require_range(priority, 1, 100, E.INVALID, "priority")
    school = await uow.session.get(School, student.school_id)
    assert school is not None
    starts = starts_on or school_today(school)
    _check_dates(starts, ends_on, assignment_type)
    if ends_on is not None and ends_on < school_today(school):
        raise DomainError(E.INVALID_DATES, "The end date has already passed.", "endsOn")

    # Capacity: lock the instructor's profile so concurrent assignments queue up here.
    profile = await uow.session.get(InstructorProfile, instructor.id, with_for_update=True)
    assert profile is not None
    await _end_lapsed(uow, actor, school_today(school), student.id, instructor.id)
    live = await uow.session.scalar(
        select(func.count()).where(
            InstructorAssignment.instructor_id == instructor.id,
            InstructorAssignment.status == "active",
        )
    )
    if (live or 0) >= profile.max_students:
        raise DomainError(
            E.CAPACITY_REACHED,
            f"This instructor already has their maximum of {profile.max_students} students.",
            "instructorId",
        )
    assignment = InstructorAssignment(
        school_id=student.school_id,
        student_id=student.id,
        instructor_id=instructor.id,
        assigned_by_id=actor.user_id,
        assignment_type=assignment_type,
        priority=priority,
        starts_on=starts,
        ends_on=ends_on,
        notes=clean_text(notes, E.INVALID, "notes", max_length=2000),
    )
    uow.session.add(assignment)
    await _flush_unique(uow)
    uow.audit(
        actor,
        "assignment.created",
        entity_type="Assignment",
        entity_id=assignment.id,
        school_id=assignment.school_id,
        after=snapshot(assignment),
    )
    _emit(uow, assignment, "assignment.created")
    return assignment


async def _end_lapsed(
    uow: UnitOfWork, actor: Actor, today: date, student_id: uuid.UUID, instructor_id: uuid.UUID
) -> None:
    """End assignments of this student or instructor whose end date has passed, so they free
    the instructor's place and the student's primary slot before a new assignment is made."""
    await _end_live(
        uow,
        actor,
        "assignment.lapsed",
        InstructorAssignment.ends_on < today,
        or_(
            InstructorAssignment.student_id == student_id,
            InstructorAssignment.instructor_id == instructor_id,
        ),
    )


async def _flush_unique(uow: UnitOfWork) -> None:
    def conflict(constraint: str | None) -> DomainError:
        if constraint == "uq_instructor_assignments_live_primary":
            return DomainError(
                E.PRIMARY_EXISTS, "This student already has a primary instructor.", "assignmentType"
            )
        return DomainError(
            E.ALREADY_ASSIGNED,
            "This instructor is already assigned to this student.",
            "instructorId",
        )

    await uow.flush_unique(conflict)


async def _get_for_update(
    uow: UnitOfWork, actor: Actor, assignment_id: uuid.UUID
) -> InstructorAssignment:
    actor.require(Scope.ASSIGNMENTS_MANAGE)
    assignment = await uow.session.scalar(
        select(InstructorAssignment)
        .where(InstructorAssignment.id == assignment_id, visible_assignments(actor))
        .with_for_update()
    )
    if assignment is None:
        raise DomainError(E.NOT_FOUND, "No such assignment.", "id")
    return assignment


async def update_assignment(
    uow: UnitOfWork,
    actor: Actor,
    assignment_id: uuid.UUID,
    *,
    assignment_type: str | None,
    priority: int | None,
    starts_on: date | None,
    ends_on: date | None,
    clear_end: bool,
    notes: str | None,
) -> InstructorAssignment:
    assignment = await _get_for_update(uow, actor, assignment_id)
    if assignment.status != "active":
        raise DomainError(E.ALREADY_ENDED, "This assignment has ended.", "id")
    before = snapshot(assignment)
    if assignment_type is not None:
        if assignment_type not in TYPES:
            raise DomainError(E.INVALID, "Unknown assignment type.", "assignmentType")
        assignment.assignment_type = assignment_type
    if priority is not None:
        assignment.priority = require_range(priority, 1, 100, E.INVALID, "priority")
    if starts_on is not None:
        assignment.starts_on = starts_on
    if clear_end:
        assignment.ends_on = None
    elif ends_on is not None:
        assignment.ends_on = ends_on
    if notes is not None:
        assignment.notes = clean_text(notes, E.INVALID, "notes", max_length=2000)
    _check_dates(assignment.starts_on, assignment.ends_on, assignment.assignment_type)
    await _flush_unique(uow)
    uow.audit(
        actor,
        "assignment.updated",
        entity_type="Assignment",
        entity_id=assignment.id,
        school_id=assignment.school_id,
        before=before,
        after=snapshot(assignment),
    )
    _emit(uow, assignment, "assignment.updated")
    return assignment


async def end_assignment(
    uow: UnitOfWork, actor: Actor, assignment_id: uuid.UUID, reason: str | None
) -> InstructorAssignment:
    assignment = await _get_for_update(uow, actor, assignment_id)
    if assignment.status == "ended":
        raise DomainError(E.ALREADY_ENDED, "This assignment has already ended.", "id")
    if reason:
        assignment.notes = clean_text(
            f"{assignment.notes or ''}\nEnded: {reason}".strip(),
            E.INVALID,
            "reason",
            max_length=2500,
        )
    await _end(uow, actor, assignment, "assignment.ended")
    return assignment


async def end_all_for(uow: UnitOfWork, actor: Actor, user_id: uuid.UUID) -> None:
    """End every live assignment of a student or instructor (their account is going)."""
    await _end_live(
        uow,
        actor,
        "assignment.ended",
        or_(
            InstructorAssignment.student_id == user_id,
            InstructorAssignment.instructor_id == user_id,
        ),
    )


async def end_lapsed(uow: UnitOfWork, now: datetime) -> int:
    """Periodic: end every assignment whose end date has passed in its school's time zone
    (audited as ``assignment.lapsed`` by nobody: the system)."""
    school_today = (
        select(func.date(func.timezone(School.time_zone, now)))
        .where(School.id == InstructorAssignment.school_id)
        .scalar_subquery()
    )
    return await _end_live(
        uow, None, "assignment.lapsed", InstructorAssignment.ends_on < school_today
    )


async def _end_live(
    uow: UnitOfWork, actor: Actor | None, action: str, *conditions: ColumnElement[bool]
) -> int:
    """End every live assignment matching ``conditions`` (locked first), one by one; returns
    how many ended."""
    live = await uow.session.scalars(
        select(InstructorAssignment)
        .where(InstructorAssignment.status == "active", *conditions)
        .with_for_update()
    )
    ended = 0
    for assignment in live:
        await _end(uow, actor, assignment, action)
        ended += 1
    return ended


async def _end(
    uow: UnitOfWork, actor: Actor | None, assignment: InstructorAssignment, action: str
) -> None:
    """Mark ended, audit, and tell both parties."""
    before = snapshot(assignment)
    assignment.status = "ended"
    assignment.ended_at = datetime.now(UTC)
    await uow.session.flush()
    uow.audit(
        actor,
        action,
        entity_type="Assignment",
        entity_id=assignment.id,
        school_id=assignment.school_id,
        before=before,
        after=snapshot(assignment),
    )
    _emit(uow, assignment, "assignment.ended")
