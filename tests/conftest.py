"""Test fixtures: one real PostgreSQL (embedded, or a fresh database on DATABASE_URL's
server) migrated with Alembic, one real Clutch server on a free port, and a clean
database for every test."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import tempfile
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest
import uvicorn
from sqlalchemy import text
from starlette.applications import Starlette

from app.asgi import create_app
from app.database import plain_url
from app.settings import Settings
from models import Base
from resolvers.context import AppState
from tests.support import Factory, GraphQLClient, SchoolWorld, build_school_world

TEST_SETTINGS: dict[str, Any] = {
    "env": "test",
    "argon2_time_cost": 1,
    "argon2_memory_kib": 1024,
    "argon2_parallelism": 1,
    "requests_per_minute": 100_000,
    "secret_key": "test-secret-key-that-is-long-enough-for-hs256",
    "log_level": "WARNING",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
async def database_url() -> AsyncIterator[str]:
    """A fresh, empty database for this test session."""
    configured = os.environ.get("DATABASE_URL")
    if configured:
        server_url = plain_url(configured)
        name = f"clutch_test_{uuid.uuid4().hex[:8]}"
        admin = await asyncpg.connect(server_url)
        await admin.execute(f'CREATE DATABASE "{name}"')
        await admin.close()
        parts = urlsplit(server_url)
        yield urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))
        admin = await asyncpg.connect(server_url)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
        return
    from app.embedded_db import start_embedded_postgres

    # Not under pytest's basetemp: when run as root the cluster runs as another user, and
    # every pytest start resets basetemp to owner-only, which would lock out a cluster
    # another concurrent run is using.
    data_dir = Path(tempfile.mkdtemp(prefix="clutch-test-"))
    embedded = await start_embedded_postgres(data_dir, database="clutch_test")
    yield embedded.url_for("clutch_test")
    await asyncio.to_thread(embedded.stop)
    shutil.rmtree(data_dir, ignore_errors=True)


def make_settings(database_url: str, data_dir: Path, **overrides: Any) -> Settings:
    return Settings(database_url=database_url, data_dir=data_dir, **{**TEST_SETTINGS, **overrides})


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return make_settings(database_url, tmp_path_factory.mktemp("clutch-settings"))


@dataclass
class RunningServer:
    app: Starlette
    base_url: str
    ws_url: str
    server: uvicorn.Server
    task: asyncio.Task[None]

    @property
    def state(self) -> AppState:
        return self.app.state.runtime.state  # type: ignore[no-any-return]

    async def stop(self) -> None:
        self.server.should_exit = True
        await asyncio.wait_for(self.task, 20)


async def start_server(settings: Settings) -> RunningServer:
    """Serve Clutch with uvicorn on a free port, as `clutch serve` does."""
    app = create_app(settings)
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", ws="websockets-sansio"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(600):
        if server.started:
            break
        if task.done():
            task.result()
        await asyncio.sleep(0.05)
    else:
        raise RuntimeError("Clutch did not start")
    return RunningServer(
        app, f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}/graphql", server, task
    )


@pytest.fixture(scope="session")
async def server(settings: Settings) -> AsyncIterator[RunningServer]:
    running = await start_server(settings)
    yield running
    await running.stop()


@pytest.fixture(scope="session")
def state(server: RunningServer) -> AppState:
    return server.state


@pytest.fixture(autouse=True)
async def clean_database(request: pytest.FixtureRequest) -> None:
    """Every test starts from empty tables (identities keep counting, so event ids only grow)."""
    if "no_database" in request.keywords:
        return
    state: AppState = request.getfixturevalue("state")
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    async with state.db.transaction() as session:
        await session.execute(text(f"TRUNCATE {tables} CASCADE"))


@pytest.fixture
async def http(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
        yield client


@pytest.fixture
def gql(http: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(http)


@pytest.fixture
def factory(state: AppState) -> Factory:
    return Factory(state)


@pytest.fixture
async def world(factory: Factory) -> SchoolWorld:
    return await build_school_world(factory)


@pytest.fixture
async def other_world(factory: Factory) -> SchoolWorld:
    return await build_school_world(factory)
