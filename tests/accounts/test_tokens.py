"""Access tokens, rotating refresh tokens and logout, over real HTTP (SPEC §1, sessions)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from app.settings import Settings
from resolvers.context import AppState
from tests.accounts.helpers import (
    REFRESH,
    assert_authenticated_as,
    assert_unauthenticated,
    audit_actions,
    db_execute,
    db_scalar,
    login_tokens,
    refresh,
)
from tests.support import GraphQLClient, SchoolWorld

LOGOUT = "mutation { logout { ok errors { code } } }"
LOGOUT_EVERYWHERE = "mutation { logoutEverywhere { ok errors { code } } }"
REFRESH_WITH_ME = """
mutation Refresh($token: String!) {
  refreshToken(input: {refreshToken: $token}) {
    tokens { accessToken refreshToken user { email school { name } } }
    errors { code message field }
  }
}
"""


def claims_of(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})  # type: ignore[no-any-return]


def forge(settings: Settings, claims: dict[str, Any], **changes: Any) -> str:
    """A token signed with the server's own key, with some claims changed."""
    return jwt.encode({**claims, **changes}, settings.signing_key, algorithm="HS256")


# -- access tokens ----------------------------------------------------------------------------------


async def test_me_answers_with_a_valid_access_token(gql: GraphQLClient, world: SchoolWorld) -> None:
    tokens = await login_tokens(gql, world.instructor.email)

    await assert_authenticated_as(gql, tokens.access, world.instructor.email)


async def test_the_access_token_carries_no_personal_data(
    gql: GraphQLClient, world: SchoolWorld
) -> None:
    tokens = await login_tokens(gql, world.student.email)

    claims = claims_of(tokens.access)

    assert set(claims) == {"sub", "sid", "iat", "nbf", "exp", "iss", "aud", "jti"}
    assert claims["exp"] - claims["iat"] == 15 * 60
    assert world.student.email not in str(claims)


async def test_an_expired_access_token_is_refused_with_401(
    gql: GraphQLClient, world: SchoolWorld, settings: Settings
) -> None:
    # given: the server's own key, a real session, an expiry one second in the past
    tokens = await login_tokens(gql, world.student.email)
    past = int((datetime.now(UTC) - timedelta(minutes=16)).timestamp())
    expired = forge(settings, claims_of(tokens.access), iat=past, nbf=past, exp=past + 900 - 60)

    # then
    await assert_unauthenticated(gql, expired)
    await assert_authenticated_as(gql, tokens.access, world.student.email)  # control


async def test_a_token_forged_with_the_right_key_and_claims_is_accepted(
    gql: GraphQLClient, world: SchoolWorld, settings: Settings
) -> None:
    """Control for the forgery tests below: only the changed claim makes them fail."""
    tokens = await login_tokens(gql, world.student.email)

    reissued = forge(settings, claims_of(tokens.access), jti="another")

    await assert_authenticated_as(gql, reissued, world.student.email)


@pytest.mark.parametrize(
    "change",
    [
        {"aud": "someone-else"},
        {"iss": "not-clutch"},
        {"sid": "00000000-0000-0000-0000-000000000000"},
        {"sub": "not-a-uuid"},
        {"nbf": 4102444800},  # not valid before 2100
    ],
    ids=["audience", "issuer", "unknown-session", "bad-subject", "not-yet-valid"],
)
async def test_a_token_with_a_wrong_claim_is_refused(
    gql: GraphQLClient, world: SchoolWorld, settings: Settings, change: dict[str, Any]
) -> None:
    tokens = await login_tokens(gql, world.student.email)

    await assert_unauthenticated(gql, forge(settings, claims_of(tokens.access), **change))


async def test_a_token_for_another_users_session_is_refused(
    gql: GraphQLClient, world: SchoolWorld, settings: Settings
) -> None:
    student = claims_of((await login_tokens(gql, world.student.email)).access)
    admin = claims_of((await login_tokens(gql, world.admin.email)).access)

    await assert_unauthenticated(gql, forge(settings, admin, sid=student["sid"]))


async def test_a_token_signed_with_another_key_is_refused(
    gql: GraphQLClient, world: SchoolWorld
) -> None:
    tokens = await login_tokens(gql, world.student.email)
    claims = claims_of(tokens.access)

    forged = jwt.encode(claims, "another-key-that-is-also-long-enough-for-hs256", algorithm="HS256")

    await assert_unauthenticated(gql, forged)


async def test_an_unsigned_alg_none_token_is_refused(
    gql: GraphQLClient, world: SchoolWorld
) -> None:
    tokens = await login_tokens(gql, world.student.email)

    unsigned = jwt.encode(claims_of(tokens.access), None, algorithm="none")

    await assert_unauthenticated(gql, unsigned)


@pytest.mark.parametrize(
    "token", ["not-a-jwt", "a.b.c", "eyJhbGciOiJIUzI1NiJ9..", "x" * 5000, "Bearer"]
)
async def test_a_malformed_token_is_refused(gql: GraphQLClient, token: str) -> None:
    await assert_unauthenticated(gql, token)


async def test_an_authorization_header_of_another_scheme_is_refused(
    gql: GraphQLClient, world: SchoolWorld
) -> None:
    tokens = await login_tokens(gql, world.student.email)

    response = await gql.post("{ me { id } }", headers={"authorization": f"Basic {tokens.access}"})

    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_logged_out_sessions_token_is_refused(
    gql: GraphQLClient, world: SchoolWorld
) -> None:
    tokens = await login_tokens(gql, world.student.email)
    assert (await gql.data(LOGOUT, token=tokens.access))["logout"] == {"ok": True, "errors": []}

    await assert_unauthenticated(gql, tokens.access)


# -- refresh tokens --------------------------------------------------------------------------------


async def test_refresh_rotates_the_token_and_resolves_as_the_session(
    gql: GraphQLClient, world: SchoolWorld
) -> None:
    # given
    first = await login_tokens(gql, world.student.email)

    # when
    data = await gql.data(REFRESH_WITH_ME, {"token": first.refresh})

    # then
    payload = data["refreshToken"]
    assert payload["errors"] == []
    assert payload["tokens"]["user"] == {
        "email": world.student.email,
        "school": {"name": world.school.name},
    }
    second = payload["tokens"]
    assert second["refreshToken"] != first.refresh
    assert claims_of(second["accessToken"])["sid"] == claims_of(first.access)["sid"]
    await assert_authenticated_as(gql, second["accessToken"], world.student.email)
    # and the new refresh token rotates again
    third = await refresh(gql, second["refreshToken"])
    assert third["errors"] == []


async def test_a_spent_refresh_token_revokes_the_whole_family(
    gql: GraphQLClient, world: SchoolWorld, state: AppState
) -> None:
    # given: a login, one rotation, and an unrelated second session
    first = await login_tokens(gql, world.student.email)
    rotated = (await refresh(gql, first.refresh))["tokens"]
    other_session = await login_tokens(gql, world.student.email)

    # when: the spent token is presented again (it was copied)
    reused = await refresh(gql, first.refresh)

    # then
    assert reused["tokens"] is None
    assert [e["code"] for e in reused["errors"]] == ["TOKEN_REUSED"]
    assert reused["errors"][0]["field"] == "refreshToken"
    # the newest refresh token and every access token of that session stop working
    newest = await refresh(gql, rotated["refreshToken"])
    assert [e["code"] for e in newest["errors"]] == ["TOKEN_INVALID"]
    await assert_unauthenticated(gql, rotated["accessToken"])
    await assert_unauthenticated(gql, first.access)
    # the other session is untouched
    await assert_authenticated_as(gql, other_session.access, world.student.email)
    revoked = await db_scalar(
        state,
        "SELECT revoked_reason FROM auth_sessions WHERE id = :id",
        id=claims_of(first.access)["sid"],
    )
    assert revoked == "refresh_token_reuse"
    assert "auth.refresh_reuse_detected" in await audit_actions(
        state, claims_of(first.access)["sid"]
    )


async def test_concurrent_refreshes_with_one_token_let_exactly_one_succeed(
    gql: GraphQLClient, world: SchoolWorld, state: AppState
) -> None:
    # given
    tokens = await login_tokens(gql, world.student.email)

    # when: ten real connections present the same token at once
    results = await asyncio.gather(
        *(gql.data(REFRESH, {"token": tokens.refresh}) for _ in range(10))
    )

    # then: one rotation; the nine others are reuse of a spent token
    payloads = [r["refreshToken"] for r in results]
    succeeded = [p for p in payloads if p["tokens"] is not None]
    assert len(succeeded) == 1
    assert sorted(e["code"] for p in payloads for e in p["errors"]) == ["TOKEN_REUSED"] * 9
    issued = await db_scalar(
        state,
        "SELECT count(*) FROM refresh_tokens WHERE session_id = :sid",
        sid=claims_of(tokens.access)["sid"],
    )
    assert issued == 2  # the login's and the single rotation's
    # reuse revokes the family, including what the winner received
    await assert_unauthenticated(gql, succeeded[0]["tokens"]["accessToken"])


async def test_an_unknown_refresh_token_is_invalid(gql: GraphQLClient) -> None:
    for token in ("never-issued", "", "\x00" * 10, "x" * 5000):
        payload = await refresh(gql, token)
        assert payload["tokens"] is None
        assert [e["code"] for e in payload["errors"]] == ["TOKEN_INVALID"]


async def test_an_expired_refresh_token_is_refused_and_stays_unspent(
    gql: GraphQLClient, world: SchoolWorld, state: AppState
) -> None:
    tokens = await login_tokens(gql, world.student.email)
    await db_execute(state, "UPDATE refresh_tokens SET expires_at = now() - interval '1 second'")

    payload = await refresh(gql, tokens.refresh)

    assert [e["code"] for e in payload["errors"]] == ["TOKEN_EXPIRED"]
    assert await db_scalar(state, "SELECT count(*) FROM refresh_tokens WHERE used_at IS NULL") == 1


async def test_a_suspended_users_refresh_token_is_refused(
    gql: GraphQLClient, world: SchoolWorld, state: AppState
) -> None:
    tokens = await login_tokens(gql, world.student.email)
    await db_execute(
        state, "UPDATE users SET status = 'suspended' WHERE id = :id", id=world.student.id
    )

    payload = await refresh(gql, tokens.refresh)

    assert [e["code"] for e in payload["errors"]] == ["TOKEN_INVALID"]


async def test_a_document_with_two_refreshes_is_refused(
    gql: GraphQLClient, world: SchoolWorld, state: AppState
) -> None:
    tokens = await login_tokens(gql, world.student.email)
    document = """
    mutation Twice($t: String!) {
      a: refreshToken(input: {refreshToken: $t}) { errors { code } }
      b: refreshToken(input: {refreshToken: $t}) { errors { code } }
    }
    """

    response = await gql.post(document, {"t": tokens.refresh})

    assert response.status_code == 400
    assert await db_scalar(state, "SELECT count(*) FROM refresh_tokens WHERE used_at IS NULL") == 1
    assert (await refresh(gql, tokens.refresh))["errors"] == []


# -- logout ------------------------------------------------------------------------------------------


async def test_logout_ends_only_this_session(gql: GraphQLClient, world: SchoolWorld) -> None:
    # given: two sessions of one user
    phone = await login_tokens(gql, world.student.email)
    laptop = await login_tokens(gql, world.student.email)

    # when
    data = await gql.data(LOGOUT, token=phone.access)

    # then
    assert data["logout"] == {"ok": True, "errors": []}
    await assert_unauthenticated(gql, phone.access)
    assert [e["code"] for e in (await refresh(gql, phone.refresh))["errors"]] == ["TOKEN_INVALID"]
    await assert_authenticated_as(gql, laptop.access, world.student.email)
    assert (await refresh(gql, laptop.refresh))["errors"] == []


async def test_logout_everywhere_ends_every_session_of_the_user_only(
    gql: GraphQLClient, world: SchoolWorld, state: AppState
) -> None:
    # given
    phone = await login_tokens(gql, world.student.email)
    laptop = await login_tokens(gql, world.student.email)
    someone_else = await login_tokens(gql, world.other_student.email)

    # when
    data = await gql.data(LOGOUT_EVERYWHERE, token=phone.access)

    # then
    assert data["logoutEverywhere"] == {"ok": True, "errors": []}
    for session in (phone, laptop):
        await assert_unauthenticated(gql, session.access)
        codes = [e["code"] for e in (await refresh(gql, session.refresh))["errors"]]
        assert codes == ["TOKEN_INVALID"]
    await assert_authenticated_as(gql, someone_else.access, world.other_student.email)
    assert "auth.logout_everywhere" in await audit_actions(state, world.student.id)


async def test_logout_without_a_token_is_unauthenticated(gql: GraphQLClient) -> None:
    for document in (LOGOUT, LOGOUT_EVERYWHERE):
        body = await gql.execute(document)

        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
