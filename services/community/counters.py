"""Counters that stay equal to the rows they count.

Every change to a counted row (a like, a visible reply, a day's view) updates its
counter in the same transaction with an atomic ``UPDATE … SET n = n + d``: PostgreSQL
applies concurrent increments one after another on the row, so none is lost. The
ORM object in hand gets the new values without being marked changed (a later flush
must never write an absolute value computed from a stale read).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from services.uow import UnitOfWork


async def bump(uow: UnitOfWork, row: Any, **deltas: int) -> None:
    """Add ``deltas`` (column name → amount) to ``row``'s counters, atomically."""
    deltas = {name: delta for name, delta in deltas.items() if delta}
    if not deltas:
        return
    table = type(row).__table__
    result = await uow.session.execute(
        update(table)
        .where(table.c.id == row.id)
        .values({name: table.c[name] + delta for name, delta in deltas.items()})
        .returning(*(table.c[name] for name in deltas))
    )
    values = result.one()
    for name, value in zip(deltas, values, strict=True):
        set_committed_value(row, name, value)
