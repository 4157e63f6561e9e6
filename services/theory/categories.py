"""The topic rows: created on first use from the 14 fixed topics, renamed only by the shared bank."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from models.theory import TheoryCategory
from services.theory.bankfile import BankCategory
from services.theory.topics import TOPICS


async def ensure_topics(
    session: AsyncSession, overrides: list[BankCategory] | None = None
) -> dict[str, uuid.UUID]:
    """Make sure the 14 topics exist (``overrides`` rename, reorder or retire them);
    returns topic code → id. Idempotent and safe under concurrency (ON CONFLICT)."""
    defaults = [
        {"code": t.code, "name": t.name, "display_order": t.order, "description": None}
        for t in TOPICS
    ]
    await session.execute(
        insert(TheoryCategory).values(defaults).on_conflict_do_nothing(index_elements=["code"])
    )
    if overrides:
        stmt = insert(TheoryCategory).values(
            [
                {
                    "code": c.code,
                    "name": c.name.strip(),
                    "display_order": c.order,
                    "description": (c.description or "").strip() or None,
                    "active": c.active,
                }
                for c in overrides
            ]
        )
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=["code"],
                set_={
                    "name": stmt.excluded.name,
                    "display_order": stmt.excluded.display_order,
                    "description": stmt.excluded.description,
                    "active": stmt.excluded.active,
                },
            )
        )
    rows = await session.execute(select(TheoryCategory.code, TheoryCategory.id))
    return dict(rows.all())
