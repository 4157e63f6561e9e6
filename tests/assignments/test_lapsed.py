"""An assignment whose end date has passed stops holding the instructor's place."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from models.accounts import InstructorProfile
from models.assignments import InstructorAssignment
from models.events import AuditEntry
from resolvers.context import AppState
from services.actor import Role
from tests.support import Factory, GraphQLClient, SchoolWorld, gid

ASSIGN = """
mutation Assign($student: ID!, $instructor: ID!, $endsOn: Date) {
  assignInstructor(input: {studentId: $student, instructorId: $instructor, endsOn: $endsOn,
                           assignmentType: TEMPORARY}) {
    assignment { id status } errors { code field }
  }
}
"""


async def test_a_lapsed_assignment_frees_the_place_and_is_ended_with_an_audit_entry(
    gql: GraphQLClient, world: SchoolWorld, factory: Factory, state: AppState
) -> None:
    newcomer = await factory.user(world.school, Role.STUDENT)
    async with state.db.transaction() as session:
        await session.execute(
            update(InstructorProfile)
            .where(InstructorProfile.user_id == world.instructor.id)
            .values(max_students=1)
        )
        await session.execute(
            update(InstructorAssignment)
            .where(InstructorAssignment.id == world.assignment.id)
            .values(
                starts_on=InstructorAssignment.starts_on - timedelta(days=30),
                ends_on=InstructorAssignment.starts_on - timedelta(days=1),
            )
        )
    token = await gql.login(world.admin.email)

    data = await gql.data(
        ASSIGN,
        {
            "student": gid("User", newcomer.id),
            "instructor": gid("User", world.instructor.id),
            "endsOn": "2099-01-01",
        },
        token=token,
    )

    assert data["assignInstructor"]["errors"] == []
    async with state.db.session() as session:
        old = await session.get(InstructorAssignment, world.assignment.id)
        lapsed = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "assignment.lapsed")
        )
    assert old is not None
    assert old.status == "ended"
    assert lapsed is not None
    assert lapsed.entity_id == str(world.assignment.id)


async def test_an_end_date_in_the_past_is_refused(
    gql: GraphQLClient, world: SchoolWorld, factory: Factory
) -> None:
    newcomer = await factory.user(world.school, Role.STUDENT)
    token = await gql.login(world.admin.email)

    data = await gql.data(
        ASSIGN,
        {
            "student": gid("User", newcomer.id),
            "instructor": gid("User", world.instructor.id),
            "endsOn": "2001-01-01",
        },
        token=token,
    )

    assert data["assignInstructor"] == {
        "assignment": None,
        "errors": [{"code": "INVALID_DATES", "field": "endsOn"}],
    }
