"""The community's live feeds: replies of a post, activity of a forum.

Each subscriber listens only to the channel keys of the one post or forum it was
allowed to subscribe to (moderators also to its moderation keys), and every event is
re-read through fresh loaders — which apply the subscriber's visibility — and, when it
awaits moderation, re-checked against the subscriber's moderator rights, before it is
yielded. So a pending reply reaches moderators only, and another school's forum
reaches nobody outside it, even if the keys were shared.

A reply event may fan out to thousands of subscribers of one post. Its rows (the reply,
its post, forum, named moderators and author) are read once per process for the
subscribers that take the event together (``EventSnapshots``), then every subscriber
re-authorises them in Python with the same rules as the SQL predicates
(``services.community.access``) and gets them primed into its fresh loaders: one read
per live event instead of one per subscriber.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

from sqlalchemy import select

from app.database import Database
from models.accounts import User
from models.community import CommunityForum, CommunityForumModerator, CommunityPost, CommunityReply
from resolvers.community.loaders import (
    AuthorByIdLoader,
    ForumByIdLoader,
    ModeratesForumLoader,
    PostByIdLoader,
    ReplyByIdLoader,
)
from resolvers.context import Context, Info
from services.community import access, events
from services.community.errors import E
from services.errors import DomainError
from subscriptions.feeds import follow


async def _may_see(context: Context, event_type: str, forum_id: uuid.UUID) -> bool:
    if event_type not in events.PENDING_EVENTS:
        return True
    return await context.loaders[ModeratesForumLoader].load(forum_id)


@dataclass(frozen=True)
class ReplySnapshot:
    """A reply event's rows as committed, before anyone's visibility is applied."""

    reply: CommunityReply | None
    post: CommunityPost | None
    forum: CommunityForum | None
    named_moderators: frozenset[uuid.UUID]
    author: User | None


class EventSnapshots:
    """Reads each reply event's rows once per process for all the subscribers that take
    the event together: the hub hands an event to every subscriber at once, and they all
    ask for it while the first read is in flight, so they share that read. Once it is done
    it is forgotten: a subscriber that takes the event later (replaying with ``after``, or
    after lagging) reads the rows as they are then, so a reply hidden or deleted meanwhile
    reaches it as the tombstone it has become, never as it was."""

    def __init__(self) -> None:
        self._loads: dict[int, asyncio.Future[ReplySnapshot]] = {}

    async def get(self, db: Database, event_id: int, reply_id: uuid.UUID) -> ReplySnapshot:
        future = self._loads.get(event_id)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self._loads[event_id] = future
            try:
                future.set_result(await self._read(db, reply_id))
            except BaseException as exc:
                future.set_exception(exc)
                raise
            finally:
                del self._loads[event_id]
        return await asyncio.shield(future)

    @staticmethod
    async def _read(db: Database, reply_id: uuid.UUID) -> ReplySnapshot:
        async with db.session() as session:
            reply = await session.get(CommunityReply, reply_id)
            if reply is None:
                return ReplySnapshot(None, None, None, frozenset(), None)
            post = await session.get(CommunityPost, reply.post_id)
            forum = await session.get(CommunityForum, reply.forum_id)
            named = frozenset(
                await session.scalars(
                    select(CommunityForumModerator.user_id).where(
                        CommunityForumModerator.forum_id == reply.forum_id
                    )
                )
            )
            author = await session.scalar(
                select(User).where(User.id == reply.author_id, User.deleted_at.is_(None))
            )
        return ReplySnapshot(reply, post, forum, named, author)


snapshots = EventSnapshots()


def _authorised(
    context: Context, snapshot: ReplySnapshot, event_type: str
) -> CommunityReply | None:
    """The snapshot's reply if this subscriber may see it now; its loaders are primed."""
    actor = context.actor
    reply, post, forum = snapshot.reply, snapshot.post, snapshot.forum
    if actor is None or reply is None or post is None or forum is None:
        return None
    moderator = access.moderates(actor, forum, named=actor.user_id in snapshot.named_moderators)
    if not (
        access.reads_forum(actor, forum, moderator=moderator)
        and access.sees_post(actor, post, moderator=moderator)
        and access.sees_reply(actor, reply, moderator=moderator)
    ):
        return None
    if event_type in events.PENDING_EVENTS and not moderator:
        return None
    loaders = context.loaders
    loaders[ReplyByIdLoader].prime(reply.id, reply)
    loaders[PostByIdLoader].prime(post.id, post)
    loaders[ForumByIdLoader].prime(forum.id, forum)
    loaders[ModeratesForumLoader].prime(forum.id, moderator)
    if snapshot.author is not None:
        loaders[AuthorByIdLoader].prime(snapshot.author.id, snapshot.author)
    return reply


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
        snapshot = await snapshots.get(context.state.db, envelope.id, envelope.entity_id)
        reply = _authorised(context, snapshot, envelope.type)
        if reply is None or reply.post_id != post_id:
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
