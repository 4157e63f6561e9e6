"""Counters equal their rows, and each kind of interaction is one per user and target,
under real concurrency: simultaneous HTTP requests against the running server, then a
count of what PostgreSQL holds."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from models.community import (
    CommunityBadge,
    CommunityInteraction,
    CommunityPoints,
    CommunityPost,
    CommunityPostView,
    CommunityReply,
)
from resolvers.context import AppState
from services.actor import Role
from tests.community.helpers import (
    CREATE_REPLY,
    VOTE,
    count,
    fetch,
    make_forums,
    make_post,
    post_gid,
)
from tests.support import Factory, GraphQLClient, SchoolWorld

VIEW = """
mutation View($input: PostInput!) { viewPost(input: $input) { post { viewCount } errors { code } } }
"""


async def _members(factory: Factory, gql: GraphQLClient, world: SchoolWorld, n: int) -> list[str]:
    users = [await factory.user(world.school, Role.STUDENT) for _ in range(n)]
    # One after another: a login in progress counts as a failed attempt of the address.
    return [await gql.login(u.email) for u in users]


async def _send_all(
    gql: GraphQLClient, sends: list[tuple[str, dict[str, Any], str]]
) -> Counter[str]:
    """Fire every request at once; count outcomes ("OK" or the first error code)."""
    responses = await asyncio.gather(
        *(gql.post(query, variables, token=token) for query, variables, token in sends)
    )
    outcomes: Counter[str] = Counter()
    for response in responses:
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body
        payload = next(iter(body["data"].values()))
        outcomes.update([payload["errors"][0]["code"] if payload["errors"] else "OK"])
    return outcomes


def _vote(target: str, vote: str | None) -> dict[str, Any]:
    return {"input": {"targetId": target, "vote": vote}}


async def test_100_concurrent_likes_by_100_people_count_100(
    gql: GraphQLClient, state: AppState, factory: Factory, world: SchoolWorld
) -> None:
    # Given a post and 100 members of the school
    forums = await make_forums(state, factory, world)
    post = await make_post(state, world.student, forums.school)
    tokens = await _members(factory, gql, world, 100)

    # When all of them like it at the same moment
    outcomes = await _send_all(gql, [(VOTE, _vote(post_gid(post), "LIKE"), t) for t in tokens])

    # Then every like counts once, the counter equals the rows, and the author earned it all
    assert outcomes == Counter({"OK": 100})
    stored = await fetch(state, CommunityPost, post.id)
    likes = await count(
        state,
        CommunityInteraction,
        CommunityInteraction.post_id == post.id,
        CommunityInteraction.kind == "like",
    )
    assert stored.like_count == likes == 100
    assert stored.dislike_count == 0
    assert await count(state, CommunityPoints, CommunityPoints.user_id == world.student.id) == 100
    # and the threshold badges were awarded exactly once each, however the likes interleaved
    badges = await count(state, CommunityBadge, CommunityBadge.user_id == world.student.id)
    assert badges == len({"first_post", "likes_10", "likes_100", "reputation_100"})


async def test_100_concurrent_likes_by_one_person_count_1(
    gql: GraphQLClient, state: AppState, factory: Factory, world: SchoolWorld
) -> None:
    forums = await make_forums(state, factory, world)
    post = await make_post(state, world.student, forums.school)
    token = await gql.login(world.other_student.email)

    outcomes = await _send_all(gql, [(VOTE, _vote(post_gid(post), "LIKE"), token)] * 100)

    assert outcomes == Counter({"OK": 100})  # liking twice is not an error: it is a like
    stored = await fetch(state, CommunityPost, post.id)
    assert stored.like_count == 1
    assert await count(state, CommunityInteraction, CommunityInteraction.post_id == post.id) == 1
    assert await count(state, CommunityPoints, CommunityPoints.user_id == world.student.id) == 1


BOOKMARK = """
mutation B($input: SetBookmarkInput!) { setBookmark(input: $input) { content { __typename } errors { code } } }
"""

REPORT = """
mutation R($input: ReportContentInput!) { reportContent(input: $input) { report { id } errors { code } } }
"""

MY_BOOKMARKS = """
query Mine { myBookmarks(first: 20) { edges { node { ... on Post { id } ... on Reply { id } } } } }
"""


async def test_concurrent_bookmarks_and_reports_by_one_person_leave_one_of_each(
    gql: GraphQLClient, state: AppState, factory: Factory, world: SchoolWorld
) -> None:
    # Given another student's post, and a reader who clicks bookmark and report 30 times
    # each, all at once
    forums = await make_forums(state, factory, world)
    post = await make_post(state, world.student, forums.school, post_type="discussion")
    token = await gql.login(world.other_student.email)
    target = {"targetId": post_gid(post)}
    bookmark = (BOOKMARK, {"input": target}, token)
    report = (REPORT, {"input": {**target, "reason": "SPAM"}}, token)

    bookmarked = await _send_all(gql, [bookmark] * 30)
    reported = await _send_all(gql, [report] * 30)

    # Then bookmarking is idempotent, one report is filed and the rest are told so,
    # and PostgreSQL holds one row of each kind
    assert bookmarked == Counter({"OK": 30})
    assert reported == Counter({"OK": 1, "ALREADY_REPORTED": 29})
    for kind in ("bookmark", "report"):
        rows = await count(
            state,
            CommunityInteraction,
            CommunityInteraction.post_id == post.id,
            CommunityInteraction.kind == kind,
        )
        assert rows == 1, kind
    mine = (await gql.data(MY_BOOKMARKS, token=token))["myBookmarks"]["edges"]
    assert [edge["node"]["id"] for edge in mine] == [post_gid(post)]

    # And taking the bookmark back empties the list
    removed = await gql.data(BOOKMARK, {"input": {**target, "bookmarked": False}}, token=token)
    assert removed["setBookmark"]["errors"] == []
    assert (await gql.data(MY_BOOKMARKS, token=token))["myBookmarks"]["edges"] == []


async def test_concurrent_likes_and_dislikes_by_one_person_leave_one_vote(
    gql: GraphQLClient, state: AppState, factory: Factory, world: SchoolWorld
) -> None:
    # Given a reply, and a reader who clicks like and dislike 60 times at once, then unvotes
    forums = await make_forums(state, factory, world)
    post = await make_post(state, world.student, forums.school)
    reply_body = await gql.data(
        CREATE_REPLY,
        {"input": {"postId": post_gid(post), "body": "Check blind spots"}},
        token=await gql.login(world.instructor.email),
    )
    target = reply_body["createReply"]["reply"]["id"]
    token = await gql.login(world.other_student.email)
    sends = [(VOTE, _vote(target, "LIKE" if n % 2 else "DISLIKE"), token) for n in range(60)]
    sends += [(VOTE, _vote(target, None), token) for _ in range(10)]

    outcomes = await _send_all(gql, sends)

    # Then no request failed, at most one vote row is left, and the counters agree with it
    assert set(outcomes) <= {"OK", "CONFLICT"}
    reply = (await _replies(state, post))[0]
    rows = await _kinds(state, reply.id)
    assert len(rows) <= 1
    assert (reply.like_count, reply.dislike_count) == (rows.count("like"), rows.count("dislike"))
    points = await count(state, CommunityPoints, CommunityPoints.user_id == world.instructor.id)
    assert points == rows.count("like")


async def test_50_concurrent_replies_are_numbered_and_counted_exactly(
    gql: GraphQLClient, state: AppState, factory: Factory, world: SchoolWorld
) -> None:
    forums = await make_forums(state, factory, world)
    post = await make_post(state, world.student, forums.school)
    tokens = await _members(factory, gql, world, 10)
    sends = [
        (CREATE_REPLY, {"input": {"postId": post_gid(post), "body": f"Reply {n}"}}, tokens[n % 10])
        for n in range(50)
    ]

    outcomes = await _send_all(gql, sends)

    assert outcomes == Counter({"OK": 50})
    replies = await _replies(state, post)
    assert sorted(r.number for r in replies) == list(range(1, 51))
    stored = await fetch(state, CommunityPost, post.id)
    assert stored.reply_count == len(replies) == stored.reply_seq == 50


async def test_views_count_once_per_reader_per_day_under_refresh_spam(
    gql: GraphQLClient, state: AppState, factory: Factory, world: SchoolWorld
) -> None:
    forums = await make_forums(state, factory, world)
    post = await make_post(state, world.student, forums.school)
    readers = await _members(factory, gql, world, 20)
    spammer = await gql.login(world.other_student.email)
    view = {"input": {"postId": post_gid(post)}}

    outcomes = await _send_all(
        gql, [(VIEW, view, spammer)] * 30 + [(VIEW, view, token) for token in readers]
    )

    assert outcomes == Counter({"OK": 50})
    stored = await fetch(state, CommunityPost, post.id)
    rows = await count(state, CommunityPostView, CommunityPostView.post_id == post.id)
    assert stored.view_count == rows == 21


async def _replies(state: AppState, post: Any) -> list[CommunityReply]:
    from sqlalchemy import select

    async with state.db.session() as session:
        return list(
            await session.scalars(select(CommunityReply).where(CommunityReply.post_id == post.id))
        )


async def _kinds(state: AppState, reply_id: Any) -> list[str]:
    from sqlalchemy import select

    async with state.db.session() as session:
        return list(
            await session.scalars(
                select(CommunityInteraction.kind).where(CommunityInteraction.reply_id == reply_id)
            )
        )
