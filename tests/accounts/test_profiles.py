"""Own account details, student/instructor profiles, admin permissions, and who sees medical
notes (SPEC §1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from resolvers.context import AppState
from services.actor import Role
from tests.accounts.helpers import db_execute, db_rows, db_scalar, login_tokens
from tests.support import Factory, GraphQLClient, SchoolWorld, gid

UPDATE_MY_ACCOUNT = """
mutation Update($input: UpdateMyAccountInput!) {
  updateMyAccount(input: $input) {
    user { firstName lastName fullName phone phoneVerified avatarUrl locale preferences }
    errors { code message field }
  }
}
"""

UPDATE_STUDENT = """
mutation UpdateStudent($input: UpdateStudentProfileInput!) {
  updateStudentProfile(input: $input) {
    user {
      studentProfile {
        licenceType experienceLevel theoryTestPassed theoryTestPassedOn practicalTestDate
        medicalNotes emergencyContact preferredAreas goals
      }
    }
    errors { code message field }
  }
}
"""

UPDATE_INSTRUCTOR = """
mutation UpdateInstructor($input: UpdateInstructorProfileInput!) {
  updateInstructorProfile(input: $input) {
    user {
      instructorProfile {
        licenceNumber specialisations bio vehicle certifications areasCovered
        maxStudents maxHoursPerWeek bufferMinutes hourlyRateMinor
      }
    }
    errors { code message field }
  }
}
"""

UPDATE_PERMISSIONS = """
mutation Permissions($input: UpdateAdminPermissionsInput!) {
  updateAdminPermissions(input: $input) {
    permissions {
      canManageUsers canAssignInstructors canManagePackages canModerateCommunity canManageFinances
    }
    errors { code message field }
  }
}
"""

STUDENT_MEDICAL = """
query Student($id: ID!) {
  node(id: $id) {
    ... on User { email studentProfile { medicalNotes emergencyContact goals } }
  }
}
"""

PREFERENCES = "query User($id: ID!) { node(id: $id) { ... on User { preferences } } }"

SUSPEND = """
mutation Suspend($userId: ID!) {
  suspendUser(input: {userId: $userId}) { user { status } errors { code } }
}
"""


async def token_for(gql: GraphQLClient, email: str) -> str:
    return (await login_tokens(gql, email)).access


def codes(payload: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(e["code"], e["field"]) for e in payload["errors"]]


# -- your own account ----------------------------------------------------------------------------------


async def test_a_user_updates_their_own_account(gql: GraphQLClient, world: SchoolWorld) -> None:
    token = await token_for(gql, world.student.email)

    data = await gql.data(
        UPDATE_MY_ACCOUNT,
        {
            "input": {
                "firstName": "  Alex ",
                "lastName": "Driver",
                "phone": "07700 900456",
                "avatarUrl": "https://cdn.example.test/a.png",
                "locale": "cy-GB",
                "preferences": {"reminders": {"sms": True}, "theme": "dark"},
            }
        },
        token=token,
    )

    assert data["updateMyAccount"] == {
        "user": {
            "firstName": "Alex",
            "lastName": "Driver",
            "fullName": "Alex Driver",
            "phone": "+447700900456",
            "phoneVerified": False,
            "avatarUrl": "https://cdn.example.test/a.png",
            "locale": "cy-GB",
            "preferences": {"reminders": {"sms": True}, "theme": "dark"},
        },
        "errors": [],
    }


async def test_preferences_are_visible_only_to_their_owner(
    gql: GraphQLClient, world: SchoolWorld
) -> None:
    student = await token_for(gql, world.student.email)
    await gql.data(UPDATE_MY_ACCOUNT, {"input": {"preferences": {"a": 1}}}, token=student)
    admin = await token_for(gql, world.admin.email)

    seen_by_admin = await gql.data(PREFERENCES, {"id": gid("User", world.student.id)}, token=admin)
    seen_by_self = await gql.data(PREFERENCES, {"id": gid("User", world.student.id)}, token=student)

    assert seen_by_admin["node"] == {"preferences": None}
    assert seen_by_self["node"] == {"preferences": {"a": 1}}


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"avatarUrl": "http://insecure.example.test/a.png"}, "INVALID", "avatarUrl"),
        ({"phone": "123"}, "INVALID_PHONE", "phone"),
        ({"firstName": ""}, "INVALID", "firstName"),
        ({"preferences": ["not", "an", "object"]}, "INVALID", "preferences"),
        ({"preferences": {"note": "nul \x00 inside"}}, "INVALID", "preferences"),
        ({"preferences": {"big": "x" * 5000}}, "INVALID", "preferences"),
        ({"locale": "x" * 17}, "INVALID", "locale"),
    ],
    ids=["http-avatar", "phone", "blank-name", "list-prefs", "nul-prefs", "big-prefs", "locale"],
)
async def test_bad_account_changes_are_typed_errors_and_change_nothing(
    gql: GraphQLClient,
    world: SchoolWorld,
    state: AppState,
    change: dict[str, Any],
    code: str,
    field: str,
) -> None:
    token = await token_for(gql, world.student.email)
    before = await db_rows(state, "SELECT * FROM users WHERE id = :id", id=world.student.id)

    data = await gql.data(
        UPDATE_MY_ACCOUNT, {"input": {"lastName": "Changed", **change}}, token=token
    )

    assert codes(data["updateMyAccount"]) == [(code, field)]
    after = await db_rows(state, "SELECT * FROM users WHERE id = :id", id=world.student.id)
    assert after == before


# -- student profile -----------------------------------------------------------------------------------


async def test_a_student_updates_their_own_profile(gql: GraphQLClient, world: SchoolWorld) -> None:
    token = await token_for(gql, world.student.email)
    passed_on = (datetime.now(UTC).date() - timedelta(days=30)).isoformat()

    data = await gql.data(
        UPDATE_STUDENT,
        {
            "input": {
                "userId": gid("User", world.student.id),
                "licenceType": "FULL",
                "experienceLevel": "TEST_READY",
                "theoryTestPassed": True,
                "theoryTestPassedOn": passed_on,
                "practicalTestDate": "2031-05-01",
                "medicalNotes": "Asthma; inhaler in bag.",
                "emergencyContact": "Sam, 07700 900999",
                "preferredAreas": [" Leeds ", "York"],
                "goals": "Pass first time",
            }
        },
        token=token,
    )

    assert data["updateStudentProfile"] == {
        "user": {
            "studentProfile": {
                "licenceType": "FULL",
                "experienceLevel": "TEST_READY",
                "theoryTestPassed": True,
                "theoryTestPassedOn": passed_on,
                "practicalTestDate": "2031-05-01",
                "medicalNotes": "Asthma; inhaler in bag.",
                "emergencyContact": "Sam, 07700 900999",
                "preferredAreas": ["Leeds", "York"],
                "goals": "Pass first time",
            }
        },
        "errors": [],
    }


async def test_unpassing_the_theory_test_clears_its_date(
    gql: GraphQLClient, world: SchoolWorld
) -> None:
    token = await token_for(gql, world.student.email)
    student_id = gid("User", world.student.id)
    await gql.data(
        UPDATE_STUDENT,
        {
            "input": {
                "userId": student_id,
                "theoryTestPassed": True,
                "theoryTestPassedOn": "2024-01-02",
            }
        },
        token=token,
    )

    data = await gql.data(
        UPDATE_STUDENT, {"input": {"userId": student_id, "theoryTestPassed": False}}, token=token
    )

    profile = data["updateStudentProfile"]["user"]["studentProfile"]
    assert (profile["theoryTestPassed"], profile["theoryTestPassedOn"]) == (False, None)


async def test_a_school_admin_updates_a_students_profile(
    gql: GraphQLClient, world: SchoolWorld
) -> None:
    token = await token_for(gql, world.admin.email)

    data = await gql.data(
        UPDATE_STUDENT,
        {"input": {"userId": gid("User", world.student.id), "goals": "Motorway confidence"}},
        token=token,
    )

    assert data["updateStudentProfile"]["errors"] == []
    assert data["updateStudentProfile"]["user"]["studentProfile"]["goals"] == "Motorway confidence"


async def test_another_student_cannot_even_find_the_profile(
    gql: GraphQLClient, world: SchoolWorld, state: AppState
) -> None:
    token = await token_for(gql, world.other_student.email)

    data = await gql.data(
        UPDATE_STUDENT,
        {"input": {"userId": gid("User", world.student.id), "goals": "Sabotage"}},
        token=token,
    )

    assert data["updateStudentProfile"]["user"] is None
    assert codes(data["updateStudentProfile"]) == [("NOT_FOUND", "userId")]
    goals = await db_scalar(
        state, "SELECT goals FROM student_profiles WHERE user_id = :id", id=world.student.id
    )
    assert goals is None


async def test_the_assigned_instructor_may_read_but_not_edit_the_profile(
    gql: GraphQLClient, world: SchoolWorld
) -> None:
    token = await token_for(gql, world.instructor.email)

    body = await gql.execute(
        UPDATE_STUDENT,
        {"input": {"userId": gid("User", world.student.id), "goals": "Instructor's idea"}},
        token=token,
    )

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_another_schools_admin_cannot_find_the_profile(
    gql: GraphQLClient, world: SchoolWorld, other_world: SchoolWorld
) -> None:
    token = await token_for(gql, other_world.admin.email)

    data = await gql.data(
        UPDATE_STUDENT,
        {"input": {"userId": gid("User", world.student.id), "goals": "x"}},
        token=token,
    )

    assert codes(data["updateStudentProfile"]) == [("NOT_FOUND", "userId")]


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"medicalNotes": "x" * 2001}, "INVALID", "medicalNotes"),
        ({"emergencyContact": "nul\x00"}, "INVALID", "emergencyContact"),
        ({"theoryTestPassedOn": "2999-01-01"}, "INVALID", "theoryTestPassedOn"),
        ({"practicalTestDate": "1970-01-01"}, "INVALID", "practicalTestDate"),
        ({"preferredAreas": [""]}, "INVALID", "preferredAreas"),
    ],
    ids=["long-notes", "nul-contact", "future-pass", "ancient-test", "blank-area"],
)
async def test_bad_profile_values_are_typed_errors_with_the_input_field(
    gql: GraphQLClient,
    world: SchoolWorld,
    state: AppState,
    change: dict[str, Any],
    code: str,
    field: str,
) -> None:
    token = await token_for(gql, world.student.email)

    data = await gql.data(
        UPDATE_STUDENT,
        {"input": {"userId": gid("User", world.student.id), "goals": "kept?", **change}},
        token=token,
    )

    assert codes(data["updateStudentProfile"]) == [(code, field)]
    goals = await db_scalar(
        state, "SELECT goals FROM student_profiles WHERE user_id = :id", id=world.student.id
    )
    assert goals is None


async def test_an_instructor_has_no_student_profile_to_update(
    gql: GraphQLClient, world: SchoolWorld
) -> None:
    token = await token_for(gql, world.admin.email)

    data = await gql.data(
        UPDATE_STUDENT,
        {"input": {"userId": gid("User", world.instructor.id), "goals": "x"}},
        token=token,
    )

    assert codes(data["updateStudentProfile"]) == [("INVALID_ROLE", "userId")]


# -- medical notes -------------------------------------------------------------------------------------


@pytest.fixture
async def noted_student(gql: GraphQLClient, world: SchoolWorld) -> SchoolWorld:
    """The world, with medical notes and an emergency contact on the assigned student."""
    token = await token_for(gql, world.student.email)
    data = await gql.data(
        UPDATE_STUDENT,
        {
            "input": {
                "userId": gid("User", world.student.id),
                "medicalNotes": "Epilepsy, controlled",
                "emergencyContact": "Pat 07700900111",
                "goals": "Independence",
            }
        },
        token=token,
    )
    assert data["updateStudentProfile"]["errors"] == []
    return world


async def medical_as(gql: GraphQLClient, token: str, world: SchoolWorld) -> Any:
    return (await gql.data(STUDENT_MEDICAL, {"id": gid("User", world.student.id)}, token=token))[
        "node"
    ]


@pytest.mark.parametrize("who", ["student", "instructor", "admin"])
async def test_medical_notes_are_visible_to_the_student_their_instructor_and_school_admins(
    gql: GraphQLClient, noted_student: SchoolWorld, who: str
) -> None:
    token = await token_for(gql, getattr(noted_student, who).email)

    node = await medical_as(gql, token, noted_student)

    assert node["studentProfile"] == {
        "medicalNotes": "Epilepsy, controlled",
        "emergencyContact": "Pat 07700900111",
        "goals": "Independence",
    }


async def test_another_instructor_of_the_school_sees_neither_student_nor_notes(
    gql: GraphQLClient, noted_student: SchoolWorld
) -> None:
    token = await token_for(gql, noted_student.other_instructor.email)

    assert await medical_as(gql, token, noted_student) is None


async def test_an_instructor_whose_assignment_ended_no_longer_sees_the_notes(
    gql: GraphQLClient, noted_student: SchoolWorld, state: AppState
) -> None:
    await db_execute(
        state,
        "UPDATE instructor_assignments SET status = 'ended', ended_at = now() WHERE id = :id",
        id=noted_student.assignment.id,
    )
    token = await token_for(gql, noted_student.instructor.email)

    # They still see the learner they taught, but no longer the medical details.
    seen = await medical_as(gql, token, noted_student)
    assert seen is not None
    assert seen["email"] == noted_student.student.email
    assert seen["studentProfile"]["medicalNotes"] is None
    assert seen["studentProfile"]["emergencyContact"] is None


async def test_a_platform_admin_sees_the_student_but_not_the_notes(
    gql: GraphQLClient, noted_student: SchoolWorld, factory: Factory
) -> None:
    root = await factory.platform_admin()
    token = await token_for(gql, root.email)

    node = await medical_as(gql, token, noted_student)

    assert node["email"] == noted_student.student.email
    assert node["studentProfile"] == {
        "medicalNotes": None,
        "emergencyContact": None,
        "goals": "Independence",
    }


async def test_another_schools_admin_sees_nothing(
    gql: GraphQLClient, noted_student: SchoolWorld, other_world: SchoolWorld
) -> None:
    token = await token_for(gql, other_world.admin.email)

    assert await medical_as(gql, token, noted_student) is None


# -- instructor profile --------------------------------------------------------------------------------


async def test_an_instructor_updates_their_own_professional_details(
    gql: GraphQLClient, world: SchoolWorld
) -> None:
    token = await token_for(gql, world.instructor.email)

    data = await gql.data(
        UPDATE_INSTRUCTOR,
        {
            "input": {
                "userId": gid("User", world.instructor.id),
                "bio": "Patient, calm, 12 years teaching.",
                "licenceNumber": "ADI-123456",
                "specialisations": ["manual", "pass_plus", "manual"],
                "vehicle": {"make": "Ford", "model": "Fiesta", "transmission": "manual"},
                "certifications": ["Fleet"],
                "areasCovered": ["Leeds North"],
            }
        },
        token=token,
    )

    assert data["updateInstructorProfile"]["errors"] == []
    profile = data["updateInstructorProfile"]["user"]["instructorProfile"]
    assert profile["bio"] == "Patient, calm, 12 years teaching."
    assert profile["licenceNumber"] == "ADI-123456"
    assert profile["specialisations"] == ["manual", "pass_plus"]
    assert profile["vehicle"] == {"make": "Ford", "model": "Fiesta", "transmission": "manual"}


@pytest.mark.parametrize(
    "change",
    [{"maxStudents": 99}, {"hourlyRateMinor": 9900}, {"maxHoursPerWeek": 60}, {"bufferMinutes": 0}],
    ids=["max-students", "rate", "hours", "buffer"],
)
async def test_an_instructor_may_not_change_what_only_admins_set(
    gql: GraphQLClient, world: SchoolWorld, state: AppState, change: dict[str, Any]
) -> None:
    token = await token_for(gql, world.instructor.email)

    body = await gql.execute(
        UPDATE_INSTRUCTOR,
        {"input": {"userId": gid("User", world.instructor.id), "bio": "sneaky", **change}},
        token=token,
    )

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    row = (
        await db_rows(
            state,
            "SELECT bio, max_students, hourly_rate_minor, max_hours_per_week, buffer_minutes "
            "FROM instructor_profiles WHERE user_id = :id",
            id=world.instructor.id,
        )
    )[0]
    assert tuple(row) == (None, 30, 0, 40, 15)


async def test_a_school_admin_sets_capacity_and_rate(
    gql: GraphQLClient, world: SchoolWorld, state: AppState
) -> None:
    token = await token_for(gql, world.admin.email)

    data = await gql.data(
        UPDATE_INSTRUCTOR,
        {
            "input": {
                "userId": gid("User", world.instructor.id),
                "maxStudents": 12,
                "hourlyRateMinor": 4250,
                "maxHoursPerWeek": 35,
                "bufferMinutes": 10,
            }
        },
        token=token,
    )

    profile = data["updateInstructorProfile"]["user"]["instructorProfile"]
    assert (profile["maxStudents"], profile["maxHoursPerWeek"], profile["bufferMinutes"]) == (
        12,
        35,
        10,
    )
    assert profile["hourlyRateMinor"] == 4250
    actions = await db_rows(
        state,
        "SELECT actor_id FROM audit_log WHERE action = 'instructor.profile_updated' "
        "AND entity_id = :id",
        id=str(world.instructor.id),
    )
    assert [row.actor_id for row in actions] == [world.admin.id]


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"maxStudents": 501}, "INVALID", "maxStudents"),
        ({"hourlyRateMinor": -1}, "INVALID", "hourlyRateMinor"),
        ({"bufferMinutes": 121}, "INVALID", "bufferMinutes"),
        ({"maxStudents": 0}, "CONFLICT", "maxStudents"),  # one student is assigned
        ({"specialisations": ["drifting"]}, "INVALID", "specialisations"),
        ({"licenceNumber": "L" * 51}, "INVALID", "licenceNumber"),
        ({"vehicle": "a car"}, "INVALID", "vehicle"),
        ({"vehicle": {"make": "\x00"}}, "INVALID", "vehicle"),
        ({"areasCovered": ["ok", " "]}, "INVALID", "areasCovered"),
    ],
    ids=[
        "too-many-students",
        "negative-rate",
        "long-buffer",
        "below-current-load",
        "unknown-specialisation",
        "long-licence",
        "vehicle-not-object",
        "vehicle-nul",
        "blank-area",
    ],
)
async def test_bad_instructor_values_are_typed_errors_and_change_nothing(
    gql: GraphQLClient,
    world: SchoolWorld,
    state: AppState,
    change: dict[str, Any],
    code: str,
    field: str,
) -> None:
    token = await token_for(gql, world.admin.email)

    data = await gql.data(
        UPDATE_INSTRUCTOR,
        {"input": {"userId": gid("User", world.instructor.id), "bio": "changed?", **change}},
        token=token,
    )

    assert codes(data["updateInstructorProfile"]) == [(code, field)]
    bio = await db_scalar(
        state, "SELECT bio FROM instructor_profiles WHERE user_id = :id", id=world.instructor.id
    )
    assert bio is None


async def test_an_instructor_cannot_edit_a_colleague(
    gql: GraphQLClient, world: SchoolWorld
) -> None:
    token = await token_for(gql, world.other_instructor.email)

    body = await gql.execute(
        UPDATE_INSTRUCTOR,
        {"input": {"userId": gid("User", world.instructor.id), "bio": "not mine"}},
        token=token,
    )

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_the_licence_number_is_hidden_from_students(
    gql: GraphQLClient, world: SchoolWorld
) -> None:
    instructor = await token_for(gql, world.instructor.email)
    await gql.data(
        UPDATE_INSTRUCTOR,
        {"input": {"userId": gid("User", world.instructor.id), "licenceNumber": "ADI-9"}},
        token=instructor,
    )
    student = await token_for(gql, world.student.email)

    data = await gql.data(
        "query I($id: ID!) { node(id: $id) { ... on User { instructorProfile { licenceNumber } } } }",
        {"id": gid("User", world.instructor.id)},
        token=student,
    )

    assert data["node"] == {"instructorProfile": {"licenceNumber": None}}


# -- admin permissions ---------------------------------------------------------------------------------


async def test_an_admin_changes_a_peers_permissions_and_it_is_audited(
    gql: GraphQLClient, world: SchoolWorld, factory: Factory, state: AppState
) -> None:
    # given
    peer = await factory.user(world.school, Role.SCHOOL_ADMIN)
    token = await token_for(gql, world.admin.email)

    # when
    data = await gql.data(
        UPDATE_PERMISSIONS,
        {"input": {"userId": gid("User", peer.id), "canManageFinances": False}},
        token=token,
    )

    # then
    assert data["updateAdminPermissions"] == {
        "permissions": {
            "canManageUsers": True,
            "canAssignInstructors": True,
            "canManagePackages": True,
            "canModerateCommunity": True,
            "canManageFinances": False,
        },
        "errors": [],
    }
    audit = await db_rows(
        state,
        "SELECT actor_id, before, after FROM audit_log "
        "WHERE action = 'admin.permissions_changed' AND entity_id = :id",
        id=str(peer.id),
    )
    assert len(audit) == 1
    assert audit[0].actor_id == world.admin.id
    assert audit[0].before["can_manage_finances"] is True
    assert audit[0].after["can_manage_finances"] is False


async def test_an_admin_cannot_grant_a_permission_they_do_not_hold(
    gql: GraphQLClient, world: SchoolWorld, factory: Factory, state: AppState
) -> None:
    # given: an admin without finances, and a peer without finances
    peer = await factory.user(world.school, Role.SCHOOL_ADMIN)
    await db_execute(
        state,
        "UPDATE admin_profiles SET can_manage_finances = false WHERE user_id IN (:a, :b)",
        a=world.admin.id,
        b=peer.id,
    )
    token = await token_for(gql, world.admin.email)

    # when
    body = await gql.execute(
        UPDATE_PERMISSIONS,
        {"input": {"userId": gid("User", peer.id), "canManageFinances": True}},
        token=token,
    )

    # then
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    granted = await db_scalar(
        state, "SELECT can_manage_finances FROM admin_profiles WHERE user_id = :id", id=peer.id
    )
    assert granted is False
    assert (
        await db_scalar(
            state, "SELECT count(*) FROM audit_log WHERE action = 'admin.permissions_changed'"
        )
        == 0
    )


async def test_a_revoked_permission_takes_effect_on_the_next_request(
    gql: GraphQLClient, world: SchoolWorld, factory: Factory
) -> None:
    # given: a peer admin, logged in, who can manage users
    peer = await factory.user(world.school, Role.SCHOOL_ADMIN)
    peer_token = await token_for(gql, peer.email)
    admin = await token_for(gql, world.admin.email)

    # when
    await gql.data(
        UPDATE_PERMISSIONS,
        {"input": {"userId": gid("User", peer.id), "canManageUsers": False}},
        token=admin,
    )

    # then: the same token can no longer suspend anyone
    body = await gql.execute(SUSPEND, {"userId": gid("User", world.student.id)}, token=peer_token)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_an_admin_cannot_change_their_own_permissions(
    gql: GraphQLClient, world: SchoolWorld
) -> None:
    token = await token_for(gql, world.admin.email)

    data = await gql.data(
        UPDATE_PERMISSIONS,
        {"input": {"userId": gid("User", world.admin.id), "canManageFinances": False}},
        token=token,
    )

    assert codes(data["updateAdminPermissions"]) == [("CANNOT_CHANGE_SELF", "userId")]


async def test_permissions_belong_to_school_admins_only(
    gql: GraphQLClient, world: SchoolWorld
) -> None:
    token = await token_for(gql, world.admin.email)

    data = await gql.data(
        UPDATE_PERMISSIONS,
        {"input": {"userId": gid("User", world.instructor.id), "canManageUsers": True}},
        token=token,
    )

    assert codes(data["updateAdminPermissions"]) == [("INVALID_ROLE", "userId")]


async def test_non_admins_may_not_change_permissions(
    gql: GraphQLClient, world: SchoolWorld
) -> None:
    token = await token_for(gql, world.instructor.email)

    body = await gql.execute(
        UPDATE_PERMISSIONS,
        {"input": {"userId": gid("User", world.admin.id), "canManageUsers": False}},
        token=token,
    )

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_theory_pass_dates_must_not_be_in_the_future(
    gql: GraphQLClient, world: SchoolWorld
) -> None:
    """Boundary: today is accepted, tomorrow is not."""
    token = await token_for(gql, world.student.email)
    today = datetime.now(UTC).date()
    student = gid("User", world.student.id)

    ok = await gql.data(
        UPDATE_STUDENT,
        {"input": {"userId": student, "theoryTestPassedOn": today.isoformat()}},
        token=token,
    )
    tomorrow = today + timedelta(days=2)
    bad = await gql.data(
        UPDATE_STUDENT,
        {"input": {"userId": student, "theoryTestPassedOn": tomorrow.isoformat()}},
        token=token,
    )

    assert ok["updateStudentProfile"]["errors"] == []
    assert codes(bad["updateStudentProfile"]) == [("INVALID", "theoryTestPassedOn")]
