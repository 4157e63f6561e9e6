"""Password reset by one-time code, and changing a password while logged in (SPEC §1)."""

from __future__ import annotations

import pytest

from resolvers.context import AppState
from tests.accounts.helpers import (
    assert_authenticated_as,
    assert_unauthenticated,
    audit_actions,
    db_execute,
    db_scalar,
    login_errors,
    login_tokens,
    refresh,
)
from tests.support import PASSWORD, Factory, GraphQLClient, SchoolWorld

REQUEST_RESET = """
mutation Forgot($email: String!) {
  requestPasswordReset(input: {email: $email}) { ok errors { code message field } }
}
"""

RESET = """
mutation Reset($token: String!, $password: String!) {
  resetPassword(input: {token: $token, newPassword: $password}) {
    ok
    errors { code message field }
  }
}
"""

CHANGE = """
mutation Change($current: String!, $new: String!) {
  changePassword(input: {currentPassword: $current, newPassword: $new}) {
    ok
    errors { code message field }
  }
}
"""

NEW_PASSWORD = "a brand new secret 42"


async def reset_messages(state: AppState) -> int:
    return int(
        await db_scalar(
            state, "SELECT count(*) FROM outbound_messages WHERE template = 'reset_password'"
        )
    )


async def reset_code(gql: GraphQLClient, factory: Factory, email: str) -> str:
    data = await gql.data(REQUEST_RESET, {"email": email})
    assert data["requestPasswordReset"] == {"ok": True, "errors": []}
    return (await factory.last_message(email, "reset_password")).data["token"]  # type: ignore[no-any-return]


# -- requesting a reset -------------------------------------------------------------------------------


async def test_a_reset_request_answers_the_same_for_known_and_unknown_emails(
    gql: GraphQLClient, world: SchoolWorld, factory: Factory, state: AppState
) -> None:
    # when
    known = await gql.data(REQUEST_RESET, {"email": world.student.email.upper()})
    unknown = await gql.data(REQUEST_RESET, {"email": "nobody-here@example.test"})
    invalid = await gql.data(REQUEST_RESET, {"email": "not an email\x00"})

    # then: identical answers, and only the real account got a message
    assert known == unknown == invalid == {"requestPasswordReset": {"ok": True, "errors": []}}
    assert await reset_messages(state) == 1
    message = await factory.last_message(world.student.email, "reset_password")
    assert message.data["token"] in message.body


async def test_a_rejected_account_gets_no_reset_code(
    gql: GraphQLClient, world: SchoolWorld, state: AppState
) -> None:
    await db_execute(
        state, "UPDATE users SET status = 'rejected' WHERE id = :id", id=world.pending.id
    )

    data = await gql.data(REQUEST_RESET, {"email": world.pending.email})

    assert data["requestPasswordReset"]["ok"] is True
    assert await reset_messages(state) == 0


# -- resetting --------------------------------------------------------------------------------------


async def test_reset_sets_the_password_and_ends_every_session(
    gql: GraphQLClient, world: SchoolWorld, factory: Factory, state: AppState
) -> None:
    # given: the student is logged in somewhere, and asks for a code
    session = await login_tokens(gql, world.student.email)
    token = await reset_code(gql, factory, world.student.email)

    # when
    data = await gql.data(RESET, {"token": token, "password": NEW_PASSWORD})

    # then
    assert data["resetPassword"] == {"ok": True, "errors": []}
    await assert_unauthenticated(gql, session.access)
    assert [e["code"] for e in (await refresh(gql, session.refresh))["errors"]] == ["TOKEN_INVALID"]
    errors = await login_errors(gql, world.student.email, PASSWORD)
    assert [e["code"] for e in errors] == ["INVALID_CREDENTIALS"]
    fresh = await login_tokens(gql, world.student.email, NEW_PASSWORD)
    await assert_authenticated_as(gql, fresh.access, world.student.email)
    assert "auth.password_reset" in await audit_actions(state, world.student.id)


async def test_a_reset_code_works_once(
    gql: GraphQLClient, world: SchoolWorld, factory: Factory
) -> None:
    token = await reset_code(gql, factory, world.student.email)
    await gql.data(RESET, {"token": token, "password": NEW_PASSWORD})

    again = await gql.data(RESET, {"token": token, "password": "yet another password 7"})

    assert [(e["code"], e["field"]) for e in again["resetPassword"]["errors"]] == [
        ("TOKEN_INVALID", "token")
    ]
    await login_tokens(gql, world.student.email, NEW_PASSWORD)


async def test_an_expired_reset_code_is_refused(
    gql: GraphQLClient, world: SchoolWorld, factory: Factory, state: AppState
) -> None:
    token = await reset_code(gql, factory, world.student.email)
    await db_execute(state, "UPDATE one_time_tokens SET expires_at = now() - interval '1 second'")

    data = await gql.data(RESET, {"token": token, "password": NEW_PASSWORD})

    assert [e["code"] for e in data["resetPassword"]["errors"]] == ["TOKEN_EXPIRED"]
    await login_tokens(gql, world.student.email)  # the old password still works


async def test_a_newer_reset_code_replaces_the_older(
    gql: GraphQLClient, world: SchoolWorld, factory: Factory
) -> None:
    older = await reset_code(gql, factory, world.student.email)
    newer = await reset_code(gql, factory, world.student.email)

    stale = await gql.data(RESET, {"token": older, "password": NEW_PASSWORD})
    fresh = await gql.data(RESET, {"token": newer, "password": NEW_PASSWORD})

    assert [e["code"] for e in stale["resetPassword"]["errors"]] == ["TOKEN_INVALID"]
    assert fresh["resetPassword"]["errors"] == []


async def test_a_weak_new_password_leaves_the_code_unspent(
    gql: GraphQLClient, world: SchoolWorld, factory: Factory
) -> None:
    token = await reset_code(gql, factory, world.student.email)

    weak = await gql.data(RESET, {"token": token, "password": "short"})

    assert [(e["code"], e["field"]) for e in weak["resetPassword"]["errors"]] == [
        ("WEAK_PASSWORD", "newPassword")
    ]
    strong = await gql.data(RESET, {"token": token, "password": NEW_PASSWORD})
    assert strong["resetPassword"]["errors"] == []


@pytest.mark.parametrize("token", ["made-up", "", "\x00", "z" * 4000])
async def test_an_unknown_reset_code_is_invalid(gql: GraphQLClient, token: str) -> None:
    data = await gql.data(RESET, {"token": token, "password": NEW_PASSWORD})

    assert [e["code"] for e in data["resetPassword"]["errors"]] == ["TOKEN_INVALID"]


async def test_a_verification_code_is_not_a_reset_code(
    gql: GraphQLClient, world: SchoolWorld, factory: Factory, state: AppState
) -> None:
    await db_execute(
        state, "UPDATE users SET email_verified_at = NULL WHERE id = :id", id=world.student.id
    )
    access = (await login_tokens(gql, world.student.email)).access
    await gql.data("mutation { requestEmailVerification { ok } }", token=access)
    verification = (await factory.last_message(world.student.email, "verify_email")).data["token"]

    data = await gql.data(RESET, {"token": verification, "password": NEW_PASSWORD})

    assert [e["code"] for e in data["resetPassword"]["errors"]] == ["TOKEN_INVALID"]


# -- changing -----------------------------------------------------------------------------------------


async def test_changing_with_a_wrong_current_password_is_refused(
    gql: GraphQLClient, world: SchoolWorld
) -> None:
    access = (await login_tokens(gql, world.student.email)).access

    data = await gql.data(CHANGE, {"current": "not my password", "new": NEW_PASSWORD}, token=access)

    assert data["changePassword"]["ok"] is False
    assert [(e["code"], e["field"]) for e in data["changePassword"]["errors"]] == [
        ("WRONG_PASSWORD", "currentPassword")
    ]
    await login_tokens(gql, world.student.email)  # unchanged


async def test_changing_keeps_this_session_and_ends_the_others(
    gql: GraphQLClient, world: SchoolWorld, state: AppState
) -> None:
    # given: two sessions
    this = await login_tokens(gql, world.student.email)
    other = await login_tokens(gql, world.student.email)

    # when
    data = await gql.data(CHANGE, {"current": PASSWORD, "new": NEW_PASSWORD}, token=this.access)

    # then
    assert data["changePassword"] == {"ok": True, "errors": []}
    await assert_authenticated_as(gql, this.access, world.student.email)
    assert (await refresh(gql, this.refresh))["errors"] == []
    await assert_unauthenticated(gql, other.access)
    assert [e["code"] for e in (await login_errors(gql, world.student.email, PASSWORD))] == [
        "INVALID_CREDENTIALS"
    ]
    await login_tokens(gql, world.student.email, NEW_PASSWORD)
    assert "auth.password_changed" in await audit_actions(state, world.student.id)


async def test_changing_to_a_weak_password_is_refused(
    gql: GraphQLClient, world: SchoolWorld
) -> None:
    access = (await login_tokens(gql, world.student.email)).access

    data = await gql.data(CHANGE, {"current": PASSWORD, "new": "aaaaaaaaaaaa"}, token=access)

    assert [(e["code"], e["field"]) for e in data["changePassword"]["errors"]] == [
        ("WEAK_PASSWORD", "newPassword")
    ]
    await login_tokens(gql, world.student.email)


async def test_guessing_the_current_password_is_throttled_like_login(
    gql: GraphQLClient, world: SchoolWorld
) -> None:
    # given: a stolen access token, and five wrong guesses at the current password
    access = (await login_tokens(gql, world.student.email)).access
    for attempt in range(5):
        data = await gql.data(
            CHANGE, {"current": f"guess {attempt}", "new": NEW_PASSWORD}, token=access
        )
        assert [e["code"] for e in data["changePassword"]["errors"]] == ["WRONG_PASSWORD"]

    # when: the right password
    data = await gql.data(CHANGE, {"current": PASSWORD, "new": NEW_PASSWORD}, token=access)

    # then
    assert [e["code"] for e in data["changePassword"]["errors"]] == ["TOO_MANY_ATTEMPTS"]
    errors = await login_errors(gql, world.student.email, PASSWORD)
    assert [e["code"] for e in errors] == ["TOO_MANY_ATTEMPTS"]


async def test_changing_needs_a_login(gql: GraphQLClient) -> None:
    body = await gql.execute(CHANGE, {"current": PASSWORD, "new": NEW_PASSWORD})

    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
