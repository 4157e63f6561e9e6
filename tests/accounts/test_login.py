"""Login over real HTTP: credentials, account states, and failed-login throttling (SPEC §1)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from models.accounts import User
from resolvers.context import AppState
from services.actor import Role
from tests.accounts.helpers import (
    LOGIN,
    assert_authenticated_as,
    db_execute,
    db_rows,
    db_scalar,
    login_errors,
    login_tokens,
    refresh,
)
from tests.support import PASSWORD, Factory, GraphQLClient, SchoolWorld, unique

LOGIN_WITH_SCHOOL = """
mutation Login($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) {
    tokens {
      accessToken
      accessTokenExpiresAt
      refreshToken
      refreshTokenExpiresAt
      user { email role status lastLoginAt school { name } }
    }
    errors { code message field }
  }
}
"""

TWO_LOGINS = """
mutation Twice($email: String!, $password: String!) {
  a: login(input: {email: $email, password: $password}) { errors { code } }
  b: login(input: {email: $email, password: $password}) { errors { code } }
}
"""

LOGIN_IN_TWO_FRAGMENTS = """
mutation Twice($email: String!, $password: String!) { ...A ...B }
fragment A on Mutation { a: login(input: {email: $email, password: $password}) { errors { code } } }
fragment B on Mutation { b: login(input: {email: $email, password: $password}) { errors { code } } }
"""

WRONG = "not the password at all"


async def failed_attempts(state: AppState) -> int:
    return int(await db_scalar(state, "SELECT count(*) FROM login_attempts WHERE NOT succeeded"))


async def set_status(state: AppState, user: User, status: str) -> None:
    async with state.db.transaction() as session:
        await session.execute(update(User).where(User.id == user.id).values(status=status))


# -- credentials and account states ------------------------------------------------------------


async def test_login_returns_both_tokens_and_the_user_with_their_school(
    gql: GraphQLClient, world: SchoolWorld
) -> None:
    # when
    data = await gql.data(LOGIN_WITH_SCHOOL, {"email": world.student.email, "password": PASSWORD})

    # then
    payload = data["login"]
    assert payload["errors"] == []
    tokens = payload["tokens"]
    assert tokens["accessToken"].count(".") == 2  # a JWT
    assert len(tokens["refreshToken"]) >= 40
    assert tokens["user"]["email"] == world.student.email
    assert tokens["user"]["role"] == "STUDENT"
    assert tokens["user"]["status"] == "ACTIVE"
    assert tokens["user"]["lastLoginAt"] is not None
    assert tokens["user"]["school"] == {"name": world.school.name}
    access_lifetime = datetime.fromisoformat(tokens["accessTokenExpiresAt"]) - datetime.now(UTC)
    assert timedelta(minutes=14) < access_lifetime <= timedelta(minutes=15)
    refresh_lifetime = datetime.fromisoformat(tokens["refreshTokenExpiresAt"]) - datetime.now(UTC)
    assert timedelta(days=29) < refresh_lifetime <= timedelta(days=30)
    await assert_authenticated_as(gql, tokens["accessToken"], world.student.email)


async def test_email_is_matched_case_insensitively(gql: GraphQLClient, world: SchoolWorld) -> None:
    tokens = await login_tokens(gql, f"  {world.admin.email.upper()} ")

    await assert_authenticated_as(gql, tokens.access, world.admin.email)


async def test_wrong_password_and_unknown_email_fail_identically(
    gql: GraphQLClient, world: SchoolWorld
) -> None:
    # when
    wrong_password = await login_errors(gql, world.student.email, WRONG)
    unknown_email = await login_errors(gql, "nobody-here@example.test", PASSWORD)

    # then: nothing tells the caller whether the account exists
    assert wrong_password == unknown_email
    assert wrong_password == [
        {"code": "INVALID_CREDENTIALS", "message": "Email or password is incorrect.", "field": None}
    ]


async def test_suspended_account_cannot_log_in(
    gql: GraphQLClient, world: SchoolWorld, state: AppState
) -> None:
    await set_status(state, world.student, "suspended")

    errors = await login_errors(gql, world.student.email, PASSWORD)

    assert [e["code"] for e in errors] == ["ACCOUNT_SUSPENDED"]


async def test_suspended_account_with_a_wrong_password_reveals_nothing(
    gql: GraphQLClient, world: SchoolWorld, state: AppState
) -> None:
    await set_status(state, world.student, "suspended")

    errors = await login_errors(gql, world.student.email, WRONG)

    assert [e["code"] for e in errors] == ["INVALID_CREDENTIALS"]


async def test_rejected_account_cannot_log_in(
    gql: GraphQLClient, world: SchoolWorld, state: AppState
) -> None:
    await set_status(state, world.pending, "rejected")

    errors = await login_errors(gql, world.pending.email, PASSWORD)

    assert [e["code"] for e in errors] == ["ACCOUNT_REJECTED"]


async def test_soft_deleted_account_cannot_log_in(
    gql: GraphQLClient, world: SchoolWorld, state: AppState
) -> None:
    await db_execute(
        state, "UPDATE users SET deleted_at = now() WHERE id = :id", id=world.student.id
    )

    errors = await login_errors(gql, world.student.email, PASSWORD)

    assert [e["code"] for e in errors] == ["INVALID_CREDENTIALS"]


async def test_pending_student_may_log_in_to_see_their_status(
    gql: GraphQLClient, world: SchoolWorld
) -> None:
    data = await gql.data(LOGIN_WITH_SCHOOL, {"email": world.pending.email, "password": PASSWORD})

    assert data["login"]["tokens"]["user"]["status"] == "PENDING_REVIEW"


async def test_bad_input_is_a_typed_error_not_a_crash(
    gql: GraphQLClient, world: SchoolWorld
) -> None:
    for email, password in (("", ""), ("x" * 5000, "y" * 5000), ("\x00@\x00", "\x00")):
        errors = await login_errors(gql, email, password)
        assert [e["code"] for e in errors] == ["INVALID_CREDENTIALS"], (email[:10], errors)


async def test_a_login_is_audited_with_the_client_address(
    gql: GraphQLClient, world: SchoolWorld, state: AppState
) -> None:
    await login_tokens(gql, world.student.email)

    rows = await db_rows(
        state,
        "SELECT actor_id, school_id, client_address FROM audit_log "
        "WHERE action = 'auth.login' AND entity_id = :id",
        id=str(world.student.id),
    )

    assert len(rows) == 1
    assert rows[0].school_id == world.school.id
    assert rows[0].client_address == "127.0.0.1"


# -- throttling ------------------------------------------------------------------------------------


async def test_five_failures_lock_the_account_even_for_the_right_password(
    gql: GraphQLClient, world: SchoolWorld, state: AppState
) -> None:
    # given
    for _ in range(5):
        errors = await login_errors(gql, world.student.email, WRONG)
        assert [e["code"] for e in errors] == ["INVALID_CREDENTIALS"]

    # when
    errors = await login_errors(gql, world.student.email, PASSWORD)

    # then
    assert [e["code"] for e in errors] == ["TOO_MANY_ATTEMPTS"]
    assert await failed_attempts(state) == 5  # a locked-out attempt does not extend the window
    # and other accounts are not affected
    await login_tokens(gql, world.admin.email)


async def test_the_account_lock_is_lifted_when_the_window_passes(
    gql: GraphQLClient, world: SchoolWorld, state: AppState
) -> None:
    # given: five failures, sixteen minutes ago
    for _ in range(5):
        await login_errors(gql, world.student.email, WRONG)
    await db_execute(
        state, "UPDATE login_attempts SET attempted_at = now() - interval '16 minutes'"
    )

    # when / then
    await login_tokens(gql, world.student.email)


async def test_a_successful_login_clears_the_account_failure_count(
    gql: GraphQLClient, world: SchoolWorld
) -> None:
    # given: four failures, then the right password
    for _ in range(4):
        await login_errors(gql, world.student.email, WRONG)
    await login_tokens(gql, world.student.email)

    # when: four more failures (eight in the window, four since the success)
    for _ in range(4):
        errors = await login_errors(gql, world.student.email, WRONG)
        assert [e["code"] for e in errors] == ["INVALID_CREDENTIALS"]

    # then: the account is not locked
    await login_tokens(gql, world.student.email)


async def test_twenty_failures_from_one_address_lock_that_address(
    gql: GraphQLClient, world: SchoolWorld, state: AppState
) -> None:
    # given: twenty failures across twenty different emails (none locks an account)
    for _ in range(20):
        errors = await login_errors(gql, f"{unique('guess')}@example.test", WRONG)
        assert [e["code"] for e in errors] == ["INVALID_CREDENTIALS"]

    # when: a valid user from the same address
    errors = await login_errors(gql, world.admin.email, PASSWORD)

    # then
    assert [e["code"] for e in errors] == ["TOO_MANY_ATTEMPTS"]
    assert await failed_attempts(state) == 20


async def test_a_success_does_not_reset_the_address_count(
    gql: GraphQLClient, world: SchoolWorld
) -> None:
    # given: 19 guesses at other accounts, then the attacker logs into their own account
    for _ in range(19):
        await login_errors(gql, f"{unique('guess')}@example.test", WRONG)
    await login_tokens(gql, world.student.email)
    await login_errors(gql, f"{unique('guess')}@example.test", WRONG)

    # when
    errors = await login_errors(gql, world.student.email, PASSWORD)

    # then
    assert [e["code"] for e in errors] == ["TOO_MANY_ATTEMPTS"]


async def test_concurrent_failed_logins_are_each_counted(
    gql: GraphQLClient, world: SchoolWorld, state: AppState
) -> None:
    # when: twenty wrong passwords for one account at once, over real connections
    responses = await asyncio.gather(
        *(gql.data(LOGIN, {"email": world.student.email, "password": WRONG}) for _ in range(20))
    )

    # then: exactly five were checked and recorded; the lock refused the other fifteen
    codes = sorted(r["login"]["errors"][0]["code"] for r in responses)
    assert codes == ["INVALID_CREDENTIALS"] * 5 + ["TOO_MANY_ATTEMPTS"] * 15
    assert await failed_attempts(state) == 5
    errors = await login_errors(gql, world.student.email, PASSWORD)
    assert [e["code"] for e in errors] == ["TOO_MANY_ATTEMPTS"]


async def test_concurrent_logins_with_the_right_password_all_succeed(
    gql: GraphQLClient, world: SchoolWorld, state: AppState
) -> None:
    responses = await asyncio.gather(
        *(gql.data(LOGIN, {"email": world.student.email, "password": PASSWORD}) for _ in range(8))
    )

    assert all(r["login"]["errors"] == [] for r in responses)
    assert len({r["login"]["tokens"]["refreshToken"] for r in responses}) == 8
    sessions = await db_scalar(
        state, "SELECT count(*) FROM auth_sessions WHERE user_id = :id", id=world.student.id
    )
    assert sessions == 8


@pytest.mark.parametrize("document", [TWO_LOGINS, LOGIN_IN_TWO_FRAGMENTS])
async def test_a_document_with_two_logins_is_refused_before_it_runs(
    gql: GraphQLClient, world: SchoolWorld, state: AppState, document: str
) -> None:
    # when
    response = await gql.post(document, {"email": world.student.email, "password": WRONG})

    # then: a validation error (4xx, no data), and no attempt was made or recorded
    assert response.status_code == 400
    body = response.json()
    assert "data" not in body
    assert "only once per request" in body["errors"][0]["message"]
    assert await db_scalar(state, "SELECT count(*) FROM login_attempts") == 0


# -- secrets --------------------------------------------------------------------------------------


async def test_passwords_and_tokens_never_reach_the_logs(
    gql: GraphQLClient, factory: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    # given
    school = await factory.school()
    user = await factory.user(school, Role.STUDENT)
    caplog.set_level(logging.DEBUG)

    # when: a failed login, a login, and a refresh, with everything logged
    await login_errors(gql, user.email, "wrong-but-secret-password-123")
    tokens = await login_tokens(gql, user.email)
    refreshed = await refresh(gql, tokens.refresh)

    # then
    assert caplog.records, "DEBUG logging captured nothing; the check would prove nothing"
    secrets = [
        PASSWORD,
        "wrong-but-secret-password-123",
        tokens.access,
        tokens.refresh,
        refreshed["tokens"]["accessToken"],
        refreshed["tokens"]["refreshToken"],
    ]
    for record in caplog.records:
        text = record.getMessage() + repr(record.args) + repr(record.__dict__.get("exc_text"))
        for secret in secrets:
            assert secret not in text, f"{record.name} logged a secret: {text[:200]}"
