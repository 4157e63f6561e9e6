"""A bad Authorization header is 401 UNAUTHENTICATED with WWW-Authenticate, never a 500."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest

from resolvers.context import AppState
from tests.http.helpers import GRAPHQL_RESPONSE, JSON, error_codes, post_raw
from tests.support import GraphQLClient, SchoolWorld

ME = "query Me { me { email } }"
LOGOUT = "mutation Logout { logout { ok } }"


async def assert_unauthenticated(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith("Bearer")
    body = response.json()
    assert "data" not in body
    assert error_codes(body) == ["UNAUTHENTICATED"]


@pytest.mark.no_database
@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE, JSON])
@pytest.mark.parametrize(
    "authorization",
    [
        "Basic x",
        "Basic dXNlcjpwYXNz",
        "Bearer",  # an empty token (HTTP strips trailing spaces)
        'Bearer ""',
        "Bearer x y",
        "bearer garbage",
        "Bearer garbage",
        "Bearer a.b.c",
        "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
        "Token abc",
        "Bearer " + "x" * 4000,
        "Bearer \u00e9\u00e8",
    ],
)
async def test_a_malformed_authorization_header_is_401(
    http: httpx.AsyncClient, authorization: str, accept: str
) -> None:
    # when a request carries an unusable Authorization header
    response = await post_raw(
        http,
        {"query": ME},
        accept=accept,
        headers={"authorization": authorization},
    )

    # then it is refused as unauthenticated rather than served anonymously or crashing
    await assert_unauthenticated(response)


@pytest.mark.no_database
async def test_a_token_signed_with_another_key_is_401(http: httpx.AsyncClient) -> None:
    # given a well-formed token with the right claims but a foreign signature
    now = datetime.now(UTC)
    forged = jwt.encode(
        {
            "sub": str(uuid.uuid4()),
            "sid": str(uuid.uuid4()),
            "iat": int(now.timestamp()),
            "nbf": int(now.timestamp()),
            "exp": int((now + timedelta(minutes=5)).timestamp()),
            "iss": "clutch",
            "aud": "clutch-api",
        },
        "not-the-server-key-but-long-enough-for-hs256",
        algorithm="HS256",
    )

    response = await post_raw(http, {"query": ME}, headers={"authorization": f"Bearer {forged}"})

    await assert_unauthenticated(response)


@pytest.mark.no_database
async def test_an_expired_token_is_401(http: httpx.AsyncClient, state: AppState) -> None:
    # given a token the server itself issued, but an hour ago
    token, _ = state.deps.tokens.issue(
        uuid.uuid4(), uuid.uuid4(), now=datetime.now(UTC) - timedelta(hours=1)
    )

    response = await post_raw(http, {"query": ME}, headers={"authorization": f"Bearer {token}"})

    await assert_unauthenticated(response)


async def test_a_token_of_an_ended_session_is_401(gql: GraphQLClient, world: SchoolWorld) -> None:
    # given a student who logged in and then out
    token = await gql.login(world.student.email)
    assert (await gql.data(ME, token=token))["me"]["email"] == world.student.email
    assert (await gql.data(LOGOUT, token=token))["logout"]["ok"] is True

    # when the old access token is used again
    response = await gql.post(ME, token=token)

    # then it no longer works
    await assert_unauthenticated(response)


@pytest.mark.no_database
async def test_no_authorization_header_is_anonymous(http: httpx.AsyncClient) -> None:
    response = await post_raw(http, {"query": ME})

    assert response.status_code == 200
    assert response.json()["data"] == {"me": None}
