"""The audit log: a read-only, newest-first connection."""

from __future__ import annotations

from sqlalchemy import select

from models.events import AuditEntry
from resolvers.context import Info
from resolvers.pagination import Page, paginate
from services import audit
from services.errors import CommonErrorCode as E
from services.validation import clean_text


async def audit_log(
    info: Info, *, first: int, after: str | None, action: str | None, entity_type: str | None
) -> Page[AuditEntry]:
    actor = info.context.require_actor()
    stmt = select(AuditEntry).where(audit.visible_entries(actor))
    # Text PostgreSQL cannot hold (NUL) or no entry can match is refused by name.
    action = clean_text(action, E.INVALID, "action", max_length=60)
    entity_type = clean_text(entity_type, E.INVALID, "entityType", max_length=40)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if entity_type:
        stmt = stmt.where(AuditEntry.entity_type == entity_type)
    async with info.context.state.db.session() as session:
        return await paginate(
            session,
            stmt,
            sort=AuditEntry.id,
            id_column=AuditEntry.id,
            first=first,
            after=after,
            max_page_size=info.context.state.max_page_size,
            descending=True,
        )
