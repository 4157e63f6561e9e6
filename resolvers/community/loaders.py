"""The community's DataLoaders. Each applies the actor's visibility inside its one batch
query, so a thread, a forum page or a live event costs the same few statements however
many rows it shows and however deep its replies nest."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, true, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from models.accounts import User
from models.community import (
    CommunityBadge,
    CommunityForum,
    CommunityForumModerator,
    CommunityInteraction,
    CommunityPoints,
    CommunityPost,
    CommunityPostFollower,
    CommunityReply,
)
from resolvers.loaders import SessionLoader
from services.actor import Actor
from services.community import access


def _by_id(rows: Any, keys: Sequence[Any]) -> list[Any]:
    found = {row.id: row for row in rows}
    return [found.get(key) for key in keys]


class ForumByIdLoader(SessionLoader[uuid.UUID, CommunityForum | None]):
    """Forums the actor may read."""

    async def load_batch(self, session: AsyncSession, keys: list[uuid.UUID]) -> list[Any]:
        if self.actor is None:
            return [None] * len(keys)
        rows = await session.scalars(
            select(CommunityForum).where(
                CommunityForum.id.in_(keys), access.readable_forum(self.actor)
            )
        )
        return _by_id(rows, keys)


class PostByIdLoader(SessionLoader[uuid.UUID, CommunityPost | None]):
    """Posts the actor may read."""

    async def load_batch(self, session: AsyncSession, keys: list[uuid.UUID]) -> list[Any]:
        if self.actor is None:
            return [None] * len(keys)
        rows = await session.scalars(
            select(CommunityPost).where(
                CommunityPost.id.in_(keys), access.visible_posts(self.actor)
            )
        )
        return _by_id(rows, keys)


class ReplyByIdLoader(SessionLoader[uuid.UUID, CommunityReply | None]):
    """Replies the actor sees in their threads (tombstones included)."""

    async def load_batch(self, session: AsyncSession, keys: list[uuid.UUID]) -> list[Any]:
        if self.actor is None:
            return [None] * len(keys)
        rows = await session.scalars(
            select(CommunityReply).where(
                CommunityReply.id.in_(keys), access.visible_replies(self.actor)
            )
        )
        return _by_id(rows, keys)


class ModeratesForumLoader(SessionLoader[uuid.UUID, bool]):
    """Whether the actor moderates each forum."""

    async def load_batch(self, session: AsyncSession, keys: list[uuid.UUID]) -> list[bool]:
        if self.actor is None:
            return [False] * len(keys)
        found = set(
            await session.scalars(
                select(CommunityForum.id).where(
                    CommunityForum.id.in_(keys), access.moderates_forum(self.actor)
                )
            )
        )
        return [key in found for key in keys]


class ForumModeratorIdsLoader(SessionLoader[uuid.UUID, list[uuid.UUID]]):
    async def load_batch(self, session: AsyncSession, keys: list[uuid.UUID]) -> list[Any]:
        rows = await session.execute(
            select(CommunityForumModerator.forum_id, CommunityForumModerator.user_id)
            .where(CommunityForumModerator.forum_id.in_(keys))
            .order_by(CommunityForumModerator.created_at, CommunityForumModerator.user_id)
        )
        grouped: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
        for forum_id, user_id in rows:
            grouped[forum_id].append(user_id)
        return [grouped.get(key, []) for key in keys]


def visible_members(actor: Actor) -> ColumnElement[bool]:
    """Whose community profile (display name, role, reputation, badges) the actor may see:
    anyone of their own school, platform staff, and anyone who has written in, or
    moderates, a platform-wide forum — the community's public faces."""
    live = User.deleted_at.is_(None)
    if actor.is_platform_admin:
        return live
    return and_(
        live,
        or_(
            User.school_id == actor.school_id,
            User.role == "platform_admin",
            exists().where(CommunityPost.author_id == User.id, CommunityPost.school_id.is_(None)),
            exists().where(CommunityReply.author_id == User.id, CommunityReply.school_id.is_(None)),
            exists().where(
                CommunityForumModerator.user_id == User.id,
                CommunityForumModerator.school_id.is_(None),
            ),
        ),
    )


class MemberByIdLoader(SessionLoader[uuid.UUID, User | None]):
    """Users as community members (only public fields are ever shown from these rows)."""

    async def load_batch(self, session: AsyncSession, keys: list[uuid.UUID]) -> list[Any]:
        if self.actor is None:
            return [None] * len(keys)
        rows = await session.scalars(
            select(User).where(User.id.in_(keys), visible_members(self.actor))
        )
        return _by_id(rows, keys)


class AuthorByIdLoader(SessionLoader[uuid.UUID, User | None]):
    """Authors of content the actor already reads: no further visibility test needed."""

    async def load_batch(self, session: AsyncSession, keys: list[uuid.UUID]) -> list[Any]:
        rows = await session.scalars(
            select(User).where(User.id.in_(keys), User.deleted_at.is_(None))
        )
        return _by_id(rows, keys)


class ReputationByUserLoader(SessionLoader[uuid.UUID, int]):
    async def load_batch(self, session: AsyncSession, keys: list[uuid.UUID]) -> list[int]:
        rows = await session.execute(
            select(CommunityPoints.user_id, func.sum(CommunityPoints.points))
            .where(CommunityPoints.user_id.in_(keys))
            .group_by(CommunityPoints.user_id)
        )
        totals = {user_id: int(total or 0) for user_id, total in rows}
        return [totals.get(key, 0) for key in keys]


class BadgesByUserLoader(SessionLoader[uuid.UUID, list[CommunityBadge]]):
    async def load_batch(self, session: AsyncSession, keys: list[uuid.UUID]) -> list[Any]:
        rows = await session.scalars(
            select(CommunityBadge)
            .where(CommunityBadge.user_id.in_(keys))
            .order_by(CommunityBadge.awarded_at, CommunityBadge.badge)
        )
        grouped: dict[uuid.UUID, list[CommunityBadge]] = defaultdict(list)
        for row in rows:
            grouped[row.user_id].append(row)
        return [grouped.get(key, []) for key in keys]


class _ViewerInteractionsLoader(SessionLoader[uuid.UUID, frozenset[str]]):
    """The kinds of interaction (like, dislike, bookmark, report) the actor has on each target."""

    column: str

    async def load_batch(self, session: AsyncSession, keys: list[uuid.UUID]) -> list[Any]:
        if self.actor is None:
            return [frozenset()] * len(keys)
        column = getattr(CommunityInteraction, self.column)
        rows = await session.execute(
            select(column, CommunityInteraction.kind).where(
                column.in_(keys), CommunityInteraction.user_id == self.actor.user_id
            )
        )
        grouped: dict[uuid.UUID, set[str]] = defaultdict(set)
        for target_id, kind in rows:
            grouped[target_id].add(kind)
        return [frozenset(grouped.get(key, ())) for key in keys]


class ViewerPostInteractionsLoader(_ViewerInteractionsLoader):
    column = "post_id"


class ViewerReplyInteractionsLoader(_ViewerInteractionsLoader):
    column = "reply_id"


class ViewerFollowsLoader(SessionLoader[uuid.UUID, bool]):
    async def load_batch(self, session: AsyncSession, keys: list[uuid.UUID]) -> list[bool]:
        if self.actor is None:
            return [False] * len(keys)
        found = set(
            await session.scalars(
                select(CommunityPostFollower.post_id).where(
                    CommunityPostFollower.post_id.in_(keys),
                    CommunityPostFollower.user_id == self.actor.user_id,
                )
            )
        )
        return [key in found for key in keys]


class ChildCountLoader(SessionLoader[uuid.UUID, int]):
    """How many direct replies of each reply the actor sees (tombstones included)."""

    async def load_batch(self, session: AsyncSession, keys: list[uuid.UUID]) -> list[int]:
        if self.actor is None:
            return [0] * len(keys)
        rows = await session.execute(
            select(CommunityReply.parent_id, func.count())
            .where(CommunityReply.parent_id.in_(keys), access.visible_replies(self.actor))
            .group_by(CommunityReply.parent_id)
        )
        counts = {parent_id: int(count) for parent_id, count in rows}
        return [counts.get(key, 0) for key in keys]


# (parent reply id, or post id for top-level replies; is_post; first; after number)
ChildrenKey = tuple[uuid.UUID, bool, int, int]


class ChildrenPageLoader(SessionLoader[ChildrenKey, list[CommunityReply]]):
    """A page (``first + 1`` rows, by reply number) of direct replies to each reply or post.

    Keys that share a page shape are answered by one query ranking rows per parent.
    """

    async def load_batch(self, session: AsyncSession, keys: list[ChildrenKey]) -> list[Any]:
        if self.actor is None:
            return [[] for _ in keys]
        shapes: dict[tuple[bool, int, int], list[uuid.UUID]] = defaultdict(list)
        for scope_id, is_post, first, after in keys:
            shapes[(is_post, first, after)].append(scope_id)
        pages: dict[ChildrenKey, list[CommunityReply]] = defaultdict(list)
        for (is_post, first, after), scope_ids in shapes.items():
            partition = CommunityReply.post_id if is_post else CommunityReply.parent_id
            ranked = (
                select(
                    CommunityReply,
                    func.row_number()
                    .over(partition_by=partition, order_by=CommunityReply.number)
                    .label("rank"),
                )
                .where(
                    partition.in_(scope_ids),
                    CommunityReply.parent_id.is_(None) if is_post else true(),
                    CommunityReply.number > after,
                    access.visible_replies(self.actor),
                )
                .subquery()
            )
            reply = aliased(CommunityReply, ranked)
            rows = await session.scalars(
                select(reply).where(ranked.c.rank <= first + 1).order_by(ranked.c.rank)
            )
            for row in rows:
                scope = row.post_id if is_post else row.parent_id
                assert scope is not None
                pages[(scope, is_post, first, after)].append(row)
        return [pages.get(key, []) for key in keys]


# (forum id, first, after (pinned, last activity, id) or None, post type, tag)
ForumPostsKey = tuple[uuid.UUID, int, tuple[bool, Any, uuid.UUID] | None, str | None, str | None]


class ForumPostsPageLoader(SessionLoader[ForumPostsKey, list[CommunityPost]]):
    """A page of each forum's posts: pinned first, then by latest activity."""

    async def load_batch(self, session: AsyncSession, keys: list[ForumPostsKey]) -> list[Any]:
        if self.actor is None:
            return [[] for _ in keys]
        shapes: dict[tuple[Any, ...], list[uuid.UUID]] = defaultdict(list)
        for forum_id, *shape in keys:
            shapes[tuple(shape)].append(forum_id)
        pages: dict[ForumPostsKey, list[CommunityPost]] = defaultdict(list)
        for (first, after, post_type, tag), forum_ids in shapes.items():
            conditions = [CommunityPost.forum_id.in_(forum_ids), access.visible_posts(self.actor)]
            if after is not None:
                conditions.append(
                    tuple_(
                        CommunityPost.is_pinned, CommunityPost.last_activity_at, CommunityPost.id
                    )
                    < tuple_(*after)
                )
            if post_type is not None:
                conditions.append(CommunityPost.post_type == post_type)
            if tag is not None:
                conditions.append(CommunityPost.tags.contains([tag]))
            order = (
                CommunityPost.is_pinned.desc(),
                CommunityPost.last_activity_at.desc(),
                CommunityPost.id.desc(),
            )
            ranked = (
                select(
                    CommunityPost,
                    func.row_number()
                    .over(partition_by=CommunityPost.forum_id, order_by=order)
                    .label("rank"),
                )
                .where(*conditions)
                .subquery()
            )
            post = aliased(CommunityPost, ranked)
            rows = await session.scalars(
                select(post).where(ranked.c.rank <= first + 1).order_by(ranked.c.rank)
            )
            for row in rows:
                pages[(row.forum_id, first, after, post_type, tag)].append(row)
        return [pages.get(key, []) for key in keys]


class ReportByIdLoader(SessionLoader[uuid.UUID, CommunityInteraction | None]):
    """Reports in the forums the actor moderates, and the actor's own."""

    async def load_batch(self, session: AsyncSession, keys: list[uuid.UUID]) -> list[Any]:
        if self.actor is None:
            return [None] * len(keys)
        rows = await session.scalars(
            select(CommunityInteraction).where(
                CommunityInteraction.id.in_(keys),
                CommunityInteraction.kind == "report",
                or_(
                    CommunityInteraction.forum_id.in_(access.moderated_forum_ids(self.actor)),
                    CommunityInteraction.user_id == self.actor.user_id,
                ),
            )
        )
        return _by_id(rows, keys)
