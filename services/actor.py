"""Who is acting: the authenticated user, their role, school and scopes.

Authorisation is declared at the GraphQL field (permission classes check scopes)
and enforced again here, in services, for row-level rules: tenant, ownership,
assignment. Every service takes an explicit ``actor``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from services.errors import Forbidden, NotAuthenticated


class Role(StrEnum):
    PLATFORM_ADMIN = "platform_admin"
    SCHOOL_ADMIN = "school_admin"
    INSTRUCTOR = "instructor"
    STUDENT = "student"


class Scope(StrEnum):
    """What a role (and, for school admins, a permission flag) lets an actor do."""

    PLATFORM_MANAGE = "platform:manage"
    SCHOOL_MANAGE = "school:manage"
    USERS_MANAGE = "users:manage"
    ASSIGNMENTS_MANAGE = "assignments:manage"
    PACKAGES_MANAGE = "packages:manage"
    COMMUNITY_MODERATE = "community:moderate"
    FINANCES_MANAGE = "finances:manage"
    USERS_READ = "users:read"
    AUDIT_READ = "audit:read"


ADMIN_FLAG_SCOPES = {
    "can_manage_users": Scope.USERS_MANAGE,
    "can_assign_instructors": Scope.ASSIGNMENTS_MANAGE,
    "can_manage_packages": Scope.PACKAGES_MANAGE,
    "can_moderate_community": Scope.COMMUNITY_MODERATE,
    "can_manage_finances": Scope.FINANCES_MANAGE,
}


def scopes_for(role: Role, admin_flags: dict[str, bool] | None = None) -> frozenset[Scope]:
    if role is Role.PLATFORM_ADMIN:
        return frozenset(Scope)
    if role is Role.SCHOOL_ADMIN:
        granted = {Scope.SCHOOL_MANAGE, Scope.USERS_READ, Scope.AUDIT_READ}
        for flag, scope in ADMIN_FLAG_SCOPES.items():
            if (admin_flags or {}).get(flag, False):
                granted.add(scope)
        return frozenset(granted)
    if role is Role.INSTRUCTOR:
        return frozenset({Scope.USERS_READ})
    return frozenset()


@dataclass(frozen=True)
class Actor:
    user_id: uuid.UUID
    school_id: uuid.UUID | None
    role: Role
    scopes: frozenset[Scope]
    session_id: uuid.UUID | None = None
    client_address: str | None = None
    active: bool = True
    expires_at: datetime | None = None

    @property
    def is_platform_admin(self) -> bool:
        return self.role is Role.PLATFORM_ADMIN

    @property
    def is_school_admin(self) -> bool:
        return self.role is Role.SCHOOL_ADMIN

    def has(self, scope: Scope) -> bool:
        return scope in self.scopes

    def require(self, scope: Scope) -> None:
        if scope not in self.scopes:
            raise Forbidden()

    def can_see_school(self, school_id: uuid.UUID | None) -> bool:
        """Tenancy: platform admins see every school; everyone else only their own."""
        return self.is_platform_admin or (school_id is not None and school_id == self.school_id)

    def require_active(self) -> None:
        if not self.active:
            raise Forbidden("Your account is not active yet.")


def require_actor(actor: Actor | None) -> Actor:
    if actor is None:
        raise NotAuthenticated()
    return actor
