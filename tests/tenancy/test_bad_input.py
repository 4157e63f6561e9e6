"""Bad input (SPEC §0, errors): wrong types, missing fields, malformed or foreign IDs,
unknown enum values, oversized or control-character text and impossible dates get a
clear GraphQL request error (HTTP 400, graphql-response+json) or a typed payload error —
never a 500, never INTERNAL_SERVER_ERROR — and change nothing."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest

from resolvers.context import AppState
from services.actor import Role
from tests.support import Factory, GraphQLClient, SchoolWorld, gid
from tests.tenancy.dbstate import all_rows

AUTH_TABLES = ("login_attempts", "auth_sessions", "refresh_tokens")

NODE = "query Node($id: ID!) { node(id: $id) { id } }"
NODES = "query Nodes($ids: [ID!]!) { nodes(ids: $ids) { id } }"
USERS = "query Users($first: Int!) { users(first: $first) { edges { node { id } } } }"
ASSIGNMENTS_OF = """
query Of($studentId: ID) { assignments(studentId: $studentId) { edges { node { id } } } }
"""
USERS_OF_SCHOOL = """
query Of($schoolId: ID) { users(schoolId: $schoolId) { edges { node { id } } } }
"""
ASSIGN = """
mutation Assign($input: AssignInstructorInput!) {
  assignInstructor(input: $input) { assignment { id } errors { code field message } }
}
"""
UPDATE_ASSIGNMENT = """
mutation Update($input: UpdateAssignmentInput!) {
  updateAssignment(input: $input) { assignment { id } errors { code field message } }
}
"""
END_ASSIGNMENT = """
mutation End($input: EndAssignmentInput!) {
  endAssignment(input: $input) { assignment { id } errors { code field message } }
}
"""
UPDATE_SCHOOL = """
mutation UpdateSchool($input: UpdateSchoolInput!) {
  updateSchool(input: $input) { school { id } errors { code field message } }
}
"""
SUSPEND = """
mutation Suspend($input: UserActionInput!) {
  suspendUser(input: $input) { user { id } errors { code field message } }
}
"""
CREATE_USER = """
mutation CreateUser($input: CreateUserInput!) {
  createUser(input: $input) { user { id } errors { code field message } }
}
"""
STUDENT_PROFILE = """
mutation Profile($input: UpdateStudentProfileInput!) {
  updateStudentProfile(input: $input) { user { id } errors { code field message } }
}
"""

BAD_DOCUMENTS = {
    "literal string for first": '{ users(first: "ten") { edges { node { id } } } }',
    "literal object for an id": "{ node(id: {a: 1}) { id } }",
    "unknown enum literal": "{ users(role: OWNER) { edges { node { id } } } }",
    "unknown field": "{ users { edges { node { password } } } }",
    "missing required argument": "{ node { id } }",
    "syntax error": "{ users(first: ) }",
    "unterminated string": '{ schoolBySlug(slug: "abc) { name } }',
}


def _b64(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@dataclass
class Case:
    name: str
    document: str
    variables: dict[str, Any]
    # "request": HTTP 400 before execution; "typed": payload errors with these codes;
    # "null": the field resolves to null / an empty list; "bad_input": BAD_USER_INPUT.
    expect: str
    codes: list[str] = field(default_factory=list)


def _assign_input(world: SchoolWorld, **overrides: Any) -> dict[str, Any]:
    return {
        "input": {
            "studentId": gid("User", world.other_student.id),
            "instructorId": gid("User", world.instructor.id),
            "assignmentType": "SECONDARY",
            **overrides,
        }
    }


def _cases(world: SchoolWorld, deleted: uuid.UUID) -> list[Case]:
    school_id = gid("School", world.school.id)
    assignment_id = gid("Assignment", world.assignment.id)
    student_id = gid("User", world.student.id)
    return [
        # -- wrong variable types, missing fields, unknown enum values: request errors --
        Case("string for first", USERS, {"first": "ten"}, "request"),
        Case("float for first", USERS, {"first": 2.5}, "request"),
        Case("first beyond Int", USERS, {"first": 2**31}, "request"),
        Case("object for an ID", NODE, {"id": {"type": "User"}}, "request"),
        Case("list for an ID", NODE, {"id": ["a"]}, "request"),
        Case("null for a required ID", NODE, {"id": None}, "request"),
        Case("missing variable", NODE, {}, "request"),
        Case("null input", ASSIGN, {"input": None}, "request"),
        Case(
            "missing studentId",
            ASSIGN,
            {"input": {"instructorId": gid("User", world.instructor.id)}},
            "request",
        ),
        Case("unknown input field", ASSIGN, _assign_input(world, bogus=1), "request"),
        Case("unknown enum value", ASSIGN, _assign_input(world, assignmentType="BOSS"), "request"),
        Case(
            "enum in lower case", ASSIGN, _assign_input(world, assignmentType="primary"), "request"
        ),
        Case("priority beyond Int", ASSIGN, _assign_input(world, priority=2**40), "request"),
        Case("string for priority", ASSIGN, _assign_input(world, priority="1"), "request"),
        Case("30 February", ASSIGN, _assign_input(world, startsOn="2030-02-30"), "request"),
        Case("not a date", ASSIGN, _assign_input(world, startsOn="next tuesday"), "request"),
        Case("number for a date", ASSIGN, _assign_input(world, endsOn=12), "request"),
        Case("integer for an ID", SUSPEND, {"input": {"userId": 5}}, "typed", ["NOT_FOUND"]),
        # -- malformed, foreign-type, unknown and deleted IDs --
        Case("node: nope", NODE, {"id": "nope"}, "null"),
        Case("node: empty", NODE, {"id": ""}, "null"),
        Case("node: 10 000 characters", NODE, {"id": "A" * 10_000}, "null"),
        Case("node: unknown type", NODE, {"id": _b64(f"Invoice:{uuid.uuid4()}")}, "null"),
        Case("node: bad uuid", NODE, {"id": _b64("User:not-a-uuid")}, "null"),
        Case("node: no separator", NODE, {"id": _b64(str(world.student.id))}, "null"),
        Case("node: raw uuid", NODE, {"id": str(world.student.id)}, "null"),
        Case("node: unknown user", NODE, {"id": gid("User", uuid.uuid4())}, "null"),
        Case("node: deleted user", NODE, {"id": gid("User", deleted)}, "null"),
        Case("node: NUL", NODE, {"id": "\x00"}, "null"),
        Case("node: not base64", NODE, {"id": "!!!***"}, "null"),
        Case("node: invalid utf-8", NODE, {"id": base64.b64encode(b"\xff\xfe:x").decode()}, "null"),
        Case("nodes: mixed garbage", NODES, {"ids": ["nope", "", "\x00", "A" * 500]}, "null"),
        Case("nodes: 101 ids", NODES, {"ids": ["nope"] * 101}, "bad_input"),
        Case(
            "filter: student id of wrong type",
            ASSIGNMENTS_OF,
            {"studentId": school_id},
            "bad_input",
        ),
        Case("filter: malformed student id", ASSIGNMENTS_OF, {"studentId": "nope"}, "bad_input"),
        Case("filter: malformed school id", USERS_OF_SCHOOL, {"schoolId": "nope"}, "bad_input"),
        Case(
            "assign: studentId nope",
            ASSIGN,
            _assign_input(world, studentId="nope"),
            "typed",
            ["STUDENT_NOT_FOUND"],
        ),
        Case(
            "assign: school id as studentId",
            ASSIGN,
            _assign_input(world, studentId=school_id),
            "typed",
            ["STUDENT_NOT_FOUND"],
        ),
        Case(
            "assign: assignment id as instructorId",
            ASSIGN,
            _assign_input(world, instructorId=assignment_id),
            "typed",
            ["INSTRUCTOR_NOT_FOUND"],
        ),
        Case(
            "assign: deleted user as student",
            ASSIGN,
            _assign_input(world, studentId=gid("User", deleted)),
            "typed",
            ["STUDENT_NOT_FOUND"],
        ),
        Case(
            "assign: unknown instructor",
            ASSIGN,
            _assign_input(world, instructorId=gid("User", uuid.uuid4())),
            "typed",
            ["INSTRUCTOR_NOT_FOUND"],
        ),
        Case(
            "update: user id as assignmentId",
            UPDATE_ASSIGNMENT,
            {"input": {"assignmentId": student_id, "priority": 2}},
            "typed",
            ["NOT_FOUND"],
        ),
        Case(
            "end: unknown assignment",
            END_ASSIGNMENT,
            {"input": {"assignmentId": gid("Assignment", uuid.uuid4())}},
            "typed",
            ["NOT_FOUND"],
        ),
        Case(
            "updateSchool: user id as schoolId",
            UPDATE_SCHOOL,
            {"input": {"schoolId": student_id, "name": "x"}},
            "typed",
            ["NOT_FOUND"],
        ),
        Case(
            "suspend: deleted user",
            SUSPEND,
            {"input": {"userId": gid("User", deleted)}},
            "typed",
            ["NOT_FOUND"],
        ),
        Case(
            "suspend: nope",
            SUSPEND,
            {"input": {"userId": "nope"}},
            "typed",
            ["NOT_FOUND"],
        ),
        # -- oversized text, control characters, impossible dates: typed payload errors --
        Case(
            "10 000-character first name",
            CREATE_USER,
            {
                "input": {
                    "role": "STUDENT",
                    "email": "long.name@example.test",
                    "firstName": "N" * 10_000,
                    "lastName": "Long",
                }
            },
            "typed",
            ["INVALID"],
        ),
        Case(
            "control characters in a last name",
            CREATE_USER,
            {
                "input": {
                    "role": "STUDENT",
                    "email": "control@example.test",
                    "firstName": "Ctrl",
                    "lastName": "Nul\x00Bell\x07",
                }
            },
            "typed",
            ["INVALID"],
        ),
        Case(
            "10 000-character school name",
            UPDATE_SCHOOL,
            {"input": {"schoolId": school_id, "name": "S" * 10_000}},
            "typed",
            ["INVALID"],
        ),
        Case(
            "control characters in a school name",
            UPDATE_SCHOOL,
            {"input": {"schoolId": school_id, "name": "Esc\x1b[31m School"}},
            "typed",
            ["INVALID"],
        ),
        Case(
            "10 000-character goals",
            STUDENT_PROFILE,
            {"input": {"userId": student_id, "goals": "g" * 10_000}},
            "typed",
            ["INVALID"],
        ),
        Case(
            "practical test in 1900",
            STUDENT_PROFILE,
            {"input": {"userId": student_id, "practicalTestDate": "1900-06-01"}},
            "typed",
            ["INVALID"],
        ),
        Case(
            "assignment starting in 1900",
            ASSIGN,
            _assign_input(world, startsOn="1900-01-01"),
            "typed",
            ["INVALID_DATES"],
        ),
        Case(
            "assignment ending in 9999",
            ASSIGN,
            _assign_input(world, startsOn="2030-01-01", endsOn="9999-12-31"),
            "typed",
            ["INVALID_DATES"],
        ),
        Case(
            "assignment ending before it starts",
            ASSIGN,
            _assign_input(world, startsOn="2030-06-02", endsOn="2030-06-01"),
            "typed",
            ["INVALID_DATES"],
        ),
        Case(
            "update to end before start",
            UPDATE_ASSIGNMENT,
            {
                "input": {
                    "assignmentId": assignment_id,
                    "startsOn": "2030-06-02",
                    "endsOn": "2030-06-01",
                }
            },
            "typed",
            ["INVALID_DATES"],
        ),
        Case(
            "10 000-character end reason",
            END_ASSIGNMENT,
            {"input": {"assignmentId": assignment_id, "reason": "r" * 10_000}},
            "typed",
            ["INVALID"],
        ),
    ]


def _check(case: Case, status: int, content_type: str, body: dict[str, Any]) -> None:
    assert status != 500, case.name
    codes = [e.get("extensions", {}).get("code") for e in body.get("errors", [])]
    assert "INTERNAL_SERVER_ERROR" not in codes, (case.name, body)
    if case.expect == "request":
        assert status == 400, (case.name, body)
        assert content_type.startswith("application/graphql-response+json"), case.name
        assert "data" not in body, (case.name, body)
        assert body["errors"], case.name
        assert all(e["message"] for e in body["errors"]), case.name
        return
    assert status == 200, (case.name, body)
    if case.expect == "bad_input":
        assert codes == ["BAD_USER_INPUT"], (case.name, body)
        return
    assert "errors" not in body, (case.name, body)
    [value] = body["data"].values()
    if case.expect == "null":
        assert value is None or value == [] or all(v is None for v in value), (case.name, body)
        return
    assert [e["code"] for e in value["errors"]] == case.codes, (case.name, body)
    assert all(e["message"] for e in value["errors"]), case.name
    assert all(v is None for k, v in value.items() if k != "errors"), (case.name, body)


@pytest.fixture
async def deleted_user(factory: Factory, state: AppState, world: SchoolWorld) -> uuid.UUID:
    """A student of the world's school whom an admin has deleted."""
    from services import accounts
    from services.uow import unit_of_work

    student = await factory.user(world.school, Role.STUDENT)
    async with unit_of_work(state.db, state.hub, state.deps) as uow:
        await accounts.delete_user(uow, await factory.actor(), student.id)
    return student.id


async def test_bad_input_is_refused_clearly_and_changes_nothing(
    gql: GraphQLClient, state: AppState, world: SchoolWorld, deleted_user: uuid.UUID
) -> None:
    # Given a school admin and the database as it is
    token = await gql.login(world.admin.email)
    before = await all_rows(state, ignore=AUTH_TABLES)

    for case in _cases(world, deleted_user):
        # When they send a bad request
        response = await gql.post(case.document, case.variables, token=token)

        # Then it is refused the way the case expects, and nothing is written
        _check(case, response.status_code, response.headers["content-type"], response.json())
        assert await all_rows(state, ignore=AUTH_TABLES) == before, case.name


async def test_bad_documents_are_request_errors(gql: GraphQLClient, world: SchoolWorld) -> None:
    # Given a logged-in admin
    token = await gql.login(world.admin.email)

    for name, document in BAD_DOCUMENTS.items():
        # When they send a document that cannot be validated
        response = await gql.post(document, token=token)

        # Then it is a 400 with a message and no data
        assert response.status_code == 400, (name, response.text)
        body = response.json()
        assert "data" not in body, name
        assert body["errors"][0]["message"], name
