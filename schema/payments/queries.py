"""Queries of the payments domain."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers import payments as resolvers
from resolvers.context import Info
from schema.common.connection import AFTER_DESCRIPTION, FIRST_DESCRIPTION, Connection
from schema.common.node import decode_id, decode_optional_id
from schema.common.permissions import IsAuthenticated, has_scope
from schema.payments.inputs import PaymentFilter
from schema.payments.types import (
    BankDeposit,
    BankDepositStatus,
    Payment,
    PaymentError,
    PurchaseQuote,
)
from services.actor import Scope
from services.payments.errors import PaymentErrorCode as E


@strawberry.type
class PaymentQuery:
    @strawberry.field(
        description="The school's payments, newest first (finance admins).",
        permission_classes=[IsAuthenticated, has_scope(Scope.FINANCES_MANAGE)],
    )
    async def payments(
        self,
        info: Info,
        filter: Annotated[
            PaymentFilter | None, strawberry.argument(description="Which payments to list.")
        ] = None,
        first: Annotated[int, strawberry.argument(description=FIRST_DESCRIPTION)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> Connection[Payment]:
        page = await resolvers.list_payments(
            info,
            first=first,
            after=after,
            student_id=decode_optional_id(
                filter.student_id if filter else None, "User", E.INVALID, "studentId"
            ),
            status=filter.status.value if filter and filter.status else None,
            kind=filter.kind.value if filter and filter.kind else None,
        )
        return Connection[Payment].from_page(page, lambda m: Payment(model=m))

    @strawberry.field(
        description="Your own payments, newest first.", permission_classes=[IsAuthenticated]
    )
    async def my_payments(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=FIRST_DESCRIPTION)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> Connection[Payment]:
        page = await resolvers.list_payments(info, first=first, after=after, mine=True)
        return Connection[Payment].from_page(page, lambda m: Payment(model=m))

    @strawberry.field(
        description="Bank deposits recorded for your school, newest first (finance admins).",
        permission_classes=[IsAuthenticated, has_scope(Scope.FINANCES_MANAGE)],
    )
    async def bank_deposits(
        self,
        info: Info,
        status: Annotated[
            BankDepositStatus | None,
            strawberry.argument(description="Only deposits in this status."),
        ] = None,
        first: Annotated[int, strawberry.argument(description=FIRST_DESCRIPTION)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> Connection[BankDeposit]:
        page = await resolvers.list_deposits(
            info, first=first, after=after, status=status.value if status else None
        )
        return Connection[BankDeposit].from_page(page, lambda m: BankDeposit(model=m))

    @strawberry.field(
        description="What a package would cost you now, with a promo code if it applies. Nothing "
        "is reserved: the price is fixed only by purchasePackage.",
        permission_classes=[IsAuthenticated],
    )
    async def quote_purchase(
        self,
        info: Info,
        package_id: Annotated[
            strawberry.ID, strawberry.argument(description="The package (a LessonPackage ID).")
        ],
        promo_code: Annotated[
            str | None, strawberry.argument(description="A promo code to try.")
        ] = None,
        student_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="The student it is for (finance admins)."),
        ] = None,
    ) -> PurchaseQuote:
        from schema.common.errors import user_errors

        quote = await resolvers.quote_purchase(
            info,
            package_id=decode_id(package_id, "LessonPackage", E.NOT_FOUND, "packageId"),
            promo_code=promo_code,
            student_id=decode_optional_id(student_id, "User", E.NOT_FOUND, "studentId"),
        )
        promo_error = (
            user_errors(PaymentError, E, [quote.promo_error])[0] if quote.promo_error else None
        )
        return PurchaseQuote(
            list_price_minor=quote.list_price_minor,
            package_discount_minor=quote.package_discount_minor,
            promo_discount_minor=quote.promo_discount_minor,
            total_minor=quote.total_minor,
            currency=quote.currency,
            promo_error=promo_error,
        )
