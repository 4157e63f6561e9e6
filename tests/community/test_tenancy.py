"""Another school's private forum behaves exactly like one that does not exist: reads are
null, every mutation is NOT_FOUND (as for a random id), and nothing changes."""

from __future__ import annotations

import uuid

from models.community import CommunityInteraction, CommunityPostFollower, CommunityReply
from resolvers.context import AppState
from tests.community.helpers import (
    CREATE_POST,
    CREATE_REPLY,
    VOTE,
    count,
    forum_gid,
    make_forums,
    make_post,
    make_reply,
    post_gid,
    reply_gid,
)
from tests.support import Factory, GraphQLClient, SchoolWorld, gid

NODES = "query N($ids: [ID!]!) { nodes(ids: $ids) { id } }"
BOOKMARK = """
mutation B($input: SetBookmarkInput!) { setBookmark(input: $input) { content { __typename } errors { code field } } }
"""
FOLLOW = """
mutation F($input: FollowPostInput!) { followPost(input: $input) { post { id } errors { code field } } }
"""
REPORT = """
mutation R($input: ReportContentInput!) { reportContent(input: $input) { report { id } errors { code field } } }
"""


async def test_another_schools_forum_posts_and_replies_are_invisible_and_untouchable(
    gql: GraphQLClient,
    state: AppState,
    factory: Factory,
    world: SchoolWorld,
    other_world: SchoolWorld,
) -> None:
    # Given school A's forum, post and reply, and a student and admin of school B
    forums = await make_forums(state, factory, world)
    post = await make_post(state, world.student, forums.school)
    reply = await make_reply(state, world.instructor, post)
    missing_post = gid("Post", uuid.uuid4())
    missing_reply = gid("Reply", uuid.uuid4())

    for email in (other_world.student.email, other_world.admin.email):
        token = await gql.login(email)

        # Then reads are null, like random ids
        nodes = await gql.data(
            NODES,
            {"ids": [forum_gid(forums.school), post_gid(post), reply_gid(reply)]},
            token=token,
        )
        assert nodes["nodes"] == [None, None, None]

        # And every write answers as for an id that does not exist
        for target, absent in ((post_gid(post), missing_post), (reply_gid(reply), missing_reply)):
            for document, variables, field in (
                (VOTE, {"targetId": "{id}", "vote": "LIKE"}, "vote"),
                (BOOKMARK, {"targetId": "{id}"}, "setBookmark"),
                (REPORT, {"targetId": "{id}", "reason": "SPAM"}, "reportContent"),
            ):
                answers = []
                for gid_value in (target, absent):
                    filled = {k: gid_value if v == "{id}" else v for k, v in variables.items()}
                    body = await gql.data(document, {"input": filled}, token=token)
                    answers.append(body[field]["errors"])
                assert answers[0] == answers[1] != [], (field, answers)
        for document, variables, field in (
            (CREATE_REPLY, {"postId": post_gid(post), "body": "Hi"}, "createReply"),
            (FOLLOW, {"postId": post_gid(post)}, "followPost"),
            (
                CREATE_POST,
                {"forumId": forum_gid(forums.school), "title": "x", "body": "y"},
                "createPost",
            ),
        ):
            body = await gql.data(document, {"input": variables}, token=token)
            assert body[field]["errors"][0]["code"] in {"POST_NOT_FOUND", "FORUM_NOT_FOUND"}

    assert await count(state, CommunityInteraction) == 0
    assert await count(state, CommunityReply) == 1
    assert (
        await count(state, CommunityPostFollower, CommunityPostFollower.user_id != world.student.id)
        == 0
    )


async def test_malformed_and_wrongly_typed_target_ids_are_typed_errors(
    gql: GraphQLClient, state: AppState, factory: Factory, world: SchoolWorld
) -> None:
    forums = await make_forums(state, factory, world)
    token = await gql.login(world.student.email)

    for target in ("garbage", forum_gid(forums.school), gid("User", world.student.id)):
        body = await gql.data(VOTE, {"input": {"targetId": target, "vote": "LIKE"}}, token=token)
        assert body["vote"]["errors"] == [
            {
                "code": "INVALID",
                "message": "`targetId` is not a valid Post or Reply ID.",
                "field": "targetId",
            }
        ]
