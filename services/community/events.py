"""The community's outbox events and the channel keys that route them.

Keys are chosen so that what awaits moderation never reaches anyone else's feed:

    community-post:<post>              visible replies of a post (replyAdded)
    community-post-moderation:<post>   its replies awaiting approval (moderators' replyAdded)
    community-forum:<forum>            visible activity of a forum (forumActivity)
    community-forum-moderation:<forum> its posts and replies awaiting approval (moderators)
    user:<id>                          a follower's new-reply notice, a badge awarded

Forum keys name one forum, so a school-private forum's events are routed only to
subscribers who were allowed to subscribe to that forum; every event is still re-read
and re-authorised for its subscriber before it is delivered.
"""

from __future__ import annotations

import uuid

from models.community import CommunityPost, CommunityReply
from services.uow import UnitOfWork

POST_ADDED = "community.post.added"
POST_PENDING = "community.post.pending"
POST_UPDATED = "community.post.updated"
REPLY_ADDED = "community.reply.added"
REPLY_PENDING = "community.reply.pending"
REPLY_UPDATED = "community.reply.updated"
FOLLOWED_POST_REPLIED = "community.followed_post.replied"
BADGE_AWARDED = "community.badge.awarded"

REPLY_EVENTS = frozenset({REPLY_ADDED, REPLY_PENDING, REPLY_UPDATED})
POST_EVENTS = frozenset({POST_ADDED, POST_PENDING, POST_UPDATED})
PENDING_EVENTS = frozenset({POST_PENDING, REPLY_PENDING})


def post_key(post_id: uuid.UUID) -> str:
    return f"community-post:{post_id}"


def post_moderation_key(post_id: uuid.UUID) -> str:
    return f"community-post-moderation:{post_id}"


def forum_key(forum_id: uuid.UUID) -> str:
    return f"community-forum:{forum_id}"


def forum_moderation_key(forum_id: uuid.UUID) -> str:
    return f"community-forum-moderation:{forum_id}"


def reply_keys(post_id: uuid.UUID, *, moderator: bool) -> set[str]:
    """What a replyAdded subscriber listens to."""
    keys = {post_key(post_id)}
    if moderator:
        keys.add(post_moderation_key(post_id))
    return keys


def forum_keys(forum_id: uuid.UUID, *, moderator: bool) -> set[str]:
    """What a forumActivity subscriber listens to."""
    keys = {forum_key(forum_id)}
    if moderator:
        keys.add(forum_moderation_key(forum_id))
    return keys


def emit_post(uow: UnitOfWork, post: CommunityPost, event_type: str) -> None:
    # Moderators listen to both keys; everyone else only to the forum's public one.
    keys = [
        forum_moderation_key(post.forum_id)
        if event_type == POST_PENDING
        else forum_key(post.forum_id)
    ]
    uow.emit(
        event_type,
        entity_type="CommunityPost",
        entity_id=post.id,
        school_id=post.school_id,
        keys=keys,
        data={"post_id": str(post.id), "forum_id": str(post.forum_id)},
    )


def emit_reply(uow: UnitOfWork, reply: CommunityReply, event_type: str) -> None:
    if event_type == REPLY_PENDING:
        keys = [post_moderation_key(reply.post_id), forum_moderation_key(reply.forum_id)]
    elif event_type == REPLY_ADDED:
        keys = [post_key(reply.post_id), forum_key(reply.forum_id)]
    else:
        keys = [post_key(reply.post_id)]
    uow.emit(
        event_type,
        entity_type="CommunityReply",
        entity_id=reply.id,
        school_id=reply.school_id,
        keys=keys,
        data={"post_id": str(reply.post_id), "forum_id": str(reply.forum_id)},
    )
