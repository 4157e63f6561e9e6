"""Mutations of the earnings domain: payouts."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.permission import BasePermission

from resolvers import earnings as resolvers
from resolvers.context import Info
from schema.common.arguments import INPUT
from schema.common.errors import attempt, user_errors
from schema.common.node import decode_id
from schema.common.permissions import IsAuthenticated, has_scope
from schema.earnings.inputs import CreatePayoutInput, MarkPayoutPaidInput
from schema.earnings.types import Payout, PayoutError, PayoutErrorCode, payout_or_none
from services.actor import Scope
from services.errors import DomainError
from services.payments.errors import PaymentErrorCode as E

FINANCES: list[type[BasePermission]] = [IsAuthenticated, has_scope(Scope.FINANCES_MANAGE)]


@strawberry.type(description="Result of a payout mutation.")
class PayoutPayload:
    payout: Payout | None = strawberry.field(description="The payout as it is now, on success.")
    errors: list[PayoutError] = strawberry.field(description="Why it failed; empty on success.")


def _payload(model: Any, errors: list[DomainError]) -> PayoutPayload:
    return PayoutPayload(
        payout=payout_or_none(model), errors=user_errors(PayoutError, PayoutErrorCode, errors)
    )


@strawberry.type
class EarningsMutation:
    @strawberry.mutation(
        description="Freeze an instructor's earnings for an ended period into a pending payout "
        "(admins who manage finances). One per instructor and period: PAYOUT_EXISTS; a period "
        "overlapping another payout of the instructor, not yet ended, or without completed "
        "lessons: INVALID_PERIOD.",
        permission_classes=FINANCES,
    )
    async def create_payout(
        self, info: Info, input: Annotated[CreatePayoutInput, INPUT]
    ) -> PayoutPayload:
        async def work() -> Any:
            return await resolvers.create_payout(
                info,
                decode_id(input.instructor_id, "User", E.NOT_FOUND, "instructorId"),
                input.period_start,
                input.period_end,
            )

        return _payload(*await attempt(work()))

    @strawberry.mutation(
        description="Record that a pending payout was paid, with the transfer's reference "
        "(admins who manage finances). Already paid with another reference: INVALID_STATUS.",
        permission_classes=FINANCES,
    )
    async def mark_payout_paid(
        self, info: Info, input: Annotated[MarkPayoutPaidInput, INPUT]
    ) -> PayoutPayload:
        async def work() -> Any:
            return await resolvers.mark_payout_paid(
                info, decode_id(input.payout_id, "Payout", E.NOT_FOUND, "payoutId"), input.reference
            )

        return _payload(*await attempt(work()))
