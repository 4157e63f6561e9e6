"""Who may see and change what in the theory domain.

* Banks: the shared bank (``school_id IS NULL``) is seen by everyone and managed by
  platform admins; a school's own bank is seen only by that school and managed by its
  admins holding ``SCHOOL_MANAGE`` (and by platform admins).
* Practice and tests are for students: an active student practises and sits tests.
* A student's tests and progress are read by the student, by the people who may see the
  student under the accounts rules (``services.accounts.visible_users``: the school's
  admins, the student's instructors, platform admins) — never by other students.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, or_, select, true

from models.accounts import User
from services.accounts import visible_users
from services.actor import Actor, Role, Scope
from services.errors import Forbidden


def visible_bank(actor: Actor, school_column: Any) -> ColumnElement[bool]:
    """Rows of the banks the actor sees: the shared bank and their own school's."""
    if actor.is_platform_admin:
        return true()
    return or_(school_column.is_(None), school_column == actor.school_id)


def can_manage_bank(actor: Actor, school_id: uuid.UUID | None) -> bool:
    """Platform admins manage every bank; a school admin with SCHOOL_MANAGE their school's."""
    if actor.is_platform_admin:
        return True
    return (
        school_id is not None
        and actor.role is Role.SCHOOL_ADMIN
        and actor.has(Scope.SCHOOL_MANAGE)
        and actor.school_id == school_id
    )


def require_bank_manager(actor: Actor | None, school_id: uuid.UUID | None) -> None:
    """``actor`` None is the operator at the console (`clutch theory import`)."""
    if actor is not None and not can_manage_bank(actor, school_id):
        raise Forbidden("You may not change this question bank.")


def require_student(actor: Actor) -> uuid.UUID:
    """Practice and tests are for active students; returns their school."""
    if actor.role is not Role.STUDENT or actor.school_id is None:
        raise Forbidden("Theory practice and tests are for students.")
    actor.require_active()
    return actor.school_id


def visible_students(actor: Actor, student_column: Any) -> ColumnElement[bool]:
    """Rows about students the actor may read: themselves, or students they may see."""
    if actor.role is Role.STUDENT:
        return student_column == actor.user_id  # type: ignore[no-any-return]
    return student_column.in_(  # type: ignore[no-any-return]
        select(User.id).where(visible_users(actor), User.role == "student")
    )
