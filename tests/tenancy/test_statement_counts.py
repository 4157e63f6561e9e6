"""No N+1 queries: nested fields are batched by DataLoaders, so the number of SQL
statements an operation runs (`extensions.sqlStatements`) does not grow with the rows
it returns."""

from __future__ import annotations

from typing import Any

from services.actor import Role
from tests.support import Factory, GraphQLClient

USERS_DEEP = """
query UsersDeep {
  users(first: 100) {
    edges {
      node {
        id email
        school { name }
        studentProfile { licenceType }
        instructorProfile { bio }
        assignments { instructor { email } student { email } }
      }
    }
  }
}
"""

MY_STUDENTS = """
query MyStudents { myAssignments { student { email studentProfile { goals } } } }
"""

# Measured: users → 1 page query, then one batch each for schools, student profiles,
# instructor profiles, assignments by student and assignments by instructor (the
# assignments' people are already loaded with the page).
USERS_DEEP_STATEMENTS = 7
# myAssignments → assignments, their students, the students' profiles.
MY_STUDENTS_STATEMENTS = 4


async def _school(factory: Factory, *, instructors: int, students: int) -> Any:
    """A school with an admin, instructors, and students each assigned a primary instructor
    (round robin) — and the first student also a secondary one."""
    school = await factory.school()
    admin = await factory.user(school, Role.SCHOOL_ADMIN)
    staff = [await factory.user(school, Role.INSTRUCTOR) for _ in range(instructors)]
    for n in range(students):
        student = await factory.user(school, Role.STUDENT)
        await factory.assign(student, staff[n % instructors])
        if n == 0 and instructors > 1:
            await factory.assign(student, staff[1], assignment_type="secondary", priority=2)
    return admin, staff


async def _statements(gql: GraphQLClient, query: str, token: str) -> tuple[int, dict[str, Any]]:
    body = await gql.execute(query, token=token)
    assert "errors" not in body, body
    return body["extensions"]["sqlStatements"], body["data"]


async def test_users_with_nested_fields_cost_the_same_for_5_and_60_users(
    gql: GraphQLClient, factory: Factory
) -> None:
    # Given a school of 5 users and a school of 60, both with assignments
    small_admin, _ = await _school(factory, instructors=2, students=2)
    large_admin, _ = await _school(factory, instructors=10, students=49)

    # When each school's admin lists its users with schools, profiles and assignments
    small, small_data = await _statements(gql, USERS_DEEP, await gql.login(small_admin.email))
    large, large_data = await _statements(gql, USERS_DEEP, await gql.login(large_admin.email))

    # Then both lists are complete and cost the same, small number of statements
    assert len(small_data["users"]["edges"]) == 5
    assert len(large_data["users"]["edges"]) == 60
    nested = [
        a["student"]["email"]
        for e in large_data["users"]["edges"]
        for a in e["node"]["assignments"]
    ]
    assert len(nested) == 2 * (49 + 1)  # each assignment seen from both of its people
    assert small == large == USERS_DEEP_STATEMENTS


async def test_an_instructors_students_cost_the_same_for_2_and_30(
    gql: GraphQLClient, factory: Factory
) -> None:
    # Given an instructor with 2 students and another with 30 (their maximum)
    _, [few] = await _school(factory, instructors=1, students=2)
    _, [many] = await _school(factory, instructors=1, students=30)

    # When each lists their students with the students' goals
    small, small_data = await _statements(gql, MY_STUDENTS, await gql.login(few.email))
    large, large_data = await _statements(gql, MY_STUDENTS, await gql.login(many.email))

    # Then both lists are complete and cost the same, small number of statements
    assert len(small_data["myAssignments"]) == 2
    assert len(large_data["myAssignments"]) == 30
    assert all(a["student"]["studentProfile"] is not None for a in large_data["myAssignments"])
    assert small == large == MY_STUDENTS_STATEMENTS
