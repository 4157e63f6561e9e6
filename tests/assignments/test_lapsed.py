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


async def test_the_worker_job_ends_lapsed_assignments_in_each_schools_time_zone(
    world: SchoolWorld, factory: Factory, state: AppState
) -> None:
    # Given an assignment that ended yesterday, one ending today, and a school in Auckland
    # where "today" is a day ahead of UTC late in the UTC evening
    from datetime import UTC, datetime

    from services.assignments import end_lapsed
    from services.uow import transact

    auckland = await factory.school(time_zone="Pacific/Auckland")
    student = await factory.user(auckland, Role.STUDENT)
    instructor = await factory.user(auckland, Role.INSTRUCTOR)
    far_away = await factory.assign(student, instructor, ends_on=None)
    now = datetime(2031, 6, 1, 20, 0, tzinfo=UTC)  # 08:00 on 2 June in Auckland
    async with state.db.transaction() as session:
        await session.execute(
            update(InstructorAssignment)
            .where(InstructorAssignment.id == world.assignment.id)
            .values(
                starts_on=now.date() - timedelta(days=30), ends_on=now.date() - timedelta(days=1)
            )
        )
        await session.execute(
            update(InstructorAssignment)
            .where(InstructorAssignment.school_id == world.school.id)
            .where(InstructorAssignment.id != world.assignment.id)
            .values(starts_on=now.date() - timedelta(days=30), ends_on=now.date())
        )
        await session.execute(
            update(InstructorAssignment)
            .where(InstructorAssignment.id == far_away.id)
            .values(starts_on=now.date() - timedelta(days=30), ends_on=now.date())
        )

    # When the periodic job runs (twice: it is idempotent)
    ended = await transact(state.db, state.hub, state.deps, lambda uow: end_lapsed(uow, now))
    again = await transact(state.db, state.hub, state.deps, lambda uow: end_lapsed(uow, now))

    # Then yesterday's London assignment and Auckland's (already 2 June there) ended; the
    # London one ending today (1 June) did not
    assert (ended, again) == (2, 0)
    async with state.db.session() as session:
        statuses = dict(
            (
                await session.execute(select(InstructorAssignment.id, InstructorAssignment.status))
            ).all()
        )
        audits = list(
            await session.scalars(
                select(AuditEntry.actor_id).where(AuditEntry.action == "assignment.lapsed")
            )
        )
    assert statuses[world.assignment.id] == "ended"
    assert statuses[far_away.id] == "ended"
    assert sorted(statuses.values()).count("active") == 1
    assert audits == [None, None]  # the system ended them
