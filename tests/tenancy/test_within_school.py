"""Visibility inside one school (SPEC §1): a student sees themselves, their assigned
instructors and the school's admins; an instructor sees colleagues and their assigned
students; school admins see everyone of their school."""

from __future__ import annotations

import pytest

from tests.support import Factory, GraphQLClient, SchoolWorld, gid

NODES = """
query Nodes($ids: [ID!]!) { nodes(ids: $ids) { id ... on User { email } } }
"""

USERS = """
query Users { users(first: 100) { edges { node { id email role } } } }
"""

STUDENT_WITH_PROFILE = """
query Student($id: ID!) {
  node(id: $id) { ... on User { email studentProfile { medicalNotes emergencyContact } } }
}
"""

SET_MEDICAL = """
mutation Medical($input: UpdateStudentProfileInput!) {
  updateStudentProfile(input: $input) { errors { code } }
}
"""


def _everyone(world: SchoolWorld) -> dict[str, str]:
    return {
        "admin": world.admin.email,
        "instructor": world.instructor.email,
        "other_instructor": world.other_instructor.email,
        "student": world.student.email,
        "other_student": world.other_student.email,
        "pending": world.pending.email,
    }


async def _visible_by_node(gql: GraphQLClient, world: SchoolWorld, token: str) -> set[str]:
    people = [
        world.admin,
        world.instructor,
        world.other_instructor,
        world.student,
        world.other_student,
        world.pending,
    ]
    data = await gql.data(NODES, {"ids": [gid("User", p.id) for p in people]}, token=token)
    return {node["email"] for node in data["nodes"] if node is not None}


@pytest.mark.parametrize(
    ("viewer", "sees"),
    [
        ("student", {"student", "instructor", "admin"}),
        ("instructor", {"instructor", "other_instructor", "admin", "student"}),
        (
            "admin",
            {"admin", "instructor", "other_instructor", "student", "other_student", "pending"},
        ),
    ],
)
async def test_who_sees_whom_through_node(
    gql: GraphQLClient, world: SchoolWorld, viewer: str, sees: set[str]
) -> None:
    # Given a user of a school with two instructors, each with one student, and a pending one
    everyone = _everyone(world)
    token = await gql.login(everyone[viewer])

    # When they ask for every member of the school by id
    visible = await _visible_by_node(gql, world, token)

    # Then exactly the people their role allows come back
    assert visible == {everyone[name] for name in sees}


@pytest.mark.parametrize(
    ("viewer", "sees"),
    [
        ("instructor", {"instructor", "other_instructor", "admin", "student"}),
        (
            "admin",
            {"admin", "instructor", "other_instructor", "student", "other_student", "pending"},
        ),
    ],
)
async def test_who_sees_whom_in_the_users_list(
    gql: GraphQLClient, world: SchoolWorld, viewer: str, sees: set[str]
) -> None:
    # Given a staff member of the school
    everyone = _everyone(world)
    token = await gql.login(everyone[viewer])

    # When they list users
    data = await gql.data(USERS, token=token)

    # Then the list is exactly who their role may see
    assert {e["node"]["email"] for e in data["users"]["edges"]} == {everyone[name] for name in sees}


async def test_a_student_may_not_list_users(gql: GraphQLClient, world: SchoolWorld) -> None:
    # Given a student
    token = await gql.login(world.student.email)

    # When they ask for the users list
    body = await gql.execute(USERS, token=token)

    # Then they are refused
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_an_instructor_sees_a_student_once_assigned(
    gql: GraphQLClient, world: SchoolWorld, factory: Factory
) -> None:
    # Given an instructor who cannot see another instructor's student
    token = await gql.login(world.instructor.email)
    assert world.other_student.email not in await _visible_by_node(gql, world, token)

    # When an admin assigns that student to them as a secondary instructor
    await factory.assign(
        world.other_student, world.instructor, assignment_type="secondary", priority=2
    )

    # Then the student becomes visible to them
    assert world.other_student.email in await _visible_by_node(gql, world, token)


async def test_medical_notes_reach_only_the_student_their_instructor_and_admins(
    gql: GraphQLClient, world: SchoolWorld
) -> None:
    # Given a student who records medical notes
    student_token = await gql.login(world.student.email)
    data = await gql.data(
        SET_MEDICAL,
        {
            "input": {
                "userId": gid("User", world.student.id),
                "medicalNotes": "Epilepsy, controlled",
                "emergencyContact": "Parent 07700 900123",
            }
        },
        token=student_token,
    )
    assert data["updateStudentProfile"]["errors"] == []

    # When the student, their instructor, an admin and another instructor read the profile
    readers = {
        "student": student_token,
        "instructor": await gql.login(world.instructor.email),
        "admin": await gql.login(world.admin.email),
        "other_instructor": await gql.login(world.other_instructor.email),
    }
    seen = {}
    for name, token in readers.items():
        node = (
            await gql.data(STUDENT_WITH_PROFILE, {"id": gid("User", world.student.id)}, token=token)
        )["node"]
        seen[name] = node and node["studentProfile"]

    # Then the first three see the notes; the unassigned instructor cannot see the student at all
    for name in ("student", "instructor", "admin"):
        assert seen[name] == {
            "medicalNotes": "Epilepsy, controlled",
            "emergencyContact": "Parent 07700 900123",
        }, name
    assert seen["other_instructor"] is None
