"""Likes, dislikes, bookmarks and reports on posts and replies.

One of each kind per user and target, enforced by unique indexes, also under
concurrent clicks. A like and a dislike are mutually exclusive: they share one "vote"
index per user and target, so a vote is one row whose kind flips (liking a post you
disliked turns the dislike into a like). Voting is idempotent; voting on your own
content is refused. Counters move in the same transaction as the rows they count, and
a like gives its author reputation (taken back when the like is).

Reports go to the forum's moderators' report queue; one per user and target
(a second is ``ALREADY_REPORTED``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import delete, select, text, update
from sqlalchemy.dialects.postgresql import insert

from models.community import REPORT_REASONS, CommunityInteraction, CommunityPost, CommunityReply
from services.actor import Actor
from services.community import content, counters, reputation
from services.community.errors import E
from services.community.posts import visible_post
from services.community.replies import counted, visible_reply
from services.errors import DomainError
from services.uow import UnitOfWork

VOTES = ("like", "dislike")
RACE_RETRIES = 5
REPORT_DETAILS_MAX = 1000


@dataclass(frozen=True)
class Target:
    """A post or a reply, as a client named it."""

    post_id: uuid.UUID | None = None
    reply_id: uuid.UUID | None = None


Content = CommunityPost | CommunityReply


async def _load(uow: UnitOfWork, actor: Actor, target: Target) -> Content:
    if target.reply_id is not None:
        return await visible_reply(uow, actor, target.reply_id, field="targetId")
    assert target.post_id is not None
    return await visible_post(uow, actor, target.post_id, field="targetId")


def _published(row: Content) -> bool:
    if isinstance(row, CommunityReply):
        return counted(row)
    return row.status == "published" and row.deleted_at is None


def _where(row: Content) -> tuple[str, uuid.UUID]:
    return ("reply_id", row.id) if isinstance(row, CommunityReply) else ("post_id", row.id)


async def vote(uow: UnitOfWork, actor: Actor, target: Target, kind: str | None) -> Content:
    """Set the actor's vote on the target: ``like``, ``dislike`` or ``None`` (no vote)."""
    row = await _load(uow, actor, target)
    if kind is not None and kind not in VOTES:
        raise DomainError(E.INVALID, "Unknown vote.", "vote")
    if kind is not None:
        if not _published(row):
            raise DomainError(E.NOT_PUBLISHED, "You cannot vote on this.", "targetId")
        if row.author_id == actor.user_id:
            raise DomainError(E.OWN_CONTENT, "You cannot vote on your own words.", "targetId")
    column, target_id = _where(row)
    target_column = getattr(CommunityInteraction, column)
    is_vote = CommunityInteraction.kind.in_(VOTES)
    mine = (CommunityInteraction.user_id == actor.user_id, target_column == target_id)

    if kind is None:
        removed = (
            await uow.session.execute(
                delete(CommunityInteraction)
                .where(*mine, is_vote)
                .returning(CommunityInteraction.id, CommunityInteraction.kind)
            )
        ).one_or_none()
        if removed is not None:
            await _apply(uow, row, removed.id, old=removed.kind, new=None)
        return row

    for _ in range(RACE_RETRIES):
        # The vote index decides between concurrent first votes: one inserts, the others
        # wait for it to commit and then find its row.
        inserted = await uow.session.scalar(
            insert(CommunityInteraction)
            .values(
                user_id=actor.user_id,
                kind=kind,
                forum_id=row.forum_id,
                school_id=row.school_id,
                **{column: target_id},
            )
            .on_conflict_do_nothing(
                index_elements=[column, "user_id"],
                index_where=text(f"{column} IS NOT NULL AND kind IN ('like', 'dislike')"),
            )
            .returning(CommunityInteraction.id)
        )
        if inserted is not None:
            await _apply(uow, row, inserted, old=None, new=kind)
            return row
        flipped = await uow.session.scalar(
            update(CommunityInteraction)
            .where(*mine, is_vote, CommunityInteraction.kind != kind)
            .values(kind=kind)
            .returning(CommunityInteraction.id)
        )
        if flipped is not None:
            await _apply(uow, row, flipped, old=VOTES[1 - VOTES.index(kind)], new=kind)
            return row
        current = await uow.session.scalar(select(CommunityInteraction.kind).where(*mine, is_vote))
        if current == kind:
            return row  # already voted so: idempotent
        # The vote was taken back between our statements: try again.
    raise DomainError(E.CONFLICT, "Your vote changed meanwhile; try again.", "targetId")


async def _apply(
    uow: UnitOfWork, row: Content, interaction_id: uuid.UUID, *, old: str | None, new: str | None
) -> None:
    """Move the counters and the author's points for one vote change."""
    deltas = {"like_count": 0, "dislike_count": 0}
    if old is not None:
        deltas[f"{old}_count"] -= 1
    if new is not None:
        deltas[f"{new}_count"] += 1
    await counters.bump(uow, row, **deltas)
    if "like" not in (old, new):
        return
    await reputation.lock_members(uow, [row.author_id])
    if new == "like":
        await reputation.grant_points(
            uow, row.author_id, "like_received", interaction_id, reputation.LIKE_RECEIVED_POINTS
        )
        await reputation.refresh_threshold_badges(uow, row.author_id)
    else:
        await reputation.revoke_points(uow, "like_received", interaction_id)


async def set_bookmark(uow: UnitOfWork, actor: Actor, target: Target, on: bool) -> Content:
    row = await _load(uow, actor, target)
    column, target_id = _where(row)
    if on:
        if not _published(row):
            raise DomainError(E.NOT_PUBLISHED, "You cannot bookmark this.", "targetId")
        await uow.session.execute(
            insert(CommunityInteraction)
            .values(
                user_id=actor.user_id,
                kind="bookmark",
                forum_id=row.forum_id,
                school_id=row.school_id,
                **{column: target_id},
            )
            .on_conflict_do_nothing(
                index_elements=[column, "user_id", "kind"],
                index_where=text(f"{column} IS NOT NULL"),
            )
        )
    else:
        await uow.session.execute(
            delete(CommunityInteraction).where(
                CommunityInteraction.user_id == actor.user_id,
                getattr(CommunityInteraction, column) == target_id,
                CommunityInteraction.kind == "bookmark",
            )
        )
    return row


async def report(
    uow: UnitOfWork, actor: Actor, target: Target, reason: str, details: str | None
) -> CommunityInteraction:
    row = await _load(uow, actor, target)
    if reason not in REPORT_REASONS:
        raise DomainError(E.INVALID, "Unknown report reason.", "reason")
    clean_details = content.optional_text(details, "details", max_length=REPORT_DETAILS_MAX)
    if not _published(row):
        raise DomainError(E.NOT_PUBLISHED, "You cannot report this.", "targetId")
    if row.author_id == actor.user_id:
        raise DomainError(E.OWN_CONTENT, "You cannot report your own words.", "targetId")
    column, target_id = _where(row)
    report_id = await uow.session.scalar(
        insert(CommunityInteraction)
        .values(
            user_id=actor.user_id,
            kind="report",
            forum_id=row.forum_id,
            school_id=row.school_id,
            report_reason=reason,
            report_details=clean_details,
            report_status="open",
            **{column: target_id},
        )
        .on_conflict_do_nothing(
            index_elements=[column, "user_id", "kind"], index_where=text(f"{column} IS NOT NULL")
        )
        .returning(CommunityInteraction.id)
    )
    if report_id is None:
        raise DomainError(E.ALREADY_REPORTED, "You have already reported this.", "targetId")
    created = await uow.session.get(CommunityInteraction, report_id)
    assert created is not None
    return created
