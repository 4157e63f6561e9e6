"""Instructor assignments (SPEC §1, student journey): an admin assigns one or more
instructors to an active student — primary/secondary/temporary, priority, dates, notes —
and may change or end the assignment; every change is audited."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from models.assignments import InstructorAssignment
from models.events import AuditEntry
from resolvers.context import AppState
from services.actor import Role
from tests.support import Factory, GraphQLClient, SchoolWorld, gid

FIELDS = """
  id assignmentType status priority startsOn endsOn notes isCurrent endedAt
  student { email } instructor { email } assignedBy { email }
"""

ASSIGN = f"""
mutation Assign($input: AssignInstructorInput!) {{
  assignInstructor(input: $input) {{ assignment {{ {FIELDS} }} errors {{ code message field }} }}
}}
"""

UPDATE = f"""
mutation Update($input: UpdateAssignmentInput!) {{
  updateAssignment(input: $input) {{ assignment {{ {FIELDS} }} errors {{ code message field }} }}
}}
"""

END = f"""
mutation End($input: EndAssignmentInput!) {{
  endAssignment(input: $input) {{ assignment {{ {FIELDS} }} errors {{ code message field }} }}
}}
"""

NODE = f"""
query Node($id: ID!) {{ node(id: $id) {{ ... on Assignment {{ {FIELDS} }} }} }}
"""

PERMISSIONS = """
mutation Permissions($input: UpdateAdminPermissionsInput!) {
  updateAdminPermissions(input: $input) { permissions { canAssignInstructors } errors { code } }
}
"""

CAPACITY = """
mutation Capacity($input: UpdateInstructorProfileInput!) {
  updateInstructorProfile(input: $input) { user { instructorProfile { maxStudents } } errors { code } }
}
"""


async def _assign(
    gql: GraphQLClient, token: str, student: Any, instructor: Any, **extra: Any
) -> dict[str, Any]:
    variables = {
        "input": {
            "studentId": gid("User", student.id),
            "instructorId": gid("User", instructor.id),
            **extra,
        }
    }
    return (await gql.data(ASSIGN, variables, token=token))["assignInstructor"]  # type: ignore[no-any-return]


async def _rows(state: AppState) -> list[tuple[Any, ...]]:
    async with state.db.session() as session:
        result = await session.execute(
            select(
                InstructorAssignment.id,
                InstructorAssignment.student_id,
                InstructorAssignment.instructor_id,
                InstructorAssignment.assignment_type,
                InstructorAssignment.status,
                InstructorAssignment.priority,
                InstructorAssignment.starts_on,
                InstructorAssignment.ends_on,
                InstructorAssignment.notes,
            ).order_by(InstructorAssignment.id)
        )
        return [tuple(row) for row in result]


async def _audit(state: AppState, action: str) -> list[AuditEntry]:
    async with state.db.session() as session:
        return list(
            await session.scalars(
                select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
            )
        )


async def _live_count(state: AppState, instructor_id: Any) -> int:
    async with state.db.session() as session:
        count = await session.scalar(
            select(func.count()).where(
                InstructorAssignment.instructor_id == instructor_id,
                InstructorAssignment.status == "active",
            )
        )
    return int(count or 0)


# -- assigning -------------------------------------------------------------------------------------


async def test_admin_assigns_with_primary_and_today_as_defaults(
    gql: GraphQLClient, factory: Factory, state: AppState, world: SchoolWorld
) -> None:
    # Given an admin and a newly activated student with no instructor
    token = await gql.login(world.admin.email)
    student = await factory.user(world.school, Role.STUDENT)
    zone = ZoneInfo(world.school.time_zone)
    before = datetime.now(zone).date()

    # When the admin assigns an instructor, giving only the two people
    result = await _assign(gql, token, student, world.other_instructor, notes="Nervous driver")

    # Then it is a current primary assignment from the school's today, by that admin, audited
    assert result["errors"] == []
    assignment = result["assignment"]
    assert assignment["assignmentType"] == "PRIMARY"
    assert assignment["status"] == "ACTIVE"
    assert assignment["priority"] == 1
    assert date.fromisoformat(assignment["startsOn"]) in {before, datetime.now(zone).date()}
    assert assignment["endsOn"] is None
    assert assignment["isCurrent"] is True
    assert assignment["notes"] == "Nervous driver"
    assert assignment["student"]["email"] == student.email
    assert assignment["instructor"]["email"] == world.other_instructor.email
    assert assignment["assignedBy"]["email"] == world.admin.email
    [entry] = [e for e in await _audit(state, "assignment.created") if e.actor_id == world.admin.id]
    assert entry.entity_id is not None
    assert gid("Assignment", uuid.UUID(entry.entity_id)) == assignment["id"]
    assert entry.after is not None
    assert entry.after["assignment_type"] == "primary"
    assert entry.after["student_id"] == str(student.id)


@pytest.mark.parametrize("time_zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])
async def test_start_date_defaults_to_the_schools_own_today(
    gql: GraphQLClient, factory: Factory, time_zone: str
) -> None:
    # Given a school at one extreme of the world's time zones (UTC+14 or UTC-11), so its
    # date differs from UTC's for about half of every day
    school = await factory.school(time_zone=time_zone)
    admin = await factory.user(school, Role.SCHOOL_ADMIN)
    instructor = await factory.user(school, Role.INSTRUCTOR)
    student = await factory.user(school, Role.STUDENT)
    token = await gql.login(admin.email)
    before = datetime.now(ZoneInfo(time_zone)).date()

    # When an admin assigns without a start date
    result = await _assign(gql, token, student, instructor)

    # Then the start date is the school's local date, not the server's or UTC's
    assert result["errors"] == []
    after = datetime.now(ZoneInfo(time_zone)).date()
    assert date.fromisoformat(result["assignment"]["startsOn"]) in {before, after}


async def test_refused_assignments_say_why_and_change_nothing(
    gql: GraphQLClient, factory: Factory, state: AppState, world: SchoolWorld
) -> None:
    # Given a school where `student` has `instructor` as primary and `other_instructor` is
    # free, plus a suspended and a deleted instructor
    token = await gql.login(world.admin.email)
    suspended = await factory.user(world.school, Role.INSTRUCTOR, status="suspended")
    deleted = await factory.user(world.school, Role.INSTRUCTOR)
    async with state.db.transaction() as session:
        row = await session.get(type(deleted), deleted.id)
        assert row is not None
        row.deleted_at = datetime.now(ZoneInfo("UTC"))
    w = world
    secondary = {"assignmentType": "SECONDARY"}
    attempts: list[tuple[str, Any, Any, dict[str, Any], str, str]] = [
        ("second primary", w.student, w.other_instructor, {}, "PRIMARY_EXISTS", "assignmentType"),
        ("same pair again", w.student, w.instructor, secondary, "ALREADY_ASSIGNED", "instructorId"),
        (
            "temporary without end",
            w.other_student,
            w.instructor,
            {"assignmentType": "TEMPORARY"},
            "INVALID_DATES",
            "endsOn",
        ),
        (
            "end before start",
            w.other_student,
            w.instructor,
            {**secondary, "startsOn": "2030-05-10", "endsOn": "2030-05-09"},
            "INVALID_DATES",
            "endsOn",
        ),
        (
            "start in 1900",
            w.other_student,
            w.instructor,
            {**secondary, "startsOn": "1900-01-01"},
            "INVALID_DATES",
            "startsOn",
        ),
        (
            "end in 9999",
            w.other_student,
            w.instructor,
            {**secondary, "endsOn": "9999-12-31"},
            "INVALID_DATES",
            "endsOn",
        ),
        ("pending student", w.pending, w.instructor, {}, "STUDENT_NOT_ACTIVE", "studentId"),
        (
            "student as instructor",
            w.pending,
            w.other_student,
            {},
            "INSTRUCTOR_NOT_FOUND",
            "instructorId",
        ),
        (
            "instructor as student",
            w.other_instructor,
            w.instructor,
            {},
            "STUDENT_NOT_FOUND",
            "studentId",
        ),
        (
            "admin as instructor",
            w.other_student,
            w.admin,
            secondary,
            "INSTRUCTOR_NOT_FOUND",
            "instructorId",
        ),
        (
            "suspended instructor",
            w.other_student,
            suspended,
            secondary,
            "INSTRUCTOR_NOT_ACTIVE",
            "instructorId",
        ),
        (
            "deleted instructor",
            w.other_student,
            deleted,
            secondary,
            "INSTRUCTOR_NOT_FOUND",
            "instructorId",
        ),
        (
            "priority 0",
            w.other_student,
            w.instructor,
            {**secondary, "priority": 0},
            "INVALID",
            "priority",
        ),
        (
            "priority 101",
            w.other_student,
            w.instructor,
            {**secondary, "priority": 101},
            "INVALID",
            "priority",
        ),
        (
            "20 000 characters of notes",
            w.other_student,
            w.instructor,
            {**secondary, "notes": "x" * 20_000},
            "INVALID",
            "notes",
        ),
        (
            "control characters in notes",
            w.other_student,
            w.instructor,
            {**secondary, "notes": "bell\x07 and nul\x00"},
            "INVALID",
            "notes",
        ),
    ]
    before = await _rows(state)

    for case, student, instructor, extra, code, field in attempts:
        # When the admin tries it
        result = await _assign(gql, token, student, instructor, **extra)

        # Then the payload carries the typed reason and nothing was written
        assert result["assignment"] is None, case
        assert [(e["code"], e["field"]) for e in result["errors"]] == [(code, field)], case
        assert result["errors"][0]["message"], case
        assert await _rows(state) == before, case


@pytest.mark.parametrize("role", ["instructor", "student"])
async def test_only_admins_assign(
    gql: GraphQLClient, state: AppState, world: SchoolWorld, role: str
) -> None:
    # Given an instructor or a student of the school
    token = await gql.login(getattr(world, role).email)
    before = await _rows(state)

    # When they try to assign an instructor
    body = await gql.execute(
        ASSIGN,
        {
            "input": {
                "studentId": gid("User", world.other_student.id),
                "instructorId": gid("User", world.instructor.id),
                "assignmentType": "SECONDARY",
            }
        },
        token=token,
    )

    # Then they are forbidden and nothing changes
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await _rows(state) == before


async def test_an_admin_without_the_assign_permission_is_forbidden(
    gql: GraphQLClient, factory: Factory, state: AppState, world: SchoolWorld
) -> None:
    # Given a school admin whose `canAssignInstructors` flag a platform admin has removed
    root = await gql.login((await factory.platform_admin()).email)
    flags = await gql.data(
        PERMISSIONS,
        {"input": {"userId": gid("User", world.admin.id), "canAssignInstructors": False}},
        token=root,
    )
    assert flags["updateAdminPermissions"]["permissions"] == {"canAssignInstructors": False}
    token = await gql.login(world.admin.email)
    before = await _rows(state)

    # When they assign, update or end an assignment
    attempts = [
        (
            ASSIGN,
            {
                "studentId": gid("User", world.other_student.id),
                "instructorId": gid("User", world.instructor.id),
                "assignmentType": "SECONDARY",
            },
        ),
        (UPDATE, {"assignmentId": gid("Assignment", world.assignment.id), "priority": 9}),
        (END, {"assignmentId": gid("Assignment", world.assignment.id)}),
    ]
    for document, variables in attempts:
        body = await gql.execute(document, {"input": variables}, token=token)

        # Then each is FORBIDDEN and nothing changes
        assert body["data"] is None, body
        assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert await _rows(state) == before


# -- changing and ending ---------------------------------------------------------------------------


async def test_admin_updates_an_assignment_and_it_is_audited(
    gql: GraphQLClient, state: AppState, world: SchoolWorld
) -> None:
    # Given the student's primary assignment
    token = await gql.login(world.admin.email)
    ends_on = (date.today() + timedelta(days=60)).isoformat()

    # When the admin makes it a secondary with priority 2, an end date and notes
    data = await gql.data(
        UPDATE,
        {
            "input": {
                "assignmentId": gid("Assignment", world.assignment.id),
                "assignmentType": "SECONDARY",
                "priority": 2,
                "endsOn": ends_on,
                "notes": "Moving to evenings",
            }
        },
        token=token,
    )

    # Then the assignment shows the changes and the audit log has the before and after
    result = data["updateAssignment"]
    assert result["errors"] == []
    assignment = result["assignment"]
    assert (assignment["assignmentType"], assignment["priority"], assignment["endsOn"]) == (
        "SECONDARY",
        2,
        ends_on,
    )
    assert assignment["notes"] == "Moving to evenings"
    assert assignment["isCurrent"] is True
    [entry] = await _audit(state, "assignment.updated")
    assert entry.actor_id == world.admin.id
    assert entry.entity_id == str(world.assignment.id)
    assert entry.before is not None
    assert entry.after is not None
    assert (entry.before["assignment_type"], entry.before["priority"]) == ("primary", 1)
    assert (entry.after["assignment_type"], entry.after["priority"]) == ("secondary", 2)
    assert entry.after["ends_on"] == ends_on


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"endsOn": "2001-01-01"}, "INVALID_DATES", "endsOn"),
        ({"startsOn": "1900-01-01"}, "INVALID_DATES", "startsOn"),
        ({"assignmentType": "TEMPORARY"}, "INVALID_DATES", "endsOn"),
        ({"priority": 0}, "INVALID", "priority"),
        ({"notes": "x" * 10_000}, "INVALID", "notes"),
    ],
)
async def test_refused_updates_say_why_and_change_nothing(
    gql: GraphQLClient,
    state: AppState,
    world: SchoolWorld,
    change: dict[str, Any],
    code: str,
    field: str,
) -> None:
    # Given the student's primary assignment
    token = await gql.login(world.admin.email)
    before = await _rows(state)

    # When the admin makes an impossible change
    data = await gql.data(
        UPDATE,
        {"input": {"assignmentId": gid("Assignment", world.assignment.id), **change}},
        token=token,
    )

    # Then the reason is typed and nothing changed
    result = data["updateAssignment"]
    assert result["assignment"] is None
    assert [(e["code"], e["field"]) for e in result["errors"]] == [(code, field)]
    assert await _rows(state) == before


async def test_promoting_a_secondary_to_a_second_primary_is_refused(
    gql: GraphQLClient, factory: Factory, state: AppState, world: SchoolWorld
) -> None:
    # Given a student with a primary and a secondary instructor
    token = await gql.login(world.admin.email)
    secondary = await factory.assign(
        world.student, world.other_instructor, assignment_type="secondary", priority=2
    )
    before = await _rows(state)

    # When the admin makes the secondary primary too
    data = await gql.data(
        UPDATE,
        {"input": {"assignmentId": gid("Assignment", secondary.id), "assignmentType": "PRIMARY"}},
        token=token,
    )

    # Then it is refused as PRIMARY_EXISTS
    assert [e["code"] for e in data["updateAssignment"]["errors"]] == ["PRIMARY_EXISTS"]
    assert await _rows(state) == before


async def test_admin_ends_an_assignment_and_it_is_audited(
    gql: GraphQLClient, factory: Factory, state: AppState, world: SchoolWorld
) -> None:
    # Given the student's primary assignment
    token = await gql.login(world.admin.email)
    assignment_id = gid("Assignment", world.assignment.id)

    # When the admin ends it with a reason
    data = await gql.data(
        END, {"input": {"assignmentId": assignment_id, "reason": "Passed the test"}}, token=token
    )

    # Then it is ended, no longer current, its reason kept, and the change audited
    result = data["endAssignment"]
    assert result["errors"] == []
    assert result["assignment"]["status"] == "ENDED"
    assert result["assignment"]["isCurrent"] is False
    assert result["assignment"]["endedAt"] is not None
    assert "Passed the test" in result["assignment"]["notes"]
    [entry] = await _audit(state, "assignment.ended")
    assert entry.actor_id == world.admin.id
    assert entry.before is not None
    assert entry.after is not None
    assert (entry.before["status"], entry.after["status"]) == ("active", "ended")

    # And it cannot be ended or changed again
    again = await gql.data(END, {"input": {"assignmentId": assignment_id}}, token=token)
    assert [e["code"] for e in again["endAssignment"]["errors"]] == ["ALREADY_ENDED"]
    changed = await gql.data(
        UPDATE, {"input": {"assignmentId": assignment_id, "priority": 3}}, token=token
    )
    assert [e["code"] for e in changed["updateAssignment"]["errors"]] == ["ALREADY_ENDED"]

    # And the student may now be given a new primary instructor, or the same one again
    new = await _assign(gql, token, world.student, world.instructor)
    assert new["errors"] == []
    assert new["assignment"]["assignmentType"] == "PRIMARY"
    assert await _live_count(state, world.instructor.id) == 1


async def test_is_current_follows_the_dates(
    gql: GraphQLClient, factory: Factory, world: SchoolWorld, state: AppState
) -> None:
    # Given assignments that start in the future, ended by date in the past, and run now
    token = await gql.login(world.admin.email)
    today = datetime.now(ZoneInfo(world.school.time_zone)).date()
    future = await factory.assign(
        world.other_student,
        world.instructor,
        assignment_type="secondary",
        priority=2,
        starts_on=today + timedelta(days=3),
    )
    past = await factory.assign(
        world.student,
        world.other_instructor,
        assignment_type="temporary",
        priority=3,
        starts_on=date(2024, 1, 1),
        ends_on=today,
    )
    # (an end date in the past is refused when assigning, so let this one lapse in place)
    async with state.db.transaction() as session:
        await session.execute(
            update(InstructorAssignment)
            .where(InstructorAssignment.id == past.id)
            .values(ends_on=today - timedelta(days=1))
        )
    ending_today = await factory.assign(
        await factory.user(world.school, Role.STUDENT),
        world.instructor,
        assignment_type="temporary",
        starts_on=today - timedelta(days=7),
        ends_on=today,
    )

    # When the admin reads them
    current = {}
    for name, model in (
        ("future", future),
        ("past", past),
        ("ending today", ending_today),
        ("open-ended", world.assignment),
    ):
        node = (await gql.data(NODE, {"id": gid("Assignment", model.id)}, token=token))["node"]
        current[name] = node["isCurrent"]

    # Then only those whose dates include today are current
    assert current == {"future": False, "past": False, "ending today": True, "open-ended": True}


async def test_students_do_not_see_admin_notes(
    gql: GraphQLClient, factory: Factory, world: SchoolWorld
) -> None:
    # Given an assignment with notes
    assignment = await factory.assign(
        world.other_student,
        world.instructor,
        assignment_type="secondary",
        priority=2,
        notes="Parent asked for a female instructor if possible",
    )
    assignment_id = gid("Assignment", assignment.id)

    # When the admin, the instructor and the student read it
    seen = {}
    for name, user in (
        ("admin", world.admin),
        ("instructor", world.instructor),
        ("student", world.other_student),
    ):
        token = await gql.login(user.email)
        node = (await gql.data(NODE, {"id": assignment_id}, token=token))["node"]
        seen[name] = node["notes"]

    # Then the admin and the instructor see the notes and the student does not
    assert seen == {
        "admin": "Parent asked for a female instructor if possible",
        "instructor": "Parent asked for a female instructor if possible",
        "student": None,
    }


async def test_an_instructor_at_capacity_takes_no_more_students(
    gql: GraphQLClient, factory: Factory, state: AppState, world: SchoolWorld
) -> None:
    # Given an instructor whose capacity the admin sets to their current one student
    token = await gql.login(world.admin.email)
    data = await gql.data(
        CAPACITY,
        {"input": {"userId": gid("User", world.instructor.id), "maxStudents": 1}},
        token=token,
    )
    assert data["updateInstructorProfile"]["errors"] == []

    # When the admin assigns another student
    refused = await _assign(
        gql, token, world.other_student, world.instructor, assignmentType="SECONDARY"
    )

    # Then it is refused for capacity; ending the existing assignment frees the place
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [
        ("CAPACITY_REACHED", "instructorId")
    ]
    ended = await gql.data(
        END, {"input": {"assignmentId": gid("Assignment", world.assignment.id)}}, token=token
    )
    assert ended["endAssignment"]["errors"] == []
    accepted = await _assign(
        gql, token, world.other_student, world.instructor, assignmentType="SECONDARY"
    )
    assert accepted["errors"] == []
    assert await _live_count(state, world.instructor.id) == 1
