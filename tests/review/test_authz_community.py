"""Authorisation review of the community: who hears of a reply when it is approved."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from models.community import CommunityForum
from models.events import OutboxEvent
from models.notifications import OutboundMessage
from resolvers.community import feeds
from resolvers.context import AppState
from services.community import events
from tests.community.helpers import (
    CREATE_REPLY,
    count,
    forum_gid,
    make_forums,
    make_post,
    post_gid,
)
from tests.conftest import RunningServer
from tests.support import Factory, GraphQLClient, SchoolWorld
from tests.websocket.helpers import connect, subscribe_live

FOLLOW = """
mutation F($input: FollowPostInput!) { followPost(input: $input) { errors { code } } }
"""
HIDE = """
mutation H($input: ModerateContentInput!) { hideContent(input: $input) { errors { code } } }
"""
APPROVE = """
mutation A($input: ContentInput!) { approveContent(input: $input) { errors { code } } }
"""
CLOSE_FORUM = """
mutation C($input: UpdateForumInput!) { updateForum(input: $input) { errors { code } } }
"""
READ_POST = "query P($id: ID!) { node(id: $id) { id } }"


async def _notified(state: AppState, email: str, user_id: object) -> tuple[int, int]:
    """(new-reply emails to ``email``, follower events keyed to ``user_id``)."""
    emails = await count(
        state,
        OutboundMessage,
        OutboundMessage.recipient == email,
        OutboundMessage.template == "community.new_reply",
    )
    async with state.db.session() as session:
        keys = await session.scalars(
            select(OutboxEvent.channel_keys).where(
                OutboxEvent.event_type == events.FOLLOWED_POST_REPLIED
            )
        )
        notices = sum(1 for channel_keys in keys if f"user:{user_id}" in channel_keys)
    return emails, notices


async def _pending_reply_in_followed_thread(
    gql: GraphQLClient, state: AppState, factory: Factory, world: SchoolWorld
) -> tuple[CommunityForum, str, str, str]:
    """An admin's post in a forum that requires approval, followed by a student, and
    another student's reply awaiting approval. Returns (forum, post id, reply id, admin)."""
    forums = await make_forums(state, factory, world)
    post = await make_post(state, world.admin, forums.moderated, title="Mock test nerves")
    follower = await gql.login(world.other_student.email)
    followed = await gql.data(FOLLOW, {"input": {"postId": post_gid(post)}}, token=follower)
    assert followed["followPost"]["errors"] == []
    pending = await gql.data(
        CREATE_REPLY,
        {"input": {"postId": post_gid(post), "body": "My instructor's private advice"}},
        token=await gql.login(world.student.email),
    )
    assert pending["createReply"]["reply"]["status"] == "PENDING"
    admin = await gql.login(world.admin.email)
    return forums.moderated, post_gid(post), pending["createReply"]["reply"]["id"], admin


async def test_approving_a_reply_in_a_hidden_thread_tells_no_reader_who_cannot_see_it(
    gql: GraphQLClient, state: AppState, factory: Factory, world: SchoolWorld
) -> None:
    # Given a followed thread with a reply awaiting approval, which a moderator then hides
    _, post_id, reply_id, admin = await _pending_reply_in_followed_thread(
        gql, state, factory, world
    )
    hidden = await gql.data(
        HIDE, {"input": {"targetId": post_id, "note": "Off topic"}}, token=admin
    )
    assert hidden["hideContent"]["errors"] == []
    follower = await gql.login(world.other_student.email)
    assert (await gql.data(READ_POST, {"id": post_id}, token=follower))["node"] is None

    # When the moderator approves the reply
    approved = await gql.data(APPROVE, {"input": {"targetId": reply_id}}, token=admin)
    assert approved["approveContent"]["errors"] == []

    # Then the follower, who can no longer read the thread, gets neither email nor notice
    assert await _notified(state, world.other_student.email, world.other_student.id) == (0, 0)
    # while the post's author, who still reads it, is told as usual
    assert await _notified(state, world.admin.email, world.admin.id) == (1, 1)


async def test_approving_a_reply_in_a_closed_forum_tells_no_reader_who_cannot_see_it(
    gql: GraphQLClient, state: AppState, factory: Factory, world: SchoolWorld
) -> None:
    # Given a followed thread with a reply awaiting approval, in a forum then closed
    forum, post_id, reply_id, admin = await _pending_reply_in_followed_thread(
        gql, state, factory, world
    )
    closed = await gql.data(
        CLOSE_FORUM, {"input": {"forumId": forum_gid(forum), "isActive": False}}, token=admin
    )
    assert closed["updateForum"]["errors"] == []
    follower = await gql.login(world.other_student.email)
    assert (await gql.data(READ_POST, {"id": post_id}, token=follower))["node"] is None

    # When a moderator approves the reply
    approved = await gql.data(APPROVE, {"input": {"targetId": reply_id}}, token=admin)
    assert approved["approveContent"]["errors"] == []

    # Then the follower, who can no longer read the forum, gets neither email nor notice
    assert await _notified(state, world.other_student.email, world.other_student.id) == (0, 0)
    # while the post's author, a moderator of the closed forum, is told as usual
    assert await _notified(state, world.admin.email, world.admin.id) == (1, 1)


REPLY_ADDED = """
subscription Replies($postId: ID!, $after: String) {
  replyAdded(postId: $postId, after: $after) { eventId change reply { id status body } }
}
"""


async def test_a_reply_hidden_meanwhile_is_replayed_as_a_tombstone_not_as_it_was(
    server: RunningServer,
    gql: GraphQLClient,
    factory: Factory,
    world: SchoolWorld,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given readers who received a new reply live (its rows read once for all of them)
    state = server.state
    reads: list[object] = []
    read = feeds.snapshots._read

    async def counted_read(db: Any, reply_id: Any) -> Any:
        reads.append(reply_id)
        return await read(db, reply_id)

    monkeypatch.setattr(feeds.snapshots, "_read", counted_read)
    forums = await make_forums(state, factory, world)
    post = await make_post(state, world.admin, forums.school)
    live = []
    for person in (world.instructor, world.other_instructor, world.admin):
        ws = await connect(server.ws_url, await gql.login(person.email))
        live.append((ws, await subscribe_live(ws, state, REPLY_ADDED, postId=post_gid(post))))
    added = await gql.data(
        CREATE_REPLY,
        {"input": {"postId": post_gid(post), "body": "Buy answers at example.invalid"}},
        token=await gql.login(world.student.email),
    )
    reply_id = added["createReply"]["reply"]["id"]
    received = [(await ws.next_data(op))["data"]["replyAdded"] for ws, op in live]
    for ws, _ in live:
        await ws.close()
    assert {e["reply"]["body"] for e in received} == {"Buy answers at example.invalid"}
    assert len(reads) == 1
    first = received[0]
    # and a moderator who then hid that reply
    hidden = await gql.data(
        HIDE,
        {"input": {"targetId": reply_id, "note": "Spam"}},
        token=await gql.login(world.admin.email),
    )
    assert hidden["hideContent"]["errors"] == []

    # When another reader subscribes from before the reply was added
    reader = await connect(server.ws_url, await gql.login(world.other_student.email))
    op_id = await reader.subscribe(
        REPLY_ADDED, {"postId": post_gid(post), "after": str(int(first["eventId"]) - 1)}
    )
    replayed = [(await reader.next_data(op_id))["data"]["replyAdded"] for _ in range(2)]
    await reader.close()

    # Then both events carry the reply as it is now: a tombstone without its words
    assert [e["change"] for e in replayed] == ["ADDED", "UPDATED"]
    for event in replayed:
        assert event["reply"]["id"] == reply_id
        assert event["reply"]["status"] == "HIDDEN"
        assert event["reply"]["body"] is None
