"""Thin mutation resolvers: arguments in, one unit of work, the changed model out."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from models.community import CommunityForum, CommunityInteraction, CommunityPost, CommunityReply
from resolvers.context import Info
from services.actor import Actor
from services.community import follows, forums, interactions, moderation, posts, replies
from services.community.interactions import Content, Target
from services.uow import UnitOfWork

T = TypeVar("T")


async def _run(info: Info, work: Callable[[UnitOfWork, Actor], Awaitable[T]]) -> T:
    actor = info.context.require_actor()
    async with info.context.unit_of_work() as uow:
        return await work(uow, actor)


async def create_forum(info: Info, **fields: Any) -> CommunityForum:
    return await _run(info, lambda uow, actor: forums.create_forum(uow, actor, **fields))


async def update_forum(
    info: Info, forum_id: uuid.UUID, changes: dict[str, Any], active: bool | None
) -> CommunityForum:
    async def work(uow: UnitOfWork, actor: Actor) -> CommunityForum:
        forum = await forums.update_forum(uow, actor, forum_id, changes)
        if active is not None and active != forum.is_active:
            forum = await forums.set_active(uow, actor, forum_id, active)
        return forum

    return await _run(info, work)


async def set_forum_moderators(
    info: Info, forum_id: uuid.UUID, user_ids: list[uuid.UUID]
) -> CommunityForum:
    return await _run(
        info, lambda uow, actor: forums.set_moderators(uow, actor, forum_id, user_ids)
    )


async def create_post(info: Info, **fields: Any) -> CommunityPost:
    return await _run(info, lambda uow, actor: posts.create_post(uow, actor, **fields))


async def update_post(info: Info, post_id: uuid.UUID, changes: dict[str, Any]) -> CommunityPost:
    return await _run(info, lambda uow, actor: posts.update_post(uow, actor, post_id, changes))


async def delete_post(info: Info, post_id: uuid.UUID) -> CommunityPost:
    return await _run(info, lambda uow, actor: posts.delete_post(uow, actor, post_id))


async def view_post(info: Info, post_id: uuid.UUID) -> CommunityPost:
    return await _run(info, lambda uow, actor: posts.view_post(uow, actor, post_id))


async def create_reply(info: Info, **fields: Any) -> CommunityReply:
    return await _run(info, lambda uow, actor: replies.create_reply(uow, actor, **fields))


async def update_reply(info: Info, reply_id: uuid.UUID, changes: dict[str, Any]) -> CommunityReply:
    return await _run(info, lambda uow, actor: replies.update_reply(uow, actor, reply_id, changes))


async def delete_reply(info: Info, reply_id: uuid.UUID) -> CommunityReply:
    return await _run(info, lambda uow, actor: replies.delete_reply(uow, actor, reply_id))


async def mark_solution(info: Info, reply_id: uuid.UUID) -> CommunityReply:
    return await _run(info, lambda uow, actor: replies.mark_solution(uow, actor, reply_id))


async def unmark_solution(info: Info, post_id: uuid.UUID) -> CommunityPost:
    return await _run(info, lambda uow, actor: replies.unmark_solution(uow, actor, post_id))


async def vote(info: Info, target: Target, kind: str | None) -> Content:
    return await _run(info, lambda uow, actor: interactions.vote(uow, actor, target, kind))


async def set_bookmark(info: Info, target: Target, on: bool) -> Content:
    return await _run(info, lambda uow, actor: interactions.set_bookmark(uow, actor, target, on))


async def report(
    info: Info, target: Target, reason: str, details: str | None
) -> CommunityInteraction:
    return await _run(
        info, lambda uow, actor: interactions.report(uow, actor, target, reason, details)
    )


async def follow(info: Info, post_id: uuid.UUID, on: bool) -> CommunityPost:
    if on:
        return await _run(info, lambda uow, actor: follows.follow(uow, actor, post_id))
    return await _run(info, lambda uow, actor: follows.unfollow(uow, actor, post_id))


async def approve(info: Info, target: Target) -> Content:
    return await _run(info, lambda uow, actor: moderation.approve(uow, actor, target))


async def reject(info: Info, target: Target, note: str | None) -> Content:
    return await _run(info, lambda uow, actor: moderation.reject(uow, actor, target, note))


async def hide(info: Info, target: Target, note: str | None) -> Content:
    return await _run(info, lambda uow, actor: moderation.hide(uow, actor, target, note))


async def restore(info: Info, target: Target) -> Content:
    return await _run(info, lambda uow, actor: moderation.restore(uow, actor, target))


async def set_locked(info: Info, post_id: uuid.UUID, locked: bool) -> CommunityPost:
    return await _run(info, lambda uow, actor: moderation.set_locked(uow, actor, post_id, locked))


async def set_pinned(info: Info, post_id: uuid.UUID, pinned: bool) -> CommunityPost:
    return await _run(info, lambda uow, actor: moderation.set_pinned(uow, actor, post_id, pinned))


async def resolve_report(info: Info, report_id: uuid.UUID, resolution: str) -> CommunityInteraction:
    return await _run(
        info, lambda uow, actor: moderation.resolve_report(uow, actor, report_id, resolution)
    )
