"""Snapshots of database rows, to prove that a refused request changed nothing."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Table, text

from models import Base
from resolvers.context import AppState

_SCHOOL_USERS = "(SELECT id FROM users WHERE school_id = :school)"
_SCHOOL_SESSIONS = f"(SELECT id FROM auth_sessions WHERE user_id IN {_SCHOOL_USERS})"  # noqa: S608


def _school_filter(table: Table) -> str | None:
    """Rows of ``table`` that belong to the school or point at one of its users or sessions
    (so a row another school wrongly attached to them counts too)."""
    conditions = []
    if table.name == "schools":
        conditions.append("id = :school")
    for column in table.c:
        targets = {fk.column.table.name for fk in column.foreign_keys}
        if column.name == "school_id":
            conditions.append("school_id = :school")
        elif "users" in targets:
            conditions.append(f'"{column.name}" IN {_SCHOOL_USERS}')
        elif "auth_sessions" in targets:
            conditions.append(f'"{column.name}" IN {_SCHOOL_SESSIONS}')
    return " OR ".join(conditions) or None


async def _rows(
    state: AppState, table: Table, where: str | None, params: dict[str, Any]
) -> list[str]:
    sql = f'SELECT to_jsonb(t)::text FROM "{table.name}" t'  # noqa: S608 - table names from metadata
    if where:
        sql += f" WHERE {where}"
    async with state.db.session() as session:
        return sorted((await session.scalars(text(sql), params)).all())


async def school_rows(state: AppState, school_id: uuid.UUID) -> dict[str, list[str]]:
    """Every row that belongs to one school, table by table."""
    snapshot: dict[str, list[str]] = {}
    for table in Base.metadata.sorted_tables:
        where = _school_filter(table)
        if where is not None:
            snapshot[table.name] = await _rows(state, table, where, {"school": school_id})
    return snapshot


async def all_rows(state: AppState, *, ignore: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """Every row of every table (minus ``ignore``)."""
    return {
        table.name: await _rows(state, table, None, {})
        for table in Base.metadata.sorted_tables
        if table.name not in ignore
    }
