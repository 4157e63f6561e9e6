"""Instructor earnings and payouts as clients see them."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum, StrEnum
from typing import Annotated, Any

import strawberry

from models import payments as models
from models.scheduling import Booking as BookingModel
from resolvers import earnings as resolvers
from resolvers.context import Info
from schema.accounts.types import User, user_or_none
from schema.common.connection import AFTER_DESCRIPTION, FIRST_DESCRIPTION, Connection
from schema.common.errors import UserError
from schema.common.node import Node, register_node
from schema.scheduling.types import Booking
from services.payments.earnings import Earnings


@strawberry.enum(description="Why an earnings or payout request failed.")
class PayoutErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    INVALID = "INVALID"
    INVALID_PERIOD = "INVALID_PERIOD"
    INVALID_STATUS = "INVALID_STATUS"
    PAYOUT_EXISTS = "PAYOUT_EXISTS"


@strawberry.type(description="A failed payout request.")
class PayoutError(UserError):
    code: PayoutErrorCode = strawberry.field(description="Machine-readable reason.")


@strawberry.enum(description="Whether an instructor has been paid for a period.")
class PayoutStatus(Enum):
    NONE = "none"
    PENDING = "pending"
    PAID = "paid"


@strawberry.enum(description="How a completed lesson was paid for.")
class EarningsSource(Enum):
    CREDIT = "credit"
    PAY_AS_YOU_GO = "pay_as_you_go"


async def _user(info: Info, user_id: Any) -> User | None:
    from resolvers.accounts import UserByIdLoader

    if user_id is None:
        return None
    return user_or_none(await info.context.loaders[UserByIdLoader].load(user_id))


@strawberry.type(description="One completed lesson counted in an instructor's earnings.")
class EarningsLesson:
    model: strawberry.Private[BookingModel]
    figures: strawberry.Private[Earnings]

    @strawberry.field(description="The lesson.")
    def booking(self) -> Booking:
        return Booking(model=self.model)

    @strawberry.field(description="When the lesson started (its booked start).")
    def starts_at(self) -> datetime:
        return self.model.starts_at

    @strawberry.field(description="How it was paid for: a package credit or pay-as-you-go.")
    def source(self) -> EarningsSource:
        if self.model.student_package_id is not None:
            return EarningsSource.CREDIT
        return EarningsSource.PAY_AS_YOU_GO

    @strawberry.field(
        description="What the lesson is worth, in minor units: the credit's value in the "
        "ledger, or the pay-as-you-go price."
    )
    async def value_minor(self, info: Info) -> int:
        if self.model.student_package_id is None:
            return self.model.price_minor
        value = await info.context.loaders[resolvers.CreditValueByBookingLoader].load(self.model.id)
        return value or 0

    @strawberry.field(
        description="Refunded on the lesson's own payments (lesson and deposit), minor units."
    )
    async def refunded_minor(self, info: Info) -> int:
        return await info.context.loaders[resolvers.RefundedByBookingLoader].load(
            (self.model.school_id, self.model.id)
        )

    @strawberry.field(description="ISO 4217 currency code.")
    def currency(self) -> str:
        return self.figures.currency


@strawberry.type(
    description="What an instructor earned in a period of local dates (the school's time "
    "zone, both ends included): the lessons completed in it, their value, refunds on them, "
    "the platform fee and what remains. Amounts are minor units of `currency`."
)
class InstructorEarnings:
    model: strawberry.Private[Earnings]

    @strawberry.field(description="The instructor.")
    async def instructor(self, info: Info) -> User | None:
        return await _user(info, self.model.instructor_id)

    @strawberry.field(description="First local date of the period.")
    def period_start(self) -> date:
        return self.model.period.start

    @strawberry.field(description="Last local date of the period (included).")
    def period_end(self) -> date:
        return self.model.period.end

    @strawberry.field(description="ISO 4217 currency code of every amount.")
    def currency(self) -> str:
        return self.model.currency

    @strawberry.field(description="Lessons completed in the period.")
    def lessons_completed(self) -> int:
        return self.model.lessons_completed

    @strawberry.field(description="Of those, lessons paid with a package credit.")
    def package_lessons(self) -> int:
        return self.model.package_lessons

    @strawberry.field(description="Of those, lessons paid as you go.")
    def pay_as_you_go_lessons(self) -> int:
        return self.model.pay_as_you_go_lessons

    @strawberry.field(description="The completed lessons' value: package plus pay-as-you-go.")
    def gross_minor(self) -> int:
        return self.model.gross_minor

    @strawberry.field(description="Value of the lessons paid with credits (from the ledger).")
    def package_minor(self) -> int:
        return self.model.package_minor

    @strawberry.field(description="Value of the pay-as-you-go lessons (their booked price).")
    def pay_as_you_go_minor(self) -> int:
        return self.model.pay_as_you_go_minor

    @strawberry.field(description="Refunds on these lessons' lesson and deposit payments.")
    def refunds_minor(self) -> int:
        return self.model.refunds_minor

    @strawberry.field(description="The school's platform fee rate in basis points (1/100 %).")
    def platform_fee_bps(self) -> int:
        return self.model.platform_fee_bps

    @strawberry.field(
        description="The platform fee: (gross - refunds) x rate, rounded half up to the penny."
    )
    def platform_fee_minor(self) -> int:
        return self.model.platform_fee_minor

    @strawberry.field(description="What the instructor is owed: gross - refunds - fee.")
    def net_minor(self) -> int:
        return self.model.net_minor

    @strawberry.field(description="Whether a payout of exactly this period exists, and is paid.")
    def payout_status(self) -> PayoutStatus:
        return PayoutStatus(self.model.payout_status)

    @strawberry.field(description="The payout of exactly this period, if one was made.")
    def payout(self) -> Payout | None:
        return Payout(model=self.model.payout) if self.model.payout is not None else None

    @strawberry.field(description="The completed lessons counted here, by start time.")
    async def lessons(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=FIRST_DESCRIPTION)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> Connection[EarningsLesson]:
        page = await resolvers.earning_lessons(info, self.model, first, after)
        return Connection[EarningsLesson].from_page(
            page, lambda m: EarningsLesson(model=m, figures=self.model)
        )


@strawberry.type(
    description="What a school owes an instructor for a period, frozen when a finance admin "
    "created it (later refunds or late completions do not change it), and whether it is paid."
)
class Payout(Node):
    model: strawberry.Private[models.Payout]

    @strawberry.field(description="The instructor.")
    async def instructor(self, info: Info) -> User | None:
        return await _user(info, self.model.instructor_id)

    @strawberry.field(description="First local date of the period.")
    def period_start(self) -> date:
        return self.model.period_start

    @strawberry.field(description="Last local date of the period (included).")
    def period_end(self) -> date:
        return self.model.period_end

    @strawberry.field(description="Lessons completed in the period when the payout was made.")
    def lessons_completed(self) -> int:
        return self.model.lessons_completed

    @strawberry.field(description="Of those, lessons paid with a package credit.")
    def package_lessons(self) -> int:
        return int(self.model.breakdown.get("packageLessons", 0))

    @strawberry.field(description="Of those, lessons paid as you go.")
    def pay_as_you_go_lessons(self) -> int:
        return int(self.model.breakdown.get("payAsYouGoLessons", 0))

    @strawberry.field(description="The lessons' value, minor units.")
    def gross_minor(self) -> int:
        return self.model.gross_minor

    @strawberry.field(description="Value of the lessons paid with credits, minor units.")
    def package_minor(self) -> int:
        return int(self.model.breakdown.get("packageMinor", 0))

    @strawberry.field(description="Value of the pay-as-you-go lessons, minor units.")
    def pay_as_you_go_minor(self) -> int:
        return int(self.model.breakdown.get("payAsYouGoMinor", 0))

    @strawberry.field(description="Refunds on those lessons, minor units.")
    def refunds_minor(self) -> int:
        return self.model.refunds_minor

    @strawberry.field(description="The platform fee, minor units.")
    def platform_fee_minor(self) -> int:
        return self.model.fee_minor

    @strawberry.field(description="What is paid to the instructor: gross - refunds - fee.")
    def net_minor(self) -> int:
        return self.model.net_minor

    @strawberry.field(description="ISO 4217 currency code of every amount.")
    def currency(self) -> str:
        return self.model.currency

    @strawberry.field(description="PENDING until a finance admin marks it paid, then PAID.")
    def status(self) -> PayoutStatus:
        return PayoutStatus(self.model.status)

    @strawberry.field(description="When it was marked paid.")
    def paid_at(self) -> datetime | None:
        return self.model.paid_at

    @strawberry.field(description="The bank transfer's (or other payment's) reference.")
    def reference(self) -> str | None:
        return self.model.reference

    @strawberry.field(description="Who created it.")
    async def created_by(self, info: Info) -> User | None:
        return await _user(info, self.model.created_by_id)

    @strawberry.field(description="When it was created.")
    def created_at(self) -> datetime:
        return self.model.created_at


def payout_or_none(model: models.Payout | None) -> Payout | None:
    return Payout(model=model) if model is not None else None


async def _fetch_payout(info: Info, pk: Any) -> Payout | None:
    return payout_or_none(await resolvers.payout(info, pk))


register_node("Payout", _fetch_payout)
