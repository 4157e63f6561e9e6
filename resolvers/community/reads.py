"""Reading the community: forums, posts, reply trees, queues and bookmarks."""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy import and_, func, literal, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from models.accounts import User
from models.community import CommunityForum, CommunityInteraction, CommunityPost, CommunityReply
from resolvers.community import cursors
from resolvers.community.loaders import (
    ChildrenPageLoader,
    ForumByIdLoader,
    ForumPostsPageLoader,
    MemberByIdLoader,
    ModeratesForumLoader,
    PostByIdLoader,
    ReplyByIdLoader,
    ReportByIdLoader,
)
from resolvers.context import Info
from resolvers.loaders import SessionLoader
from resolvers.pagination import Page, check_first, decode_cursor, encode_cursor, paginate
from services.community import access
from services.community.reputation import BADGES, BadgeDefinition


async def forum(info: Info, forum_id: uuid.UUID) -> CommunityForum | None:
    info.context.require_actor()
    return await info.context.loaders[ForumByIdLoader].load(forum_id)


async def post(info: Info, post_id: uuid.UUID) -> CommunityPost | None:
    info.context.require_actor()
    return await info.context.loaders[PostByIdLoader].load(post_id)


async def reply(info: Info, reply_id: uuid.UUID) -> CommunityReply | None:
    info.context.require_actor()
    return await info.context.loaders[ReplyByIdLoader].load(reply_id)


async def report(info: Info, report_id: uuid.UUID) -> CommunityInteraction | None:
    info.context.require_actor()
    return await info.context.loaders[ReportByIdLoader].load(report_id)


async def member(info: Info, user_id: uuid.UUID) -> User | None:
    info.context.require_actor()
    return await info.context.loaders[MemberByIdLoader].load(user_id)


async def moderates(info: Info, forum_id: uuid.UUID) -> bool:
    return await info.context.loaders[ModeratesForumLoader].load(forum_id)


def badge_catalogue() -> list[BadgeDefinition]:
    return list(BADGES.values())


def _max_page(info: Info) -> int:
    return info.context.state.max_page_size


async def forums(
    info: Info, *, first: int, after: str | None, school_id: uuid.UUID | None, platform_only: bool
) -> Page[CommunityForum]:
    actor = info.context.require_actor()
    stmt = select(CommunityForum).where(access.readable_forum(actor))
    if platform_only:
        stmt = stmt.where(CommunityForum.school_id.is_(None))
    elif school_id is not None:
        stmt = stmt.where(CommunityForum.school_id == school_id)
    async with info.context.state.db.session() as session:
        page = await paginate(
            session,
            stmt,
            sort=CommunityForum.display_order,
            id_column=CommunityForum.id,
            first=first,
            after=after,
            max_page_size=_max_page(info),
        )
    loader = info.context.loaders[ForumByIdLoader]
    for _, row in page.items:
        loader.prime(row.id, row)
    return page


def _page(rows: list[Any], first: int, after: str | None, cursor: Any) -> Page[Any]:
    return Page(
        items=[(cursor(row), row) for row in rows[:first]],
        has_next_page=len(rows) > first,
        has_previous_page=after is not None,
    )


async def forum_posts(
    info: Info,
    forum_id: uuid.UUID,
    *,
    first: int,
    after: str | None,
    post_type: str | None,
    tag: str | None,
) -> Page[CommunityPost]:
    check_first(first, _max_page(info))
    key = (forum_id, first, cursors.decode_listing(after), post_type, tag)
    rows = await info.context.loaders[ForumPostsPageLoader].load(key)
    _prime(info, PostByIdLoader, rows)
    return _page(
        rows, first, after, lambda p: cursors.encode_listing(p.is_pinned, p.last_activity_at, p.id)
    )


# (post id, first, after path)
TreeKey = tuple[uuid.UUID, int, tuple[int, ...]]


class ReplyTreePageLoader(SessionLoader[TreeKey, list[CommunityReply]]):
    """A page of a post's replies in thread (depth-first) order: ``first + 1`` rows after a
    path. One indexed range scan on ``(post_id, path)`` per post, whatever the depth."""

    async def load_batch(self, session: AsyncSession, keys: list[TreeKey]) -> list[Any]:
        if self.actor is None:
            return [[] for _ in keys]
        visible = access.visible_replies(self.actor)
        pages: list[list[CommunityReply]] = []
        # Usually one thread per request: a plain LIMIT query reads only the page.
        if len(keys) == 1:
            post_id, first, after = keys[0]
            stmt = select(CommunityReply).where(CommunityReply.post_id == post_id, visible)
            if after:
                stmt = stmt.where(CommunityReply.path > list(after))
            rows = await session.scalars(stmt.order_by(CommunityReply.path).limit(first + 1))
            return [list(rows)]
        shapes: dict[tuple[int, tuple[int, ...]], list[uuid.UUID]] = defaultdict(list)
        for post_id, first, after in keys:
            shapes[(first, after)].append(post_id)
        found: dict[TreeKey, list[CommunityReply]] = defaultdict(list)
        for (first, after), post_ids in shapes.items():
            conditions = [CommunityReply.post_id.in_(post_ids), visible]
            if after:
                conditions.append(CommunityReply.path > list(after))
            ranked = (
                select(
                    CommunityReply,
                    func.row_number()
                    .over(partition_by=CommunityReply.post_id, order_by=CommunityReply.path)
                    .label("rank"),
                )
                .where(*conditions)
                .subquery()
            )
            alias = aliased(CommunityReply, ranked)
            for row in await session.scalars(
                select(alias).where(ranked.c.rank <= first + 1).order_by(ranked.c.rank)
            ):
                found[(row.post_id, first, after)].append(row)
        pages.extend(found.get(key, []) for key in keys)
        return pages


async def reply_tree(
    info: Info, post_id: uuid.UUID, *, first: int, after: str | None
) -> Page[CommunityReply]:
    check_first(first, _max_page(info))
    path = tuple(cursors.decode_path(after)) if after else ()
    rows = await info.context.loaders[ReplyTreePageLoader].load((post_id, first, path))
    _prime(info, ReplyByIdLoader, rows)
    return _page(rows, first, after, lambda r: cursors.encode_path(r.path))


async def children(
    info: Info, scope_id: uuid.UUID, *, is_post: bool, first: int, after: str | None
) -> Page[CommunityReply]:
    check_first(first, _max_page(info))
    key = (scope_id, is_post, first, cursors.decode_number(after))
    rows = await info.context.loaders[ChildrenPageLoader].load(key)
    _prime(info, ReplyByIdLoader, rows)
    return _page(rows, first, after, lambda r: cursors.encode_number(r.number))


def _prime(info: Info, loader_class: type[SessionLoader[Any, Any]], rows: list[Any]) -> None:
    loader = info.context.loaders[loader_class]
    for row in rows:
        loader.prime(row.id, row)


async def _content_page(
    info: Info, stmt: Any, *, first: int, after: str | None, descending: bool = False
) -> Page[Any]:
    """Page a union of (kind, id, created_at) rows, then load each post or reply."""
    check_first(first, _max_page(info))
    listing = stmt.subquery()
    query = select(listing.c.kind, listing.c.id, listing.c.created_at)
    if after:
        moment, row_id = decode_cursor(after, sort_is_time=True, id_is_int=False)
        if descending:
            query = query.where(
                or_(
                    listing.c.created_at < moment,
                    and_(listing.c.created_at == moment, listing.c.id < row_id),
                )
            )
        else:
            query = query.where(
                or_(
                    listing.c.created_at > moment,
                    and_(listing.c.created_at == moment, listing.c.id > row_id),
                )
            )
    order = (
        (listing.c.created_at.desc(), listing.c.id.desc())
        if descending
        else (listing.c.created_at, listing.c.id)
    )
    async with info.context.state.db.session() as session:
        rows = list(await session.execute(query.order_by(*order).limit(first + 1)))
    loaders = info.context.loaders
    # Gathered, so each loader answers all of its ids in one batch.
    models = await asyncio.gather(
        *(
            loaders[PostByIdLoader if kind == "post" else ReplyByIdLoader].load(row_id)
            for kind, row_id, _ in rows[:first]
        )
    )
    items = [
        (encode_cursor(created_at, row_id), model)
        for (_, row_id, created_at), model in zip(rows[:first], models, strict=True)
        if model is not None
    ]
    return Page(items=items, has_next_page=len(rows) > first, has_previous_page=after is not None)


async def moderation_queue(
    info: Info, *, first: int, after: str | None, forum_id: uuid.UUID | None
) -> Page[Any]:
    """Posts and replies awaiting approval in the forums the actor moderates, oldest first."""
    actor = info.context.require_actor()
    moderated = access.moderated_forum_ids(actor)
    posts = select(literal("post").label("kind"), CommunityPost.id, CommunityPost.created_at).where(
        CommunityPost.status == "pending",
        CommunityPost.deleted_at.is_(None),
        CommunityPost.forum_id.in_(moderated),
    )
    replies = (
        select(literal("reply").label("kind"), CommunityReply.id, CommunityReply.created_at)
        .join(CommunityPost, CommunityPost.id == CommunityReply.post_id)
        .where(
            CommunityReply.status == "pending",
            CommunityReply.deleted_at.is_(None),
            CommunityPost.deleted_at.is_(None),
            CommunityReply.forum_id.in_(moderated),
        )
    )
    if forum_id is not None:
        posts = posts.where(CommunityPost.forum_id == forum_id)
        replies = replies.where(CommunityReply.forum_id == forum_id)
    return await _content_page(info, union_all(posts, replies), first=first, after=after)


async def my_bookmarks(info: Info, *, first: int, after: str | None) -> Page[Any]:
    """The actor's bookmarked posts and replies they can still see, newest first."""
    actor = info.context.require_actor()
    bookmarks = select(
        CommunityInteraction.post_id,
        CommunityInteraction.reply_id,
        CommunityInteraction.created_at,
    ).where(CommunityInteraction.user_id == actor.user_id, CommunityInteraction.kind == "bookmark")
    listing = bookmarks.subquery()
    stmt = union_all(
        select(
            literal("post").label("kind"), listing.c.post_id.label("id"), listing.c.created_at
        ).where(listing.c.post_id.in_(select(CommunityPost.id).where(access.visible_posts(actor)))),
        select(
            literal("reply").label("kind"), listing.c.reply_id.label("id"), listing.c.created_at
        ).where(
            listing.c.reply_id.in_(select(CommunityReply.id).where(access.visible_replies(actor)))
        ),
    )
    return await _content_page(info, stmt, first=first, after=after, descending=True)


async def reports(
    info: Info,
    *,
    first: int,
    after: str | None,
    forum_id: uuid.UUID | None,
    status: str | None,
) -> Page[CommunityInteraction]:
    """Reports on content of the forums the actor moderates, oldest first."""
    actor = info.context.require_actor()
    stmt = select(CommunityInteraction).where(
        CommunityInteraction.kind == "report",
        CommunityInteraction.forum_id.in_(access.moderated_forum_ids(actor)),
    )
    if forum_id is not None:
        stmt = stmt.where(CommunityInteraction.forum_id == forum_id)
    if status is not None:
        stmt = stmt.where(CommunityInteraction.report_status == status)
    async with info.context.state.db.session() as session:
        return await paginate(
            session,
            stmt,
            sort=CommunityInteraction.created_at,
            id_column=CommunityInteraction.id,
            first=first,
            after=after,
            max_page_size=_max_page(info),
        )


async def report_target(info: Info, report: CommunityInteraction) -> Any:
    if report.reply_id is not None:
        return await info.context.loaders[ReplyByIdLoader].load(report.reply_id)
    assert report.post_id is not None
    return await info.context.loaders[PostByIdLoader].load(report.post_id)
