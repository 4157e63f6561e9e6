"""Calendar feeds: the actor's feed and the mutations that create, rotate and revoke it."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from models.calendar import CalendarFeed
from resolvers.context import Info
from services import calendar


async def my_feed(info: Info) -> CalendarFeed | None:
    actor = info.context.require_actor()
    async with info.context.state.db.session() as session:
        return await session.scalar(
            select(CalendarFeed).where(
                CalendarFeed.user_id == actor.user_id, CalendarFeed.revoked_at.is_(None)
            )
        )


async def feed_node(info: Info, feed_id: uuid.UUID) -> CalendarFeed | None:
    """A feed by id: only its owner ever sees it."""
    actor = info.context.actor
    if actor is None:
        return None
    async with info.context.state.db.session() as session:
        return await session.scalar(
            select(CalendarFeed).where(
                CalendarFeed.id == feed_id, CalendarFeed.user_id == actor.user_id
            )
        )


async def create_feed(info: Info, *, rotate: bool) -> tuple[CalendarFeed, str]:
    actor = info.context.require_actor()
    async with info.context.unit_of_work() as uow:
        return await calendar.create_feed(uow, actor, rotate=rotate)


async def revoke_feed(info: Info, feed_id: uuid.UUID) -> CalendarFeed:
    actor = info.context.require_actor()
    async with info.context.unit_of_work() as uow:
        return await calendar.revoke_feed(uow, actor, feed_id)


def feed_url(info: Info, token: str) -> str:
    return info.context.state.deps.public_url.rstrip("/") + calendar.feed_path(token)
