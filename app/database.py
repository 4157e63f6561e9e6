"""The SQLAlchemy engine, sessions, and the per-operation SQL statement counter.

Session rule: an ``AsyncSession`` is never shared between tasks. graphql-core
resolves sibling fields concurrently and aiodataloader dispatches batches as
separate tasks, so every unit of work (a mutation, a root query, one loader
batch) opens its own short session from ``Database.session``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


@dataclass
class StatementCounter:
    """Counts SQL statements run on behalf of one GraphQL operation."""

    count: int = 0
    statements: list[str] = field(default_factory=list)


_current_counter: ContextVar[StatementCounter | None] = ContextVar("sql_counter", default=None)


def start_counting() -> StatementCounter:
    """Start a counter shared by this task and every task it spawns from here on."""
    counter = StatementCounter()
    _current_counter.set(counter)
    return counter


def _count_statement(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
    counter = _current_counter.get()
    if counter is not None:
        counter.count += 1
        counter.statements.append(statement)


def asyncpg_url(url: str) -> str:
    """Normalise any postgres URL to the SQLAlchemy asyncpg dialect."""
    parts = urlsplit(url)
    return urlunsplit(("postgresql+asyncpg", *parts[1:]))


def plain_url(url: str) -> str:
    """The libpq-style URL asyncpg and broadcaster expect."""
    parts = urlsplit(url)
    return urlunsplit(("postgresql", *parts[1:]))


class Database:
    """Owns the engine and hands out short-lived sessions."""

    def __init__(self, url: str, *, pool_size: int = 10, max_overflow: int = 20) -> None:
        self.url = plain_url(url)
        self.engine: AsyncEngine = create_async_engine(
            asyncpg_url(url),
            pool_size=pool_size,
            max_overflow=max_overflow,
            # Recycling instead of pre-ping: a ping would add a round trip to every
            # checkout, and every loader batch checks a connection out.
            pool_recycle=1800,
        )
        event.listen(self.engine.sync_engine, "before_cursor_execute", _count_statement)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # Reads run in autocommit: no BEGIN/ROLLBACK round trips around each loader batch.
        self._reads = async_sessionmaker(
            self.engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False
        )

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A read session (autocommit: each statement sees the latest committed data)."""
        async with self._reads() as session:
            yield session

    @asynccontextmanager
    async def writer(self) -> AsyncIterator[AsyncSession]:
        """A session for a unit of work; the caller begins and ends its transaction."""
        async with self._sessions() as session:
            yield session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction, committed on success, rolled back on error."""
        async with self._sessions() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
