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
    # An HTTP operation instead of a GraphQL one: returns the path to GET (after putting
    # what it needs in place); `document`, `variable_sets` and `check` are then unused.
    http_get: Callable[[Api], str] | None = None

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


DRIVER_RECORD = """
query DriverRecord {
  driverRecord {
    student { id fullName }
    skillsAtLeast
    lastRecordedAt
    groups {
      code
      name
      skills {
        skill { code number name }
        currentLevel
        currentEntry { lessonAt notes recordedBy { fullName } }
      }
    }
  }
}
"""

CREATE_CALENDAR_FEED = """
mutation BenchFeed { createCalendarFeed(input: {rotate: true}) { url errors { code } } }
"""


def _check_driver_record(body: dict[str, Any]) -> str | None:
    record = body["data"]["driverRecord"]
    skills = [s for g in record["groups"] for s in g["skills"]]
    if len(skills) != 27:
        return f"expected the 27 skills of the record, got {len(skills)}"
    if not any(s["currentLevel"] for s in skills):
        return "the demo learner has no progress recorded (demo data missing?)"
    return None


def _instructor_feed_path(api: Api) -> str:
    """Rotate the demo instructor's feed and return its path (the token stays in memory)."""
    payload = api.execute(CREATE_CALENDAR_FEED, as_user="instructor@demo.test")["data"]
    url = payload["createCalendarFeed"]["url"]
    if not url:
        raise RuntimeError(f"could not create a calendar feed: {payload}")
    return "/" + str(url).split("://", 1)[1].split("/", 1)[1]


OPERATIONS = (
    *OPERATIONS,
    Operation(
        name="driver_record",
        description="`driverRecord` (27 skills in 8 groups with current levels and entries), "
        "as student@demo.test",
        document=DRIVER_RECORD,
        user="student@demo.test",
        check=_check_driver_record,
    ),
    Operation(
        name="calendar_feed",
        description="`GET /calendar/<token>.ics`: instructor@demo.test's diary as iCalendar "
        "(no Authorization header)",
        document="",
        user=None,
        http_get=_instructor_feed_path,
        notes="the demo diary holds the demo learner's past and coming lessons",
    ),
)


def by_name() -> dict[str, Operation]:
    return {operation.name: operation for operation in OPERATIONS}
