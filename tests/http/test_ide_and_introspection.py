"""GraphiQL for browsers, and what `graphql_ide=False` / `introspection=False` switch off."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from graphql import get_introspection_query

from tests.conftest import RunningServer
from tests.http.helpers import JSON, error_codes, extra_server, get_raw, media_type, post_raw

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
TYPENAME = "{ __typename }"
SCHEMA_NAME = "{ __schema { queryType { name } } }"
TYPE_BY_NAME = '{ __type(name: "User") { name } }'

pytestmark = pytest.mark.no_database


@pytest.fixture(scope="module")
async def locked_down(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[RunningServer]:
    data_dir = tmp_path_factory.mktemp("locked-down")
    async with extra_server(
        database_url, data_dir, graphql_ide=False, introspection=False
    ) as running:
        yield running


@pytest.fixture
async def locked_http(locked_down: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=locked_down.base_url, timeout=30) as client:
        yield client


async def test_a_browser_gets_graphiql(http: httpx.AsyncClient) -> None:
    # when a browser opens /graphql
    response = await get_raw(http, {}, accept=BROWSER_ACCEPT)

    # then it gets the GraphiQL page, which authenticates subscriptions with the saved header
    assert response.status_code == 200
    assert media_type(response) == "text/html"
    assert "graphiql" in response.text.lower()
    assert "wsConnectionParams" in response.text


async def test_a_browser_get_with_a_query_runs_it(http: httpx.AsyncClient) -> None:
    # a browser's Accept header still allows JSON (*/*), so a query in the URL runs
    response = await get_raw(http, {"query": TYPENAME}, accept=BROWSER_ACCEPT)

    assert response.status_code == 200
    assert media_type(response) == JSON
    assert response.json()["data"] == {"__typename": "Query"}


async def test_the_root_redirects_to_graphql(http: httpx.AsyncClient) -> None:
    response = await http.get("/", headers={"accept": BROWSER_ACCEPT})

    assert response.status_code in (302, 307)
    assert response.headers["location"].endswith("/graphql")


async def test_no_ide_when_it_is_switched_off(locked_http: httpx.AsyncClient) -> None:
    # when a browser opens /graphql on a server without the IDE
    response = await get_raw(locked_http, {}, accept=BROWSER_ACCEPT)

    # then there is no page, and no hint of one
    assert response.status_code == 404
    assert "graphiql" not in response.text.lower()
    assert error_codes(response.json()) == ["NOT_FOUND"]


@pytest.mark.parametrize("query", [SCHEMA_NAME, TYPE_BY_NAME, get_introspection_query()])
async def test_introspection_is_refused_when_switched_off(
    locked_http: httpx.AsyncClient, query: str
) -> None:
    # when a client asks for the schema
    response = await post_raw(locked_http, {"query": query})

    # then validation refuses it before it runs
    assert response.status_code == 400
    body = response.json()
    assert "data" not in body
    assert "introspection" in body["errors"][0]["message"].lower()


async def test_typename_still_works_without_introspection(
    locked_http: httpx.AsyncClient,
) -> None:
    response = await post_raw(locked_http, {"query": TYPENAME})

    assert response.status_code == 200
    assert response.json()["data"] == {"__typename": "Query"}


async def test_introspection_works_by_default(http: httpx.AsyncClient) -> None:
    response = await post_raw(http, {"query": SCHEMA_NAME})

    assert response.status_code == 200
    assert response.json()["data"] == {"__schema": {"queryType": {"name": "Query"}}}
