"""The per-client request limit on /graphql: real concurrent requests against a server
allowed five a minute."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import RunningServer
from tests.http.helpers import GRAPHQL_RESPONSE, JSON, error_codes, extra_server

PER_MINUTE = 5
TYPENAME = "{ __typename }"

pytestmark = pytest.mark.no_database


@pytest.fixture
async def limited(database_url: str, tmp_path: Path) -> AsyncIterator[RunningServer]:
    async with extra_server(database_url, tmp_path, requests_per_minute=PER_MINUTE) as running:
        yield running


async def post_typename(client: httpx.AsyncClient) -> httpx.Response:
    return await client.post(
        "/graphql",
        json={"query": TYPENAME},
        headers={"accept": GRAPHQL_RESPONSE},
    )


async def test_requests_beyond_the_limit_get_429_with_retry_after(
    limited: RunningServer,
) -> None:
    async with httpx.AsyncClient(base_url=limited.base_url, timeout=30) as client:
        # when one client sends more requests at once than it may send in a minute
        responses = await asyncio.gather(*(post_typename(client) for _ in range(PER_MINUTE + 3)))

        # then exactly the allowance is served and the rest are told to wait
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200] * PER_MINUTE + [429] * 3
        for refused in (r for r in responses if r.status_code == 429):
            assert 1 <= int(refused.headers["retry-after"]) <= 60 // PER_MINUTE
            assert refused.headers["content-type"].startswith(JSON)
            body = refused.json()
            assert error_codes(body) == ["RATE_LIMITED"]
            assert "data" not in body

        # and the next request is refused too (the bucket does not refill that fast)
        assert (await post_typename(client)).status_code == 429


async def test_other_paths_are_not_limited(limited: RunningServer) -> None:
    async with httpx.AsyncClient(base_url=limited.base_url, timeout=30) as client:
        # given a client that has used up its GraphQL allowance
        for _ in range(PER_MINUTE):
            assert (await post_typename(client)).status_code == 200
        assert (await post_typename(client)).status_code == 429

        # when it checks the health endpoint many times
        health = await asyncio.gather(*(client.get("/healthz") for _ in range(3 * PER_MINUTE)))

        # then every check is answered
        assert [r.status_code for r in health] == [200] * (3 * PER_MINUTE)
        assert health[0].json() == {"status": "ok"}
