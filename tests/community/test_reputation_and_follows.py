"""Reputation, badges (also from other domains' milestones) and follow notifications."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select

from models.achievements import Milestone
from models.community import CommunityBadge, CommunityPoints
from models.events import OutboxEvent
from models.notifications import OutboundMessage
from resolvers.context import AppState
from services.achievements import record_milestone
from services.community import events, reputation
from services.uow import UnitOfWork, transact
from tests.community.helpers import (
    CREATE_REPLY,
    VOTE,
    count,
    make_forums,
    make_post,
    make_reply,
    post_gid,
    reply_gid,
)
from tests.support import Factory, GraphQLClient, SchoolWorld

PROFILE = "query Me { myCommunityProfile { displayName reputation badges { code name } } }"
MARK = "mutation M($input: ReplyInput!) { markSolution(input: $input) { errors { code } } }"
FOLLOW = """
mutation F($input: FollowPostInput!) { followPost(input: $input) { post { viewerIsFollowing } errors { code } } }
"""


async def _profile(gql: GraphQLClient, email: str) -> dict[str, Any]:
    return (await gql.data(PROFILE, token=await gql.login(email)))["myCommunityProfile"]  # type: ignore[no-any-return]


async def test_likes_and_accepted_solutions_earn_reputation_that_follows_them_back(
    gql: GraphQLClient, state: AppState, factory: Factory, world: SchoolWorld
) -> None:
    # Given the instructor's answer to a student's question
    forums = await make_forums(state, factory, world)
    post = await make_post(state, world.student, forums.school)
    answer = await make_reply(state, world.instructor, post)
    student = await gql.login(world.student.email)

    # When the student likes it and accepts it
    await gql.data(VOTE, {"input": {"targetId": reply_gid(answer), "vote": "LIKE"}}, token=student)
    await gql.data(MARK, {"input": {"replyId": reply_gid(answer)}}, token=student)

    # Then the instructor has 2 + 15 points and the problem-solver badge
    profile = await _profile(gql, world.instructor.email)
    assert profile["reputation"] == reputation.LIKE_RECEIVED_POINTS + reputation.SOLUTION_POINTS
    assert [b["code"] for b in profile["badges"]] == ["first_solution"]

    # When the student takes the like back, the points go, but the badge stays
    await gql.data(VOTE, {"input": {"targetId": reply_gid(answer), "vote": None}}, token=student)
    profile = await _profile(gql, world.instructor.email)
    assert profile["reputation"] == reputation.SOLUTION_POINTS
    assert [b["code"] for b in profile["badges"]] == ["first_solution"]


async def test_answering_your_own_question_earns_nothing(
    gql: GraphQLClient, state: AppState, factory: Factory, world: SchoolWorld
) -> None:
    forums = await make_forums(state, factory, world)
    post = await make_post(state, world.student, forums.school)
    mine = await make_reply(state, world.student, post)

    marked = await gql.data(
        MARK, {"input": {"replyId": reply_gid(mine)}}, token=await gql.login(world.student.email)
    )

    assert marked["markSolution"]["errors"] == []
    assert await count(state, CommunityPoints) == 0


async def _record(state: AppState, world: SchoolWorld, kind: str) -> None:
    async def work(uow: UnitOfWork) -> None:
        await record_milestone(uow, user_id=world.student.id, school_id=world.school.id, kind=kind)

    await transact(state.db, state.hub, state.deps, work)


async def test_milestones_become_points_and_badges_exactly_once(
    gql: GraphQLClient, state: AppState, world: SchoolWorld
) -> None:
    # Given milestones recorded by theory practice and lessons (and one the community ignores)
    for kind in ("theory.first_mock_pass", "lessons.completed_10", "theory.unheard_of"):
        await _record(state, world, kind)

    # When the community is asked to award them again, repeatedly and concurrently
    async def award(uow: UnitOfWork) -> int:
        return await reputation.award_for_milestones(uow, world.student.id)

    results = await asyncio.gather(
        *(transact(state.db, state.hub, state.deps, award) for _ in range(5))
    )

    # Then recording them already rewarded each known one, once, with its badge
    assert results == [0, 0, 0, 0, 0]
    profile = await _profile(gql, world.student.email)
    assert profile["reputation"] == (
        reputation.MILESTONE_POINTS["theory.first_mock_pass"]
        + reputation.MILESTONE_POINTS["lessons.completed_10"]
    )
    assert sorted(b["code"] for b in profile["badges"]) == [
        "lessons_completed_10",
        "theory_first_mock_pass",
    ]
    assert await count(state, OutboxEvent, OutboxEvent.event_type == events.BADGE_AWARDED) == 2


async def _record_unheard(state: AppState, world: SchoolWorld, kind: str) -> None:
    """A milestone row written without `record_milestone` (as before the community
    existed), so nothing rewarded it."""
    async with state.db.transaction() as session:
        session.add(Milestone(school_id=world.school.id, user_id=world.student.id, kind=kind))


async def test_the_sweep_rewards_milestones_nobody_awarded(
    state: AppState, world: SchoolWorld, other_world: SchoolWorld
) -> None:
    await _record_unheard(state, world, "theory.ready")
    await _record_unheard(state, other_world, "lessons.first_completed")

    async def sweep(uow: UnitOfWork) -> int:
        return await reputation.sweep_milestone_awards(uow)

    first = await transact(state.db, state.hub, state.deps, sweep)
    second = await transact(state.db, state.hub, state.deps, sweep)

    assert (first, second) == (2, 0)
    async with state.db.session() as session:
        badges = set(await session.scalars(select(CommunityBadge.badge)))
    assert badges == {"theory_ready", "lessons_first_completed"}


async def test_followers_hear_of_new_replies_but_authors_not_of_their_own(
    gql: GraphQLClient, state: AppState, factory: Factory, world: SchoolWorld
) -> None:
    # Given a student's post (its author follows it) and an instructor who follows it too
    forums = await make_forums(state, factory, world)
    post = await make_post(state, world.student, forums.school, title="Parallel parking")
    instructor = await gql.login(world.instructor.email)
    followed = await gql.data(FOLLOW, {"input": {"postId": post_gid(post)}}, token=instructor)
    assert followed["followPost"]["post"]["viewerIsFollowing"] is True

    # When the instructor replies
    reply = await gql.data(
        CREATE_REPLY,
        {"input": {"postId": post_gid(post), "body": "Use reference points"}},
        token=instructor,
    )
    assert reply["createReply"]["errors"] == []

    # Then the author is emailed and told in-app, and the instructor is not told of their own
    message = await factory.last_message(world.student.email, "community.new_reply")
    assert message.subject == "New reply: Parallel parking"
    assert "Use reference points" in message.body
    assert (
        await count(state, OutboundMessage, OutboundMessage.recipient == world.instructor.email)
        == 0
    )
    async with state.db.session() as session:
        notice = await session.scalar(
            select(OutboxEvent).where(OutboxEvent.event_type == events.FOLLOWED_POST_REPLIED)
        )
    assert notice is not None
    assert notice.channel_keys == [f"user:{world.student.id}"]


async def test_a_reply_awaiting_approval_notifies_nobody_until_approved(
    gql: GraphQLClient, state: AppState, factory: Factory, world: SchoolWorld
) -> None:
    forums = await make_forums(state, factory, world)
    post = await make_post(state, world.admin, forums.moderated)

    pending = await gql.data(
        CREATE_REPLY,
        {"input": {"postId": post_gid(post), "body": "Hello"}},
        token=await gql.login(world.student.email),
    )

    assert pending["createReply"]["reply"]["status"] == "PENDING"
    assert (
        await count(state, OutboundMessage, OutboundMessage.template == "community.new_reply") == 0
    )
    await gql.data(
        "mutation A($input: ContentInput!) { approveContent(input: $input) { errors { code } } }",
        {"input": {"targetId": pending["createReply"]["reply"]["id"]}},
        token=await gql.login(world.admin.email),
    )
    message = await factory.last_message(world.admin.email, "community.new_reply")
    assert "Hello" in message.body


CATALOGUE = "query { badgeCatalogue { code name description } }"

# The milestone kinds the domains agreed on (theory and lessons record them).
AGREED_MILESTONES = (
    "theory.first_practice",
    "theory.first_mock_pass",
    "theory.mock_passes_5",
    "theory.hazard_pass",
    "theory.ready",
    "lessons.first_completed",
    "lessons.completed_10",
    "lessons.completed_25",
)


async def test_the_badge_catalogue_has_the_community_badges_and_one_per_agreed_milestone(
    gql: GraphQLClient, world: SchoolWorld
) -> None:
    token = await gql.login(world.student.email)

    catalogue = (await gql.data(CATALOGUE, token=token))["badgeCatalogue"]

    codes = [badge["code"] for badge in catalogue]
    assert len(codes) == len(set(codes))
    assert all(badge["name"] and badge["description"] for badge in catalogue)
    community = {"first_post", "first_solution", "solutions_10", "likes_10", "likes_100"}
    milestones = {kind.replace(".", "_") for kind in AGREED_MILESTONES}
    assert set(codes) == community | {"reputation_100"} | milestones
    assert set(reputation.MILESTONE_POINTS) == set(AGREED_MILESTONES)
