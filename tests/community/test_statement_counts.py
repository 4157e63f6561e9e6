"""No N+1 in the community: a thread read as a tree costs the same statements whether it
is flat or 12 levels deep, and whether it has 3 replies or 40; a forum page costs the
same for 2 posts as for 30."""

from __future__ import annotations

from typing import Any

from resolvers.context import AppState
from tests.community.helpers import (
    forum_gid,
    make_chain,
    make_forums,
    make_post,
    make_reply,
    post_gid,
)
from tests.support import Factory, GraphQLClient, SchoolWorld

TREE = """
query Tree($id: ID!) {
  node(id: $id) {
    ... on Post {
      title replyCount viewerVote viewerIsFollowing
      author { displayName reputation badges { code } }
      replyTree(first: 100) {
        edges {
          node {
            id depth path parentId bodyHtml likeCount isSolution childCount viewerVote
            viewerHasBookmarked author { displayName role reputation badges { code } }
          }
        }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
}
"""

FORUM_PAGE = """
query ForumPage($id: ID!) {
  node(id: $id) {
    ... on Forum {
      name viewerCanModerate moderators { displayName }
      posts(first: 50) {
        edges {
          node {
            id title replyCount likeCount viewerVote solution { id }
            author { displayName reputation }
          }
        }
      }
    }
  }
}
"""

# Measured: the bearer token's session lookup, the post, the tree page, the viewer's vote
# and follow on the post, the post's author with reputation and badges (3), then one
# batch for all replies' authors, reputations and badges (3), the viewer's interactions
# with the replies, and child counts.
TREE_STATEMENTS = 13
# Measured: the session, the forum, then one statement per nested lookup (moderator
# rights, named moderators, the posts page, the viewer's votes, authors, reputations).
FORUM_STATEMENTS = 8


async def _statements(
    gql: GraphQLClient, query: str, variables: dict[str, Any], token: str
) -> tuple[int, dict[str, Any]]:
    body = await gql.execute(query, variables, token=token)
    assert "errors" not in body, body
    return body["extensions"]["sqlStatements"], body["data"]


async def test_a_12_level_thread_costs_the_same_as_a_flat_one(
    gql: GraphQLClient, state: AppState, factory: Factory, world: SchoolWorld
) -> None:
    # Given a flat thread of 12 replies and a thread 12 levels deep, by several people
    forums = await make_forums(state, factory, world)
    people = [world.student, world.instructor, world.other_student, world.admin]
    flat = await make_post(state, world.student, forums.school, title="Flat")
    for n in range(12):
        await make_reply(state, people[n % 4], flat)
    deep = await make_post(state, world.student, forums.school, title="Deep")
    await make_chain(state, people, deep, 12)
    token = await gql.login(world.other_student.email)

    # When the reader reads each as a tree
    flat_cost, flat_data = await _statements(gql, TREE, {"id": post_gid(flat)}, token)
    deep_cost, deep_data = await _statements(gql, TREE, {"id": post_gid(deep)}, token)

    # Then both come back whole, the deep one 12 levels deep, for the same statements
    flat_nodes = [e["node"] for e in flat_data["node"]["replyTree"]["edges"]]
    deep_nodes = [e["node"] for e in deep_data["node"]["replyTree"]["edges"]]
    assert [n["depth"] for n in flat_nodes] == [0] * 12
    assert [n["depth"] for n in deep_nodes] == list(range(12))
    assert deep_nodes[-1]["path"] == ".".join(str(n) for n in range(1, 13))
    assert all(n["author"]["displayName"] for n in deep_nodes)
    assert flat_cost == deep_cost == TREE_STATEMENTS


async def test_a_thread_of_40_replies_costs_the_same_as_one_of_3(
    gql: GraphQLClient, state: AppState, factory: Factory, world: SchoolWorld
) -> None:
    forums = await make_forums(state, factory, world)
    people = [world.student, world.instructor, world.other_student]
    small = await make_post(state, world.student, forums.school, title="Small")
    await make_chain(state, people, small, 3)
    large = await make_post(state, world.student, forums.school, title="Large")
    chain = await make_chain(state, people, large, 20)
    for n in range(20):
        await make_reply(state, people[n % 3], large, chain[n % 5])
    token = await gql.login(world.admin.email)

    small_cost, small_data = await _statements(gql, TREE, {"id": post_gid(small)}, token)
    large_cost, large_data = await _statements(gql, TREE, {"id": post_gid(large)}, token)

    assert len(small_data["node"]["replyTree"]["edges"]) == 3
    assert len(large_data["node"]["replyTree"]["edges"]) == 40
    assert small_cost == large_cost == TREE_STATEMENTS


async def test_a_forum_page_costs_the_same_for_2_and_30_posts(
    gql: GraphQLClient, state: AppState, factory: Factory, world: SchoolWorld
) -> None:
    forums = await make_forums(state, factory, world)
    people = [world.student, world.instructor, world.other_student]
    for n in range(2):
        await make_post(state, people[n % 3], forums.school, title=f"Small {n}")
    for n in range(30):
        post = await make_post(state, people[n % 3], forums.platform, title=f"Large {n}")
        if n % 5 == 0:
            await make_reply(state, world.admin, post)
    token = await gql.login(world.other_student.email)

    small_cost, small_data = await _statements(
        gql, FORUM_PAGE, {"id": forum_gid(forums.school)}, token
    )
    large_cost, large_data = await _statements(
        gql, FORUM_PAGE, {"id": forum_gid(forums.platform)}, token
    )

    assert len(small_data["node"]["posts"]["edges"]) == 2
    assert len(large_data["node"]["posts"]["edges"]) == 30
    assert small_cost == large_cost == FORUM_STATEMENTS
