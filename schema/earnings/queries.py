"""Queries of the earnings domain."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from resolvers import earnings as resolvers
from resolvers.context import Info
from schema.common.connection import AFTER_DESCRIPTION, FIRST_DESCRIPTION, Connection
from schema.common.node import decode_id, decode_optional_id
from schema.common.permissions import IsAuthenticated, has_scope
from schema.earnings.types import InstructorEarnings, Payout, PayoutStatus
from services.actor import Scope
from services.payments.errors import PaymentErrorCode as E

PERIOD_START = strawberry.argument(description="First local date (the school's time zone).")
PERIOD_END = strawberry.argument(
    description="Last local date, included; at most 366 days after the start."
)


@strawberry.type
class EarningsQuery:
    @strawberry.field(
        description="An instructor's earnings for a period: the instructor themself, or the "
        "school's admins who manage finances.",
        permission_classes=[IsAuthenticated],
    )
    async def instructor_earnings(
        self,
        info: Info,
        instructor_id: Annotated[strawberry.ID, strawberry.argument(description="The instructor.")],
        period_start: Annotated[date, PERIOD_START],
        period_end: Annotated[date, PERIOD_END],
    ) -> InstructorEarnings:
        instructor = decode_id(instructor_id, "User", E.NOT_FOUND, "instructorId")
        figures = await resolvers.instructor_earnings(info, instructor, period_start, period_end)
        return InstructorEarnings(model=figures)

    @strawberry.field(
        description="Your own earnings for a period (instructors).",
        permission_classes=[IsAuthenticated],
    )
    async def my_earnings(
        self,
        info: Info,
        period_start: Annotated[date, PERIOD_START],
        period_end: Annotated[date, PERIOD_END],
    ) -> InstructorEarnings:
        return InstructorEarnings(model=await resolvers.my_earnings(info, period_start, period_end))

    @strawberry.field(
        description="Every instructor's earnings for a period, one row each, by name "
        "(admins who manage finances).",
        permission_classes=[IsAuthenticated, has_scope(Scope.FINANCES_MANAGE)],
    )
    async def school_earnings(
        self,
        info: Info,
        period_start: Annotated[date, PERIOD_START],
        period_end: Annotated[date, PERIOD_END],
        school_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Platform admins: the school. Others: omit."),
        ] = None,
    ) -> list[InstructorEarnings]:
        rows = await resolvers.school_earnings(
            info,
            period_start,
            period_end,
            decode_optional_id(school_id, "School", E.NOT_FOUND, "schoolId"),
        )
        return [InstructorEarnings(model=r) for r in rows]

    @strawberry.field(
        description="Payouts you may see, newest first (instructors: their own; admins who "
        "manage finances: the school's).",
        permission_classes=[IsAuthenticated],
    )
    async def payouts(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=FIRST_DESCRIPTION)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
        instructor_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this instructor's.")
        ] = None,
        status: Annotated[
            PayoutStatus | None, strawberry.argument(description="Only payouts in this status.")
        ] = None,
    ) -> Connection[Payout]:
        page = await resolvers.list_payouts(
            info,
            first=first,
            after=after,
            instructor_id=decode_optional_id(instructor_id, "User", E.NOT_FOUND, "instructorId"),
            status=status.value if status is not None else None,
        )
        return Connection[Payout].from_page(page, lambda m: Payout(model=m))
