"""The named GraphQL operations the harness measures.

Each capability adds its own operations here: a document, the variables (one set, or
several that the load tool rotates through), which demo user runs it, and optionally a
``prepare`` step that puts data in place first through the public API.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
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

    def database(self, work: Callable[[Any], Awaitable[Any]]) -> Any:
        """Run ``work(asyncpg connection)`` in one transaction on the server's database, for
        data no mutation may create (lessons completed in the past)."""
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
    # Puts data in place first; may return the variable sets to use instead of the above.
    prepare: Callable[[Api], Sequence[Mapping[str, Any]] | None] | None = None
    # Checks a sample response before the load starts; returns a problem or None.
    check: Callable[[dict[str, Any]], str | None] | None = None
    notes: str = ""
    tags: tuple[str, ...] = field(default_factory=tuple)
    # At most this many connections, whatever --connections says: one student's mock tests
    # are one after another by nature (a second start is refused while one runs).
    max_connections: int | None = None
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
        instructorProfile { specialisations maxStudents hourlyRateMinor }
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


# -- scheduling -------------------------------------------------------------------------------

INSTRUCTOR_WEEK = """
query InstructorWeek($instructorId: ID!, $from: DateTime!, $to: DateTime!) {
  diary(instructorId: $instructorId, from: $from, to: $to) {
    id startsAt endsAt localStart status location
    priceMinor currency
    student { id fullName phone studentProfile { licenceType experienceLevel } }
    lessonType { id name durationMinutes }
    pendingRescheduleRequest { id proposedStartsAt }
  }
}
"""

AVAILABLE_SLOTS = """
query Slots($instructorId: ID!, $lessonTypeId: ID!, $from: DateTime!, $to: DateTime!) {
  availableSlots(instructorId: $instructorId, lessonTypeId: $lessonTypeId, from: $from, to: $to) {
    startsAt localStart
  }
}
"""

SCHEDULING_IDS = """
query SchedulingIds {
  lessonTypes { id name }
  users(first: 100) {
    edges { node { id email role assignments { instructor { email } } } }
  }
}
"""

BENCH_BOOK = """
mutation Book($input: BookLessonInput!) {
  bookLesson(input: $input) { booking { id } errors { code } }
}
"""

BUSY_INSTRUCTOR = "instructor@demo.test"
QUIET_STUDENT = "amira.khan@demo.test"  # assigned to instructor2@demo.test
WEEK_LESSONS = 40  # the demo instructors' weekly cap, in hour-long lessons


def scheduling_ids(api: Api) -> dict[str, Any]:
    """Lesson types and people of the demo school, by name and email."""
    body = api.execute(SCHEDULING_IDS, {}, as_user="admin@demo.test")["data"]
    people = {edge["node"]["email"]: edge["node"] for edge in body["users"]["edges"]}
    return {"lesson_types": {t["name"]: t["id"] for t in body["lessonTypes"]}, "people": people}


def bench_week() -> datetime:
    """Monday 00:00 UTC three weeks ahead: past the demo's own bookings."""
    today = datetime.now(UTC).date()
    monday = today - timedelta(days=today.weekday()) + timedelta(weeks=3)
    return datetime(monday.year, monday.month, monday.day, tzinfo=UTC)


def _fill_instructor_week(api: Api) -> Sequence[Mapping[str, Any]]:
    """Book the busy instructor's week up to the weekly cap (40 hour-long lessons, eight a
    day from Monday to Friday), rotating over their students."""
    ids = scheduling_ids(api)
    instructor = ids["people"][BUSY_INSTRUCTOR]
    students = [
        person["id"]
        for person in ids["people"].values()
        if person["role"] == "STUDENT"
        and any(a["instructor"]["email"] == BUSY_INSTRUCTOR for a in person["assignments"])
    ]
    monday = bench_week()
    booked = 0
    for day in range(5):
        for n in range(8):
            # 08:00 UTC onwards, an hour's lesson plus the instructor's 15-minute buffer.
            start = monday + timedelta(days=day, hours=8, minutes=75 * n)
            result = api.execute(
                BENCH_BOOK,
                {
                    "input": {
                        "instructorId": instructor["id"],
                        "studentId": students[booked % len(students)],
                        "lessonTypeId": ids["lesson_types"]["Standard lesson"],
                        "startsAt": start.isoformat(),
                        "overrideWorkingHours": True,
                    }
                },
                as_user="admin@demo.test",
            )["data"]["bookLesson"]
            booked += not result["errors"]
    if booked < WEEK_LESSONS:
        raise RuntimeError(f"only {booked} lessons could be booked for the bench week")
    return (
        {
            "instructorId": instructor["id"],
            "from": monday.isoformat(),
            "to": (monday + timedelta(days=7)).isoformat(),
        },
    )


def _month_of_slots(api: Api) -> Sequence[Mapping[str, Any]]:
    ids = scheduling_ids(api)
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    return (
        {
            "instructorId": ids["people"]["instructor2@demo.test"]["id"],
            "lessonTypeId": ids["lesson_types"]["Standard lesson"],
            "from": start.isoformat(),
            "to": (start + timedelta(days=31)).isoformat(),
        },
    )


def _check_week(body: dict[str, Any]) -> str | None:
    lessons = body["data"]["diary"]
    if len(lessons) < WEEK_LESSONS:
        return f"expected at least {WEEK_LESSONS} lessons in the week, got {len(lessons)}"
    if any(lesson["student"] is None for lesson in lessons):
        return "a lesson came back without its student"
    return None


def _check_slots(body: dict[str, Any]) -> str | None:
    slots = body["data"]["availableSlots"]
    # A month of Monday-Saturday hours on a 15-minute grid: well over 500 start times.
    if len(slots) < 500:
        return f"expected a month of free slots, got {len(slots)}"
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
    Operation(
        name="instructor_week",
        description=(
            f"`diary` of a week with {WEEK_LESSONS} lessons (student, profile, lesson type, "
            f"pending request), as {BUSY_INSTRUCTOR}"
        ),
        document=INSTRUCTOR_WEEK,
        user=BUSY_INSTRUCTOR,
        prepare=_fill_instructor_week,
        check=_check_week,
        tags=("scheduling",),
    ),
    Operation(
        name="available_slots_month",
        description="`availableSlots` for 31 days (hour-long lessons, 15-minute grid), "
        f"as {QUIET_STUDENT}",
        document=AVAILABLE_SLOTS,
        user=QUIET_STUDENT,
        prepare=_month_of_slots,
        check=_check_slots,
        tags=("scheduling",),
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
        "another (the draw across 14 topics in one INSERT … SELECT); one connection: one "
        "student's tests follow each other",
        max_connections=1,
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


# --- earnings -------------------------------------------------------------------------------

EARNINGS_MONTH = """
query EarningsMonth($instructorId: ID!, $start: Date!, $end: Date!) {
  instructorEarnings(instructorId: $instructorId, periodStart: $start, periodEnd: $end) {
    instructor { id fullName }
    periodStart periodEnd currency
    lessonsCompleted packageLessons payAsYouGoLessons
    grossMinor packageMinor payAsYouGoMinor refundsMinor platformFeeMinor netMinor
    payoutStatus payout { id status }
    lessons(first: 100) {
      edges {
        node {
          startsAt valueMinor source refundedMinor
          booking { id student { id fullName } }
        }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""

EARNINGS_LESSONS = 120  # six hour-long lessons a weekday for a month of 20 weekdays
EARNINGS_PACKAGE_CREDITS = 10  # half the lessons on 10-credit packages, half pay-as-you-go
EARNINGS_PACKAGE_PRICE = 35_001  # does not divide by 10: credits worth 3501, then 3500
EARNINGS_REFUND = 1_000  # refunded on every fifth pay-as-you-go lesson's cash payment


def _pk(global_id: str) -> str:
    """The primary key inside a Relay global ID (``base64url("Type:uuid")``)."""
    import base64

    raw = base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).decode()
    return raw.split(":", 1)[1]


def earnings_month() -> tuple[Any, Any]:
    """The month measured: the calendar month two years before this one (past any demo data)."""
    from datetime import date

    today = datetime.now(UTC).date()
    start = date(today.year - 2, today.month, 1)
    following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return start, following - timedelta(days=1)


def _fill_earnings_month(api: Api) -> Sequence[Mapping[str, Any]]:
    """A busy month for the busy instructor: 120 completed lessons, half paid with credits of
    6 ten-lesson packages (the ledger's draws, values shared out as ``services.money.share``
    does), half pay-as-you-go paid in cash, every fifth of those partly refunded.

    Lessons completed in the past cannot be made through the API (every mutation refuses a
    time in the past), so this writes them straight into the server's database, as the
    tests do; it is idempotent (a second run finds the month filled)."""
    from zoneinfo import ZoneInfo

    ids = scheduling_ids(api)
    instructor = ids["people"][BUSY_INSTRUCTOR]
    students = [
        _pk(person["id"])
        for person in ids["people"].values()
        if person["role"] == "STUDENT"
        and any(a["instructor"]["email"] == BUSY_INSTRUCTOR for a in person["assignments"])
    ]
    lesson_type = _pk(ids["lesson_types"]["Standard lesson"])
    instructor_pk = _pk(instructor["id"])
    first_day, last_day = earnings_month()

    async def fill(db: Any) -> None:
        import uuid

        school = await db.fetchrow(
            "SELECT s.id, s.time_zone, s.currency, lt.price_minor, lt.duration_minutes "
            "FROM lesson_types lt JOIN schools s ON s.id = lt.school_id WHERE lt.id = $1",
            uuid.UUID(lesson_type),
        )
        zone = ZoneInfo(school["time_zone"])
        lower = datetime.combine(first_day, datetime.min.time(), zone)
        upper = datetime.combine(last_day + timedelta(days=1), datetime.min.time(), zone)
        done = await db.fetchval(
            "SELECT count(*) FROM bookings WHERE instructor_id = $1 AND status = 'completed' "
            "AND starts_at >= $2 AND starts_at < $3",
            uuid.UUID(instructor_pk),
            lower,
            upper,
        )
        if done >= EARNINGS_LESSONS:
            return
        weekdays = [
            first_day + timedelta(days=n)
            for n in range((last_day - first_day).days + 1)
            if (first_day + timedelta(days=n)).weekday() < 5
        ]
        starts = [
            datetime.combine(day, datetime.min.time(), zone).replace(hour=9)
            + timedelta(minutes=75 * n)
            for day in weekdays
            for n in range(6)
        ][:EARNINGS_LESSONS]
        length = timedelta(minutes=school["duration_minutes"])
        catalogue = await db.fetchval(
            "INSERT INTO lesson_packages (school_id, name, lessons_count, "
            "lesson_duration_minutes, price_minor, currency, validity_days) "
            "VALUES ($1, 'Bench 10 lessons', $2, $3, $4, $5, 365) RETURNING id",
            school["id"],
            EARNINGS_PACKAGE_CREDITS,
            school["duration_minutes"],
            EARNINGS_PACKAGE_PRICE,
            school["currency"],
        )
        packages: list[tuple[Any, Any]] = []  # (package id, student id)
        credits_used: dict[Any, int] = {}
        payg = 0
        for n, starts_at in enumerate(starts):
            student = uuid.UUID(students[n % len(students)])
            on_credit = n % 2 == 0
            package = None
            if on_credit:
                held = [p for p, s in packages if s == student and credits_used[p] < 10]
                if held:
                    package = held[0]
                else:
                    package = await db.fetchval(
                        "INSERT INTO student_packages (school_id, student_id, package_id, name, "
                        "lesson_duration_minutes, lessons_total, lessons_remaining, "
                        "amount_paid_minor, currency, status, purchased_at, expires_at) "
                        "VALUES ($1, $2, $3, 'Bench 10 lessons', $4, $5, $5, $6, $7, 'active', "
                        "$8, $9) RETURNING id",
                        school["id"],
                        student,
                        catalogue,
                        school["duration_minutes"],
                        EARNINGS_PACKAGE_CREDITS,
                        EARNINGS_PACKAGE_PRICE,
                        school["currency"],
                        lower - timedelta(days=7),
                        lower + timedelta(days=358),
                    )
                    await db.execute(
                        "INSERT INTO credit_entries (school_id, student_id, student_package_id, "
                        "delta, balance_after, value_minor, reason) "
                        "VALUES ($1, $2, $3, $4, $4, 0, 'purchase')",
                        school["id"],
                        student,
                        package,
                        EARNINGS_PACKAGE_CREDITS,
                    )
                    packages.append((package, student))
                    credits_used[package] = 0
            booking = await db.fetchval(
                "INSERT INTO bookings (school_id, student_id, instructor_id, lesson_type_id, "
                "starts_at, ends_at, blocked_until, status, price_minor, currency, "
                "confirmed_at, started_at, completed_at, student_package_id) "
                "VALUES ($1, $2, $3, $4, $5, $6, $6, 'completed', $7, $8, $5, $5, $6, $9) "
                "RETURNING id",
                school["id"],
                student,
                uuid.UUID(instructor_pk),
                uuid.UUID(lesson_type),
                starts_at,
                starts_at + length,
                school["price_minor"],
                school["currency"],
                package,
            )
            if package is not None:
                index = credits_used[package]
                base, remainder = divmod(EARNINGS_PACKAGE_PRICE, EARNINGS_PACKAGE_CREDITS)
                credits_used[package] = index + 1
                remaining = EARNINGS_PACKAGE_CREDITS - index - 1
                await db.execute(
                    "INSERT INTO credit_entries (school_id, student_id, student_package_id, "
                    "booking_id, delta, balance_after, value_minor, reason) "
                    "VALUES ($1, $2, $3, $4, -1, $5, $6, 'booking')",
                    school["id"],
                    student,
                    package,
                    booking,
                    remaining,
                    base + (1 if index < remainder else 0),
                )
                await db.execute(
                    "UPDATE student_packages SET lessons_remaining = $2, "
                    "status = CASE WHEN $2 = 0 THEN 'exhausted' ELSE status END WHERE id = $1",
                    package,
                    remaining,
                )
                continue
            refunded = EARNINGS_REFUND if payg % 5 == 0 else 0
            payg += 1
            payment = await db.fetchval(
                "INSERT INTO payments (school_id, student_id, kind, method, status, amount_minor, "
                "refunded_minor, currency, description, provider, booking_id, succeeded_at) "
                "VALUES ($1, $2, 'lesson', 'cash', $3, $4, $5, $6, 'Lesson', 'cash', $7, $8) "
                "RETURNING id",
                school["id"],
                student,
                "partially_refunded" if refunded else "succeeded",
                school["price_minor"],
                refunded,
                school["currency"],
                booking,
                starts_at,
            )
            if refunded:
                await db.execute(
                    "INSERT INTO refunds (school_id, payment_id, amount_minor, currency, reason) "
                    "VALUES ($1, $2, $3, $4, 'Bench: lesson cut short')",
                    school["id"],
                    payment,
                    refunded,
                    school["currency"],
                )

    api.database(fill)
    return (
        {
            "instructorId": instructor["id"],
            "start": first_day.isoformat(),
            "end": last_day.isoformat(),
        },
    )


def _check_earnings(body: dict[str, Any]) -> str | None:
    earned = body["data"]["instructorEarnings"]
    if earned["lessonsCompleted"] != EARNINGS_LESSONS:
        return f"expected {EARNINGS_LESSONS} completed lessons, got {earned['lessonsCompleted']}"
    if earned["packageLessons"] != EARNINGS_LESSONS // 2:
        return f"expected half the lessons on credits, got {earned['packageLessons']}"
    values = sum(edge["node"]["valueMinor"] for edge in earned["lessons"]["edges"])
    if len(earned["lessons"]["edges"]) != 100 or not earned["lessons"]["pageInfo"]["hasNextPage"]:
        return "expected a full first page of 100 lessons"
    if (
        earned["grossMinor"] - earned["refundsMinor"] - earned["platformFeeMinor"]
        != earned["netMinor"]
    ):
        return f"the figures do not add up: {earned}"
    if values > earned["grossMinor"]:
        return "the first page is worth more than the month"
    return None


OPERATIONS = (
    *OPERATIONS,
    Operation(
        name="earnings_month",
        description=(
            f"`instructorEarnings` of a month with {EARNINGS_LESSONS} completed lessons (half on "
            "package credits, half pay-as-you-go, some refunded) with the first 100 lessons, "
            f"as {BUSY_INSTRUCTOR}"
        ),
        document=EARNINGS_MONTH,
        user=BUSY_INSTRUCTOR,
        prepare=_fill_earnings_month,
        check=_check_earnings,
        tags=("earnings",),
        notes="the month's lessons are written straight into the database by the prepare step "
        "(completed lessons in the past cannot be made through the API)",
    ),
)
