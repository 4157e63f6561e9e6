"""Posts: questions, discussions, tips and announcements.

A post in a forum that requires approval waits (``pending``) until a moderator approves
it, unless its author moderates the forum. Announcements — and every post in an
``announcements`` forum — are for moderators. The author follows their own post, so
they hear of replies. Authors may edit a post until it is locked or hidden, and delete
it (soft delete: it disappears, replies included). A view is counted once per reader,
post and UTC day, through ``view_post`` (clients call it when a reader opens a thread).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from models.community import (
    POST_TYPES,
    CommunityForum,
    CommunityPost,
    CommunityPostFollower,
    CommunityPostView,
)
from services.actor import Actor
from services.community import access, content, counters, events, reputation
from services.community.errors import E
from services.errors import DomainError, Forbidden
from services.uow import UnitOfWork


def now() -> datetime:
    return datetime.now(UTC)


async def readable_forum(uow: UnitOfWork, actor: Actor, forum_id: uuid.UUID) -> CommunityForum:
    actor.require_active()
    forum = await uow.session.scalar(
        select(CommunityForum).where(CommunityForum.id == forum_id, access.readable_forum(actor))
    )
    if forum is None:
        raise DomainError(E.FORUM_NOT_FOUND, "No such forum.", "forumId")
    return forum


async def visible_post(
    uow: UnitOfWork, actor: Actor, post_id: uuid.UUID, *, lock: bool = False, field: str = "postId"
) -> CommunityPost:
    """A post ``actor`` may see, optionally locked (``FOR NO KEY UPDATE``: replies being
    inserted meanwhile only need its key)."""
    actor.require_active()
    stmt = select(CommunityPost).where(CommunityPost.id == post_id, access.visible_posts(actor))
    if lock:
        stmt = stmt.with_for_update(of=CommunityPost, key_share=True)
    post = await uow.session.scalar(stmt)
    if post is None:
        raise DomainError(E.POST_NOT_FOUND, "No such post.", field)
    return post


def _check_type(post_type: str, forum: CommunityForum, moderator: bool) -> None:
    if post_type not in POST_TYPES:
        raise DomainError(E.INVALID, "Unknown post type.", "postType")
    if (post_type == "announcement" or forum.forum_type == "announcements") and not moderator:
        raise Forbidden("Only moderators post announcements.")


async def create_post(
    uow: UnitOfWork,
    actor: Actor,
    *,
    forum_id: uuid.UUID,
    post_type: str,
    title: str,
    body: str,
    tags: list[str] | None,
    attachments: list[str] | None,
) -> CommunityPost:
    forum = await readable_forum(uow, actor, forum_id)
    moderator = await access.is_moderator(uow, actor, forum.id)
    if not forum.is_active:
        raise DomainError(E.FORUM_INACTIVE, "This forum is closed.", "forumId")
    _check_type(post_type, forum, moderator)
    rendered = content.body(body, max_length=content.POST_BODY_MAX)
    published = moderator or not forum.requires_approval
    post = CommunityPost(
        forum_id=forum.id,
        school_id=forum.school_id,
        author_id=actor.user_id,
        post_type=post_type,
        title=content.title(title),
        body=rendered.source,
        body_html=rendered.html,
        tags=content.tags(tags),
        attachments=content.attachments(attachments),
        status="published" if published else "pending",
        approved_at=now() if published else None,
    )
    uow.session.add(post)
    await uow.session.flush()
    uow.session.add(
        CommunityPostFollower(post_id=post.id, user_id=actor.user_id, school_id=post.school_id)
    )
    await uow.session.flush()
    if published:
        await on_published(uow, post)
    else:
        events.emit_post(uow, post, events.POST_PENDING)
    return post


async def on_published(uow: UnitOfWork, post: CommunityPost) -> None:
    """A post became visible (created in an open forum, or approved)."""
    events.emit_post(uow, post, events.POST_ADDED)
    await reputation.lock_members(uow, [post.author_id])
    await reputation.grant_badges(uow, post.author_id, ["first_post"])


async def update_post(
    uow: UnitOfWork, actor: Actor, post_id: uuid.UUID, changes: dict[str, Any]
) -> CommunityPost:
    """The author edits their post. Locked and hidden posts cannot be edited."""
    post = await visible_post(uow, actor, post_id, lock=True)
    if post.author_id != actor.user_id:
        raise Forbidden("Only the author may edit a post.")
    if post.locked_at is not None:
        raise DomainError(E.POST_LOCKED, "This thread is locked.", "postId")
    if post.status == "hidden":
        raise DomainError(E.WRONG_STATE, "A hidden post cannot be edited.", "postId")
    if changes.get("post_type") is not None:
        forum = await uow.session.get(CommunityForum, post.forum_id)
        assert forum is not None
        _check_type(changes["post_type"], forum, await access.is_moderator(uow, actor, forum.id))
        post.post_type = changes["post_type"]
    if changes.get("title") is not None:
        post.title = content.title(changes["title"])
    if changes.get("body") is not None:
        rendered = content.body(changes["body"], max_length=content.POST_BODY_MAX)
        post.body, post.body_html = rendered.source, rendered.html
    if changes.get("tags") is not None:
        post.tags = content.tags(changes["tags"])
    if changes.get("attachments") is not None:
        post.attachments = content.attachments(changes["attachments"])
    post.edited_at = now()
    await uow.session.flush()
    events.emit_post(uow, post, events.POST_UPDATED)
    return post


async def delete_post(uow: UnitOfWork, actor: Actor, post_id: uuid.UUID) -> CommunityPost:
    """The author removes their post (kept, marked deleted). Moderators hide instead."""
    post = await visible_post(uow, actor, post_id, lock=True)
    if post.author_id != actor.user_id:
        raise Forbidden("Only the author may delete a post; moderators hide it.")
    post.deleted_at = now()
    await uow.session.flush()
    events.emit_post(uow, post, events.POST_UPDATED)
    return post


async def view_post(uow: UnitOfWork, actor: Actor, post_id: uuid.UUID) -> CommunityPost:
    """Count a view: once per reader, post and UTC day, whatever the refresh rate."""
    post = await visible_post(uow, actor, post_id)
    if post.status != "published":
        return post
    counted = await uow.session.scalar(
        insert(CommunityPostView)
        .values(post_id=post.id, user_id=actor.user_id, viewed_on=now().date())
        .on_conflict_do_nothing()
        .returning(CommunityPostView.post_id)
    )
    if counted is not None:
        await counters.bump(uow, post, view_count=1)
    return post
