"""Who may read, post in and moderate a forum — as SQL predicates, so lists, loaders,
``node(id:)`` and subscriptions all filter inside their own queries.

* **Readers.** Only active accounts. A platform-wide forum (no school) is read by
  everyone; a school's forum only by that school's members. A forum that is not
  public is read by staff only (instructors and admins) plus its moderators. An
  inactive forum is read by its moderators only. Platform admins read everything.
* **Moderators** of a forum: platform admins; the users named its moderators; and,
  for a school's forum, that school's admins holding the "moderate community"
  permission (``Scope.COMMUNITY_MODERATE``).
* **Managers** (create a forum, change it, name its moderators): platform admins for
  platform-wide forums; for a school's forum, its school admins with the same
  permission, and platform admins.
* **Content.** Readers see published posts; a post's author also sees it while it is
  pending or hidden; moderators see everything of their forums. Deleted posts are
  gone for everyone. Replies follow their post; a pending reply is seen only by its
  author and moderators; hidden and deleted replies stay in the tree as tombstones
  whose content only moderators (hidden) or nobody (deleted) can read.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true
from sqlalchemy.sql import Select

from models.community import CommunityForum, CommunityForumModerator, CommunityPost, CommunityReply
from services.actor import Actor, Role, Scope
from services.errors import Forbidden
from services.uow import UnitOfWork

Forum = CommunityForum
Post = CommunityPost
Reply = CommunityReply


def is_staff(actor: Actor) -> bool:
    return actor.role is not Role.STUDENT


def _named_moderator(actor: Actor) -> ColumnElement[bool]:
    return exists().where(
        CommunityForumModerator.forum_id == Forum.id,
        CommunityForumModerator.user_id == actor.user_id,
    )


def moderates_forum(actor: Actor) -> ColumnElement[bool]:
    """Over ``community_forums``: the forums ``actor`` moderates."""
    if not actor.active:
        return false()
    if actor.is_platform_admin:
        return true()
    condition = _named_moderator(actor)
    if actor.has(Scope.COMMUNITY_MODERATE) and actor.school_id is not None:
        condition = or_(condition, Forum.school_id == actor.school_id)
    return condition


def readable_forum(actor: Actor) -> ColumnElement[bool]:
    """Over ``community_forums``: the forums ``actor`` may read."""
    if not actor.active:
        return false()
    if actor.is_platform_admin:
        return true()
    in_scope = or_(Forum.school_id.is_(None), Forum.school_id == actor.school_id)
    audience = true() if is_staff(actor) else Forum.is_public
    return and_(in_scope, or_(and_(Forum.is_active, audience), moderates_forum(actor)))


def manages_forum(actor: Actor) -> ColumnElement[bool]:
    """Over ``community_forums``: the forums whose settings ``actor`` may change."""
    if not actor.active:
        return false()
    if actor.is_platform_admin:
        return true()
    if actor.has(Scope.COMMUNITY_MODERATE) and actor.school_id is not None:
        return Forum.school_id == actor.school_id
    return false()


def readable_forum_ids(actor: Actor) -> Select[Any]:
    return select(Forum.id).where(readable_forum(actor))


def moderated_forum_ids(actor: Actor) -> Select[Any]:
    return select(Forum.id).where(moderates_forum(actor))


def visible_posts(actor: Actor) -> ColumnElement[bool]:
    """Over ``community_posts``: what ``actor`` may read."""
    if not actor.active:
        return false()
    return and_(
        Post.deleted_at.is_(None),
        Post.forum_id.in_(readable_forum_ids(actor)),
        or_(
            Post.status == "published",
            Post.author_id == actor.user_id,
            Post.forum_id.in_(moderated_forum_ids(actor)),
        ),
    )


def visible_replies(actor: Actor) -> ColumnElement[bool]:
    """Over ``community_replies``: the rows ``actor`` sees in a thread (tombstones included)."""
    if not actor.active:
        return false()
    return and_(
        Reply.post_id.in_(select(Post.id).where(visible_posts(actor))),
        or_(
            Reply.status != "pending",
            Reply.author_id == actor.user_id,
            Reply.forum_id.in_(moderated_forum_ids(actor)),
        ),
    )


async def is_moderator(uow: UnitOfWork, actor: Actor, forum_id: uuid.UUID) -> bool:
    found = await uow.session.scalar(
        select(Forum.id).where(Forum.id == forum_id, moderates_forum(actor))
    )
    return found is not None


async def require_moderator(uow: UnitOfWork, actor: Actor, forum_id: uuid.UUID) -> None:
    if not await is_moderator(uow, actor, forum_id):
        raise Forbidden("Only this forum's moderators may do this.")


def can_read_content(
    actor: Actor, *, status: str, author_id: uuid.UUID, deleted: bool, moderator: bool
) -> bool:
    """Whether ``actor`` may read a post's or reply's words (not just see its place)."""
    if deleted:
        return False
    return status == "published" or moderator or author_id == actor.user_id


# -- the same rules in Python, for rows already in hand (live events) -------------------------


def moderates(actor: Actor, forum: CommunityForum, *, named: bool) -> bool:
    """``moderates_forum`` for one forum row; ``named``: the actor is a named moderator."""
    if not actor.active:
        return False
    if actor.is_platform_admin or named:
        return True
    return (
        actor.has(Scope.COMMUNITY_MODERATE)
        and actor.school_id is not None
        and forum.school_id == actor.school_id
    )


def reads_forum(actor: Actor, forum: CommunityForum, *, moderator: bool) -> bool:
    """``readable_forum`` for one forum row."""
    if not actor.active:
        return False
    if actor.is_platform_admin:
        return True
    if forum.school_id is not None and forum.school_id != actor.school_id:
        return False
    return (forum.is_active and (is_staff(actor) or forum.is_public)) or moderator


def sees_post(actor: Actor, post: CommunityPost, *, moderator: bool) -> bool:
    """``visible_posts`` for one post row of a forum the actor reads."""
    if post.deleted_at is not None:
        return False
    return post.status == "published" or post.author_id == actor.user_id or moderator


def sees_reply(actor: Actor, reply: CommunityReply, *, moderator: bool) -> bool:
    """``visible_replies`` for one reply row of a post the actor sees."""
    return reply.status != "pending" or reply.author_id == actor.user_id or moderator
