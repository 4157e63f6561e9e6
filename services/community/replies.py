"""Replies, nested to any depth (up to ``MAX_REPLY_DEPTH`` levels), and the accepted solution.

A reply gets the next number of its post (the post row's ``reply_seq``, taken with an
atomic ``UPDATE … RETURNING`` that also bumps ``reply_count`` and checks the lock under
the row lock) and the path of its parent plus that number. Replies go to published
posts and published, undeleted replies only; locked threads take replies from
moderators only. In a forum that requires approval, a non-moderator's reply waits
(``pending``) for a moderator and notifies nobody until then.

Lock order, everywhere in the community: a reply row (``FOR NO KEY UPDATE``), then its
post row, then users' reputation locks — so concurrent changes queue, never deadlock.
"""

from __future__ import annotations

import uuid
from typing import Any, cast

from sqlalchemy import Table, select, update

from models.community import MAX_REPLY_DEPTH, CommunityForum, CommunityPost, CommunityReply
from services.actor import Actor
from services.community import access, content, counters, events, follows, reputation
from services.community.errors import E
from services.community.posts import now, visible_post
from services.errors import DomainError, Forbidden
from services.uow import UnitOfWork

POSTS = cast(Table, CommunityPost.__table__)


def counted(reply: CommunityReply) -> bool:
    """Whether the post's ``reply_count`` counts this reply."""
    return reply.status == "published" and reply.deleted_at is None


async def visible_reply(
    uow: UnitOfWork,
    actor: Actor,
    reply_id: uuid.UUID,
    *,
    lock: bool = False,
    field: str = "replyId",
) -> CommunityReply:
    actor.require_active()
    stmt = select(CommunityReply).where(
        CommunityReply.id == reply_id, access.visible_replies(actor)
    )
    if lock:
        stmt = stmt.with_for_update(of=CommunityReply, key_share=True)
    reply = await uow.session.scalar(stmt)
    if reply is None:
        raise DomainError(E.REPLY_NOT_FOUND, "No such reply.", field)
    return reply


async def create_reply(
    uow: UnitOfWork,
    actor: Actor,
    *,
    post_id: uuid.UUID,
    parent_id: uuid.UUID | None,
    body: str,
    attachments: list[str] | None,
) -> CommunityReply:
    post = await visible_post(uow, actor, post_id)
    if post.status != "published":
        raise DomainError(E.NOT_PUBLISHED, "This post is not open for replies.", "postId")
    forum = await uow.session.get(CommunityForum, post.forum_id)
    assert forum is not None
    if not forum.is_active:
        raise DomainError(E.FORUM_INACTIVE, "This forum is closed.", "postId")
    parent_path: list[int] = []
    if parent_id is not None:
        parent = await visible_reply(uow, actor, parent_id, field="parentId")
        if parent.post_id != post.id:
            raise DomainError(E.REPLY_NOT_FOUND, "No such reply in this post.", "parentId")
        if not counted(parent):
            raise DomainError(E.NOT_PUBLISHED, "You cannot reply to this reply.", "parentId")
        if len(parent.path) >= MAX_REPLY_DEPTH:
            raise DomainError(
                E.TOO_DEEP, f"Replies nest at most {MAX_REPLY_DEPTH} levels deep.", "parentId"
            )
        parent_path = list(parent.path)
    rendered = content.body(body, max_length=content.REPLY_BODY_MAX)
    clean_attachments = content.attachments(attachments)
    moderator = await access.is_moderator(uow, actor, forum.id)
    published = moderator or not forum.requires_approval

    # Number the reply and count it in one atomic statement on the post row; the lock
    # and visibility are checked under that row lock, so a concurrent lockPost or hide wins
    # cleanly.
    numbered = (
        await uow.session.execute(
            update(POSTS)
            .where(
                POSTS.c.id == post.id,
                POSTS.c.status == "published",
                POSTS.c.deleted_at.is_(None),
            )
            .values(
                reply_seq=POSTS.c.reply_seq + 1,
                **(
                    {
                        "reply_count": POSTS.c.reply_count + 1,
                        "last_activity_at": now(),
                    }
                    if published
                    else {}
                ),
            )
            .returning(POSTS.c.reply_seq, POSTS.c.locked_at)
        )
    ).one_or_none()
    if numbered is None:
        raise DomainError(E.NOT_PUBLISHED, "This post is not open for replies.", "postId")
    number, locked_at = numbered
    if locked_at is not None and not moderator:
        raise DomainError(E.POST_LOCKED, "This thread is locked.", "postId")
    reply = CommunityReply(
        post_id=post.id,
        forum_id=forum.id,
        school_id=forum.school_id,
        author_id=actor.user_id,
        parent_id=parent_id,
        number=number,
        path=[*parent_path, number],
        body=rendered.source,
        body_html=rendered.html,
        attachments=clean_attachments,
        status="published" if published else "pending",
        approved_at=now() if published else None,
    )
    uow.session.add(reply)
    await uow.session.flush()
    if published:
        await on_published(uow, post, reply, forum)
    else:
        events.emit_reply(uow, reply, events.REPLY_PENDING)
    return reply


async def on_published(
    uow: UnitOfWork, post: CommunityPost, reply: CommunityReply, forum: CommunityForum
) -> None:
    """A reply became visible (posted in an open forum, or approved): announce it."""
    events.emit_reply(uow, reply, events.REPLY_ADDED)
    await follows.notify_followers(uow, post, reply, forum)


async def update_reply(
    uow: UnitOfWork, actor: Actor, reply_id: uuid.UUID, changes: dict[str, Any]
) -> CommunityReply:
    """The author edits their reply (not once hidden or deleted, nor in a locked thread)."""
    reply = await visible_reply(uow, actor, reply_id, lock=True)
    if reply.author_id != actor.user_id:
        raise Forbidden("Only the author may edit a reply.")
    if reply.status == "hidden" or reply.deleted_at is not None:
        raise DomainError(E.WRONG_STATE, "This reply can no longer be edited.", "replyId")
    post = await visible_post(uow, actor, reply.post_id)
    if post.locked_at is not None:
        raise DomainError(E.POST_LOCKED, "This thread is locked.", "replyId")
    if changes.get("body") is not None:
        rendered = content.body(changes["body"], max_length=content.REPLY_BODY_MAX)
        reply.body, reply.body_html = rendered.source, rendered.html
    if changes.get("attachments") is not None:
        reply.attachments = content.attachments(changes["attachments"])
    reply.edited_at = now()
    await uow.session.flush()
    events.emit_reply(uow, reply, events.REPLY_UPDATED)
    return reply


async def delete_reply(uow: UnitOfWork, actor: Actor, reply_id: uuid.UUID) -> CommunityReply:
    """The author removes their reply; it stays in the tree as a tombstone."""
    reply = await visible_reply(uow, actor, reply_id, lock=True)
    if reply.author_id != actor.user_id:
        raise Forbidden("Only the author may delete a reply; moderators hide it.")
    if reply.deleted_at is not None:
        return reply
    was_counted = counted(reply)
    reply.deleted_at = now()
    await uow.session.flush()
    post = await visible_post(uow, actor, reply.post_id, lock=True)
    if was_counted:
        await counters.bump(uow, post, reply_count=-1)
    if post.solution_reply_id == reply.id:
        await _set_solution(uow, post, None)
    events.emit_reply(uow, reply, events.REPLY_UPDATED)
    return reply


async def mark_solution(uow: UnitOfWork, actor: Actor, reply_id: uuid.UUID) -> CommunityReply:
    """The question's author or a moderator accepts ``reply`` as the answer (one per post:
    accepting another replaces it)."""
    reply = await visible_reply(uow, actor, reply_id)
    post = await _solution_post(uow, actor, reply.post_id)
    if not counted(reply):
        raise DomainError(E.NOT_PUBLISHED, "Only a published reply can be the solution.", "replyId")
    if post.solution_reply_id != reply.id:
        await _set_solution(uow, post, reply)
        await _audit_solution(uow, actor, post, "community.solution.marked", reply.id)
    return reply


async def unmark_solution(uow: UnitOfWork, actor: Actor, post_id: uuid.UUID) -> CommunityPost:
    post = await _solution_post(uow, actor, post_id)
    if post.solution_reply_id is not None:
        previous = post.solution_reply_id
        await _set_solution(uow, post, None)
        await _audit_solution(uow, actor, post, "community.solution.unmarked", previous)
    return post


async def _solution_post(uow: UnitOfWork, actor: Actor, post_id: uuid.UUID) -> CommunityPost:
    post = await visible_post(uow, actor, post_id, lock=True)
    if post.post_type != "question":
        raise DomainError(E.NOT_A_QUESTION, "Only questions have solutions.", "postId")
    if post.author_id != actor.user_id and not await access.is_moderator(uow, actor, post.forum_id):
        raise Forbidden("Only the question's author or a moderator marks the solution.")
    return post


async def _audit_solution(
    uow: UnitOfWork, actor: Actor, post: CommunityPost, action: str, reply_id: uuid.UUID
) -> None:
    """A moderator deciding someone else's question is moderation: it is audited."""
    if post.author_id != actor.user_id:
        uow.audit(
            actor,
            action,
            entity_type="CommunityPost",
            entity_id=post.id,
            school_id=post.school_id,
            after={"reply_id": str(reply_id)},
        )


async def _set_solution(uow: UnitOfWork, post: CommunityPost, reply: CommunityReply | None) -> None:
    """Move the solution mark (post row locked by the caller) and the points with it."""
    previous_id = post.solution_reply_id
    previous = await uow.session.get(CommunityReply, previous_id) if previous_id else None
    post.solution_reply_id = reply.id if reply is not None else None
    await uow.session.flush()
    people = [r.author_id for r in (previous, reply) if r is not None]
    await reputation.lock_members(uow, people)
    if previous is not None:
        await reputation.revoke_points(uow, "solution_accepted", previous.id)
        events.emit_reply(uow, previous, events.REPLY_UPDATED)
    if reply is not None:
        # Answering your own question earns nothing.
        if reply.author_id != post.author_id:
            await reputation.grant_points(
                uow, reply.author_id, "solution_accepted", reply.id, reputation.SOLUTION_POINTS
            )
            await reputation.refresh_threshold_badges(uow, reply.author_id)
        events.emit_reply(uow, reply, events.REPLY_UPDATED)
    events.emit_post(uow, post, events.POST_UPDATED)
