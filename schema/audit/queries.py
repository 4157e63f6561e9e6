"""Queries of the audit domain."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers import audit as resolvers
from resolvers.context import Info
from schema.audit.types import AuditEntry
from schema.common.connection import AFTER_DESCRIPTION, FIRST_DESCRIPTION, Connection
from schema.common.permissions import IsAuthenticated, has_scope
from services.actor import Scope


@strawberry.type
class AuditQuery:
    @strawberry.field(
        description="The audit log, newest first (school admins: their school; platform admins: all).",
        permission_classes=[IsAuthenticated, has_scope(Scope.AUDIT_READ)],
    )
    async def audit_log(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=FIRST_DESCRIPTION)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
        action: Annotated[
            str | None, strawberry.argument(description="Only this action, e.g. `user.suspended`.")
        ] = None,
        entity_type: Annotated[
            str | None, strawberry.argument(description="Only entries about this kind of thing.")
        ] = None,
    ) -> Connection[AuditEntry]:
        page = await resolvers.audit_log(
            info, first=first, after=after, action=action, entity_type=entity_type
        )
        return Connection[AuditEntry].from_page(page, lambda m: AuditEntry(model=m))
