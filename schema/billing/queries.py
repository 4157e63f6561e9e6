"""Queries of refunds and invoices."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers import billing as resolvers
from resolvers.context import Info
from schema.billing.inputs import InvoiceFilter
from schema.billing.types import BillingErrorCode, Invoice, Refund
from schema.common.connection import AFTER_DESCRIPTION, FIRST_DESCRIPTION, Connection
from schema.common.node import decode_id, decode_optional_id
from schema.common.permissions import IsAuthenticated, has_scope
from services.actor import Scope

E = BillingErrorCode


@strawberry.type
class BillingQuery:
    @strawberry.field(
        description="Your school's invoices, newest first (admins who manage finances).",
        permission_classes=[IsAuthenticated, has_scope(Scope.FINANCES_MANAGE)],
    )
    async def invoices(
        self,
        info: Info,
        filter: Annotated[
            InvoiceFilter | None, strawberry.argument(description="Which invoices to list.")
        ] = None,
        first: Annotated[int, strawberry.argument(description=FIRST_DESCRIPTION)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> Connection[Invoice]:
        page = await resolvers.list_invoices(
            info,
            first=first,
            after=after,
            student_id=decode_optional_id(
                filter.student_id if filter else None, "User", E.INVALID, "filter.studentId"
            ),
            status=filter.status.value if filter and filter.status else None,
            mine=False,
        )
        return Connection[Invoice].from_page(page, lambda m: Invoice(model=m))

    @strawberry.field(
        description="Your own invoices, newest first (students; drafts are not shown).",
        permission_classes=[IsAuthenticated],
    )
    async def my_invoices(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=FIRST_DESCRIPTION)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> Connection[Invoice]:
        page = await resolvers.list_invoices(
            info, first=first, after=after, student_id=None, status=None, mine=True
        )
        return Connection[Invoice].from_page(page, lambda m: Invoice(model=m))

    @strawberry.field(
        description="A payment's refunds, oldest first (the school's finance admins and the "
        "payment's student; empty for anyone else).",
        permission_classes=[IsAuthenticated],
    )
    async def refunds(
        self,
        info: Info,
        payment_id: Annotated[
            strawberry.ID, strawberry.argument(description="The payment (a Payment ID).")
        ],
    ) -> list[Refund]:
        payment = decode_id(payment_id, "Payment", E.NOT_FOUND, "paymentId")
        return [Refund(model=m) for m in await resolvers.refunds_of(info, payment)]
