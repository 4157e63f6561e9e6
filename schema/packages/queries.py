"""Queries and the live account feed of the packages domain."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry
from strawberry.permission import BasePermission

from resolvers import packages as resolvers
from resolvers.context import Info
from schema.common.connection import AFTER_DESCRIPTION, FIRST_DESCRIPTION, Connection
from schema.common.events import AFTER_EVENT, parse_event_id, resumable
from schema.common.node import parse_global_id
from schema.common.permissions import IsAuthenticated, has_scope
from schema.packages.types import Account, AccountEvent, LessonPackage, PromoCode, change_of
from services.actor import Role, Scope
from services.errors import Forbidden

AUTHENTICATED: list[type[BasePermission]] = [IsAuthenticated]
MANAGERS: list[type[BasePermission]] = [IsAuthenticated, has_scope(Scope.PACKAGES_MANAGE)]


@strawberry.type
class PackageQuery:
    @strawberry.field(
        description="Lesson packages: students see the active ones offered to them; admins "
        "who manage packages see all of their school's (inactive ones with `includeInactive`).",
        permission_classes=AUTHENTICATED,
    )
    async def lesson_packages(
        self,
        info: Info,
        include_inactive: Annotated[
            bool,
            strawberry.argument(description="Admins: include packages taken off sale."),
        ] = False,
    ) -> list[LessonPackage]:
        rows = await resolvers.lesson_packages(info, include_inactive)
        return [LessonPackage(model=r) for r in rows]

    @strawberry.field(
        description="The school's promo codes, newest first (admins who manage packages).",
        permission_classes=MANAGERS,
    )
    async def promo_codes(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=FIRST_DESCRIPTION)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> Connection[PromoCode]:
        page = await resolvers.list_promo_codes(info, first=first, after=after)
        return Connection[PromoCode].from_page(page, lambda m: PromoCode(model=m))

    @strawberry.field(
        description="Your lesson credits, packages and credit statement (students).",
        permission_classes=AUTHENTICATED,
    )
    async def my_account(self, info: Info) -> Account | None:
        actor = info.context.require_actor()
        if actor.role is not Role.STUDENT:
            raise Forbidden("Only students have an account of lesson credits.")
        holder = await resolvers.account_of(info, actor.user_id)
        return Account(holder=holder) if holder else None

    @strawberry.field(
        description="A student's account, read only: admins who manage finances or packages, "
        "and the student's assigned instructors. Null for anyone else.",
        permission_classes=AUTHENTICATED,
    )
    async def student_account(
        self,
        info: Info,
        student_id: Annotated[strawberry.ID, strawberry.argument(description="The student.")],
    ) -> Account | None:
        parsed = parse_global_id(student_id)
        if parsed is None or parsed[0] != "User":
            return None
        holder = await resolvers.account_of(info, parsed[1])
        return Account(holder=holder) if holder else None


@strawberry.type
class PackageSubscription:
    @strawberry.subscription(
        description="Told live when your credits or payments change (students), with the "
        "account as it is now. Pass the last `eventId` you saw as `after` to receive what "
        "you missed while disconnected.",
        permission_classes=AUTHENTICATED,
    )
    async def my_account_changed(
        self, info: Info, after: Annotated[str | None, AFTER_EVENT] = None
    ) -> AsyncGenerator[AccountEvent, None]:
        actor = info.context.require_actor()
        if actor.role is not Role.STUDENT:
            raise Forbidden("Only students have an account of lesson credits.")
        async for event_id, entity_type, holder in resumable(
            resolvers.my_account_events(info, parse_event_id(after))
        ):
            yield AccountEvent(
                event_id=str(event_id), type=change_of(entity_type), account=Account(holder=holder)
            )
