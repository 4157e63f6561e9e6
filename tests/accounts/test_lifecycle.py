"""Suspension, reinstatement and soft deletion by an admin (SPEC §1, §0 soft delete)."""

from __future__ import annotations

import pytest

from resolvers.context import AppState
from services.actor import Role
from tests.accounts.helpers import (
    assert_unauthenticated,
    audit_actions,
    db_rows,
    db_scalar,
    login_errors,
    login_tokens,
    refresh,
)
from tests.support import PASSWORD, Factory, GraphQLClient, SchoolWorld, gid

SUSPEND = """
mutation Suspend($userId: ID!, $reason: String) {
  suspendUser(input: {userId: $userId, reason: $reason}) {
    user { email status statusReason }
    errors { code message field }
  }
}
"""

REINSTATE = """
mutation Reinstate($userId: ID!) {
  reinstateUser(input: {userId: $userId}) { user { status } errors { code } }
}
"""

DELETE = """
mutation Delete($userId: ID!) {
  deleteUser(input: {userId: $userId}) { ok errors { code message field } }
}
"""

USERS = "{ users(first: 100) { edges { node { id email } } } }"

NODE = "query Node($id: ID!) { node(id: $id) { id ... on User { email } } }"

REGISTER = """
mutation Register($input: RegisterStudentInput!) {
  registerStudent(input: $input) { user { email } errors { code } }
}
"""


async def listed_emails(gql: GraphQLClient, token: str) -> set[str]:
    data = await gql.data(USERS, token=token)
    return {edge["node"]["email"] for edge in data["users"]["edges"]}


# -- suspension -------------------------------------------------------------------------------------


async def test_a_suspended_users_token_stops_working_at_once(
    gql: GraphQLClient, world: SchoolWorld, state: AppState
) -> None:
    # given: the student is logged in
    admin = (await login_tokens(gql, world.admin.email)).access
    student = await login_tokens(gql, world.student.email)

    # when
    data = await gql.data(
        SUSPEND, {"userId": gid("User", world.student.id), "reason": "Unpaid fees"}, token=admin
    )

    # then
    assert data["suspendUser"] == {
        "user": {
            "email": world.student.email,
            "status": "SUSPENDED",
            "statusReason": "Unpaid fees",
        },
        "errors": [],
    }
    await assert_unauthenticated(gql, student.access)
    assert [e["code"] for e in (await refresh(gql, student.refresh))["errors"]] == ["TOKEN_INVALID"]
    errors = await login_errors(gql, world.student.email, PASSWORD)
    assert [e["code"] for e in errors] == ["ACCOUNT_SUSPENDED"]
    audit = await db_rows(
        state,
        "SELECT actor_id, before, after FROM audit_log WHERE action = 'user.suspended' "
        "AND entity_id = :id",
        id=str(world.student.id),
    )
    assert len(audit) == 1
    assert audit[0].actor_id == world.admin.id
    assert (audit[0].before["status"], audit[0].after["status"]) == ("active", "suspended")


async def test_reinstating_lets_the_user_log_in_again(
    gql: GraphQLClient, world: SchoolWorld, state: AppState
) -> None:
    admin = (await login_tokens(gql, world.admin.email)).access
    await gql.data(SUSPEND, {"userId": gid("User", world.student.id)}, token=admin)

    data = await gql.data(REINSTATE, {"userId": gid("User", world.student.id)}, token=admin)

    assert data["reinstateUser"] == {"user": {"status": "ACTIVE"}, "errors": []}
    await login_tokens(gql, world.student.email)
    assert (await audit_actions(state, world.student.id))[-3:] == [
        "user.suspended",
        "user.reinstated",
        "auth.login",
    ]


async def test_only_a_suspended_user_can_be_reinstated(
    gql: GraphQLClient, world: SchoolWorld
) -> None:
    admin = (await login_tokens(gql, world.admin.email)).access

    data = await gql.data(REINSTATE, {"userId": gid("User", world.student.id)}, token=admin)

    assert [e["code"] for e in data["reinstateUser"]["errors"]] == ["CONFLICT"]


async def test_an_admin_cannot_suspend_themselves(
    gql: GraphQLClient, world: SchoolWorld, state: AppState
) -> None:
    admin = (await login_tokens(gql, world.admin.email)).access

    data = await gql.data(SUSPEND, {"userId": gid("User", world.admin.id)}, token=admin)

    assert [(e["code"], e["field"]) for e in data["suspendUser"]["errors"]] == [
        ("CANNOT_CHANGE_SELF", "userId")
    ]
    status = await db_scalar(state, "SELECT status FROM users WHERE id = :id", id=world.admin.id)
    assert status == "active"


@pytest.mark.parametrize("who", ["student", "instructor"])
async def test_non_admins_may_not_suspend(
    gql: GraphQLClient, world: SchoolWorld, state: AppState, who: str
) -> None:
    token = (await login_tokens(gql, getattr(world, who).email)).access

    body = await gql.execute(SUSPEND, {"userId": gid("User", world.other_student.id)}, token=token)

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    status = await db_scalar(
        state, "SELECT status FROM users WHERE id = :id", id=world.other_student.id
    )
    assert status == "active"


async def test_an_admin_cannot_suspend_another_schools_user(
    gql: GraphQLClient, world: SchoolWorld, other_world: SchoolWorld
) -> None:
    admin = (await login_tokens(gql, world.admin.email)).access

    data = await gql.data(SUSPEND, {"userId": gid("User", other_world.student.id)}, token=admin)

    assert [e["code"] for e in data["suspendUser"]["errors"]] == ["NOT_FOUND"]
    await login_tokens(gql, other_world.student.email)


async def test_a_school_admin_cannot_suspend_a_platform_admin(
    gql: GraphQLClient, world: SchoolWorld, factory: Factory
) -> None:
    root = await factory.platform_admin()
    admin = (await login_tokens(gql, world.admin.email)).access

    data = await gql.data(SUSPEND, {"userId": gid("User", root.id)}, token=admin)

    assert [e["code"] for e in data["suspendUser"]["errors"]] == ["NOT_FOUND"]


async def test_a_platform_admin_may_suspend_in_any_school(
    gql: GraphQLClient, world: SchoolWorld, factory: Factory
) -> None:
    root = await factory.platform_admin()
    token = (await login_tokens(gql, root.email)).access

    data = await gql.data(SUSPEND, {"userId": gid("User", world.admin.id)}, token=token)

    assert data["suspendUser"]["user"]["status"] == "SUSPENDED"


# -- soft delete ----------------------------------------------------------------------------------------


async def test_a_deleted_user_disappears_but_their_row_stays(
    gql: GraphQLClient, world: SchoolWorld, state: AppState
) -> None:
    # given
    admin = (await login_tokens(gql, world.admin.email)).access
    student = await login_tokens(gql, world.student.email)
    assert world.student.email in await listed_emails(gql, admin)

    # when
    data = await gql.data(DELETE, {"userId": gid("User", world.student.id)}, token=admin)

    # then
    assert data["deleteUser"] == {"ok": True, "errors": []}
    assert world.student.email not in await listed_emails(gql, admin)
    node = await gql.data(NODE, {"id": gid("User", world.student.id)}, token=admin)
    assert node["node"] is None
    await assert_unauthenticated(gql, student.access)
    errors = await login_errors(gql, world.student.email, PASSWORD)
    assert [e["code"] for e in errors] == ["INVALID_CREDENTIALS"]
    # history is kept: the row is marked, and its live assignment has ended
    row = (
        await db_rows(state, "SELECT deleted_at FROM users WHERE id = :id", id=world.student.id)
    )[0]
    assert row.deleted_at is not None
    live = await db_scalar(
        state,
        "SELECT count(*) FROM instructor_assignments WHERE student_id = :id AND status = 'active'",
        id=world.student.id,
    )
    assert live == 0
    assert "user.deleted" in await audit_actions(state, world.student.id)


async def test_a_deleted_users_email_can_register_again(
    gql: GraphQLClient, world: SchoolWorld
) -> None:
    admin = (await login_tokens(gql, world.admin.email)).access
    await gql.data(DELETE, {"userId": gid("User", world.student.id)}, token=admin)

    data = await gql.data(
        REGISTER,
        {
            "input": {
                "schoolSlug": world.school.slug,
                "email": world.student.email,
                "password": PASSWORD,
                "firstName": "Back",
                "lastName": "Again",
            }
        },
    )

    assert data["registerStudent"] == {"user": {"email": world.student.email}, "errors": []}


async def test_deleting_twice_finds_nothing_the_second_time(
    gql: GraphQLClient, world: SchoolWorld
) -> None:
    admin = (await login_tokens(gql, world.admin.email)).access
    await gql.data(DELETE, {"userId": gid("User", world.student.id)}, token=admin)

    data = await gql.data(DELETE, {"userId": gid("User", world.student.id)}, token=admin)

    assert data["deleteUser"]["ok"] is False
    assert [e["code"] for e in data["deleteUser"]["errors"]] == ["NOT_FOUND"]


async def test_a_non_admin_may_not_delete(
    gql: GraphQLClient, world: SchoolWorld, state: AppState, factory: Factory
) -> None:
    colleague = await factory.user(world.school, Role.INSTRUCTOR)
    token = (await login_tokens(gql, world.instructor.email)).access

    body = await gql.execute(DELETE, {"userId": gid("User", colleague.id)}, token=token)

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    deleted = await db_scalar(state, "SELECT deleted_at FROM users WHERE id = :id", id=colleague.id)
    assert deleted is None


# -- accounts created by an admin -------------------------------------------------------------------------

CREATE_USER = """
mutation Create($input: CreateUserInput!) {
  createUser(input: $input) {
    user { email role status school { name } }
    errors { code message field }
  }
}
"""

RESET = """
mutation Reset($token: String!, $password: String!) {
  resetPassword(input: {token: $token, newPassword: $password}) { ok errors { code } }
}
"""


async def test_an_invited_instructor_sets_their_password_from_the_email(
    gql: GraphQLClient, world: SchoolWorld, factory: Factory, state: AppState
) -> None:
    # given
    admin = (await login_tokens(gql, world.admin.email)).access

    # when: created without a password
    data = await gql.data(
        CREATE_USER,
        {
            "input": {
                "role": "INSTRUCTOR",
                "email": "new.instructor@example.test",
                "firstName": "Nia",
                "lastName": "New",
            }
        },
        token=admin,
    )

    # then: active in the admin's school, and invited to set a password
    assert data["createUser"] == {
        "user": {
            "email": "new.instructor@example.test",
            "role": "INSTRUCTOR",
            "status": "ACTIVE",
            "school": {"name": world.school.name},
        },
        "errors": [],
    }
    invitation = await factory.last_message("new.instructor@example.test", "account_invitation")
    reset = await gql.data(RESET, {"token": invitation.data["token"], "password": "my own pass 1"})
    assert reset["resetPassword"] == {"ok": True, "errors": []}
    await login_tokens(gql, "new.instructor@example.test", "my own pass 1")
    user_id = await db_scalar(
        state, "SELECT id FROM users WHERE email = 'new.instructor@example.test'"
    )
    assert (await audit_actions(state, user_id))[0] == "user.created"


async def test_a_school_admin_cannot_create_a_platform_admin(
    gql: GraphQLClient, world: SchoolWorld, state: AppState
) -> None:
    admin = (await login_tokens(gql, world.admin.email)).access
    before = await db_scalar(state, "SELECT count(*) FROM users")

    body = await gql.execute(
        CREATE_USER,
        {
            "input": {
                "role": "PLATFORM_ADMIN",
                "email": "root2@example.test",
                "firstName": "Not",
                "lastName": "Allowed",
            }
        },
        token=admin,
    )

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await db_scalar(state, "SELECT count(*) FROM users") == before


async def test_a_school_admin_creates_only_in_their_own_school(
    gql: GraphQLClient, world: SchoolWorld, other_world: SchoolWorld, state: AppState
) -> None:
    admin = (await login_tokens(gql, world.admin.email)).access

    data = await gql.data(
        CREATE_USER,
        {
            "input": {
                "role": "STUDENT",
                "email": "placed@example.test",
                "firstName": "Pat",
                "lastName": "Placed",
                "password": PASSWORD,
                "schoolId": gid("School", other_world.school.id),
            }
        },
        token=admin,
    )

    assert data["createUser"]["user"]["school"] == {"name": world.school.name}
    school_id = await db_scalar(
        state, "SELECT school_id FROM users WHERE email = 'placed@example.test'"
    )
    assert school_id == world.school.id


async def test_a_student_may_not_create_users(gql: GraphQLClient, world: SchoolWorld) -> None:
    token = (await login_tokens(gql, world.student.email)).access

    body = await gql.execute(
        CREATE_USER,
        {
            "input": {
                "role": "STUDENT",
                "email": "friend@example.test",
                "firstName": "A",
                "lastName": "Friend",
            }
        },
        token=token,
    )

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
