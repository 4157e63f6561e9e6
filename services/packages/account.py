"""A student's account: credit balance, packages and credit statement (SPEC §3).

Who sees it: the student; a school admin of the student's school allowed to manage
finances or packages; the student's currently assigned instructors (read only). To
anyone else — another school's admin included — the student has no account.
"""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, and_, exists, false, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from models.accounts import User
from models.assignments import InstructorAssignment
from models.packages import CreditEntry, StudentPackage
from services.actor import Actor, Role, Scope


def _assigned_to(actor: Actor, student_column: object) -> ColumnElement[bool]:
    return exists().where(
        InstructorAssignment.instructor_id == actor.user_id,
        InstructorAssignment.student_id == student_column,
        InstructorAssignment.status == "active",
    )


def reads_accounts(actor: Actor) -> bool:
    """A school admin whose flags cover students' money."""
    return actor.role is Role.SCHOOL_ADMIN and (
        actor.has(Scope.FINANCES_MANAGE) or actor.has(Scope.PACKAGES_MANAGE)
    )


def visible_student_packages(actor: Actor) -> ColumnElement[bool]:
    if actor.is_platform_admin:
        return true()
    same_school = StudentPackage.school_id == actor.school_id
    if reads_accounts(actor):
        return same_school
    if actor.role is Role.INSTRUCTOR:
        return and_(same_school, _assigned_to(actor, StudentPackage.student_id))
    if actor.role is Role.STUDENT:
        return and_(same_school, StudentPackage.student_id == actor.user_id)
    return false()


def visible_credit_entries(actor: Actor) -> ColumnElement[bool]:
    if actor.is_platform_admin:
        return true()
    same_school = CreditEntry.school_id == actor.school_id
    if reads_accounts(actor):
        return same_school
    if actor.role is Role.INSTRUCTOR:
        return and_(same_school, _assigned_to(actor, CreditEntry.student_id))
    if actor.role is Role.STUDENT:
        return and_(same_school, CreditEntry.student_id == actor.user_id)
    return false()


async def account_holder(session: AsyncSession, actor: Actor, student_id: uuid.UUID) -> User | None:
    """The student whose account the actor may read, else None."""
    conditions: list[ColumnElement[bool]] = [
        User.id == student_id,
        User.role == "student",
        User.deleted_at.is_(None),
    ]
    if not actor.is_platform_admin:
        conditions.append(User.school_id == actor.school_id)
        if actor.role is Role.STUDENT:
            conditions.append(User.id == actor.user_id)
        elif actor.role is Role.INSTRUCTOR:
            conditions.append(_assigned_to(actor, User.id))
        elif not reads_accounts(actor):
            return None
    return await session.scalar(select(User).where(*conditions))
