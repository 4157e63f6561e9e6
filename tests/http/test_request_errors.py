"""Malformed and refused requests: each gets a clear typed error and the right status,
never a 500 and never a `data` entry."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from app.settings import Settings
from models.accounts import AuthSession, LoginAttempt
from resolvers.context import AppState
from tests.conftest import RunningServer
from tests.http.helpers import (
    GRAPHQL_RESPONSE,
    JSON,
    count_rows,
    error_codes,
    get_raw,
    media_type,
    post_raw,
)
from tests.support import PASSWORD, Factory, GraphQLClient, SchoolWorld, WSClient

TYPENAME = "{ __typename }"
SYNTAX_ERROR = "{ __typename"
UNKNOWN_FIELD = "{ noSuchField }"
NODE_BY_VARIABLE = "query Node($id: ID!) { node(id: $id) { id } }"
SCHOOL_BY_SLUG = "query School($slug: String!) { schoolBySlug(slug: $slug) { name slug } }"
UPDATE_ASSIGNMENT_DATE = """
mutation Update($startsOn: Date) {
  updateAssignment(input: {assignmentId: "x", startsOn: $startsOn}) { errors { message } }
}
"""
LOGIN = """
mutation Login($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) { tokens { accessToken } errors { code } }
}
"""
SUBSCRIPTION = "subscription { myAssignmentsChanged { eventId } }"
TWO_OPERATIONS = "query A { __typename } query B { __typename }"
TWO_SUBSCRIPTIONS = """
subscription A { myAssignmentsChanged { eventId } }
subscription B { myAssignmentsChanged { change } }
"""


def assert_request_error(response: httpx.Response, status: int, code: str | None = None) -> Any:
    assert response.status_code == status, response.text
    body = response.json()
    assert "data" not in body, body
    assert body["errors"], body
    if code is not None:
        assert error_codes(body) == [code], body
    return body


# ---- GraphQL request errors: 400 for graphql-response+json, 200 for legacy JSON --------


def assert_typename(body: dict[str, Any]) -> None:
    assert "errors" not in body, body
    assert body["data"] == {"__typename": "Query"}


@pytest.mark.no_database
@pytest.mark.parametrize(("accept", "status"), [(GRAPHQL_RESPONSE, 400), (JSON, 200), (None, 200)])
@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"query": SYNTAX_ERROR}, "Syntax Error"),
        ({"query": UNKNOWN_FIELD}, "noSuchField"),
        ({"query": NODE_BY_VARIABLE, "variables": {"id": None}}, "$id"),
        ({"query": NODE_BY_VARIABLE, "variables": {}}, "$id"),
        ({"query": TWO_OPERATIONS}, "operation"),
        ({"query": TWO_OPERATIONS, "operationName": "C"}, "C"),
    ],
    ids=[
        "parse",
        "validation",
        "null-variable",
        "missing-variable",
        "ambiguous-operation",
        "unknown-operation",
    ],
)
async def test_document_errors_answer_by_media_type_without_data(
    http: httpx.AsyncClient, body: dict[str, Any], message: str, accept: str | None, status: int
) -> None:
    # when the document cannot run as sent
    response = await post_raw(http, body, accept=accept)

    # then it is a request error: 400 for graphql-response+json, 200 for legacy JSON
    result = assert_request_error(response, status)
    assert message in result["errors"][0]["message"]


@pytest.mark.no_database
async def test_a_bad_scalar_variable_is_reported_as_the_clients_mistake(
    http: httpx.AsyncClient,
) -> None:
    # when a Date variable is not a date
    response = await post_raw(
        http, {"query": UPDATE_ASSIGNMENT_DATE, "variables": {"startsOn": "2024-13-45"}}
    )

    # then the error names the variable and the problem, not an internal error
    body = assert_request_error(response, 400)
    message = body["errors"][0]["message"]
    assert "$startsOn" in message
    assert "Date" in message
    assert body["errors"][0].get("extensions", {}).get("code") != "INTERNAL_SERVER_ERROR"


# ---- Requests that are not well-formed: 400 whatever the media type -------------------


@pytest.mark.no_database
@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE, JSON, None])
@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('{ "not a JSON', "not valid JSON"),
        (b"\xff\xfe{}", "not valid JSON"),
        ("", "empty"),
        ("null", "JSON object"),
        ('"{ __typename }"', "JSON object"),
        ({"qeury": TYPENAME}, "`query`"),
        ({"query": ""}, "`query`"),
        ({"query": {"obj": "ect"}}, "`query`"),
        ({"query": 0}, "`query`"),
        ({"query": False}, "`query`"),
        ({"query": ["array"]}, "`query`"),
        ({"query": TYPENAME, "operationName": {"obj": "ect"}}, "`operationName`"),
        ({"query": TYPENAME, "operationName": 0}, "`operationName`"),
        ({"query": TYPENAME, "operationName": ["A"]}, "`operationName`"),
        ({"query": TYPENAME, "variables": "string"}, "`variables`"),
        ({"query": TYPENAME, "variables": 0}, "`variables`"),
        ({"query": TYPENAME, "variables": False}, "`variables`"),
        ({"query": TYPENAME, "variables": ["array"]}, "`variables`"),
        ({"query": TYPENAME, "extensions": "string"}, "`extensions`"),
        ({"query": TYPENAME, "extensions": 0}, "`extensions`"),
        ({"query": TYPENAME, "extensions": ["array"]}, "`extensions`"),
    ],
)
async def test_malformed_requests_are_400_for_every_media_type(
    http: httpx.AsyncClient, body: Any, message: str, accept: str | None
) -> None:
    # when the request body or its parameters are malformed
    response = await post_raw(http, body, accept=accept)

    # then it is refused with 400 and says what is wrong
    result = assert_request_error(response, 400, "BAD_REQUEST")
    assert message in result["errors"][0]["message"]


@pytest.mark.no_database
@pytest.mark.parametrize("parameter", ["variables", "operationName", "extensions"])
async def test_null_parameters_are_allowed(http: httpx.AsyncClient, parameter: str) -> None:
    # when an optional parameter is explicitly null
    response = await post_raw(http, {"query": TYPENAME, parameter: None})

    # then the query runs
    assert response.status_code == 200
    assert_typename(response.json())


@pytest.mark.no_database
async def test_operation_name_and_extensions_are_honoured(http: httpx.AsyncClient) -> None:
    # when a document with two operations names the one to run, with extensions
    response = await post_raw(
        http,
        {
            "query": "query A { a: __typename } query B { b: __typename }",
            "operationName": "B",
            "extensions": {"client": "test"},
        },
    )

    # then that operation runs
    assert response.status_code == 200
    assert response.json()["data"] == {"b": "Query"}


@pytest.mark.no_database
async def test_batched_requests_are_refused(http: httpx.AsyncClient) -> None:
    # when a JSON array of operations is posted
    response = await post_raw(http, [{"query": TYPENAME}, {"query": TYPENAME}])

    # then batching is refused
    body = assert_request_error(response, 400, "BAD_REQUEST")
    assert "Batched" in body["errors"][0]["message"]


# ---- GET ------------------------------------------------------------------------------


async def test_get_runs_a_query_with_url_encoded_variables(
    http: httpx.AsyncClient, factory: Factory
) -> None:
    # given a school with a slug that needs URL encoding in JSON
    school = await factory.school(slug="get-test-school")

    # when it is looked up over GET with JSON variables in the query string
    response = await get_raw(
        http,
        {
            "query": SCHOOL_BY_SLUG,
            "variables": json.dumps({"slug": school.slug}),
            "operationName": "School",
        },
    )

    # then the query runs with those variables
    assert response.status_code == 200, response.text
    assert response.json()["data"]["schoolBySlug"]["slug"] == "get-test-school"


@pytest.mark.no_database
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"query": SCHOOL_BY_SLUG, "variables": "{not json"}, "not valid JSON"),
        ({"query": SCHOOL_BY_SLUG, "variables": "[1]"}, "`variables`"),
        ({"query": TYPENAME, "extensions": "{bad"}, "not valid JSON"),
        ({"variables": "{}"}, "`query`"),
    ],
)
async def test_get_with_malformed_parameters_is_400(
    http: httpx.AsyncClient, params: dict[str, str], message: str
) -> None:
    response = await get_raw(http, params, accept=JSON)

    result = assert_request_error(response, 400, "BAD_REQUEST")
    assert message in result["errors"][0]["message"]


async def test_a_mutation_over_get_is_405_and_changes_nothing(
    http: httpx.AsyncClient, state: AppState, world: SchoolWorld
) -> None:
    # given valid credentials
    variables = json.dumps({"email": world.student.email, "password": PASSWORD})

    # when the login mutation is sent over GET
    response = await get_raw(http, {"query": LOGIN, "variables": variables})

    # then it is refused, pointing at POST, and no session or attempt was recorded
    body = assert_request_error(response, 405, "METHOD_NOT_ALLOWED")
    assert response.headers["allow"] == "POST"
    assert "POST" in body["errors"][0]["message"]
    assert await count_rows(state, AuthSession) == 0
    assert await count_rows(state, LoginAttempt) == 0


# ---- POST content type and size -------------------------------------------------------


@pytest.mark.no_database
@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/graphql",
        "application/json; charset=iso-8859-1",
        "application/json; charset=utf-16",
    ],
)
async def test_post_needs_utf8_json(http: httpx.AsyncClient, content_type: str | None) -> None:
    # when a query is posted without a UTF-8 JSON content type
    response = await post_raw(http, {"query": TYPENAME}, content_type=content_type)

    # then it is refused as an unsupported media type
    assert_request_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")


@pytest.mark.no_database
@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/json; charset=utf-8", 'Application/JSON; charset="UTF-8"'],
)
async def test_utf8_json_is_accepted(http: httpx.AsyncClient, content_type: str) -> None:
    # when a query with non-ASCII text is posted as UTF-8 JSON
    response = await post_raw(
        http,
        json.dumps({"query": '{ t: __typename, s: schoolBySlug(slug: "café-ünïcode") { name } }'}),
        content_type=content_type,
    )

    # then it runs (the school does not exist, so it is null)
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"t": "Query", "s": None}


@pytest.mark.no_database
async def test_a_body_over_the_limit_is_413(http: httpx.AsyncClient, settings: Settings) -> None:
    # given a body just over the configured limit
    padding = " " * settings.max_body_bytes
    body = json.dumps({"query": "{ __typename }" + padding})

    # when it is posted with its length declared
    response = await post_raw(http, body)

    # then it is refused before it is read
    result = assert_request_error(response, 413, "PAYLOAD_TOO_LARGE")
    assert str(settings.max_body_bytes) in result["errors"][0]["message"]


@pytest.mark.no_database
async def test_a_streamed_body_over_the_limit_is_413(
    http: httpx.AsyncClient, settings: Settings
) -> None:
    # given a body sent in chunks with no declared length
    chunk = b" " * 8192
    chunks = settings.max_body_bytes // len(chunk) + 2

    async def stream() -> Any:
        yield b'{"query": "{ __typename }'
        for _ in range(chunks):
            yield chunk
        yield b'"}'

    # when it is posted
    request = http.build_request(
        "POST",
        "/graphql",
        content=stream(),
        headers={"content-type": JSON, "accept": GRAPHQL_RESPONSE},
    )
    assert "content-length" not in request.headers
    response = await http.send(request)

    # then the server stops reading at the limit and refuses it
    assert_request_error(response, 413, "PAYLOAD_TOO_LARGE")


@pytest.mark.no_database
async def test_a_body_under_the_limit_is_read(http: httpx.AsyncClient, settings: Settings) -> None:
    padding = " " * (settings.max_body_bytes - 100)

    response = await post_raw(http, json.dumps({"query": "{ __typename }" + padding}))

    assert response.status_code == 200
    assert_typename(response.json())


# ---- Methods and transports -----------------------------------------------------------


@pytest.mark.no_database
@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"])
async def test_other_methods_are_405_with_allow(http: httpx.AsyncClient, method: str) -> None:
    # when /graphql is called with a method it does not serve
    response = await http.request(
        method,
        "/graphql",
        content=json.dumps({"query": TYPENAME}),
        headers={"content-type": JSON, "accept": GRAPHQL_RESPONSE},
    )

    # then it says which methods it does serve
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    if method != "HEAD":
        assert error_codes(response.json()) == ["METHOD_NOT_ALLOWED"]


@pytest.mark.no_database
@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE, JSON])
async def test_a_subscription_over_http_points_at_websocket(
    http: httpx.AsyncClient, accept: str
) -> None:
    # when a subscription is posted over HTTP
    response = await post_raw(http, {"query": SUBSCRIPTION}, accept=accept)

    # then it is refused with a pointer to the WebSocket transport
    body = assert_request_error(response, 400, "BAD_REQUEST")
    assert "WebSocket" in body["errors"][0]["message"]
    assert "graphql-transport-ws" in body["errors"][0]["message"]
    assert media_type(response) == accept


@pytest.mark.no_database
async def test_a_subscription_over_get_is_refused_too(http: httpx.AsyncClient) -> None:
    response = await get_raw(http, {"query": SUBSCRIPTION})

    body = assert_request_error(response, 400, "BAD_REQUEST")
    assert "WebSocket" in body["errors"][0]["message"]


async def test_a_websocket_document_with_two_operations_needs_a_name(
    gql: GraphQLClient, server: RunningServer, world: SchoolWorld
) -> None:
    # given a student connected over WebSocket
    token = await gql.login(world.student.email)
    client = await WSClient.connect(server.ws_url, {"token": token})
    try:
        # when they subscribe with a document of two operations and no operationName
        op_id = await client.subscribe(TWO_SUBSCRIPTIONS)

        # then the operation is refused with a request error, and the socket stays usable
        message = await client.receive()
        assert message["id"] == op_id
        assert message["type"] == "error"
        assert [e["extensions"]["code"] for e in message["payload"]] == ["OPERATION_NAME_REQUIRED"]
        await client.send({"type": "ping"})
        assert (await client.receive())["type"] == "pong"
    finally:
        await client.close()
