"""Tenancy (SPEC §0, issue item 9): no user of school A — school admin, instructor or
student — can read or change anything of school B through `node(id:)`, `nodes(ids:)`,
filters, nested fields, mutations or error messages.

Every probe is also run by a platform admin as the positive control: it does reach B's
data, which proves the probe addresses B correctly and its "nothing" for A is real.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select, text

from models.accounts import User
from resolvers.context import AppState
from tests.support import Factory, GraphQLClient, SchoolWorld, gid, unique
from tests.tenancy.dbstate import school_rows

SCHOOL_ROLES = ("school_admin", "instructor", "student")

NODE = """
query Node($id: ID!) {
  node(id: $id) {
    id
    ... on User { email firstName lastName }
    ... on School { name slug }
    ... on Assignment { student { email } instructor { email } notes }
  }
}
"""

NODES = """
query Nodes($ids: [ID!]!) {
  nodes(ids: $ids) { id ... on User { email } ... on School { name } }
}
"""

USERS_IN_SCHOOL = """
query UsersInSchool($schoolId: ID!) {
  users(schoolId: $schoolId, first: 100) { edges { node { id email } } }
}
"""

USERS_MATCHING = """
query UsersMatching($search: String!) {
  users(search: $search, first: 100) { edges { node { id email } } }
}
"""

ASSIGNMENTS_OF_STUDENT = """
query AssignmentsOfStudent($studentId: ID!) {
  assignments(studentId: $studentId, includeEnded: true) {
    edges { node { id student { email } instructor { email } } }
  }
}
"""

ASSIGNMENTS_OF_INSTRUCTOR = """
query AssignmentsOfInstructor($instructorId: ID!) {
  assignments(instructorId: $instructorId, includeEnded: true) {
    edges { node { id student { email } } }
  }
}
"""

MY_VIEW = """
query MyView {
  myAssignments { id student { id email } instructor { id email } }
  me { id school { id name } assignments { id student { email } instructor { email } } }
  myschool: mySchool { id name }
}
"""

ASSIGN = """
mutation Assign($input: AssignInstructorInput!) {
  assignInstructor(input: $input) {
    assignment { id student { email } instructor { email } }
    errors { code message field }
  }
}
"""

UPDATE_ASSIGNMENT = """
mutation UpdateAssignment($input: UpdateAssignmentInput!) {
  updateAssignment(input: $input) { assignment { id priority } errors { code message field } }
}
"""

END_ASSIGNMENT = """
mutation EndAssignment($input: EndAssignmentInput!) {
  endAssignment(input: $input) { assignment { id status } errors { code message field } }
}
"""

UPDATE_SCHOOL = """
mutation UpdateSchool($input: UpdateSchoolInput!) {
  updateSchool(input: $input) { school { id name } errors { code message field } }
}
"""

REVIEW = """
mutation Review($input: ReviewRegistrationInput!) {
  reviewRegistration(input: $input) { user { id status } errors { code message field } }
}
"""

SUSPEND = """
mutation Suspend($input: UserActionInput!) {
  suspendUser(input: $input) { user { id status } errors { code message field } }
}
"""

DELETE = """
mutation Delete($input: UserActionInput!) {
  deleteUser(input: $input) { ok errors { code message field } }
}
"""

UPDATE_STUDENT_PROFILE = """
mutation UpdateStudentProfile($input: UpdateStudentProfileInput!) {
  updateStudentProfile(input: $input) {
    user { id studentProfile { goals medicalNotes } }
    errors { code message field }
  }
}
"""

UPDATE_INSTRUCTOR_PROFILE = """
mutation UpdateInstructorProfile($input: UpdateInstructorProfileInput!) {
  updateInstructorProfile(input: $input) {
    user { id instructorProfile { bio } }
    errors { code message field }
  }
}
"""

UPDATE_ADMIN_PERMISSIONS = """
mutation UpdateAdminPermissions($input: UpdateAdminPermissionsInput!) {
  updateAdminPermissions(input: $input) {
    permissions { canManageUsers }
    errors { code message field }
  }
}
"""

CREATE_USER = """
mutation CreateUser($input: CreateUserInput!) {
  createUser(input: $input) { user { id email school { id } } errors { code message field } }
}
"""


@dataclass
class Target:
    """School B as seen from outside: its world, and every string that identifies it."""

    world: SchoolWorld
    markers: list[str]

    def user_ids(self) -> list[uuid.UUID]:
        w = self.world
        return [w.admin.id, w.instructor.id, w.other_instructor.id, w.student.id, w.pending.id]


async def _target(state: AppState, world: SchoolWorld) -> Target:
    """Give B's users names no other school shares, then collect B's identifying strings."""
    async with state.db.transaction() as session:
        await session.execute(
            text(
                "UPDATE users SET first_name = 'Bfn' || substr(md5(id::text), 1, 10), "
                "last_name = 'Bln' || substr(md5(email), 1, 10) WHERE school_id = :school"
            ),
            {"school": world.school.id},
        )
    async with state.db.session() as session:
        users = list(await session.scalars(select(User).where(User.school_id == world.school.id)))
    markers = [str(world.school.id), gid("School", world.school.id), world.school.slug]
    markers += [str(world.assignment.id), gid("Assignment", world.assignment.id)]
    for user in users:
        markers += [str(user.id), gid("User", user.id), user.email, user.first_name, user.last_name]
    return Target(world, markers)


@pytest.fixture
async def target(state: AppState, world: SchoolWorld, other_world: SchoolWorld) -> Target:
    return await _target(state, other_world)


async def _login_as(gql: GraphQLClient, factory: Factory, world: SchoolWorld, role: str) -> str:
    if role == "platform_admin":
        return await gql.login((await factory.platform_admin()).email)
    user = {"school_admin": world.admin, "instructor": world.instructor, "student": world.student}
    return await gql.login(user[role].email)


def _leaks(body: dict[str, Any], target: Target) -> list[str]:
    text_ = json.dumps(body)
    return [marker for marker in target.markers if marker in text_]


def _no_internal_errors(body: dict[str, Any]) -> None:
    codes = [e.get("extensions", {}).get("code") for e in body.get("errors", [])]
    assert "INTERNAL_SERVER_ERROR" not in codes, body


# -- reads -----------------------------------------------------------------------------------------


@dataclass
class ReadProbe:
    name: str
    query: str
    variables: Callable[[Target], dict[str, Any]]
    found: Callable[[dict[str, Any]], bool]  # did the response carry B's data?


def _data(body: dict[str, Any]) -> dict[str, Any]:
    return body.get("data") or {}


def _edges(body: dict[str, Any], field: str) -> list[Any]:
    connection = _data(body).get(field)
    return connection["edges"] if connection else []


def _node_probe(name: str, type_name: str, pick: Callable[[SchoolWorld], Any]) -> ReadProbe:
    return ReadProbe(
        name,
        NODE,
        lambda t: {"id": gid(type_name, pick(t.world).id)},
        lambda body: _data(body).get("node") is not None,
    )


READ_PROBES = [
    _node_probe("node(User: admin)", "User", lambda w: w.admin),
    _node_probe("node(User: instructor)", "User", lambda w: w.instructor),
    _node_probe("node(User: student)", "User", lambda w: w.student),
    _node_probe("node(User: pending)", "User", lambda w: w.pending),
    _node_probe("node(School)", "School", lambda w: w.school),
    _node_probe("node(Assignment)", "Assignment", lambda w: w.assignment),
    ReadProbe(
        "nodes(ids:)",
        NODES,
        lambda t: {
            "ids": [gid("User", pk) for pk in t.user_ids()]
            + [gid("School", t.world.school.id), gid("Assignment", t.world.assignment.id)]
        },
        lambda body: any(n is not None for n in _data(body).get("nodes") or []),
    ),
    ReadProbe(
        "users(schoolId:)",
        USERS_IN_SCHOOL,
        lambda t: {"schoolId": gid("School", t.world.school.id)},
        lambda body: bool(_edges(body, "users")),
    ),
    ReadProbe(
        "users(search: email)",
        USERS_MATCHING,
        lambda t: {"search": t.world.student.email},
        lambda body: bool(_edges(body, "users")),
    ),
    ReadProbe(
        "users(search: domain-wide)",
        USERS_MATCHING,
        lambda t: {"search": "@example.test"},
        # Found when any B user is listed (A's own users may match too).
        lambda body: bool(_edges(body, "users")),
    ),
    ReadProbe(
        "assignments(studentId:)",
        ASSIGNMENTS_OF_STUDENT,
        lambda t: {"studentId": gid("User", t.world.student.id)},
        lambda body: bool(_edges(body, "assignments")),
    ),
    ReadProbe(
        "assignments(instructorId:)",
        ASSIGNMENTS_OF_INSTRUCTOR,
        lambda t: {"instructorId": gid("User", t.world.instructor.id)},
        lambda body: bool(_edges(body, "assignments")),
    ),
]


@pytest.mark.parametrize("role", SCHOOL_ROLES)
async def test_no_school_role_reads_another_schools_data(
    gql: GraphQLClient, factory: Factory, world: SchoolWorld, target: Target, role: str
) -> None:
    # Given a user of school A
    token = await _login_as(gql, factory, world, role)

    for probe in READ_PROBES:
        # When they ask for school B's data
        body = await gql.execute(probe.query, probe.variables(target), token=token)

        # Then they get nothing of B: no rows, no nulls that name B, no error that does
        _no_internal_errors(body)
        leaks = _leaks(body, target)
        assert not leaks, f"{role} / {probe.name} leaked {leaks}: {body}"
        if probe.name != "users(search: domain-wide)":
            assert not probe.found(body), f"{role} / {probe.name}: {body}"


@pytest.mark.parametrize("role", SCHOOL_ROLES)
async def test_own_views_never_include_another_school(
    gql: GraphQLClient, factory: Factory, world: SchoolWorld, target: Target, role: str
) -> None:
    # Given a user of school A, whose school B mirrors A exactly
    token = await _login_as(gql, factory, world, role)

    # When they read their own assignments, profile and school
    body = await gql.execute(MY_VIEW, token=token)

    # Then their own data is there and none of B's is
    assert "errors" not in body, body
    assert body["data"]["me"]["school"]["id"] == gid("School", world.school.id)
    assert body["data"]["myschool"]["id"] == gid("School", world.school.id)
    assert not _leaks(body, target), body


async def test_platform_admin_reads_another_schools_data(
    gql: GraphQLClient, factory: Factory, target: Target
) -> None:
    # Given a platform admin (no school)
    token = await gql.login((await factory.platform_admin()).email)

    for probe in READ_PROBES:
        # When they run the same probes
        body = await gql.execute(probe.query, probe.variables(target), token=token)

        # Then each reaches B's data: the probes address B correctly
        assert "errors" not in body, body
        assert probe.found(body), f"{probe.name}: {body}"
        assert _leaks(body, target), f"{probe.name}: {body}"


# -- writes ----------------------------------------------------------------------------------------


@dataclass
class WriteProbe:
    name: str
    query: str
    field: str
    input: Callable[[Target, SchoolWorld], dict[str, Any]]
    # Whether the positive control succeeds; a pair that spans two schools never does.
    platform_succeeds: bool = True
    # Who runs the positive control: a platform admin, or B's own school admin where the
    # service reserves the change to the school (student profiles).
    control: str = "platform_admin"

    def succeeded(self, body: dict[str, Any], target: Target) -> bool:
        payload = _data(body).get(self.field)
        if payload is None or payload["errors"]:
            return False
        if self.field == "createUser":  # succeeded *in B*
            return payload["user"]["school"]["id"] == gid("School", target.world.school.id)
        return True


WRITE_PROBES = [
    WriteProbe(
        "assign B's student to B's instructor",
        ASSIGN,
        "assignInstructor",
        lambda t, a: {
            "studentId": gid("User", t.world.student.id),
            "instructorId": gid("User", t.world.other_instructor.id),
            "assignmentType": "SECONDARY",
        },
    ),
    WriteProbe(
        "assign B's student to A's instructor",
        ASSIGN,
        "assignInstructor",
        lambda t, a: {
            "studentId": gid("User", t.world.other_student.id),
            "instructorId": gid("User", a.other_instructor.id),
            "assignmentType": "SECONDARY",
        },
        platform_succeeds=False,
    ),
    WriteProbe(
        "assign A's student to B's instructor",
        ASSIGN,
        "assignInstructor",
        lambda t, a: {
            "studentId": gid("User", a.student.id),
            "instructorId": gid("User", t.world.other_instructor.id),
            "assignmentType": "SECONDARY",
        },
        platform_succeeds=False,
    ),
    WriteProbe(
        "update B's assignment",
        UPDATE_ASSIGNMENT,
        "updateAssignment",
        lambda t, a: {
            "assignmentId": gid("Assignment", t.world.assignment.id),
            "priority": 7,
            "notes": "changed from outside",
        },
    ),
    WriteProbe(
        "end B's assignment",
        END_ASSIGNMENT,
        "endAssignment",
        lambda t, a: {"assignmentId": gid("Assignment", t.world.assignment.id), "reason": "x"},
    ),
    WriteProbe(
        "update B's school",
        UPDATE_SCHOOL,
        "updateSchool",
        lambda t, a: {
            "schoolId": gid("School", t.world.school.id),
            "name": "Hijacked",
            "settings": {"bookingHorizonDays": 5},
        },
    ),
    WriteProbe(
        "activate B's pending student",
        REVIEW,
        "reviewRegistration",
        lambda t, a: {"userId": gid("User", t.world.pending.id), "decision": "ACTIVATE"},
    ),
    WriteProbe(
        "suspend B's student",
        SUSPEND,
        "suspendUser",
        lambda t, a: {"userId": gid("User", t.world.student.id), "reason": "x"},
    ),
    WriteProbe(
        "delete B's instructor",
        DELETE,
        "deleteUser",
        lambda t, a: {"userId": gid("User", t.world.instructor.id)},
    ),
    WriteProbe(
        "update B's student profile",
        UPDATE_STUDENT_PROFILE,
        "updateStudentProfile",
        lambda t, a: {
            "userId": gid("User", t.world.student.id),
            "goals": "changed from outside",
            "medicalNotes": "changed from outside",
        },
        control="school_admin",
    ),
    WriteProbe(
        "update B's instructor profile",
        UPDATE_INSTRUCTOR_PROFILE,
        "updateInstructorProfile",
        lambda t, a: {"userId": gid("User", t.world.instructor.id), "bio": "changed"},
    ),
    WriteProbe(
        "change B's admin permissions",
        UPDATE_ADMIN_PERMISSIONS,
        "updateAdminPermissions",
        lambda t, a: {"userId": gid("User", t.world.admin.id), "canManageUsers": False},
    ),
    WriteProbe(
        "create a user in B",
        CREATE_USER,
        "createUser",
        lambda t, a: {
            "schoolId": gid("School", t.world.school.id),
            "role": "STUDENT",
            "email": f"{unique('planted')}@example.test",
            "firstName": "Planted",
            "lastName": "User",
            "password": "planted password 123",
        },
    ),
]


def _refused_cleanly(body: dict[str, Any], probe: WriteProbe) -> None:
    """A typed payload error, or a FORBIDDEN GraphQL error; nothing else."""
    errors = body.get("errors")
    if errors:
        assert {e["extensions"]["code"] for e in errors} == {"FORBIDDEN"}, body
        return
    payload = body["data"][probe.field]
    if probe.field == "createUser" and not payload["errors"]:
        return  # a school admin's createUser lands in their own school; checked by caller
    assert payload["errors"], body
    assert all(e["code"] and e["message"] for e in payload["errors"]), body


@pytest.mark.parametrize("role", SCHOOL_ROLES)
async def test_no_school_role_changes_another_schools_data(
    gql: GraphQLClient,
    factory: Factory,
    state: AppState,
    world: SchoolWorld,
    target: Target,
    role: str,
) -> None:
    # Given a user of school A, and school B as it is
    token = await _login_as(gql, factory, world, role)
    before = await school_rows(state, target.world.school.id)

    for probe in WRITE_PROBES:
        # When they try to change B
        body = await gql.execute(probe.query, {"input": probe.input(target, world)}, token=token)

        # Then they are refused with a typed error or FORBIDDEN that names nothing of B,
        # and not one of B's rows changed
        _no_internal_errors(body)
        assert not probe.succeeded(body, target), f"{role} / {probe.name}: {body}"
        _refused_cleanly(body, probe)
        leaks = _leaks(body, target)
        assert not leaks, f"{role} / {probe.name} leaked {leaks}: {body}"
        assert await school_rows(state, target.world.school.id) == before, probe.name


@pytest.mark.parametrize("probe", WRITE_PROBES, ids=lambda p: p.name)
async def test_positive_control_changes_the_other_school(
    gql: GraphQLClient,
    factory: Factory,
    state: AppState,
    world: SchoolWorld,
    target: Target,
    probe: WriteProbe,
) -> None:
    # Given a platform admin (or B's own admin) and school B as it is
    token = await _login_as(gql, factory, target.world, probe.control)
    before = await school_rows(state, target.world.school.id)

    # When they run the same mutation
    body = await gql.execute(probe.query, {"input": probe.input(target, world)}, token=token)

    # Then it does change B (or, for a pair that spans two schools, is refused even for them)
    _no_internal_errors(body)
    assert probe.succeeded(body, target) is probe.platform_succeeds, body
    changed = await school_rows(state, target.world.school.id) != before
    assert changed is probe.platform_succeeds, body
