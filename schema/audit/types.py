"""Audit log entries as admins see them."""

from __future__ import annotations

from datetime import datetime
from typing import cast

import strawberry
from strawberry.scalars import JSON

from models.events import AuditEntry as AuditEntryModel
from resolvers.accounts import UserByIdLoader
from resolvers.context import Info
from schema.accounts.types import User, user_or_none


@strawberry.type(description="Who did what, when: security- and money-relevant changes.")
class AuditEntry:
    model: strawberry.Private[AuditEntryModel]

    @strawberry.field(description="What happened, e.g. `user.suspended`, `assignment.created`.")
    def action(self) -> str:
        return self.model.action

    @strawberry.field(description="The kind of thing it happened to, e.g. `User`.")
    def entity_type(self) -> str:
        return self.model.entity_type

    @strawberry.field(description="The internal id of the thing it happened to.")
    def entity_id(self) -> str | None:
        return self.model.entity_id

    @strawberry.field(description="Who did it; null for the system or a logged-out caller.")
    async def actor(self, info: Info) -> User | None:
        if self.model.actor_id is None:
            return None
        return user_or_none(await info.context.loaders[UserByIdLoader].load(self.model.actor_id))

    @strawberry.field(description="The relevant state before the change.")
    def before(self) -> JSON | None:
        return cast(JSON, self.model.before)

    @strawberry.field(description="The relevant state after the change.")
    def after(self) -> JSON | None:
        return cast(JSON, self.model.after)

    @strawberry.field(description="The client address the change came from.")
    def client_address(self) -> str | None:
        return self.model.client_address

    @strawberry.field(description="When it happened.")
    def created_at(self) -> datetime:
        return self.model.created_at
