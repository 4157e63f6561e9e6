"""Media-type negotiation of /graphql (GraphQL over HTTP: graphql-response+json, legacy JSON)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.http.helpers import GRAPHQL_RESPONSE, JSON, get_raw, media_type, post_raw

# Nothing here writes to the database: skip the per-test clean-up.
pytestmark = pytest.mark.no_database

TYPENAME = "{ __typename }"
UNKNOWN_FIELD = "{ noSuchField }"


def assert_typename(body: dict[str, Any]) -> None:
    assert "errors" not in body, body
    assert body["data"] == {"__typename": "Query"}


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        (JSON, JSON),
        ("*/*", JSON),
        ("application/*", JSON),
        (None, JSON),
        ("", JSON),
        (f"{JSON};q=0.5, {GRAPHQL_RESPONSE}", GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE};q=0.4, {JSON};q=0.9", JSON),
        (f"{GRAPHQL_RESPONSE}, {JSON};q=0.9", GRAPHQL_RESPONSE),
        (f"text/plain, {JSON};q=0.1", JSON),
    ],
)
async def test_the_response_type_follows_the_accept_header(
    http: httpx.AsyncClient, accept: str | None, expected: str
) -> None:
    # given a query, when it is posted with this Accept header
    response = await post_raw(http, {"query": TYPENAME}, accept=accept)

    # then the server answers in the negotiated type, as UTF-8
    assert response.status_code == 200, response.text
    assert media_type(response) == expected
    assert "charset=utf-8" in response.headers["content-type"].lower()
    assert_typename(response.json())


async def test_a_client_accepting_neither_json_type_is_told_406(http: httpx.AsyncClient) -> None:
    # when the client accepts only plain text
    response = await post_raw(http, {"query": TYPENAME}, accept="text/plain")

    # then the server refuses, saying which types it can produce
    assert response.status_code == 406
    body = response.json()
    assert body["errors"][0]["extensions"]["code"] == "NOT_ACCEPTABLE"
    assert GRAPHQL_RESPONSE in body["errors"][0]["message"]
    assert "data" not in body


async def test_get_negotiates_like_post(http: httpx.AsyncClient) -> None:
    for accept, expected in ((GRAPHQL_RESPONSE, GRAPHQL_RESPONSE), (None, JSON), ("*/*", JSON)):
        # when a GET query is sent with this Accept header
        response = await get_raw(http, {"query": TYPENAME}, accept=accept)

        # then it runs and answers in the negotiated type
        assert response.status_code == 200, (accept, response.text)
        assert media_type(response) == expected
        assert_typename(response.json())


@pytest.mark.parametrize(("accept", "status"), [(GRAPHQL_RESPONSE, 400), (JSON, 200), (None, 200)])
async def test_a_request_error_is_4xx_only_for_the_new_media_type(
    http: httpx.AsyncClient, accept: str | None, status: int
) -> None:
    # when a document fails validation
    response = await post_raw(http, {"query": UNKNOWN_FIELD}, accept=accept)

    # then graphql-response+json clients get 400, legacy JSON clients 200; never `data`
    assert response.status_code == status
    body = response.json()
    assert "data" not in body
    assert "noSuchField" in body["errors"][0]["message"]
