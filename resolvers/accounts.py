"""Accounts and authentication: loaders and thin resolvers (arguments in, models out)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.accounts import AdminProfile, InstructorProfile, StudentProfile, User
from resolvers.context import Info
from resolvers.loaders import SessionLoader
from resolvers.pagination import Page, paginate
from services import accounts, auth
from services.actor import Actor, Role, Scope
from services.auth import IssuedTokens
from services.errors import Forbidden


class UserByIdLoader(SessionLoader[uuid.UUID, User | None]):
    """Users the actor may see; anyone else loads as None."""

    async def load_batch(self, session: AsyncSession, keys: list[uuid.UUID]) -> list[User | None]:
        if self.actor is None:
            return [None] * len(keys)
        rows = await session.scalars(
            select(User).where(User.id.in_(keys), accounts.visible_users(self.actor))
        )
        found = {row.id: row for row in rows}
        return [found.get(key) for key in keys]


class _ProfileLoader(SessionLoader[uuid.UUID, Any]):
    model: Any

    async def load_batch(self, session: AsyncSession, keys: list[uuid.UUID]) -> list[Any]:
        rows = await session.scalars(select(self.model).where(self.model.user_id.in_(keys)))
        found = {row.user_id: row for row in rows}
        return [found.get(key) for key in keys]


class StudentProfileByUserLoader(_ProfileLoader):
    model = StudentProfile


class InstructorProfileByUserLoader(_ProfileLoader):
    model = InstructorProfile


class AdminProfileByUserLoader(_ProfileLoader):
    model = AdminProfile


# -- queries -------------------------------------------------------------------------------------


async def me(info: Info) -> User | None:
    actor = info.context.actor
    if actor is None:
        return None
    return await info.context.loaders[UserByIdLoader].load(actor.user_id)


async def user(info: Info, user_id: uuid.UUID) -> User | None:
    info.context.require_actor()
    return await info.context.loaders[UserByIdLoader].load(user_id)


async def users(
    info: Info,
    *,
    first: int,
    after: str | None,
    role: Role | None,
    status: str | None,
    search: str | None,
    school_id: uuid.UUID | None,
) -> Page[User]:
    actor = info.context.require_actor()
    if not actor.has(Scope.USERS_READ):
        raise Forbidden()
    stmt = select(User).where(accounts.visible_users(actor))
    if school_id is not None:
        stmt = stmt.where(User.school_id == school_id)
    if role is not None:
        stmt = stmt.where(User.role == role.value)
    if status is not None:
        stmt = stmt.where(User.status == status)
    if search:
        pattern = (
            "%"
            + search.strip()[:100]
            .replace("\x00", "")
            .replace("\\", "\\\\")
            .replace("%", r"\%")
            .replace("_", r"\_")
            + "%"
        )
        stmt = stmt.where(
            or_(
                User.email.ilike(pattern),
                User.first_name.ilike(pattern),
                User.last_name.ilike(pattern),
            )
        )
    async with info.context.state.db.session() as session:
        page = await paginate(
            session,
            stmt,
            sort=User.created_at,
            id_column=User.id,
            first=first,
            after=after,
            max_page_size=info.context.state.max_page_size,
        )
    loader = info.context.loaders[UserByIdLoader]
    for _, row in page.items:
        loader.prime(row.id, row)
    return page


async def can_read_medical(info: Info, student: User) -> bool:
    from resolvers.assignments import AssignmentsByStudentLoader

    actor = info.context.actor
    if actor is None:
        return False
    if actor.user_id == student.id or actor.role is Role.SCHOOL_ADMIN:
        return accounts.can_read_medical(actor, student, set())
    visible = await info.context.loaders[AssignmentsByStudentLoader].load(student.id)
    return accounts.can_read_medical(actor, student, {a.instructor_id for a in visible})


# -- mutations -----------------------------------------------------------------------------------


async def register_student(info: Info, **fields: Any) -> User:
    async with info.context.unit_of_work() as uow:
        return await accounts.register_student(
            uow, client_address=info.context.client_address, **fields
        )


async def create_user(info: Info, **fields: Any) -> User:
    actor = info.context.require_actor()
    async with info.context.unit_of_work() as uow:
        return await accounts.create_user(uow, actor, **fields)


async def review_registration(
    info: Info, user_id: uuid.UUID, *, approve: bool, reason: str | None
) -> User:
    actor = info.context.require_actor()
    async with info.context.unit_of_work() as uow:
        return await accounts.review_registration(
            uow, actor, user_id, approve=approve, reason=reason
        )


async def suspend_user(info: Info, user_id: uuid.UUID, reason: str | None) -> User:
    actor = info.context.require_actor()
    async with info.context.unit_of_work() as uow:
        return await accounts.suspend_user(uow, actor, user_id, reason)


async def reinstate_user(info: Info, user_id: uuid.UUID) -> User:
    actor = info.context.require_actor()
    async with info.context.unit_of_work() as uow:
        return await accounts.reinstate_user(uow, actor, user_id)


async def delete_user(info: Info, user_id: uuid.UUID) -> User:
    actor = info.context.require_actor()
    async with info.context.unit_of_work() as uow:
        return await accounts.delete_user(uow, actor, user_id)


async def update_my_account(info: Info, **changes: Any) -> User:
    actor = info.context.require_actor()
    async with info.context.unit_of_work() as uow:
        return await accounts.update_account(uow, actor, **changes)


async def update_student_profile(
    info: Info, user_id: uuid.UUID, changes: dict[str, Any]
) -> StudentProfile:
    actor = info.context.require_actor()
    async with info.context.unit_of_work() as uow:
        return await accounts.update_student_profile(uow, actor, user_id, changes)


async def update_instructor_profile(
    info: Info, user_id: uuid.UUID, changes: dict[str, Any]
) -> InstructorProfile:
    actor = info.context.require_actor()
    async with info.context.unit_of_work() as uow:
        return await accounts.update_instructor_profile(uow, actor, user_id, changes)


async def update_admin_permissions(
    info: Info, user_id: uuid.UUID, flags: dict[str, bool | None]
) -> AdminProfile:
    actor = info.context.require_actor()
    async with info.context.unit_of_work() as uow:
        return await accounts.update_admin_permissions(uow, actor, user_id, flags)


async def login(info: Info, email: str, password: str) -> IssuedTokens:
    request = info.context.request
    user_agent = request.headers.get("user-agent") if hasattr(request, "headers") else None
    issued = await auth.login(
        info.context.unit_of_work,
        info.context.state.deps.passwords,
        email=email,
        password=password,
        client_address=info.context.client_address,
        user_agent=user_agent,
    )
    # The rest of the response (`tokens { user { … } }`) is resolved as the new session.
    info.context.actor = issued.actor
    return issued


async def refresh_token(info: Info, token: str) -> IssuedTokens:
    async with info.context.unit_of_work() as uow:
        issued = await auth.refresh(uow, token, info.context.client_address)
    info.context.actor = issued.actor
    return issued


async def logout(info: Info) -> Actor:
    actor = info.context.require_actor()
    async with info.context.unit_of_work() as uow:
        await auth.logout(uow, actor)
    return actor


async def logout_everywhere(info: Info) -> Actor:
    actor = info.context.require_actor()
    async with info.context.unit_of_work() as uow:
        await auth.logout_everywhere(uow, actor)
    return actor


async def request_email_verification(info: Info) -> None:
    actor = info.context.require_actor()
    async with info.context.unit_of_work() as uow:
        await auth.request_email_verification(uow, actor)


async def request_phone_verification(info: Info) -> None:
    actor = info.context.require_actor()
    async with info.context.unit_of_work() as uow:
        await auth.request_phone_verification(uow, actor)


async def verify_phone(info: Info, code: str) -> User:
    actor = info.context.require_actor()
    async with info.context.unit_of_work() as uow:
        return await auth.verify_phone(uow, actor, code)


async def verify_email(info: Info, token: str) -> User:
    async with info.context.unit_of_work() as uow:
        return await auth.verify_email(uow, token)


async def request_password_reset(info: Info, email: str) -> None:
    async with info.context.unit_of_work() as uow:
        await auth.request_password_reset(uow, email)


async def reset_password(info: Info, token: str, new_password: str) -> User:
    async with info.context.unit_of_work() as uow:
        return await auth.reset_password(uow, token, new_password)


async def change_password(info: Info, current: str, new_password: str) -> User:
    actor = info.context.require_actor()
    async with info.context.unit_of_work() as uow:
        return await auth.change_password(uow, actor, current, new_password)
