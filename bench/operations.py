"""The named GraphQL operations the harness measures.

Each capability adds its own operations here: a document, the variables (one set, or
several that the load tool rotates through), which demo user runs it, and optionally a
``prepare`` step that puts data in place first through the public API.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

DEMO_PASSWORD = "clutch-demo"  # noqa: S105 - the documented password of every demo account


class Api(Protocol):
    """What a ``prepare`` step may use: GraphQL calls against the server under test."""

    def token(self, email: str) -> str:
        """An access token for a demo user (logged in once, then cached)."""
        ...

    def execute(
        self, document: str, variables: Mapping[str, Any] | None = None, *, as_user: str | None
    ) -> dict[str, Any]:
        """Run a document and return the response body; raise on any GraphQL error."""
        ...


@dataclass(frozen=True)
class Operation:
    name: str
    description: str
    document: str
    # The demo user whose access token goes in `Authorization`; None sends no token.
    user: str | None
    # One or more variable sets; under load every request takes the next set in turn.
    variable_sets: tuple[Mapping[str, Any], ...] = ({},)
    prepare: Callable[[Api], None] | None = None
    # Checks a sample response before the load starts; returns a problem or None.
    check: Callable[[dict[str, Any]], str | None] | None = None
    notes: str = ""
    tags: tuple[str, ...] = field(default_factory=tuple)

    def bodies(self) -> list[dict[str, Any]]:
        return [
            {"query": self.document, "variables": dict(variables)}
            for variables in self.variable_sets
        ]


ME = """
query Me {
  me {
    id
    email
    fullName
    role
    status
    school { id name timeZone currency }
    studentProfile { licenceType experienceLevel theoryTestPassed goals }
  }
}
"""

USERS_PAGE = """
query UsersPage($first: Int!) {
  users(first: $first) {
    edges {
      cursor
      node {
        id
        email
        fullName
        role
        status
        createdAt
        school { id name }
        studentProfile { licenceType experienceLevel theoryTestPassed medicalNotes }
        instructorProfile { specialisations maxStudents hourlyRate { amountMinor currency } }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""

LOGIN = """
mutation Login($input: LoginInput!) {
  login(input: $input) {
    tokens { accessToken refreshToken accessTokenExpiresAt user { id role } }
    errors { code message field }
  }
}
"""

CREATE_STUDENT = """
mutation CreateStudent($input: CreateUserInput!) {
  createUser(input: $input) { user { id } errors { code message } }
}
"""

COUNT_USERS = """
query CountUsers($after: String) {
  users(first: 100, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } }
}
"""

USERS_PAGE_SIZE = 20
LOGIN_USERS = (
    "student@demo.test",
    "amira.khan@demo.test",
    "ben.jones@demo.test",
    "chloe.smith@demo.test",
    "dev.patel@demo.test",
    "ella.brown@demo.test",
    "finn.oconnor@demo.test",
    "grace.wilson@demo.test",
)


def _fill_users_page(api: Api) -> None:
    """The demo school has 13 users; add passwordless students until a page of 20 is full
    and a next page exists, so `users_page` measures a full page."""
    admin = "admin@demo.test"
    seen, after = 0, None
    while True:
        page = api.execute(COUNT_USERS, {"after": after}, as_user=admin)["data"]["users"]
        seen += len(page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    for number in range(seen, USERS_PAGE_SIZE + 5):
        created = api.execute(
            CREATE_STUDENT,
            {
                "input": {
                    "role": "STUDENT",
                    "email": f"bench.student{number}@demo.test",
                    "firstName": "Bench",
                    "lastName": f"Student {number}",
                }
            },
            as_user=admin,
        )["data"]["createUser"]
        if created["errors"]:
            raise RuntimeError(f"could not create a bench student: {created['errors']}")


def _check_me(body: dict[str, Any]) -> str | None:
    me = body.get("data", {}).get("me")
    if not me or me["email"] != "student@demo.test":
        return f"expected the demo student, got {me!r}"
    return None


def _check_users_page(body: dict[str, Any]) -> str | None:
    edges = body["data"]["users"]["edges"]
    if len(edges) != USERS_PAGE_SIZE:
        return f"expected a full page of {USERS_PAGE_SIZE} users, got {len(edges)}"
    if any(edge["node"]["school"] is None for edge in edges):
        return "a user of the demo school came back without its school"
    return None


def _check_login(body: dict[str, Any]) -> str | None:
    payload = body["data"]["login"]
    if payload["errors"] or not payload["tokens"]:
        return f"login failed: {payload['errors']}"
    return None


OPERATIONS: tuple[Operation, ...] = (
    Operation(
        name="me",
        description="`me` with school and student profile, as student@demo.test",
        document=ME,
        user="student@demo.test",
        check=_check_me,
    ),
    Operation(
        name="users_page",
        description=(
            f"`users(first: {USERS_PAGE_SIZE})` with school and profiles, as admin@demo.test"
        ),
        document=USERS_PAGE,
        user="admin@demo.test",
        variable_sets=({"first": USERS_PAGE_SIZE},),
        prepare=_fill_users_page,
        check=_check_users_page,
    ),
    Operation(
        name="login",
        description=f"`login` rotating over {len(LOGIN_USERS)} demo students, no token",
        document=LOGIN,
        user=None,
        variable_sets=tuple(
            {"input": {"email": email, "password": DEMO_PASSWORD}} for email in LOGIN_USERS
        ),
        check=_check_login,
        notes=(
            "dominated by argon2id verification (time cost 3, 64 MiB, parallelism 4: "
            "the production defaults), which runs in worker threads"
        ),
    ),
)


def by_name() -> dict[str, Operation]:
    return {operation.name: operation for operation in OPERATIONS}


# --- community ------------------------------------------------------------------------------

BENCH_THREAD_TITLE = "Bench thread: 1,000 replies"
BENCH_THREAD_REPLIES = 1000
TREE_PAGE_SIZE = 100

FIND_BENCH_THREAD = """
query FindBenchThread {
  forums(first: 20, platformWide: true) {
    edges { node { id name posts(first: 50) { edges { node { id title replyCount } } } } }
  }
}
"""

CREATE_BENCH_POST = """
mutation BenchPost($input: CreatePostInput!) { createPost(input: $input) { post { id } errors { code } } }
"""

CREATE_BENCH_REPLY = """
mutation BenchReply($input: CreateReplyInput!) {
  createReply(input: $input) { reply { id } errors { code message } }
}
"""

REPLY_TREE = """
query ReplyTree($postId: ID!, $after: String) {
  node(id: $postId) {
    ... on Post {
      id
      title
      replyCount
      replyTree(first: 100, after: $after) {
        edges {
          cursor
          node {
            id depth path parentId bodyHtml likeCount isSolution childCount viewerVote
            author { displayName role reputation }
          }
        }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
}
"""

# Filled in by `_build_reply_tree`: one variable set per page of the 1,000-reply tree, so
# the load walks the whole thread, 100 replies per request (the page-size limit).
_TREE_PAGES: tuple[dict[str, Any], ...] = tuple(
    {"postId": None, "after": None} for _ in range(BENCH_THREAD_REPLIES // TREE_PAGE_SIZE)
)
_REPLIERS = ("instructor@demo.test", "student@demo.test", "instructor2@demo.test")


def _bench_thread(api: Api) -> tuple[str, str, int] | None:
    """(forum id, post id, replies) of the bench thread, or the forum and no post yet."""
    forums = api.execute(FIND_BENCH_THREAD, as_user="student@demo.test")["data"]["forums"]
    forum = forums["edges"][0]["node"]
    for edge in forum["posts"]["edges"]:
        if edge["node"]["title"] == BENCH_THREAD_TITLE:
            return forum["id"], edge["node"]["id"], edge["node"]["replyCount"]
    return forum["id"], "", 0


def _build_reply_tree(api: Api) -> None:
    """A thread of 1,000 replies in groups of 20: a top-level reply, a chain of 11 under it
    (depths 1 to 11) and 8 answers to the top-level reply. Then record each page's cursor."""
    found = _bench_thread(api)
    assert found is not None
    forum_id, post_id, replies = found
    if not post_id:
        created = api.execute(
            CREATE_BENCH_POST,
            {
                "input": {
                    "forumId": forum_id,
                    "postType": "QUESTION",
                    "title": BENCH_THREAD_TITLE,
                    "body": "A long thread for the benchmark.",
                }
            },
            as_user="student@demo.test",
        )["data"]["createPost"]
        post_id = created["post"]["id"]
    top = chain = None
    for number in range(replies, BENCH_THREAD_REPLIES):
        position = number % 20
        parent = None if position == 0 else (chain if position < 12 else top)
        reply = api.execute(
            CREATE_BENCH_REPLY,
            {
                "input": {
                    "postId": post_id,
                    "parentId": parent,
                    "body": f"Reply **{number}**: check your mirrors, see https://www.gov.uk",
                }
            },
            as_user=_REPLIERS[number % len(_REPLIERS)],
        )["data"]["createReply"]
        if reply["errors"]:
            raise RuntimeError(f"could not create a bench reply: {reply['errors']}")
        chain = reply["reply"]["id"]
        if position == 0:
            top = chain
    after = None
    for page in _TREE_PAGES:
        page.update(postId=post_id, after=after)
        body = api.execute(REPLY_TREE, page, as_user="student@demo.test")
        after = body["data"]["node"]["replyTree"]["pageInfo"]["endCursor"]


def _check_reply_tree(body: dict[str, Any]) -> str | None:
    post = body["data"]["node"]
    edges = post["replyTree"]["edges"]
    if post["replyCount"] < BENCH_THREAD_REPLIES or len(edges) != TREE_PAGE_SIZE:
        return f"expected a full page of a {BENCH_THREAD_REPLIES}-reply thread, got {len(edges)}"
    if max(edge["node"]["depth"] for edge in edges) < 11:
        return "the page should reach depth 11"
    return None


OPERATIONS += (
    Operation(
        name="reply_tree",
        description=(
            f"`replyTree(first: {TREE_PAGE_SIZE})` of a {BENCH_THREAD_REPLIES}-reply thread up to "
            "12 levels deep, with authors, reputation and the viewer's votes; the load walks "
            "all 10 pages in turn, as student@demo.test"
        ),
        document=REPLY_TREE,
        user="student@demo.test",
        variable_sets=_TREE_PAGES,
        prepare=_build_reply_tree,
        check=_check_reply_tree,
    ),
)
