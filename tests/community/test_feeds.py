"""`replyAdded` and `forumActivity` over a real graphql-transport-ws WebSocket: readers get
new replies at once, replies awaiting approval reach moderators only, a school's private
forum reaches nobody of another school, and reconnecting with the last event id replays
exactly what was missed."""

from __future__ import annotations

from typing import Any

from tests.community.helpers import (
    CREATE_POST,
    CREATE_REPLY,
    forum_gid,
    make_forum,
    make_forums,
    make_post,
    post_gid,
)
from tests.conftest import RunningServer
from tests.support import Factory, GraphQLClient, SchoolWorld, WSClient
from tests.websocket.helpers import connect, subscribe_live

REPLY_ADDED = """
subscription Replies($postId: ID!, $after: String) {
  replyAdded(postId: $postId, after: $after) {
    eventId change reply { id status depth body author { displayName } }
  }
}
"""

FORUM_ACTIVITY = """
subscription Forum($forumId: ID!, $after: String) {
  forumActivity(forumId: $forumId, after: $after) {
    eventId change post { id title status } reply { id }
  }
}
"""

APPROVE = """
mutation Approve($input: ContentInput!) {
  approveContent(input: $input) { content { ... on Reply { id status } } errors { code } }
}
"""


async def _listen(
    server: RunningServer, gql: GraphQLClient, email: str, query: str, **variables: Any
) -> tuple[WSClient, str]:
    ws = await connect(server.ws_url, await gql.login(email))
    return ws, await subscribe_live(ws, server.state, query, **variables)


async def _reply(gql: GraphQLClient, token: str, post_id: str, body: str) -> dict[str, Any]:
    data = await gql.data(CREATE_REPLY, {"input": {"postId": post_id, "body": body}}, token=token)
    assert data["createReply"]["errors"] == [], data
    return data["createReply"]["reply"]  # type: ignore[no-any-return]


def _event(payload: dict[str, Any], field: str = "replyAdded") -> dict[str, Any]:
    assert "errors" not in payload, payload
    return payload["data"][field]  # type: ignore[no-any-return]


async def test_a_reader_receives_a_new_reply_live(
    server: RunningServer, gql: GraphQLClient, factory: Factory, world: SchoolWorld
) -> None:
    # Given a reader subscribed to a post
    forums = await make_forums(server.state, factory, world)
    post = await make_post(server.state, world.student, forums.school)
    reader, op_id = await _listen(
        server, gql, world.other_student.email, REPLY_ADDED, postId=post_gid(post)
    )
    token = await gql.login(world.instructor.email)

    # When the instructor replies
    reply = await _reply(gql, token, post_gid(post), "Use the MSM routine")

    # Then the reply arrives live, as the reader sees it. (How fast is measured, not asserted
    # here: the graphql-ws conformance check records the delay and requires under a second,
    # and bench/fanout.py measures 1,000 subscribers.)
    event = _event(await reader.next_data(op_id))
    assert event["change"] == "ADDED"
    assert event["reply"] == {
        "id": reply["id"],
        "status": "PUBLISHED",
        "depth": 0,
        "body": "Use the MSM routine",
        "author": {"displayName": "Test I."},
    }
    await reader.close()


async def test_a_reply_awaiting_approval_reaches_moderators_only_until_approved(
    server: RunningServer, gql: GraphQLClient, factory: Factory, world: SchoolWorld
) -> None:
    # Given a moderated forum's post, a student reader and the school admin (a moderator)
    forums = await make_forums(server.state, factory, world)
    post = await make_post(server.state, world.admin, forums.moderated)
    reader, reader_op = await _listen(
        server, gql, world.other_student.email, REPLY_ADDED, postId=post_gid(post)
    )
    moderator, moderator_op = await _listen(
        server, gql, world.admin.email, REPLY_ADDED, postId=post_gid(post)
    )

    # When a student replies (the reply waits for approval)
    pending = await _reply(gql, await gql.login(world.student.email), post_gid(post), "Is it ok?")
    assert pending["status"] == "PENDING"

    # Then only the moderator hears of it
    awaiting = _event(await moderator.next_data(moderator_op))
    assert (awaiting["change"], awaiting["reply"]["id"]) == ("AWAITING_APPROVAL", pending["id"])
    await reader.expect_silence(0.5)

    # And once approved, the reader receives it as added
    admin = await gql.login(world.admin.email)
    approved = await gql.data(APPROVE, {"input": {"targetId": pending["id"]}}, token=admin)
    assert approved["approveContent"]["errors"] == []
    added = _event(await reader.next_data(reader_op))
    assert (added["change"], added["reply"]["id"], added["reply"]["status"]) == (
        "ADDED",
        pending["id"],
        "PUBLISHED",
    )
    assert _event(await moderator.next_data(moderator_op))["change"] == "ADDED"
    await reader.close()
    await moderator.close()


async def test_another_schools_users_receive_nothing_from_a_private_forum(
    server: RunningServer,
    gql: GraphQLClient,
    factory: Factory,
    world: SchoolWorld,
    other_world: SchoolWorld,
) -> None:
    # Given school A's private forum and post, and school B's people listening to everything
    # they may: their own school's forum and a platform-wide forum
    forums = await make_forums(server.state, factory, world)
    post = await make_post(server.state, world.student, forums.school)
    b_forum = await make_forum(server.state, factory, school=other_world.school, name="B")
    listeners = [
        await _listen(server, gql, email, FORUM_ACTIVITY, forumId=forum_gid(forum))
        for email in (other_world.student.email, other_world.admin.email)
        for forum in (b_forum, forums.platform)
    ]
    a_reader, a_op = await _listen(
        server, gql, world.other_student.email, FORUM_ACTIVITY, forumId=forum_gid(forums.school)
    )

    # When school A posts and replies in its own forum
    token = await gql.login(world.instructor.email)
    await _reply(gql, token, post_gid(post), "Only for us")
    created = await gql.data(
        CREATE_POST,
        {"input": {"forumId": forum_gid(forums.school), "title": "School news", "body": "Hi"}},
        token=token,
    )
    assert created["createPost"]["errors"] == []

    # Then school A's reader hears both, and nobody of school B hears anything
    changes = [_event(await a_reader.next_data(a_op), "forumActivity")["change"] for _ in range(2)]
    assert changes == ["REPLY_ADDED", "POST_ADDED"]
    for ws, _ in listeners:
        await ws.expect_silence(0.2)
        await ws.close()
    await a_reader.close()


async def test_another_schools_user_cannot_subscribe_to_a_private_forum_or_its_posts(
    server: RunningServer,
    gql: GraphQLClient,
    factory: Factory,
    world: SchoolWorld,
    other_world: SchoolWorld,
) -> None:
    forums = await make_forums(server.state, factory, world)
    post = await make_post(server.state, world.student, forums.school)
    ws = await connect(server.ws_url, await gql.login(other_world.admin.email))

    for query, variables in (
        (REPLY_ADDED, {"postId": post_gid(post)}),
        (FORUM_ACTIVITY, {"forumId": forum_gid(forums.school)}),
    ):
        op_id = await ws.subscribe(query, variables)
        refused = await ws.receive()
        assert refused["id"] == op_id
        assert refused["payload"]["data"] is None
        assert refused["payload"]["errors"][0]["message"] in ("No such post.", "No such forum.")
        assert await ws.receive() == {"id": op_id, "type": "complete"}
    await ws.close()


async def test_reconnecting_with_the_last_event_id_replays_what_was_missed(
    server: RunningServer, gql: GraphQLClient, factory: Factory, world: SchoolWorld
) -> None:
    # Given a reader who saw one reply and disconnected
    forums = await make_forums(server.state, factory, world)
    post = await make_post(server.state, world.student, forums.school)
    reader_token = await gql.login(world.other_student.email)
    first = await connect(server.ws_url, reader_token)
    op_id = await subscribe_live(first, server.state, REPLY_ADDED, postId=post_gid(post))
    token = await gql.login(world.instructor.email)
    await _reply(gql, token, post_gid(post), "One")
    last_seen = _event(await first.next_data(op_id))["eventId"]
    await first.close()

    # When two replies are posted while away
    missed = [await _reply(gql, token, post_gid(post), text) for text in ("Two", "Three")]

    # Then resuming from the last event id replays exactly those, then follows live
    again = await connect(server.ws_url, reader_token)
    op_id = await again.subscribe(REPLY_ADDED, {"postId": post_gid(post), "after": last_seen})
    replayed = [_event(await again.next_data(op_id)) for _ in range(2)]
    assert [e["reply"]["id"] for e in replayed] == [r["id"] for r in missed]
    assert all(int(e["eventId"]) > int(last_seen) for e in replayed)
    await again.expect_silence(0.3)
    live = await _reply(gql, token, post_gid(post), "Four")
    assert _event(await again.next_data(op_id))["reply"]["id"] == live["id"]
    await again.close()


async def test_forum_activity_announces_pending_posts_to_moderators_only(
    server: RunningServer, gql: GraphQLClient, factory: Factory, world: SchoolWorld
) -> None:
    forums = await make_forums(server.state, factory, world)
    reader, _ = await _listen(
        server, gql, world.other_student.email, FORUM_ACTIVITY, forumId=forum_gid(forums.moderated)
    )
    moderator, moderator_op = await _listen(
        server, gql, world.admin.email, FORUM_ACTIVITY, forumId=forum_gid(forums.moderated)
    )

    created = await gql.data(
        CREATE_POST,
        {"input": {"forumId": forum_gid(forums.moderated), "title": "Hmm", "body": "Spam?"}},
        token=await gql.login(world.student.email),
    )

    post = created["createPost"]["post"]
    assert post["status"] == "PENDING"
    event = _event(await moderator.next_data(moderator_op), "forumActivity")
    assert (event["change"], event["post"]["id"]) == ("POST_AWAITING_APPROVAL", post["id"])
    await reader.expect_silence(0.5)
    await reader.close()
    await moderator.close()
