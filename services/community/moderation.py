"""Moderation: the approval queue, reports, hide/restore, lock and pin.

Only a forum's moderators act here (others get FORBIDDEN; content they cannot see is
NOT_FOUND). Every action is written to the audit log with the state before and after.
Approving announces the content as if it had just been posted (live events, follower
notifications); rejecting hides it with the moderator's note. Hiding a post or reply
also closes its open reports as actioned; a hidden reply stays in its thread as a
tombstone. ``reply_count`` follows every change of what readers can see.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select, update

from models.community import CommunityForum, CommunityInteraction, CommunityPost, CommunityReply
from services.actor import Actor
from services.community import access, content, counters, events, posts, replies
from services.community.errors import E
from services.community.interactions import Content, Target
from services.community.posts import now, visible_post
from services.community.replies import counted, visible_reply
from services.errors import DomainError
from services.uow import UnitOfWork

RESOLUTIONS = ("actioned", "dismissed")


def snapshot(row: Content) -> dict[str, Any]:
    state: dict[str, Any] = {"status": row.status, "note": row.moderation_note}
    if isinstance(row, CommunityPost):
        state |= {"pinned": row.is_pinned, "locked": row.locked_at is not None}
    return state


async def _moderated(uow: UnitOfWork, actor: Actor, target: Target) -> Content:
    """The target, locked, after checking the actor moderates its forum."""
    row: Content
    if target.reply_id is not None:
        row = await visible_reply(uow, actor, target.reply_id, lock=True, field="targetId")
    else:
        assert target.post_id is not None
        row = await visible_post(uow, actor, target.post_id, lock=True, field="targetId")
    await access.require_moderator(uow, actor, row.forum_id)
    if row.deleted_at is not None:
        raise DomainError(E.WRONG_STATE, "This was deleted by its author.", "targetId")
    return row


def _audit(
    uow: UnitOfWork, actor: Actor, action: str, row: Content, before: dict[str, Any]
) -> None:
    uow.audit(
        actor,
        action,
        entity_type=type(row).__name__,
        entity_id=row.id,
        school_id=row.school_id,
        before=before,
        after=snapshot(row),
    )


async def _set_status(
    uow: UnitOfWork, actor: Actor, row: Content, status: str, note: str | None
) -> None:
    """Change the status and keep ``reply_count`` equal to what readers can see."""
    was_counted = isinstance(row, CommunityReply) and counted(row)
    row.status = status
    row.moderation_note = note
    row.moderated_by_id = actor.user_id
    if status == "published" and row.approved_at is None:
        row.approved_at = now()
    await uow.session.flush()
    if isinstance(row, CommunityReply) and was_counted != counted(row):
        post = await uow.session.get(CommunityPost, row.post_id)
        assert post is not None
        await counters.bump(uow, post, reply_count=1 if counted(row) else -1)


async def approve(uow: UnitOfWork, actor: Actor, target: Target) -> Content:
    row = await _moderated(uow, actor, target)
    if row.status != "pending":
        raise DomainError(
            E.WRONG_STATE, "Only content awaiting approval can be approved.", "targetId"
        )
    before = snapshot(row)
    await _set_status(uow, actor, row, "published", None)
    forum = await uow.session.get(CommunityForum, row.forum_id)
    assert forum is not None
    if isinstance(row, CommunityReply):
        post = await uow.session.get(CommunityPost, row.post_id)
        assert post is not None
        await replies.on_published(uow, post, row, forum)
    else:
        await posts.on_published(uow, row)
    _audit(uow, actor, "community.content.approved", row, before)
    return row


async def reject(uow: UnitOfWork, actor: Actor, target: Target, note: str | None) -> Content:
    row = await _moderated(uow, actor, target)
    if row.status != "pending":
        raise DomainError(
            E.WRONG_STATE, "Only content awaiting approval can be rejected.", "targetId"
        )
    before = snapshot(row)
    await _set_status(uow, actor, row, "hidden", _note(note))
    _updated(uow, row)
    _audit(uow, actor, "community.content.rejected", row, before)
    return row


async def hide(uow: UnitOfWork, actor: Actor, target: Target, note: str | None) -> Content:
    row = await _moderated(uow, actor, target)
    if row.status != "published":
        raise DomainError(E.WRONG_STATE, "Only published content can be hidden.", "targetId")
    before = snapshot(row)
    await _set_status(uow, actor, row, "hidden", _note(note))
    await _close_reports(uow, actor, row)
    _updated(uow, row)
    _audit(uow, actor, "community.content.hidden", row, before)
    return row


async def restore(uow: UnitOfWork, actor: Actor, target: Target) -> Content:
    row = await _moderated(uow, actor, target)
    if row.status != "hidden":
        raise DomainError(E.WRONG_STATE, "Only hidden content can be restored.", "targetId")
    before = snapshot(row)
    await _set_status(uow, actor, row, "published", None)
    _updated(uow, row)
    _audit(uow, actor, "community.content.restored", row, before)
    return row


async def set_locked(
    uow: UnitOfWork, actor: Actor, post_id: uuid.UUID, locked: bool
) -> CommunityPost:
    post = await _moderated(uow, actor, Target(post_id=post_id))
    assert isinstance(post, CommunityPost)
    if (post.locked_at is not None) != locked:
        before = snapshot(post)
        post.locked_at = now() if locked else None
        await uow.session.flush()
        _updated(uow, post)
        _audit(
            uow,
            actor,
            "community.post.locked" if locked else "community.post.unlocked",
            post,
            before,
        )
    return post


async def set_pinned(
    uow: UnitOfWork, actor: Actor, post_id: uuid.UUID, pinned: bool
) -> CommunityPost:
    post = await _moderated(uow, actor, Target(post_id=post_id))
    assert isinstance(post, CommunityPost)
    if post.is_pinned != pinned:
        before = snapshot(post)
        post.is_pinned = pinned
        await uow.session.flush()
        _updated(uow, post)
        _audit(
            uow,
            actor,
            "community.post.pinned" if pinned else "community.post.unpinned",
            post,
            before,
        )
    return post


async def resolve_report(
    uow: UnitOfWork, actor: Actor, report_id: uuid.UUID, resolution: str
) -> CommunityInteraction:
    if resolution not in RESOLUTIONS:
        raise DomainError(E.INVALID, "Unknown resolution.", "resolution")
    actor.require_active()
    report = await uow.session.scalar(
        select(CommunityInteraction)
        .where(
            CommunityInteraction.id == report_id,
            CommunityInteraction.kind == "report",
            CommunityInteraction.forum_id.in_(access.moderated_forum_ids(actor)),
        )
        .with_for_update(of=CommunityInteraction)
    )
    if report is None:
        raise DomainError(E.REPORT_NOT_FOUND, "No such report.", "reportId")
    if report.report_status != "open":
        raise DomainError(E.WRONG_STATE, "This report has already been resolved.", "reportId")
    report.report_status = resolution
    report.resolved_by_id = actor.user_id
    report.resolved_at = now()
    await uow.session.flush()
    uow.audit(
        actor,
        f"community.report.{resolution}",
        entity_type="CommunityReport",
        entity_id=report.id,
        school_id=report.school_id,
        before={"status": "open"},
        after={"status": resolution},
    )
    return report


async def _close_reports(uow: UnitOfWork, actor: Actor, row: Content) -> None:
    column = (
        CommunityInteraction.reply_id
        if isinstance(row, CommunityReply)
        else CommunityInteraction.post_id
    )
    await uow.session.execute(
        update(CommunityInteraction)
        .where(
            column == row.id,
            CommunityInteraction.kind == "report",
            CommunityInteraction.report_status == "open",
        )
        .values(report_status="actioned", resolved_by_id=actor.user_id, resolved_at=now())
    )


def _updated(uow: UnitOfWork, row: Content) -> None:
    if isinstance(row, CommunityReply):
        events.emit_reply(uow, row, events.REPLY_UPDATED)
    else:
        events.emit_post(uow, row, events.POST_UPDATED)


def _note(note: str | None) -> str | None:
    return content.optional_text(note, "note", max_length=content.NOTE_MAX)
