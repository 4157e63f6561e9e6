"""An unexpected exception in a resolver reaches the client only as "Unexpected error."
and is logged, with its traceback, on the server."""

from __future__ import annotations

import logging
from typing import Any, NoReturn

import pytest

import services.schools
from tests.http.helpers import GRAPHQL_RESPONSE, JSON, post_raw
from tests.support import GraphQLClient

PLATFORM_SETTINGS = "query Settings { platformSettings { key } }"
SECRET = "secret detail: postgres://admin:hunter2@db"


async def explode(*_args: Any, **_kwargs: Any) -> NoReturn:
    raise RuntimeError(SECRET)


@pytest.fixture
def broken_service(monkeypatch: pytest.MonkeyPatch) -> None:
    """Inject a fault into the service that `platformSettings` calls."""
    monkeypatch.setattr(services.schools, "list_platform_settings", explode)


@pytest.mark.no_database
@pytest.mark.usefixtures("broken_service")
@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE, JSON])
async def test_an_unexpected_error_is_masked_for_the_client(
    gql: GraphQLClient, accept: str
) -> None:
    # when a query hits a resolver whose service fails unexpectedly
    response = await post_raw(gql.http, {"query": PLATFORM_SETTINGS}, accept=accept)

    # then the client sees a generic, typed error and nothing of the exception; it is a
    # field error (execution ran), so 200 with `data` null, not a request error
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    [error] = body["errors"]
    assert error["message"] == "Unexpected error."
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}
    assert error["path"] == ["platformSettings"]
    for leak in ("secret", "hunter2", "RuntimeError", "Traceback", "services/schools.py"):
        assert leak not in response.text


@pytest.mark.no_database
@pytest.mark.usefixtures("broken_service")
async def test_an_unexpected_error_is_logged_with_its_traceback(
    gql: GraphQLClient, caplog: pytest.LogCaptureFixture
) -> None:
    # when a query hits a resolver whose service fails unexpectedly
    with caplog.at_level(logging.ERROR, logger="clutch.graphql"):
        await gql.post(PLATFORM_SETTINGS)

    # then the server log has the real exception, its traceback and where it happened
    records = [r for r in caplog.records if r.name == "clutch.graphql"]
    assert len(records) == 1, caplog.text
    record = records[0]
    assert record.levelno == logging.ERROR
    assert "platformSettings" in record.getMessage()
    assert record.exc_info is not None
    exc_type, exc, traceback = record.exc_info
    assert exc_type is RuntimeError
    assert str(exc) == SECRET
    assert traceback is not None
    assert "explode" in caplog.text  # the formatted traceback names the failing frame


@pytest.mark.no_database
async def test_without_the_fault_the_same_query_succeeds(gql: GraphQLClient) -> None:
    # the fault injection above is what failed, not the query
    data = await gql.data(PLATFORM_SETTINGS)

    assert isinstance(data["platformSettings"], list)
