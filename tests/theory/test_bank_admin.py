"""Admin changes to the bank: platform admins manage the shared bank, school admins their
school's own (seen only by that school); every change is checked like an import; the
mock-test format is a typed, bounded setting."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from models.events import AuditEntry
from resolvers.context import AppState
from tests.support import Factory, GraphQLClient, SchoolWorld, gid
from tests.theory.helpers import bank, load_bank, start_test, with_topics

CREATE = """
mutation Create($input: CreateTheoryQuestionInput!) {
  createTheoryQuestion(input: $input) {
    question {
      id externalId bank type text marksRequired active category { code }
      options { key text } media { kind url } answerKey { correctOptionKeys explanation }
    }
    errors { code message field }
  }
}
"""

UPDATE = """
mutation Update($input: UpdateTheoryQuestionInput!) {
  updateTheoryQuestion(input: $input) {
    question { id text options { key text } answerKey { correctOptionKeys } media { kind } }
    errors { code message field }
  }
}
"""

RETIRE = """
mutation Retire($input: TheoryQuestionIdInput!) {
  retireTheoryQuestion(input: $input) { question { id active } errors { code field } }
}
"""

RESTORE = """
mutation Restore($input: TheoryQuestionIdInput!) {
  restoreTheoryQuestion(input: $input) { question { id active } errors { code field } }
}
"""

NODE = "query($id: ID!) { node(id: $id) { ... on TheoryQuestion { id text bank } } }"

FORMAT = """
mutation Format($input: UpdateTheoryTestFormatInput!) {
  updateTheoryTestFormat(input: $input) {
    format { questionCount timeLimitMinutes passMark isCustom } errors { code message field }
  }
}
"""


async def _category(gql: GraphQLClient, token: str, code: str = "alertness") -> str:
    data = await gql.data("{ theoryCategories { id code } }", token=token)
    return next(c["id"] for c in data["theoryCategories"] if c["code"] == code)


def _question_input(category: str, **overrides: Any) -> dict[str, Any]:
    return {
        "categoryId": category,
        "type": "SINGLE_CHOICE",
        "text": "What should you do when a school bus stops ahead with its hazard lights on?",
        "options": ["Be ready to slow down", "Sound your horn", "Overtake quickly"],
        "correctOptionKeys": ["A"],
        "explanation": "Children may be getting off. Highway Code rule 209.",
        "reference": "Highway Code rule 209",
        "tags": ["school", "buses"],
        **overrides,
    }


async def _create(gql: GraphQLClient, token: str, **fields: Any) -> dict[str, Any]:
    data = await gql.data(CREATE, {"input": fields}, token=token)
    return data["createTheoryQuestion"]  # type: ignore[no-any-return]


async def test_a_school_admins_question_is_seen_by_that_school_only(
    gql: GraphQLClient, state: AppState, world: SchoolWorld, other_world: SchoolWorld
) -> None:
    await load_bank(state, bank(1))
    admin = await gql.login(world.admin.email)

    created = await _create(gql, admin, **_question_input(await _category(gql, admin)))

    question = created["question"]
    assert created["errors"] == []
    assert (question["bank"], question["type"], question["marksRequired"]) == (
        "SCHOOL",
        "SINGLE_CHOICE",
        1,
    )
    assert [o["key"] for o in question["options"]] == ["A", "B", "C"]
    assert question["answerKey"]["correctOptionKeys"] == ["A"]
    for email, visible in (
        (world.student.email, True),
        (world.instructor.email, True),
        (other_world.student.email, False),
        (other_world.admin.email, False),
    ):
        found = await gql.data(NODE, {"id": question["id"]}, token=await gql.login(email))
        assert (found["node"] is not None) is visible, email
    async with state.db.session() as session:
        audit = await session.scalar(
            select(AuditEntry.action).where(AuditEntry.entity_type == "TheoryQuestion")
        )
    assert audit == "theory.question_created"


async def test_a_platform_admin_adds_to_the_shared_bank(
    gql: GraphQLClient, state: AppState, factory: Factory, world: SchoolWorld
) -> None:
    await with_topics(state)
    root = await gql.login((await factory.platform_admin()).email)
    category = await _category(gql, root)

    shared = await _create(gql, root, **_question_input(category, bank="SHARED"))
    school = await _create(gql, root, **_question_input(category, bank="SCHOOL"))

    assert shared["question"]["bank"] == "SHARED"
    student_view = await gql.data(
        NODE, {"id": shared["question"]["id"]}, token=await gql.login(world.student.email)
    )
    assert student_view["node"]["bank"] == "SHARED"
    assert school["question"] is None
    assert [(e["code"], e["field"]) for e in school["errors"]] == [("INVALID", "bank")]


async def test_students_instructors_and_school_admins_cannot_touch_the_shared_bank(
    gql: GraphQLClient, state: AppState, world: SchoolWorld
) -> None:
    await load_bank(state, bank(1))
    admin = await gql.login(world.admin.email)
    category = await _category(gql, admin)
    shared = (
        await gql.data("{ theoryQuestions(first: 1) { edges { node { id } } } }", token=admin)
    )["theoryQuestions"]["edges"][0]["node"]["id"]

    for email in (world.student.email, world.instructor.email):
        body = await gql.execute(
            CREATE, {"input": _question_input(category)}, token=await gql.login(email)
        )
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    for document in (CREATE.replace("$input", "$input"),):
        body = await gql.execute(
            document, {"input": _question_input(category, bank="SHARED")}, token=admin
        )
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    edit = await gql.execute(
        UPDATE, {"input": {"questionId": shared, "text": "Hijacked"}}, token=admin
    )
    retire = await gql.execute(RETIRE, {"input": {"questionId": shared}}, token=admin)
    assert edit["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert retire["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_another_schools_question_is_not_found(
    gql: GraphQLClient, state: AppState, world: SchoolWorld, other_world: SchoolWorld
) -> None:
    await with_topics(state)
    mine = await gql.login(world.admin.email)
    created = await _create(gql, mine, **_question_input(await _category(gql, mine)))
    theirs = await gql.login(other_world.admin.email)

    edit = await gql.data(
        UPDATE,
        {"input": {"questionId": created["question"]["id"], "text": "Mine now"}},
        token=theirs,
    )
    retire = await gql.data(
        RETIRE, {"input": {"questionId": created["question"]["id"]}}, token=theirs
    )

    assert [e["code"] for e in edit["updateTheoryQuestion"]["errors"]] == ["QUESTION_NOT_FOUND"]
    assert [e["code"] for e in retire["retireTheoryQuestion"]["errors"]] == ["QUESTION_NOT_FOUND"]


async def test_edit_retire_and_restore(
    gql: GraphQLClient, state: AppState, world: SchoolWorld
) -> None:
    await with_topics(state)
    admin = await gql.login(world.admin.email)
    category = await _category(gql, admin)
    created = (await _create(gql, admin, **_question_input(category)))["question"]

    edited = await gql.data(
        UPDATE,
        {
            "input": {
                "questionId": created["id"],
                "options": ["Slow down", "Speed up", "Flash", "Hoot"],
                "correctOptionKeys": ["A"],
                "media": {
                    "kind": "IMAGE",
                    "url": "https://media.clutch.invalid/bus.png",
                    "description": "A bus at a stop",
                },
            }
        },
        token=admin,
    )
    retired = await gql.data(RETIRE, {"input": {"questionId": created["id"]}}, token=admin)
    student = await gql.login(world.student.email)
    practice = await gql.data(
        "query($c: ID!) { theoryPracticeQuestions(categoryId: $c, first: 50) { id } }",
        {"c": category},
        token=student,
    )
    restored = await gql.data(RESTORE, {"input": {"questionId": created["id"]}}, token=admin)

    question = edited["updateTheoryQuestion"]["question"]
    assert edited["updateTheoryQuestion"]["errors"] == []
    assert [o["text"] for o in question["options"]] == ["Slow down", "Speed up", "Flash", "Hoot"]
    assert question["media"] == {"kind": "IMAGE"}
    assert question["text"] == created["text"]  # untouched fields stay
    assert retired["retireTheoryQuestion"]["question"]["active"] is False
    assert created["id"] not in {q["id"] for q in practice["theoryPracticeQuestions"]}
    assert restored["restoreTheoryQuestion"]["question"]["active"] is True
    async with state.db.session() as session:
        actions = list(
            await session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.entity_type == "TheoryQuestion")
                .order_by(AuditEntry.id)
            )
        )
    assert actions == [
        "theory.question_created",
        "theory.question_updated",
        "theory.question_retired",
        "theory.question_restored",
    ]


async def test_bad_questions_are_refused_with_the_field_at_fault(
    gql: GraphQLClient, state: AppState, world: SchoolWorld
) -> None:
    await with_topics(state)
    admin = await gql.login(world.admin.email)
    category = await _category(gql, admin)
    existing = await _create(gql, admin, **_question_input(category, externalId="bus-stop-1"))
    assert existing["errors"] == []
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"text": ""}, "INVALID", "text"),
        ({"text": "   "}, "INVALID", "text"),
        ({"text": "x" * 1001}, "INVALID", "text"),
        ({"text": "Bell\x07 rings"}, "INVALID", "text"),
        ({"options": ["Only one"]}, "INVALID_OPTIONS", "options"),
        ({"options": [f"Option {n}" for n in range(7)]}, "INVALID_OPTIONS", "options"),
        ({"options": ["Same", "same", "Other"]}, "INVALID_OPTIONS", "options"),
        ({"correctOptionKeys": ["D"]}, "INVALID_ANSWER", "correctOptionKeys"),
        ({"correctOptionKeys": ["A", "B"]}, "INVALID_ANSWER", "correctOptionKeys"),
        ({"type": "MULTIPLE_RESPONSE", "correctOptionKeys": ["A", "B"]}, "INVALID", "text"),
        ({"explanation": ""}, "INVALID", "explanation"),
        ({"reference": "r" * 301}, "INVALID", "reference"),
        ({"tags": ["Upper"]}, "INVALID", "tags"),
        ({"externalId": "bus-stop-1"}, "DUPLICATE_QUESTION", "externalId"),
        ({"externalId": "no spaces"}, "INVALID", "externalId"),
        (
            {"media": {"kind": "VIDEO", "url": "http://insecure.test/a.mp4", "description": "d"}},
            "INVALID",
            "media",
        ),
        ({"categoryId": "bogus"}, "CATEGORY_NOT_FOUND", "categoryId"),
        (
            {"categoryId": gid("TheoryCategory", world.student.id)},
            "CATEGORY_NOT_FOUND",
            "categoryId",
        ),
    ]
    for overrides, code, field in cases:
        result = await _create(gql, admin, **_question_input(category, **overrides))
        assert result["question"] is None, overrides
        assert [(e["code"], e["field"]) for e in result["errors"]] == [(code, field)], (
            overrides,
            result,
        )
    questions = await gql.data(
        "{ theoryQuestions(first: 100, bank: SCHOOL, includeRetired: true) { edges { node { id } } } }",
        token=admin,
    )
    assert len(questions["theoryQuestions"]["edges"]) == 1


async def test_a_school_sets_its_mock_test_format_within_bounds(
    gql: GraphQLClient, state: AppState, world: SchoolWorld, other_world: SchoolWorld
) -> None:
    await load_bank(state, bank(5))
    admin = await gql.login(world.admin.email)
    student = await gql.login(world.student.email)
    running = await start_test(gql, await gql.login(world.other_student.email))

    refused = [
        (await gql.data(FORMAT, {"input": values}, token=admin))["updateTheoryTestFormat"]
        for values in (
            {"questionCount": 13, "timeLimitMinutes": 20, "passMark": 10},
            {"questionCount": 20, "timeLimitMinutes": 4, "passMark": 10},
            {"questionCount": 20, "timeLimitMinutes": 20, "passMark": 21},
            {"questionCount": 20, "timeLimitMinutes": 20, "passMark": 0},
        )
    ]
    changed = await gql.data(
        FORMAT,
        {"input": {"questionCount": 20, "timeLimitMinutes": 15, "passMark": 17}},
        token=admin,
    )
    test = await start_test(gql, student)
    elsewhere = await gql.data(
        "{ theoryTestFormat { questionCount isCustom } }",
        token=await gql.login(other_world.student.email),
    )
    by_instructor = await gql.execute(
        FORMAT,
        {"input": {"questionCount": 20, "timeLimitMinutes": 15, "passMark": 17}},
        token=await gql.login(world.instructor.email),
    )
    still = await gql.data(
        "query($id: ID!) { node(id: $id) { ... on MockTest { questionCount passMark } } }",
        {"id": running["id"]},
        token=await gql.login(world.other_student.email),
    )

    assert [[(e["code"], e["field"]) for e in r["errors"]] for r in refused] == [
        [("INVALID_FORMAT", "questionCount")],
        [("INVALID_FORMAT", "timeLimitMinutes")],
        [("INVALID_FORMAT", "passMark")],
        [("INVALID_FORMAT", "passMark")],
    ]
    assert changed["updateTheoryTestFormat"]["format"] == {
        "questionCount": 20,
        "timeLimitMinutes": 15,
        "passMark": 17,
        "isCustom": True,
    }
    assert (test["questionCount"], test["timeLimitMinutes"], test["passMark"]) == (20, 15, 17)
    assert len({q["question"]["category"]["code"] for q in test["questions"]}) == 14
    assert 14 * 60 <= test["secondsRemaining"] <= 15 * 60
    assert elsewhere["theoryTestFormat"] == {"questionCount": 50, "isCustom": False}
    assert by_instructor["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert still["node"] == {"questionCount": 50, "passMark": 43}
