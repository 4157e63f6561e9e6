"""Accounts: registration, admin-created users, profiles, review, suspension, deletion."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select

from models.accounts import AdminProfile, InstructorProfile, StudentProfile, User
from models.assignments import InstructorAssignment
from models.schools import School
from services import assignments
from services.actor import ADMIN_FLAG_SCOPES, Actor, Role, Scope
from services.errors import DomainError, Forbidden
from services.security import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from services.sessions import revoke_sessions
from services.uow import UnitOfWork
from services.validation import clean_text, normalise_email, normalise_phone, require_range
from subscriptions.envelope import school_key, user_key


class AccountErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    INVALID = "INVALID"
    CONFLICT = "CONFLICT"
    EMAIL_TAKEN = "EMAIL_TAKEN"
    INVALID_EMAIL = "INVALID_EMAIL"
    INVALID_PHONE = "INVALID_PHONE"
    WEAK_PASSWORD = "WEAK_PASSWORD"
    WRONG_PASSWORD = "WRONG_PASSWORD"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS"
    ACCOUNT_SUSPENDED = "ACCOUNT_SUSPENDED"
    ACCOUNT_REJECTED = "ACCOUNT_REJECTED"
    TOKEN_INVALID = "TOKEN_INVALID"
    TOKEN_EXPIRED = "TOKEN_EXPIRED"
    TOKEN_REUSED = "TOKEN_REUSED"
    NOT_PENDING_REVIEW = "NOT_PENDING_REVIEW"
    INVALID_ROLE = "INVALID_ROLE"
    CANNOT_CHANGE_SELF = "CANNOT_CHANGE_SELF"
    SCHOOL_INACTIVE = "SCHOOL_INACTIVE"
    ALREADY_VERIFIED = "ALREADY_VERIFIED"


E = AccountErrorCode

STUDENT_PROFILE_FIELDS = {
    "licence_type": ("provisional", "full", "none"),
    "experience_level": ("beginner", "some_experience", "test_ready"),
}
SPECIALISATIONS = ("manual", "automatic", "intensive", "pass_plus", "refresher", "motorway", "eco")


def now() -> datetime:
    return datetime.now(UTC)


def check_password(password: str, field: str = "password") -> None:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise DomainError(
            E.WEAK_PASSWORD,
            f"Use a password of {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters.",
            field,
        )
    if password.strip() != password or len(set(password)) < 4:
        raise DomainError(E.WEAK_PASSWORD, "That password is too easy to guess.", field)


def _camel(name: str) -> str:
    """The GraphQL (camelCase) name of an input field, for error ``field``s and messages."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def json_object(value: Any, field: str, *, max_chars: int) -> dict[str, Any]:
    """A client-supplied JSON object that PostgreSQL's jsonb can store (no NUL), of bounded size."""
    if not isinstance(value, dict):
        raise DomainError(E.INVALID, f"{field} must be a JSON object.", field)
    try:
        too_long = len(json.dumps(value)) > max_chars
        has_nul = _has_nul(value)
    except (RecursionError, TypeError, ValueError):
        raise DomainError(E.INVALID, f"{field} is not a usable JSON object.", field) from None
    if too_long:
        raise DomainError(E.INVALID, f"{field} is limited to {max_chars:,} characters.", field)
    if has_nul:
        raise DomainError(E.INVALID, f"{field} contains control characters.", field)
    return value


def snapshot(user: User) -> dict[str, Any]:
    """What the audit log keeps of a user (never the password hash)."""
    return {
        "role": user.role,
        "status": user.status,
        "email": user.email,
        "school_id": str(user.school_id),
    }


# -- visibility ---------------------------------------------------------------------------


# Past assignments count too: an instructor keeps seeing the learners they taught (and the
# assignment that ended), a student the instructors who taught them. Medical details need a
# live assignment (can_read_medical).
def _assigned_students(instructor_id: uuid.UUID) -> Any:
    return select(InstructorAssignment.student_id).where(
        InstructorAssignment.instructor_id == instructor_id
    )


def _assigned_instructors(student_id: uuid.UUID) -> Any:
    return select(InstructorAssignment.instructor_id).where(
        InstructorAssignment.student_id == student_id
    )


def visible_users(actor: Actor) -> ColumnElement[bool]:
    """Which (non-deleted) users an actor may see. Used by lists, loaders and node(id:)."""
    live = User.deleted_at.is_(None)
    if actor.is_platform_admin:
        return live
    same_school = User.school_id == actor.school_id
    if actor.role is Role.SCHOOL_ADMIN:
        return and_(live, same_school)
    if actor.role is Role.INSTRUCTOR:
        return and_(
            live,
            same_school,
            or_(
                User.id == actor.user_id,
                User.role.in_(("school_admin", "instructor")),
                User.id.in_(_assigned_students(actor.user_id)),
            ),
        )
    return and_(
        live,
        same_school,
        or_(
            User.id == actor.user_id,
            User.role == "school_admin",
            User.id.in_(_assigned_instructors(actor.user_id)),
        ),
    )


def can_read_medical(actor: Actor, student: User, assigned_instructor_ids: set[uuid.UUID]) -> bool:
    """Medical notes and emergency contact: the student, their instructors, their school's admins."""
    if actor.user_id == student.id:
        return True
    if actor.school_id != student.school_id:
        return False
    if actor.role is Role.SCHOOL_ADMIN:
        return True
    return actor.role is Role.INSTRUCTOR and actor.user_id in assigned_instructor_ids


async def get_visible_user(
    uow: UnitOfWork, actor: Actor, user_id: uuid.UUID, *, lock: bool = False
) -> User:
    stmt = select(User).where(User.id == user_id, visible_users(actor))
    if lock:
        stmt = stmt.with_for_update()
    user = await uow.session.scalar(stmt)
    if user is None:
        raise DomainError(E.NOT_FOUND, "No such user.", "userId")
    return user


async def get_managed_user(uow: UnitOfWork, actor: Actor, user_id: uuid.UUID) -> User:
    """A user the actor may administer: same school (or platform admin), not themselves."""
    actor.require(Scope.USERS_MANAGE)
    user = await get_visible_user(uow, actor, user_id, lock=True)
    if user.id == actor.user_id:
        raise DomainError(E.CANNOT_CHANGE_SELF, "You cannot do this to your own account.", "userId")
    if user.role == "platform_admin" and not actor.is_platform_admin:
        raise DomainError(E.NOT_FOUND, "No such user.", "userId")
    return user


# -- creation -------------------------------------------------------------------------------


async def _insert_user(
    uow: UnitOfWork,
    *,
    school: School | None,
    role: Role,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    phone: str | None,
    status: str,
) -> User:
    email = normalise_email(email, E.INVALID_EMAIL)
    phone = normalise_phone(phone, E.INVALID_PHONE)
    first = clean_text(first_name, E.INVALID, "firstName", max_length=100, required=True)
    last = clean_text(last_name, E.INVALID, "lastName", max_length=100, required=True)
    check_password(password)
    user = User(
        school_id=school.id if school else None,
        email=email,
        phone=phone,
        password_hash=await uow.deps.passwords.hash(password),
        first_name=first,
        last_name=last,
        role=role.value,
        status=status,
    )
    uow.session.add(user)
    await uow.flush_unique(
        lambda _: DomainError(E.EMAIL_TAKEN, "An account with this email already exists.", "email")
    )
    if school is not None:
        if role is Role.STUDENT:
            uow.session.add(StudentProfile(user_id=user.id, school_id=school.id))
        elif role is Role.INSTRUCTOR:
            uow.session.add(InstructorProfile(user_id=user.id, school_id=school.id))
        elif role is Role.SCHOOL_ADMIN:
            uow.session.add(AdminProfile(user_id=user.id, school_id=school.id))
    await uow.session.flush()
    return user


async def register_student(
    uow: UnitOfWork,
    *,
    school_slug: str,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    phone: str | None,
    client_address: str | None = None,
) -> User:
    """Self-registration into a school; the account waits in ``pending_review``."""
    from services import auth  # the token helpers live with authentication

    slug = school_slug.strip().lower()
    school = (
        None
        if "\x00" in slug or len(slug) > 100  # not a slug; PostgreSQL text cannot hold NUL
        else await uow.session.scalar(select(School).where(School.slug == slug))
    )
    if school is None:
        raise DomainError(E.NOT_FOUND, "No school with that code.", "schoolSlug")
    if not school.is_active:
        raise DomainError(
            E.SCHOOL_INACTIVE, "This school is not taking registrations.", "schoolSlug"
        )
    user = await _insert_user(
        uow,
        school=school,
        role=Role.STUDENT,
        email=email,
        password=password,
        first_name=first_name,
        last_name=last_name,
        phone=phone,
        status="pending_review",
    )
    await auth.send_email_verification(uow, user)
    uow.audit(
        None,
        "user.registered",
        entity_type="User",
        entity_id=user.id,
        school_id=school.id,
        after=snapshot(user),
        client_address=client_address,
    )
    uow.emit(
        "user.registered",
        entity_type="User",
        entity_id=user.id,
        school_id=school.id,
        keys=[school_key(school.id)],
    )
    return user


async def create_user(
    uow: UnitOfWork,
    actor: Actor,
    *,
    school_id: uuid.UUID | None,
    role: Role,
    email: str,
    password: str | None,
    first_name: str,
    last_name: str,
    phone: str | None,
) -> User:
    """An admin creates an active account; with no password, a set-password link is sent."""
    from services import auth

    actor.require(Scope.USERS_MANAGE)
    if role is Role.PLATFORM_ADMIN:
        if not actor.is_platform_admin:
            raise Forbidden()
        school = None
    else:
        target_school = school_id if actor.is_platform_admin else actor.school_id
        if target_school is None:
            raise DomainError(E.INVALID, "Choose the school for this account.", "schoolId")
        school = await uow.session.get(School, target_school)
        if school is None or not actor.can_see_school(school.id):
            raise DomainError(E.NOT_FOUND, "No such school.", "schoolId")
    user = await _insert_user(
        uow,
        school=school,
        role=role,
        email=email,
        password=password or auth.unusable_password(),
        first_name=first_name,
        last_name=last_name,
        phone=phone,
        status="active",
    )
    if password is None:
        await auth.send_password_reset(uow, user, template="account_invitation")
    uow.audit(
        actor,
        "user.created",
        entity_type="User",
        entity_id=user.id,
        school_id=user.school_id,
        after=snapshot(user),
    )
    return user


async def create_platform_admin(
    uow: UnitOfWork, *, email: str, password: str, first_name: str, last_name: str
) -> User:
    """Bootstrap a platform admin from the command line (no acting user exists yet)."""
    user = await _insert_user(
        uow,
        school=None,
        role=Role.PLATFORM_ADMIN,
        email=email,
        password=password,
        first_name=first_name,
        last_name=last_name,
        phone=None,
        status="active",
    )
    user.email_verified_at = now()
    uow.audit(
        None,
        "user.created",
        entity_type="User",
        entity_id=user.id,
        school_id=None,
        after=snapshot(user),
        client_address="cli",
    )
    return user


def actor_for(user: User) -> Actor:
    """An actor for trusted local tooling (seed data, CLI) acting as ``user``."""
    from services.actor import scopes_for

    role = Role(user.role)
    return Actor(
        user_id=user.id,
        school_id=user.school_id,
        role=role,
        scopes=scopes_for(
            role,
            dict.fromkeys(
                (
                    "can_manage_users",
                    "can_assign_instructors",
                    "can_manage_packages",
                    "can_moderate_community",
                    "can_manage_finances",
                ),
                True,
            ),
        ),
    )


# -- review and lifecycle -----------------------------------------------------------------------


async def review_registration(
    uow: UnitOfWork, actor: Actor, user_id: uuid.UUID, *, approve: bool, reason: str | None
) -> User:
    user = await get_managed_user(uow, actor, user_id)
    if user.status != "pending_review":
        raise DomainError(E.NOT_PENDING_REVIEW, "This account is not waiting for review.", "userId")
    status = "active" if approve else "rejected"
    await _change_status(
        uow, actor, user, status, reason, "user.activated" if approve else "user.rejected"
    )
    return user


async def suspend_user(
    uow: UnitOfWork, actor: Actor, user_id: uuid.UUID, reason: str | None
) -> User:
    user = await get_managed_user(uow, actor, user_id)
    if user.status != "suspended":
        await _change_status(uow, actor, user, "suspended", reason, "user.suspended")
    return user


async def reinstate_user(uow: UnitOfWork, actor: Actor, user_id: uuid.UUID) -> User:
    user = await get_managed_user(uow, actor, user_id)
    if user.status != "suspended":
        raise DomainError(E.CONFLICT, "Only a suspended account can be reinstated.", "userId")
    await _change_status(uow, actor, user, "active", None, "user.reinstated")
    return user


async def delete_user(uow: UnitOfWork, actor: Actor, user_id: uuid.UUID) -> User:
    """Soft delete: the row stays for history, disappears from queries, sessions end."""
    user = await get_managed_user(uow, actor, user_id)
    before = snapshot(user)
    user.deleted_at = now()
    await revoke_sessions(uow, user_id=user.id, school_id=user.school_id, reason="deleted")
    await assignments.end_all_for(uow, actor, user.id)
    _record(uow, actor, user, "user.deleted", before, {"deleted": True})
    return user


async def _change_status(
    uow: UnitOfWork, actor: Actor, user: User, status: str, reason: str | None, action: str
) -> None:
    """Move an account to ``status``; suspension and rejection end its sessions at once."""
    before = snapshot(user)
    user.status = status
    user.status_reason = clean_text(reason, E.INVALID, "reason", max_length=500)
    if status in ("suspended", "rejected"):
        await revoke_sessions(uow, user_id=user.id, school_id=user.school_id, reason=status)
    _record(uow, actor, user, action, before, snapshot(user))


def _record(
    uow: UnitOfWork,
    actor: Actor,
    user: User,
    action: str,
    before: dict[str, Any],
    after: dict[str, Any],
) -> None:
    """Audit a lifecycle change and tell the user's sockets and their school."""
    uow.audit(
        actor,
        action,
        entity_type="User",
        entity_id=user.id,
        school_id=user.school_id,
        before=before,
        after=after,
    )
    keys = [user_key(user.id)]
    if user.school_id:
        keys.append(school_key(user.school_id))
    uow.emit(action, entity_type="User", entity_id=user.id, school_id=user.school_id, keys=keys)


# -- profiles -------------------------------------------------------------------------------------


async def update_account(
    uow: UnitOfWork,
    actor: Actor,
    *,
    first_name: str | None = None,
    last_name: str | None = None,
    phone: str | None = None,
    avatar_url: str | None = None,
    locale: str | None = None,
    preferences: dict[str, Any] | None = None,
) -> User:
    user = await get_visible_user(uow, actor, actor.user_id, lock=True)
    if first_name is not None:
        user.first_name = clean_text(
            first_name, E.INVALID, "firstName", max_length=100, required=True
        )  # type: ignore[assignment]
    if last_name is not None:
        user.last_name = clean_text(last_name, E.INVALID, "lastName", max_length=100, required=True)  # type: ignore[assignment]
    if phone is not None:
        new_phone = normalise_phone(phone, E.INVALID_PHONE)
        if new_phone != user.phone:
            user.phone = new_phone
            user.phone_verified_at = None
    if avatar_url is not None:
        url = clean_text(avatar_url, E.INVALID, "avatarUrl", max_length=500)
        if url and not url.startswith("https://"):
            raise DomainError(E.INVALID, "Avatar URLs must use https.", "avatarUrl")
        user.avatar_url = url
    if locale is not None:
        user.locale = clean_text(locale, E.INVALID, "locale", max_length=16, required=True)  # type: ignore[assignment]
    if preferences is not None:
        user.preferences = json_object(preferences, "preferences", max_chars=4000)
    await uow.session.flush()
    return user


async def _profile_editor(
    uow: UnitOfWork, actor: Actor, user_id: uuid.UUID, role: Role
) -> tuple[User, bool]:
    """The user whose ``role`` profile is edited, and whether the actor edits it as an admin
    (anyone else but the user themself is refused)."""
    user = await get_visible_user(uow, actor, user_id)
    if user.role != role.value:
        article = "an" if role is Role.INSTRUCTOR else "a"
        raise DomainError(E.INVALID_ROLE, f"This user is not {article} {role.value}.", "userId")
    is_admin = actor.role in (Role.SCHOOL_ADMIN, Role.PLATFORM_ADMIN) and actor.has(
        Scope.USERS_MANAGE
    )
    if actor.user_id != user.id and not is_admin:
        raise Forbidden()
    return user, is_admin


async def update_student_profile(
    uow: UnitOfWork, actor: Actor, user_id: uuid.UUID, changes: dict[str, Any]
) -> StudentProfile:
    """The student edits their own profile; a school admin may edit any of their students'."""
    user, _ = await _profile_editor(uow, actor, user_id, Role.STUDENT)
    profile = await uow.session.get(StudentProfile, user.id, with_for_update=True)
    if profile is None:  # pragma: no cover - created with every student
        raise DomainError(E.NOT_FOUND, "No such student.", "userId")
    for key, allowed in STUDENT_PROFILE_FIELDS.items():
        if changes.get(key) is not None and changes[key] not in allowed:
            raise DomainError(
                E.INVALID, f"{_camel(key)} must be one of {', '.join(allowed)}.", _camel(key)
            )
    texts = {"medical_notes": 2000, "emergency_contact": 300, "goals": 2000}
    for key, value in changes.items():
        if value is None:
            continue
        if key in texts:
            value = clean_text(value, E.INVALID, _camel(key), max_length=texts[key])
        if key == "preferred_areas":
            value = [
                clean_text(v, E.INVALID, "preferredAreas", max_length=100, required=True)
                for v in value
            ][:20]
        if key == "practical_test_date" and value.year < 2000:
            raise DomainError(E.INVALID, "That date is not plausible.", "practicalTestDate")
        if key == "theory_test_passed_on" and not date(2000, 1, 1) <= value <= now().date():
            raise DomainError(E.INVALID, "That date is not plausible.", "theoryTestPassedOn")
        setattr(profile, key, value)
    if changes.get("theory_test_passed") is False:
        profile.theory_test_passed_on = None
    await uow.session.flush()
    return profile


INSTRUCTOR_SELF_FIELDS = {
    "bio",
    "vehicle",
    "areas_covered",
    "specialisations",
    "certifications",
    "licence_number",
}
INSTRUCTOR_ADMIN_FIELDS = INSTRUCTOR_SELF_FIELDS | {
    "hourly_rate_minor",
    "max_students",
    "max_hours_per_week",
    "buffer_minutes",
}


async def update_instructor_profile(
    uow: UnitOfWork, actor: Actor, user_id: uuid.UUID, changes: dict[str, Any]
) -> InstructorProfile:
    user, is_admin = await _profile_editor(uow, actor, user_id, Role.INSTRUCTOR)
    allowed = INSTRUCTOR_ADMIN_FIELDS if is_admin else INSTRUCTOR_SELF_FIELDS
    profile = await uow.session.get(InstructorProfile, user.id, with_for_update=True)
    if profile is None:  # pragma: no cover
        raise DomainError(E.NOT_FOUND, "No such instructor.", "userId")
    ranges = {
        "hourly_rate_minor": (0, 10_000_000),
        "max_students": (0, 500),
        "max_hours_per_week": (0, 80),
        "buffer_minutes": (0, 120),
    }
    for key, value in changes.items():
        if value is None:
            continue
        field = _camel(key)
        if key not in allowed:
            raise Forbidden(f"Only a school admin can change {field}.")
        if key in ranges:
            require_range(value, *ranges[key], E.INVALID, field)
        if key == "specialisations":
            unknown = set(value) - set(SPECIALISATIONS)
            if unknown:
                raise DomainError(
                    E.INVALID, f"Unknown specialisation: {', '.join(sorted(unknown))}.", field
                )
            value = list(dict.fromkeys(value))
        if key == "licence_number":
            value = clean_text(value, E.INVALID, field, max_length=50)
        if key == "bio":
            value = clean_text(value, E.INVALID, field, max_length=4000)
        if key == "vehicle":
            value = json_object(value, field, max_chars=2000)
        if key in ("areas_covered", "certifications"):
            value = [clean_text(v, E.INVALID, field, max_length=100, required=True) for v in value][
                :50
            ]
        setattr(profile, key, value)
    if "max_students" in changes and changes["max_students"] is not None:
        active = await uow.session.scalar(
            select(InstructorAssignment.id)
            .where(
                InstructorAssignment.instructor_id == user.id,
                InstructorAssignment.status == "active",
            )
            .offset(changes["max_students"])
            .limit(1)
        )
        if active is not None:
            raise DomainError(
                E.CONFLICT, "The instructor already has more students than that.", "maxStudents"
            )
    uow.audit(
        actor,
        "instructor.profile_updated",
        entity_type="User",
        entity_id=user.id,
        school_id=user.school_id,
        after={k: str(v) for k, v in changes.items() if v is not None},
    )
    await uow.session.flush()
    return profile


async def update_admin_permissions(
    uow: UnitOfWork, actor: Actor, user_id: uuid.UUID, flags: dict[str, bool | None]
) -> AdminProfile:
    user = await get_managed_user(uow, actor, user_id)
    if user.role != "school_admin":
        raise DomainError(E.INVALID_ROLE, "This user is not a school admin.", "userId")
    profile = await uow.session.get(AdminProfile, user.id, with_for_update=True)
    if profile is None:  # pragma: no cover
        raise DomainError(E.NOT_FOUND, "No such admin.", "userId")
    before = {flag: getattr(profile, flag) for flag in ADMIN_FLAG_SCOPES}
    for flag, value in flags.items():
        if value is None:
            continue
        if flag not in ADMIN_FLAG_SCOPES:
            raise DomainError(E.INVALID, f"Unknown permission {flag}.", flag)
        if value and not actor.has(ADMIN_FLAG_SCOPES[flag]):
            raise Forbidden("You cannot grant a permission you do not hold.")
        setattr(profile, flag, value)
    uow.audit(
        actor,
        "admin.permissions_changed",
        entity_type="User",
        entity_id=user.id,
        school_id=user.school_id,
        before=before,
        after={flag: getattr(profile, flag) for flag in ADMIN_FLAG_SCOPES},
    )
    await uow.session.flush()
    return profile
