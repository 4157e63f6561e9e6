"""Following a post, and telling its followers about new replies.

When a reply becomes visible (published at once, or approved), every follower who may
still read the post — except the reply's author — gets an email through the
notification sender (template ``community.new_reply``) and one outbox event
(``community.followed_post.replied``) keyed to each of them, for the in-app
notifications of SPEC §6. Followers who left the school, were suspended, or can no
longer read the forum are skipped.
"""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, and_, delete, false, or_, select, true
from sqlalchemy.dialects.postgresql import insert

from models.accounts import AdminProfile, User
from models.community import (
    CommunityForum,
    CommunityForumModerator,
    CommunityPost,
    CommunityPostFollower,
    CommunityReply,
)
from services.actor import Actor
from services.community import events
from services.community.posts import visible_post
from services.notifications import Message
from services.uow import UnitOfWork
from subscriptions.envelope import user_key

EXCERPT_CHARS = 300


async def follow(uow: UnitOfWork, actor: Actor, post_id: uuid.UUID) -> CommunityPost:
    post = await visible_post(uow, actor, post_id)
    await uow.session.execute(
        insert(CommunityPostFollower)
        .values(post_id=post.id, user_id=actor.user_id, school_id=post.school_id)
        .on_conflict_do_nothing()
    )
    return post


async def unfollow(uow: UnitOfWork, actor: Actor, post_id: uuid.UUID) -> CommunityPost:
    post = await visible_post(uow, actor, post_id)
    await uow.session.execute(
        delete(CommunityPostFollower).where(
            CommunityPostFollower.post_id == post.id,
            CommunityPostFollower.user_id == actor.user_id,
        )
    )
    return post


def _open_to_readers(post: CommunityPost, forum: CommunityForum) -> bool:
    return forum.is_active and post.status == "published" and post.deleted_at is None


def _still_reads_closed_thread(post: CommunityPost, forum: CommunityForum) -> ColumnElement[bool]:
    """Over ``users``: who reads a hidden thread or a closed forum (``access`` rules): the
    forum's moderators, and the post's author while the forum is open."""
    moderators = or_(
        User.role == "platform_admin",
        User.id.in_(
            select(CommunityForumModerator.user_id).where(
                CommunityForumModerator.forum_id == forum.id
            )
        ),
        false()
        if forum.school_id is None
        else User.id.in_(
            select(AdminProfile.user_id).where(
                AdminProfile.school_id == forum.school_id, AdminProfile.can_moderate_community
            )
        ),
    )
    if forum.is_active and post.deleted_at is None:
        return or_(moderators, User.id == post.author_id)
    return moderators


async def notify_followers(
    uow: UnitOfWork, post: CommunityPost, reply: CommunityReply, forum: CommunityForum
) -> int:
    """Tell the post's followers about ``reply`` (already visible); returns how many.

    A moderator may approve a reply after its thread was hidden or its forum closed: then
    only those who still read the thread (its moderators, and the post's author while the
    forum is open) are told, so an email never carries what the reader cannot see."""
    may_read = and_(
        User.deleted_at.is_(None),
        User.status == "active",
        User.id != reply.author_id,
        true()
        if forum.school_id is None
        else or_(User.school_id == forum.school_id, User.role == "platform_admin"),
        true()
        if forum.is_public
        else or_(
            User.role != "student",
            User.id.in_(
                select(CommunityForumModerator.user_id).where(
                    CommunityForumModerator.forum_id == forum.id
                )
            ),
        ),
        true() if _open_to_readers(post, forum) else _still_reads_closed_thread(post, forum),
    )
    followers = list(
        await uow.session.execute(
            select(User.id, User.email, User.first_name, User.school_id)
            .join(CommunityPostFollower, CommunityPostFollower.user_id == User.id)
            .where(CommunityPostFollower.post_id == post.id, may_read)
            .order_by(User.id)
        )
    )
    if not followers:
        return 0
    excerpt = reply.body[:EXCERPT_CHARS] + ("…" if len(reply.body) > EXCERPT_CHARS else "")
    data = {"post_id": str(post.id), "reply_id": str(reply.id), "forum_id": str(forum.id)}
    for user_id, email, first_name, school_id in followers:
        await uow.deps.sender.send(
            uow.session,
            Message(
                channel="email",
                recipient=email,
                template="community.new_reply",
                subject=f"New reply: {post.title}",
                body=f"Hello {first_name},\n\nThere is a new reply to “{post.title}”:\n\n"
                f"{excerpt}\n\nOpen the community to read the thread.",
                user_id=user_id,
                school_id=school_id,
                data=data,
            ),
        )
    uow.emit(
        events.FOLLOWED_POST_REPLIED,
        entity_type="CommunityReply",
        entity_id=reply.id,
        school_id=reply.school_id,
        keys=[user_key(user_id) for user_id, *_ in followers],
        data=data,
    )
    return len(followers)
