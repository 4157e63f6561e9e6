"""Helpers for the GraphQL-over-HTTP tests: raw requests with chosen headers, and a
second Clutch server with different settings."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from resolvers.context import AppState
from tests.conftest import RunningServer, make_settings, start_server

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


async def post_raw(
    http: httpx.AsyncClient,
    body: Any,
    *,
    accept: str | None = GRAPHQL_RESPONSE,
    content_type: str | None = JSON,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """POST /graphql with exactly the given Accept and Content-Type (None: header omitted).
    A str or bytes body is sent as is; anything else is JSON-encoded."""
    content = body if isinstance(body, str | bytes) else json.dumps(body)
    request = http.build_request("POST", "/graphql", content=content)
    for name, value in (headers or {}).items():
        request.headers[name] = value  # a str is sent UTF-8 encoded, non-ASCII included
    if accept is not None:
        request.headers["accept"] = accept
    if content_type is not None:
        request.headers["content-type"] = content_type
    if accept is None:
        del request.headers["accept"]  # httpx adds `Accept: */*` by default
    if content_type is None and "content-type" in request.headers:
        del request.headers["content-type"]
    return await http.send(request)


async def get_raw(
    http: httpx.AsyncClient, params: dict[str, str], *, accept: str | None = GRAPHQL_RESPONSE
) -> httpx.Response:
    request = http.build_request("GET", "/graphql", params=params)
    if accept is None:
        del request.headers["accept"]
    else:
        request.headers["accept"] = accept
    return await http.send(request)


def media_type(response: httpx.Response) -> str:
    return response.headers["content-type"].split(";")[0].strip()


def error_codes(body: dict[str, Any]) -> list[str | None]:
    return [error.get("extensions", {}).get("code") for error in body["errors"]]


async def count_rows(state: AppState, model: type[Any]) -> int:
    async with state.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


@asynccontextmanager
async def extra_server(
    database_url: str, data_dir: Path, **overrides: Any
) -> AsyncIterator[RunningServer]:
    """A second Clutch server on the test database, for settings the shared one lacks."""
    running = await start_server(make_settings(database_url, data_dir, **overrides))
    try:
        yield running
    finally:
        await running.stop()
