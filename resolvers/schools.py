"""Schools and platform settings: loaders and thin resolvers."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.schools import PlatformSetting, School
from resolvers.context import Info
from resolvers.loaders import SessionLoader
from resolvers.pagination import Page, paginate
from services import schools
from services.actor import Scope
from services.errors import Forbidden


class SchoolByIdLoader(SessionLoader[uuid.UUID, School | None]):
    """Schools the actor belongs to (platform admins: all)."""

    async def load_batch(self, session: AsyncSession, keys: list[uuid.UUID]) -> list[School | None]:
        actor = self.actor
        visible = [k for k in keys if actor is not None and actor.can_see_school(k)]
        if not visible:
            return [None] * len(keys)
        rows = await session.scalars(select(School).where(School.id.in_(visible)))
        found = {row.id: row for row in rows}
        return [found.get(key) for key in keys]


async def school(info: Info, school_id: uuid.UUID) -> School | None:
    info.context.require_actor()
    return await info.context.loaders[SchoolByIdLoader].load(school_id)


async def my_school(info: Info) -> School | None:
    actor = info.context.require_actor()
    if actor.school_id is None:
        return None
    return await info.context.loaders[SchoolByIdLoader].load(actor.school_id)


async def school_by_slug(info: Info, slug: str) -> School | None:
    """Public: the registration form looks a school up by its slug."""
    slug = slug.strip().lower()
    if not schools.is_valid_slug(slug):
        return None  # no school has it; and the database need not see arbitrary bytes
    async with info.context.state.db.session() as session:
        return await session.scalar(
            select(School).where(School.slug == slug, School.is_active.is_(True))
        )


async def all_schools(info: Info, *, first: int, after: str | None) -> Page[School]:
    actor = info.context.require_actor()
    if not actor.has(Scope.PLATFORM_MANAGE):
        raise Forbidden()
    async with info.context.state.db.session() as session:
        return await paginate(
            session,
            select(School),
            sort=School.created_at,
            id_column=School.id,
            first=first,
            after=after,
            max_page_size=info.context.state.max_page_size,
        )


async def platform_settings(info: Info) -> list[PlatformSetting]:
    async with info.context.unit_of_work() as uow:
        return await schools.list_platform_settings(uow, info.context.actor)


async def create_school(info: Info, changes: dict[str, Any]) -> School:
    actor = info.context.require_actor()
    async with info.context.unit_of_work() as uow:
        return await schools.create_school(uow, actor, changes)


async def update_school(info: Info, school_id: uuid.UUID, changes: dict[str, Any]) -> School:
    actor = info.context.require_actor()
    async with info.context.unit_of_work() as uow:
        return await schools.update_school(uow, actor, school_id, changes)


async def set_platform_setting(info: Info, **fields: Any) -> PlatformSetting:
    actor = info.context.require_actor()
    async with info.context.unit_of_work() as uow:
        return await schools.set_platform_setting(uow, actor, **fields)
