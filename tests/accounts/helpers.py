"""Helpers shared by the account tests: full logins, raw database reads, 401 checks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from resolvers.context import AppState
from tests.support import PASSWORD, GraphQLClient

LOGIN = """
mutation Login($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) {
    tokens { accessToken refreshToken accessTokenExpiresAt user { id email } }
    errors { code message field }
  }
}
"""

REFRESH = """
mutation Refresh($token: String!) {
  refreshToken(input: {refreshToken: $token}) {
    tokens { accessToken refreshToken user { email } }
    errors { code message field }
  }
}
"""

ME = "query Me { me { id email status } }"


@dataclass(frozen=True)
class Tokens:
    access: str
    refresh: str


async def login_tokens(gql: GraphQLClient, email: str, password: str = PASSWORD) -> Tokens:
    """Log in over HTTP and return both tokens of the new session."""
    data = await gql.data(LOGIN, {"email": email, "password": password})
    assert data["login"]["errors"] == [], data
    tokens = data["login"]["tokens"]
    return Tokens(tokens["accessToken"], tokens["refreshToken"])


async def login_errors(gql: GraphQLClient, email: str, password: str) -> list[dict[str, Any]]:
    """The typed errors of a login attempt (asserting it issued no tokens)."""
    data = await gql.data(LOGIN, {"email": email, "password": password})
    assert data["login"]["tokens"] is None, data
    return data["login"]["errors"]  # type: ignore[no-any-return]


async def refresh(gql: GraphQLClient, token: str) -> dict[str, Any]:
    """The `refreshToken` payload for ``token``."""
    return (await gql.data(REFRESH, {"token": token}))["refreshToken"]  # type: ignore[no-any-return]


async def assert_unauthenticated(gql: GraphQLClient, token: str) -> None:
    """The token is refused at the door: HTTP 401 with extensions.code UNAUTHENTICATED."""
    response = await gql.post(ME, token=token)
    assert response.status_code == 401, response.text
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def assert_authenticated_as(gql: GraphQLClient, token: str, email: str) -> None:
    data = await gql.data(ME, token=token)
    assert data["me"] is not None, data
    assert data["me"]["email"] == email


async def db_scalar(state: AppState, sql: str, **params: Any) -> Any:
    async with state.db.session() as session:
        return await session.scalar(text(sql), params)


async def db_rows(state: AppState, sql: str, **params: Any) -> list[Any]:
    async with state.db.session() as session:
        return list((await session.execute(text(sql), params)).all())


async def db_execute(state: AppState, sql: str, **params: Any) -> None:
    async with state.db.transaction() as session:
        await session.execute(text(sql), params)


async def audit_actions(state: AppState, entity_id: object) -> list[str]:
    """The audit log actions recorded against one entity, oldest first."""
    rows = await db_rows(
        state,
        "SELECT action FROM audit_log WHERE entity_id = :id ORDER BY id",
        id=str(entity_id),
    )
    return [row.action for row in rows]
