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


# -- theory practice (SPEC §4) --------------------------------------------------------------------

THEORY_CYCLE_STUDENT = "ben.jones@demo.test"
THEORY_ANSWER_STUDENT = "chloe.smith@demo.test"
THEORY_HISTORY_STUDENT = "dev.patel@demo.test"
THEORY_HISTORY_TESTS = 100

THEORY_CYCLE = """
mutation TheoryCycle {
  submitMockTest(input: {}) { mockTest { id result { score } } errors { code message } }
  startMockTest {
    mockTest { id expiresAt questions { id position question { id text options { key text } } } }
    errors { code message }
  }
}
"""

THEORY_START = """
mutation TheoryStart { startMockTest { mockTest { id } errors { code message } } }
"""

THEORY_ACTIVE = """
query TheoryActive {
  activeMockTest { id questions { id question { marksRequired options { key } } } }
}
"""

THEORY_ANSWER = """
mutation TheoryAnswer($input: AnswerMockTestQuestionInput!) {
  answerMockTestQuestion(input: $input) {
    mockTestQuestion { id selectedOptionKeys timeSpentMs }
    errors { code message }
  }
}
"""

THEORY_SUBMIT = """
mutation TheorySubmit { submitMockTest(input: {}) { mockTest { id } errors { code message } } }
"""

THEORY_PROGRESS = """
query TheoryProgress {
  theoryProgress {
    questionsAttempted accuracy
    topics { category { name } attempted correct accuracy averageTimeMs lastPractisedAt status }
    weakTopics { category { name } }
    strongTopics { category { name } }
    readiness { passProbability level ready }
    recommendations { kind message category { name } }
    mockTests { taken passed bestScore lastScore }
    hazardTests { taken passed }
  }
}
"""


def _running_test(api: Api, student: str) -> dict[str, Any]:
    """The student's running mock test, started if there is none."""
    active = api.execute(THEORY_ACTIVE, as_user=student)["data"]["activeMockTest"]
    if active is None:
        started = api.execute(THEORY_START, as_user=student)["data"]["startMockTest"]
        if started["errors"]:
            raise RuntimeError(f"could not start a mock test: {started['errors']}")
        active = api.execute(THEORY_ACTIVE, as_user=student)["data"]["activeMockTest"]
    return active  # type: ignore[no-any-return]


def _prepare_cycle(api: Api) -> None:
    _running_test(api, THEORY_CYCLE_STUDENT)


# Filled by `_prepare_answers`: the running test's question ids are known only then.
_ANSWER_SETS: list[dict[str, Any]] = []


def _prepare_answers(api: Api) -> None:
    test = _running_test(api, THEORY_ANSWER_STUDENT)
    _ANSWER_SETS[:] = [
        {
            "input": {
                "mockTestQuestionId": row["id"],
                "selectedOptionKeys": [o["key"] for o in row["question"]["options"]][
                    : row["question"]["marksRequired"]
                ],
                "timeSpentMs": 1500,
            }
        }
        for row in test["questions"]
    ]


def _prepare_history(api: Api) -> None:
    """Give the student 100 finished mock tests through the API: start, answer ten, submit."""
    count = """
    query { mockTests(first: 100) { edges { node { status } } } }
    """
    edges = api.execute(count, as_user=THEORY_HISTORY_STUDENT)["data"]["mockTests"]["edges"]
    finished = sum(1 for e in edges if e["node"]["status"] != "IN_PROGRESS")
    for _ in range(finished, THEORY_HISTORY_TESTS):
        test = _running_test(api, THEORY_HISTORY_STUDENT)
        for row in test["questions"][:10]:
            keys = [o["key"] for o in row["question"]["options"]][
                : row["question"]["marksRequired"]
            ]
            api.execute(
                THEORY_ANSWER,
                {"input": {"mockTestQuestionId": row["id"], "selectedOptionKeys": keys}},
                as_user=THEORY_HISTORY_STUDENT,
            )
        api.execute(THEORY_SUBMIT, as_user=THEORY_HISTORY_STUDENT)


def _check_cycle(body: dict[str, Any]) -> str | None:
    data = body["data"]
    if data["submitMockTest"]["errors"] or data["startMockTest"]["errors"]:
        return f"cycle failed: {data['submitMockTest']['errors']} {data['startMockTest']['errors']}"
    if len(data["startMockTest"]["mockTest"]["questions"]) != 50:
        return "the new test does not have 50 questions"
    return None


def _check_answer(body: dict[str, Any]) -> str | None:
    payload = body["data"]["answerMockTestQuestion"]
    return f"answer failed: {payload['errors']}" if payload["errors"] else None


def _check_history(body: dict[str, Any]) -> str | None:
    progress = body["data"]["theoryProgress"]
    if progress["mockTests"]["taken"] < THEORY_HISTORY_TESTS:
        return (
            f"expected {THEORY_HISTORY_TESTS} finished tests, got {progress['mockTests']['taken']}"
        )
    if len(progress["topics"]) != 14:
        return "expected the 14 topics"
    return None


class _AnswerSets(tuple):  # type: ignore[type-arg]
    """Variable sets read when the harness sends them, after `prepare` has filled them
    (one per question of the running test, so requests answer the questions in turn)."""

    def __iter__(self) -> Any:
        return iter(_ANSWER_SETS)

    def __len__(self) -> int:
        return len(_ANSWER_SETS)


OPERATIONS = (
    *OPERATIONS,
    Operation(
        name="theory_mock_cycle",
        description=(
            f"hand in the running mock test and start a new one of 50 questions, "
            f"as {THEORY_CYCLE_STUDENT}"
        ),
        document=THEORY_CYCLE,
        user=THEORY_CYCLE_STUDENT,
        prepare=_prepare_cycle,
        check=_check_cycle,
        notes="one request finalises a test (scoring, progress, milestones, event) and starts "
        "another (the draw across 14 topics in one INSERT … SELECT)",
    ),
    Operation(
        name="theory_answer",
        description=f"answer the questions of a running mock test in turn, as {THEORY_ANSWER_STUDENT}",
        document=THEORY_ANSWER,
        user=THEORY_ANSWER_STUDENT,
        variable_sets=_AnswerSets(),
        prepare=_prepare_answers,
        check=_check_answer,
    ),
    Operation(
        name="theory_progress",
        description=(
            f"`theoryProgress` of a student with {THEORY_HISTORY_TESTS} finished mock tests, "
            f"as {THEORY_HISTORY_STUDENT}"
        ),
        document=THEORY_PROGRESS,
        user=THEORY_HISTORY_STUDENT,
        prepare=_prepare_history,
        check=_check_history,
    ),
)
