"""The community's live feeds: replies of a post, activity of a forum.

Each subscriber listens only to the channel keys of the one post or forum it was
allowed to subscribe to (moderators also to its moderation keys), and every event is
re-read through fresh loaders — which apply the subscriber's visibility — and, when it
awaits moderation, re-checked against the subscriber's moderator rights, before it is
yielded. So a pending reply reaches moderators only, and another school's forum
reaches nobody outside it, even if the keys were shared.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

from models.community import CommunityPost, CommunityReply
from resolvers.community.loaders import (
    ForumByIdLoader,
    ModeratesForumLoader,
    PostByIdLoader,
    ReplyByIdLoader,
)
from resolvers.context import Context, Info
from services.community import events
from services.community.errors import E
from services.errors import DomainError
from subscriptions.feeds import follow


async def _may_see(context: Context, event_type: str, forum_id: uuid.UUID) -> bool:
    if event_type not in events.PENDING_EVENTS:
        return True
    return await context.loaders[ModeratesForumLoader].load(forum_id)


async def reply_events(
    info: Info, post_id: uuid.UUID, after: int | None
) -> AsyncIterator[tuple[int, str, CommunityReply]]:
    """(event id, event type, reply) for replies added to or changed in one post."""
    context = info.context
    context.require_actor()
    context.fresh_loaders_for_event()
    post = await context.loaders[PostByIdLoader].load(post_id)
    if post is None:
        raise DomainError(E.POST_NOT_FOUND, "No such post.", "postId")
    moderator = await context.loaders[ModeratesForumLoader].load(post.forum_id)
    keys = events.reply_keys(post.id, moderator=moderator)
    async for envelope in follow(context.state.hub, context.state.db, keys, after):
        if envelope.type not in events.REPLY_EVENTS:
            continue
        context.fresh_loaders_for_event()
        reply = await context.loaders[ReplyByIdLoader].load(envelope.entity_id)
        if reply is None or reply.post_id != post_id:
            continue
        if not await _may_see(context, envelope.type, reply.forum_id):
            continue
        yield envelope.id, envelope.type, reply


async def forum_events(
    info: Info, forum_id: uuid.UUID, after: int | None
) -> AsyncIterator[tuple[int, str, CommunityPost, CommunityReply | None]]:
    """(event id, event type, post, reply) for posts and replies added to one forum."""
    context = info.context
    context.require_actor()
    context.fresh_loaders_for_event()
    forum = await context.loaders[ForumByIdLoader].load(forum_id)
    if forum is None:
        raise DomainError(E.FORUM_NOT_FOUND, "No such forum.", "forumId")
    moderator = await context.loaders[ModeratesForumLoader].load(forum.id)
    keys = events.forum_keys(forum.id, moderator=moderator)
    async for envelope in follow(context.state.hub, context.state.db, keys, after):
        if envelope.type not in events.POST_EVENTS | {events.REPLY_ADDED, events.REPLY_PENDING}:
            continue
        context.fresh_loaders_for_event()
        reply: CommunityReply | None = None
        post_id = envelope.entity_id
        if envelope.entity_type == "CommunityReply":
            reply = await context.loaders[ReplyByIdLoader].load(envelope.entity_id)
            if reply is None:
                continue
            post_id = reply.post_id
        post = await context.loaders[PostByIdLoader].load(post_id)
        if post is None or post.forum_id != forum_id:
            continue
        if not await _may_see(context, envelope.type, forum_id):
            continue
        yield envelope.id, envelope.type, post, reply
