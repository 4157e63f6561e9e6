"""Alembic environment (async). The URL comes from `sqlalchemy.url` when the caller
set one (Clutch's own migrate command does), else from DATABASE_URL, else the
embedded PostgreSQL under CLUTCH_DATA_DIR is started for the duration."""

from __future__ import annotations

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

import models
from app.database import asyncpg_url

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = models.Base.metadata


def _include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    # Tables owned by libraries (procrastinate's queue) are not ours to diff.
    return not (type_ == "table" and name is not None and name.startswith("procrastinate"))


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        include_object=_include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str) -> None:
    engine = create_async_engine(asyncpg_url(url))
    async with engine.connect() as connection:
        await connection.run_sync(_configure)
    await engine.dispose()


async def _resolve_url_and_run() -> None:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        await _run_async(url)
        return
    from app.settings import load_settings

    settings = load_settings()
    if settings.database_url:
        await _run_async(settings.database_url)
        return
    from app.embedded_db import start_embedded_postgres

    pg = await start_embedded_postgres(settings.data_dir)
    await _run_async(pg.url)


if context.is_offline_mode():
    raise SystemExit("Clutch migrations run online only: they need a PostgreSQL connection.")
asyncio.run(_resolve_url_and_run())
