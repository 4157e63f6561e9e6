"""Posts and replies over HTTP: threads of any depth read as a tree or level by level,
solutions, locks, authors' edits and deletions, and bodies that are empty, oversized or
carry scripts."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest

from models.community import CommunityPost, CommunityReply
from resolvers.context import AppState
from tests.community.helpers import (
    CREATE_POST,
    CREATE_REPLY,
    POST,
    count,
    fetch,
    forum_gid,
    make_chain,
    make_forums,
    make_post,
    make_reply,
    post_gid,
    reply_gid,
)
from tests.support import Factory, GraphQLClient, SchoolWorld

TREE = """
query Tree($id: ID!, $first: Int!, $after: String) {
  node(id: $id) {
    ... on Post {
      replyCount
      replyTree(first: $first, after: $after) {
        edges { cursor node { id depth path number parentId body childCount isSolution } }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
}
"""

CHILDREN = """
query Children($id: ID!) {
  node(id: $id) {
    ... on Post {
      replies(first: 10) {
        edges { node { id body childCount children(first: 10) { edges { node { id depth } } } } }
      }
    }
  }
}
"""

MARK_SOLUTION = """
mutation Mark($input: ReplyInput!) {
  markSolution(input: $input) { reply { id isSolution } errors { code field } }
}
"""

LOCK = """
mutation Lock($input: LockPostInput!) {
  lockPost(input: $input) { post { id isLocked } errors { code } }
}
"""

DELETE_REPLY = """
mutation Delete($input: ReplyInput!) {
  deleteReply(input: $input) { reply { id isDeleted body author { displayName } } errors { code } }
}
"""


async def _create_post(gql: GraphQLClient, token: str, forum_id: str, **fields: Any) -> Any:
    data = await gql.data(
        CREATE_POST,
        {"input": {"forumId": forum_id, "title": "Roundabouts", "body": "Help", **fields}},
        token=token,
    )
    return data["createPost"]


async def test_a_member_posts_and_replies_at_any_depth_and_reads_the_thread_as_a_tree(
    gql: GraphQLClient, state: AppState, factory: Factory, world: SchoolWorld
) -> None:
    # Given the school's forum and a student's question
    forums = await make_forums(state, factory, world)
    token = await gql.login(world.student.email)
    created = await _create_post(
        gql, token, forum_gid(forums.school), postType="QUESTION", tags=["Roundabouts", "tips"]
    )
    assert created["errors"] == []
    post = created["post"]
    assert (post["status"], post["postType"], post["tags"]) == (
        "PUBLISHED",
        "QUESTION",
        ["roundabouts", "tips"],
    )

    # When the instructor answers, the student answers that, and someone answers the post again
    instructor = await gql.login(world.instructor.email)
    first = (
        await gql.data(
            CREATE_REPLY, {"input": {"postId": post["id"], "body": "Look right"}}, token=instructor
        )
    )["createReply"]["reply"]
    second = (
        await gql.data(
            CREATE_REPLY,
            {"input": {"postId": post["id"], "parentId": first["id"], "body": "Thanks"}},
            token=token,
        )
    )["createReply"]["reply"]
    third = (
        await gql.data(
            CREATE_REPLY, {"input": {"postId": post["id"], "body": "Signal left"}}, token=instructor
        )
    )["createReply"]["reply"]

    # Then the tree comes back depth first with depths, parents and paths
    tree = (await gql.data(TREE, {"id": post["id"], "first": 10}, token=token))["node"]
    nodes = [edge["node"] for edge in tree["replyTree"]["edges"]]
    assert [n["id"] for n in nodes] == [first["id"], second["id"], third["id"]]
    assert [(n["depth"], n["path"], n["parentId"]) for n in nodes] == [
        (0, "1", None),
        (1, "1.2", first["id"]),
        (0, "3", None),
    ]
    assert nodes[0]["childCount"] == 1
    assert tree["replyCount"] == 3

    # And level by level through replies and children
    levels = (await gql.data(CHILDREN, {"id": post["id"]}, token=token))["node"]["replies"]
    assert [e["node"]["id"] for e in levels["edges"]] == [first["id"], third["id"]]
    assert [e["node"]["id"] for e in levels["edges"][0]["node"]["children"]["edges"]] == [
        second["id"]
    ]


async def test_the_tree_pages_by_keyset_without_gaps_or_repeats(
    gql: GraphQLClient, state: AppState, factory: Factory, world: SchoolWorld
) -> None:
    # Given a chain 4 deep, a 3-reply branch off its first reply and 3 more top-level replies
    forums = await make_forums(state, factory, world)
    post = await make_post(state, world.student, forums.school)
    people = [world.student, world.instructor, world.other_student]
    branch_a = await make_chain(state, people, post, 4)
    extra = [await make_reply(state, world.instructor, post) for _ in range(3)]
    branch_b = [await make_reply(state, world.other_student, post, branch_a[0])]
    for _ in range(2):
        branch_b.append(await make_reply(state, world.student, post, branch_b[-1]))
    token = await gql.login(world.other_student.email)

    # When the student reads it 3 at a time
    seen: list[dict[str, Any]] = []
    after = None
    while True:
        page = (
            await gql.data(TREE, {"id": post_gid(post), "first": 3, "after": after}, token=token)
        )["node"]["replyTree"]
        seen.extend(edge["node"] for edge in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    # Then every reply comes once, in thread order
    expected = [*branch_a, *branch_b, *extra]
    expected.sort(key=lambda r: r.path)
    assert [n["id"] for n in seen] == [reply_gid(r) for r in expected]
    assert len(seen) == 4 + 3 + 3


async def test_a_garbage_tree_cursor_is_a_typed_error(
    gql: GraphQLClient, state: AppState, factory: Factory, world: SchoolWorld
) -> None:
    forums = await make_forums(state, factory, world)
    post = await make_post(state, world.student, forums.school)
    token = await gql.login(world.student.email)

    for after in ("nonsense", "WyJuIiwxXQ", "WyJwIl0"):
        body = await gql.execute(
            TREE, {"id": post_gid(post), "first": 3, "after": after}, token=token
        )
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body


async def test_the_question_author_or_a_moderator_marks_the_solution_others_may_not(
    gql: GraphQLClient, state: AppState, factory: Factory, world: SchoolWorld
) -> None:
    # Given a student's question with two answers
    forums = await make_forums(state, factory, world)
    post = await make_post(state, world.student, forums.school)
    good = await make_reply(state, world.instructor, post)
    other = await make_reply(state, world.other_student, post)

    # When another student tries to mark one, then the author marks one, then an admin the other
    refused = await gql.execute(
        MARK_SOLUTION,
        {"input": {"replyId": reply_gid(good)}},
        token=await gql.login(world.other_student.email),
    )
    marked = await gql.data(
        MARK_SOLUTION,
        {"input": {"replyId": reply_gid(good)}},
        token=await gql.login(world.student.email),
    )
    remarked = await gql.data(
        MARK_SOLUTION,
        {"input": {"replyId": reply_gid(other)}},
        token=await gql.login(world.admin.email),
    )

    # Then the stranger is forbidden, and the post has exactly the admin's choice
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert marked["markSolution"]["reply"]["isSolution"] is True
    assert remarked["markSolution"]["reply"]["isSolution"] is True
    stored = await fetch(state, CommunityPost, post.id)
    assert stored.solution_reply_id == other.id


async def test_only_questions_have_solutions(
    gql: GraphQLClient, state: AppState, factory: Factory, world: SchoolWorld
) -> None:
    forums = await make_forums(state, factory, world)
    post = await make_post(state, world.student, forums.school, post_type="discussion")
    reply = await make_reply(state, world.instructor, post)

    result = await gql.data(
        MARK_SOLUTION,
        {"input": {"replyId": reply_gid(reply)}},
        token=await gql.login(world.student.email),
    )

    assert result["markSolution"]["errors"] == [{"code": "NOT_A_QUESTION", "field": "postId"}]


async def test_a_locked_thread_takes_replies_from_moderators_only(
    gql: GraphQLClient, state: AppState, factory: Factory, world: SchoolWorld
) -> None:
    forums = await make_forums(state, factory, world)
    post = await make_post(state, world.student, forums.school)
    admin = await gql.login(world.admin.email)
    locked = await gql.data(LOCK, {"input": {"postId": post_gid(post)}}, token=admin)
    assert locked["lockPost"]["post"]["isLocked"] is True

    student_reply = await gql.data(
        CREATE_REPLY,
        {"input": {"postId": post_gid(post), "body": "Me too"}},
        token=await gql.login(world.other_student.email),
    )
    admin_reply = await gql.data(
        CREATE_REPLY, {"input": {"postId": post_gid(post), "body": "Closed, see FAQ"}}, token=admin
    )

    assert student_reply["createReply"]["errors"] == [
        {"code": "POST_LOCKED", "message": "This thread is locked.", "field": "postId"}
    ]
    assert admin_reply["createReply"]["errors"] == []
    assert await count(state, CommunityReply, CommunityReply.post_id == post.id) == 1


async def test_a_deleted_reply_stays_as_a_tombstone_and_leaves_the_count(
    gql: GraphQLClient, state: AppState, factory: Factory, world: SchoolWorld
) -> None:
    forums = await make_forums(state, factory, world)
    post = await make_post(state, world.student, forums.school)
    parent = await make_reply(state, world.other_student, post)
    child = await make_reply(state, world.instructor, post, parent)

    deleted = await gql.data(
        DELETE_REPLY,
        {"input": {"replyId": reply_gid(parent)}},
        token=await gql.login(world.other_student.email),
    )
    tree = (
        await gql.data(
            TREE, {"id": post_gid(post), "first": 10}, token=await gql.login(world.student.email)
        )
    )["node"]

    assert deleted["deleteReply"]["reply"]["isDeleted"] is True
    assert deleted["deleteReply"]["reply"]["body"] is None
    assert [e["node"]["id"] for e in tree["replyTree"]["edges"]] == [
        reply_gid(parent),
        reply_gid(child),
    ]
    assert tree["replyTree"]["edges"][0]["node"]["body"] is None
    assert tree["replyCount"] == 1


class _Markup(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, attrs))


def live_markup(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """The elements (and their attributes) a browser would build from ``html``."""
    parser = _Markup()
    parser.feed(html)
    return parser.elements


SCRIPTS = [
    ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"),
    ("[click](javascript:alert(1))", "[click](javascript:alert(1))"),
    ("[x](JAVASCRIPT:alert(1))", "[x](JAVASCRIPT:alert(1))"),
    (
        '<a href="javascript:alert(1)">x</a>',
        '&lt;a href="javascript:alert(1)"&gt;x&lt;/a&gt;',
    ),
]


@pytest.mark.parametrize(("body", "escaped"), SCRIPTS)
async def test_script_carrying_bodies_are_stored_as_written_and_served_inert(
    gql: GraphQLClient,
    state: AppState,
    factory: Factory,
    world: SchoolWorld,
    body: str,
    escaped: str,
) -> None:
    forums = await make_forums(state, factory, world)
    token = await gql.login(world.student.email)

    created = await _create_post(gql, token, forum_gid(forums.school), body=body)

    post = created["post"]
    assert created["errors"] == []
    assert post["body"] == body
    assert escaped in post["bodyHtml"]
    assert live_markup(post["bodyHtml"]) == [("p", [])]


async def test_markdown_renders_with_safe_links(
    gql: GraphQLClient, state: AppState, factory: Factory, world: SchoolWorld
) -> None:
    forums = await make_forums(state, factory, world)
    token = await gql.login(world.student.email)

    created = await _create_post(
        gql,
        token,
        forum_gid(forums.school),
        body="**Mirror**, signal: see https://www.gov.uk/highway-code",
    )

    assert created["post"]["bodyHtml"] == (
        '<p><strong>Mirror</strong>, signal: see <a href="https://www.gov.uk/highway-code" '
        'rel="nofollow ugc noopener">https://www.gov.uk/highway-code</a></p>\n'
    )


BAD_POSTS = [
    ({"body": ""}, "EMPTY", "body"),
    ({"body": "   \n\t "}, "EMPTY", "body"),
    ({"body": "x" * 20_001}, "TOO_LONG", "body"),
    ({"body": "null\x00byte"}, "INVALID", "body"),
    ({"title": ""}, "EMPTY", "title"),
    ({"title": "t" * 201}, "TOO_LONG", "title"),
    ({"title": "two\nlines"}, "INVALID", "title"),
    ({"tags": ["a", "b", "c", "d", "e", "f"]}, "TOO_MANY", "tags"),
    ({"tags": ["no spaces"]}, "INVALID", "tags"),
    ({"attachments": ["http://example.com/a.pdf"]}, "INVALID_URL", "attachments"),
    ({"attachments": ["javascript:alert(1)"]}, "INVALID_URL", "attachments"),
    ({"attachments": ["https://user:pw@example.com/a.pdf"]}, "INVALID_URL", "attachments"),
    ({"attachments": ["https://example.com/" + "a" * 500]}, "TOO_LONG", "attachments"),
    ({"attachments": [f"https://example.com/{n}" for n in range(6)]}, "TOO_MANY", "attachments"),
    ({"postType": "ANNOUNCEMENT"}, "FORBIDDEN", None),
    ({"forumId": "not-an-id"}, "FORUM_NOT_FOUND", "forumId"),
]


@pytest.mark.parametrize(("fields", "code", "field"), BAD_POSTS)
async def test_bad_posts_get_typed_errors_and_change_nothing(
    gql: GraphQLClient,
    state: AppState,
    factory: Factory,
    world: SchoolWorld,
    fields: dict[str, Any],
    code: str,
    field: str | None,
) -> None:
    forums = await make_forums(state, factory, world)
    token = await gql.login(world.student.email)

    body = await gql.execute(
        CREATE_POST,
        {"input": {"forumId": forum_gid(forums.school), "title": "Ok", "body": "Ok", **fields}},
        token=token,
    )

    if code == "FORBIDDEN":
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    else:
        assert [(e["code"], e["field"]) for e in body["data"]["createPost"]["errors"]] == [
            (code, field)
        ]
    assert await count(state, CommunityPost) == 0


async def test_empty_and_oversized_replies_are_refused(
    gql: GraphQLClient, state: AppState, factory: Factory, world: SchoolWorld
) -> None:
    forums = await make_forums(state, factory, world)
    post = await make_post(state, world.student, forums.school)
    token = await gql.login(world.other_student.email)

    results = [
        (
            await gql.data(
                CREATE_REPLY, {"input": {"postId": post_gid(post), "body": body}}, token=token
            )
        )["createReply"]
        for body in ("", " ", "y" * 10_001)
    ]

    assert [r["errors"][0]["code"] for r in results] == ["EMPTY", "EMPTY", "TOO_LONG"]
    assert await count(state, CommunityReply) == 0
    assert (await gql.data(POST, {"id": post_gid(post)}, token=token))["node"]["replyCount"] == 0


UPDATE_POST = """
mutation EditPost($input: UpdatePostInput!) {
  updatePost(input: $input) { post { id title body bodyHtml tags editedAt } errors { code field } }
}
"""

DELETE_POST = """
mutation DeletePost($input: PostInput!) { deletePost(input: $input) { post { id } errors { code } } }
"""

UPDATE_REPLY = """
mutation EditReply($input: UpdateReplyInput!) {
  updateReply(input: $input) { reply { id body bodyHtml editedAt } errors { code field } }
}
"""

UNMARK_SOLUTION = """
mutation Unmark($input: PostInput!) {
  unmarkSolution(input: $input) { post { id solution { id } } errors { code } }
}
"""


async def test_authors_edit_and_delete_their_own_words_and_nobody_else_can(
    gql: GraphQLClient, state: AppState, factory: Factory, world: SchoolWorld
) -> None:
    # Given a student's question with an instructor's answer
    forums = await make_forums(state, factory, world)
    post = await make_post(state, world.student, forums.school)
    reply = await make_reply(state, world.instructor, post, body="Mirrors")
    author = await gql.login(world.student.email)
    instructor = await gql.login(world.instructor.email)
    stranger = await gql.login(world.other_student.email)

    # When each author edits, and a stranger tries to edit and delete both
    edited_post = await gql.data(
        UPDATE_POST,
        {"input": {"postId": post_gid(post), "title": "Roundabouts?", "tags": ["Junctions"]}},
        token=author,
    )
    edited_reply = await gql.data(
        UPDATE_REPLY,
        {"input": {"replyId": reply_gid(reply), "body": "*Mirrors*"}},
        token=instructor,
    )
    refusals = [
        await gql.execute(
            UPDATE_POST, {"input": {"postId": post_gid(post), "title": "Mine"}}, token=stranger
        ),
        await gql.execute(
            UPDATE_REPLY, {"input": {"replyId": reply_gid(reply), "body": "Mine"}}, token=stranger
        ),
        await gql.execute(DELETE_POST, {"input": {"postId": post_gid(post)}}, token=stranger),
        await gql.execute(DELETE_REPLY, {"input": {"replyId": reply_gid(reply)}}, token=stranger),
    ]
    bad_edit = await gql.data(
        UPDATE_POST, {"input": {"postId": post_gid(post), "title": " "}}, token=author
    )

    # Then the edits show (rendered, marked as edited), the stranger was forbidden each
    # time, and a blank title is a typed error that changed nothing
    post_now = edited_post["updatePost"]["post"]
    assert (post_now["title"], post_now["body"], post_now["tags"]) == (
        "Roundabouts?",
        "Any tips?",
        ["junctions"],
    )
    assert post_now["editedAt"] is not None
    reply_now = edited_reply["updateReply"]["reply"]
    assert (reply_now["body"], reply_now["bodyHtml"]) == ("*Mirrors*", "<p><em>Mirrors</em></p>\n")
    assert reply_now["editedAt"] is not None
    assert [r["errors"][0]["extensions"]["code"] for r in refusals] == ["FORBIDDEN"] * 4
    assert bad_edit["updatePost"] == {"post": None, "errors": [{"code": "EMPTY", "field": "title"}]}
    assert (await fetch(state, CommunityPost, post.id)).title == "Roundabouts?"

    # And when the author deletes the post, readers no longer find it, but it is kept
    deleted = await gql.data(DELETE_POST, {"input": {"postId": post_gid(post)}}, token=author)
    assert deleted["deletePost"]["errors"] == []
    assert (await gql.data(POST, {"id": post_gid(post)}, token=stranger))["node"] is None
    assert (await fetch(state, CommunityPost, post.id)).deleted_at is not None


async def test_unmarking_a_solution_takes_its_points_back(
    gql: GraphQLClient, state: AppState, factory: Factory, world: SchoolWorld
) -> None:
    # Given a student's question whose instructor's answer was accepted
    forums = await make_forums(state, factory, world)
    post = await make_post(state, world.student, forums.school)
    reply = await make_reply(state, world.instructor, post)
    author = await gql.login(world.student.email)
    await gql.data(MARK_SOLUTION, {"input": {"replyId": reply_gid(reply)}}, token=author)
    reader = await gql.login(world.other_student.email)
    marked = (await gql.data(POST, {"id": post_gid(post)}, token=reader))["node"]
    answerer = "query R($id: ID!) { node(id: $id) { ... on Reply { author { reputation } } } }"
    earned = await gql.data(answerer, {"id": reply_gid(reply)}, token=reader)

    # When a stranger tries to unmark it, then the author does
    refused = await gql.execute(
        UNMARK_SOLUTION, {"input": {"postId": post_gid(post)}}, token=reader
    )
    unmarked = await gql.data(UNMARK_SOLUTION, {"input": {"postId": post_gid(post)}}, token=author)

    # Then only the author could, the post has no solution and the answerer's 15 points are gone
    assert marked["solution"] == {"id": reply_gid(reply)}
    assert earned["node"]["author"]["reputation"] == 15
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert unmarked["unmarkSolution"] == {
        "post": {"id": post_gid(post), "solution": None},
        "errors": [],
    }
    after = await gql.data(answerer, {"id": reply_gid(reply)}, token=reader)
    assert after["node"]["author"]["reputation"] == 0
    assert (await fetch(state, CommunityPost, post.id)).solution_reply_id is None
