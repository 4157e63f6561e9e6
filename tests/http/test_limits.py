"""Documents that are too deep, too wide or too long are refused before anything runs;
introspection (what GraphiQL sends) still works under the default limits."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from graphql import get_introspection_query

from app.settings import Settings
from models.accounts import AuthSession, LoginAttempt
from resolvers.context import AppState
from tests.http.helpers import count_rows, error_codes, post_raw
from tests.support import PASSWORD, GraphQLClient, SchoolWorld

GRAPHIQL_INTROSPECTION = get_introspection_query(
    descriptions=True,
    specified_by_url=True,
    directive_is_repeatable=True,
    schema_description=True,
    input_value_deprecation=True,
    one_of=True,
)
DEEP_INTROSPECTION = """
{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }
"""
LOGIN_FIELDS = "tokens { accessToken } errors { code }"
LOGIN_TWICE_BY_ALIAS = f"""
mutation Twice($email: String!, $password: String!) {{
  first: login(input: {{email: $email, password: $password}}) {{ {LOGIN_FIELDS} }}
  second: login(input: {{email: $email, password: $password}}) {{ {LOGIN_FIELDS} }}
}}
"""
LOGIN_IN_TWO_OPERATIONS = f"""
mutation A($email: String!, $password: String!) {{
  login(input: {{email: $email, password: $password}}) {{ {LOGIN_FIELDS} }}
}}
mutation B($email: String!, $password: String!) {{
  login(input: {{email: $email, password: $password}}) {{ {LOGIN_FIELDS} }}
}}
"""


def nested(levels: int) -> str:
    """`me { assignments { student { assignments { instructor { … { id } } } } } }`,
    with `levels` nested object fields."""
    chain = ["me"]
    while len(chain) < levels:
        chain.append("assignments")
        if len(chain) < levels:
            chain.append("student" if len(chain) % 4 == 2 else "instructor")
    selection = "id"
    for field in reversed(chain):
        selection = f"{field} {{ {selection} }}"
    return f"query Nested {{ {selection} }}"


def aliases(count: int) -> str:
    return "{ " + " ".join(f"a{i}: __typename" for i in range(count)) + " }"


def assert_refused_before_running(response: httpx.Response, message: str) -> dict[str, Any]:
    assert response.status_code == 400, response.text
    body = response.json()
    assert "data" not in body, body
    assert message in body["errors"][0]["message"], body
    # Nothing ran, so there is no execution report (and no SQL statement counted).
    assert "extensions" not in body, body
    return body


async def test_a_query_nested_20_deep_is_refused_before_it_runs(
    gql: GraphQLClient, world: SchoolWorld
) -> None:
    # given a logged-in student (so every level would resolve)
    token = await gql.login(world.student.email)

    # when they send a query nested 20 levels deep
    response = await gql.post(nested(20), token=token)

    # then validation refuses it
    assert_refused_before_running(response, "exceeds maximum operation depth")


async def test_a_query_at_the_depth_limit_runs(
    gql: GraphQLClient, world: SchoolWorld, settings: Settings
) -> None:
    # given a logged-in student
    token = await gql.login(world.student.email)

    # when the query is exactly as deep as allowed
    body = await gql.execute(nested(settings.max_query_depth), token=token)

    # then it runs and reports the SQL it used
    assert "errors" not in body, body
    assert body["data"]["me"]["assignments"][0]["student"]["assignments"]
    assert body["extensions"]["sqlStatements"] > 0

    # and one level more is refused
    response = await gql.post(nested(settings.max_query_depth + 1), token=token)
    assert_refused_before_running(response, "exceeds maximum operation depth")


@pytest.mark.no_database
async def test_fifty_aliases_are_refused(http: httpx.AsyncClient) -> None:
    response = await post_raw(http, {"query": aliases(50)})

    assert_refused_before_running(response, "aliases")


@pytest.mark.no_database
async def test_aliases_up_to_the_limit_run(http: httpx.AsyncClient, settings: Settings) -> None:
    response = await post_raw(http, {"query": aliases(settings.max_aliases)})

    assert response.status_code == 200
    assert response.json()["data"] == {f"a{i}": "Query" for i in range(settings.max_aliases)}


@pytest.mark.no_database
async def test_a_document_over_the_token_limit_is_refused(
    http: httpx.AsyncClient, settings: Settings
) -> None:
    # given a small document (well under the body limit) with too many tokens
    document = "{ " + "__typename " * settings.max_tokens + "}"
    assert len(document) < settings.max_body_bytes

    # when it is sent
    response = await post_raw(http, {"query": document})

    # then parsing stops at the limit
    assert_refused_before_running(response, "tokens")


async def test_login_twice_by_alias_is_refused_and_attempts_nothing(
    gql: GraphQLClient, state: AppState, world: SchoolWorld
) -> None:
    # when one document carries two logins (with the right password)
    response = await gql.post(
        LOGIN_TWICE_BY_ALIAS, {"email": world.student.email, "password": PASSWORD}
    )

    # then it is refused as a whole, before any attempt is counted or session made
    body = assert_refused_before_running(response, "`login` may appear only once")
    assert error_codes(body) == ["TOO_MANY_ATTEMPTS"]
    assert await count_rows(state, LoginAttempt) == 0
    assert await count_rows(state, AuthSession) == 0


async def test_login_in_two_operations_of_one_document_is_refused(
    http: httpx.AsyncClient, state: AppState, world: SchoolWorld
) -> None:
    # when a document holds two operations that each log in, naming one to run
    response = await post_raw(
        http,
        {
            "query": LOGIN_IN_TWO_OPERATIONS,
            "operationName": "A",
            "variables": {"email": world.student.email, "password": PASSWORD},
        },
    )

    # then the document is refused: the limit is per document, not per operation
    body = assert_refused_before_running(response, "`login` may appear only once")
    assert error_codes(body) == ["TOO_MANY_ATTEMPTS"]
    assert await count_rows(state, AuthSession) == 0


@pytest.mark.no_database
async def test_graphiqls_introspection_query_runs_under_the_default_limits(
    http: httpx.AsyncClient,
) -> None:
    # when GraphiQL's full introspection query is sent
    response = await post_raw(http, {"query": GRAPHIQL_INTROSPECTION})

    # then it succeeds: introspection is exempt from the depth limit
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    schema = body["data"]["__schema"]
    assert schema["queryType"]["name"] == "Query"
    assert schema["subscriptionType"]["name"] == "Subscription"
    assert any(t["name"] == "Assignment" for t in schema["types"])


@pytest.mark.no_database
async def test_abusively_deep_introspection_is_still_refused(http: httpx.AsyncClient) -> None:
    # when introspection is nested far beyond what any tool needs
    response = await post_raw(http, {"query": DEEP_INTROSPECTION})

    # then graphql-core's introspection depth rule refuses it
    assert_refused_before_running(response, "Maximum introspection depth exceeded")
