"""Payments as clients see them: the Payment node, bank deposits, quotes and errors."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from models import payments as models
from resolvers import payments as resolvers
from resolvers.context import Info
from schema.common.errors import UserError
from schema.common.node import Node, register_node
from services.payments.errors import PaymentErrorCode
from services.payments.visibility import can_see_payment, may_see_provider_reference

if TYPE_CHECKING:
    from schema.accounts.types import User
    from schema.billing.types import Refund
    from schema.packages.types import StudentPackage
    from schema.scheduling.types import Booking

PaymentErrorCodeEnum = strawberry.enum(
    PaymentErrorCode, description="Why a payments request failed."
)


@strawberry.type(description="A failed payments request.")
class PaymentError(UserError):
    code: PaymentErrorCodeEnum = strawberry.field(description="Machine-readable reason.")  # type: ignore[valid-type]


@strawberry.enum(description="What a payment is for.")
class PaymentKind(Enum):
    PACKAGE = "package"
    LESSON = "lesson"
    DEPOSIT = "deposit"
    FEE = "fee"


@strawberry.enum(description="How a payment is made: card (Stripe), bank transfer/PayID, or cash.")
class PaymentMethod(Enum):
    CARD = "card"
    BANK = "bank"
    CASH = "cash"


@strawberry.enum(description="Where a payment stands.")
class PaymentStatus(Enum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"


@strawberry.enum(description="Whether a bank deposit was matched to a payment.")
class BankDepositStatus(Enum):
    MATCHED = "matched"
    UNMATCHED = "unmatched"


async def _user(info: Info, user_id: Any) -> Any:
    from resolvers.accounts import UserByIdLoader
    from schema.accounts.types import user_or_none

    if user_id is None:
        return None
    return user_or_none(await info.context.loaders[UserByIdLoader].load(user_id))


@strawberry.type(
    description="Money a student pays the school: for a package, a lesson, a deposit or a fee. "
    "Seen by the student and the school's finance admins."
)
class Payment(Node):
    model: strawberry.Private[models.Payment]

    @strawberry.field(description="What it is for.")
    def kind(self) -> PaymentKind:
        return PaymentKind(self.model.kind)

    @strawberry.field(description="How it is paid.")
    def method(self) -> PaymentMethod:
        return PaymentMethod(self.model.method)

    @strawberry.field(description="Where it stands.")
    def status(self) -> PaymentStatus:
        return PaymentStatus(self.model.status)

    @strawberry.field(description="The amount, in minor units of `currency` (pence).")
    def amount_minor(self) -> int:
        return self.model.amount_minor

    @strawberry.field(description="How much of it has been refunded, in minor units.")
    def refunded_minor(self) -> int:
        return self.model.refunded_minor

    @strawberry.field(description="ISO 4217 currency code.")
    def currency(self) -> str:
        return self.model.currency

    @strawberry.field(description="What the student sees on their statement and receipt.")
    def description(self) -> str | None:
        return self.model.description

    @strawberry.field(
        description="For a bank transfer or PayID: the reference the student quotes so the "
        "deposit is matched to this payment. Seen by the student and finance admins."
    )
    def bank_reference(self, info: Info) -> str | None:
        actor = info.context.actor
        if actor is None or not can_see_payment(actor, self.model):
            return None
        return self.model.bank_reference

    @strawberry.field(
        description="The card provider's reference (a Stripe PaymentIntent id); finance admins "
        "only, null for everyone else."
    )
    def provider_reference(self, info: Info) -> str | None:
        actor = info.context.actor
        if actor is None or not may_see_provider_reference(actor, self.model):
            return None
        return self.model.provider_reference

    @strawberry.field(description="Why the payment failed (e.g. `card_declined`), when it did.")
    def failure_reason(self) -> str | None:
        return self.model.failure_reason

    @strawberry.field(description="When it was created.")
    def created_at(self) -> datetime:
        return self.model.created_at

    @strawberry.field(description="When it succeeded, if it has.")
    def succeeded_at(self) -> datetime | None:
        return self.model.succeeded_at

    @strawberry.field(description="The student who pays.")
    async def student(
        self, info: Info
    ) -> Annotated[User, strawberry.lazy("schema.accounts.types")] | None:
        return await _user(info, self.model.student_id)  # type: ignore[no-any-return]

    @strawberry.field(description="The lesson paid for (lesson, deposit and fee payments).")
    async def booking(
        self, info: Info
    ) -> Annotated[Booking, strawberry.lazy("schema.scheduling.types")] | None:
        if self.model.booking_id is None:
            return None
        from resolvers.scheduling import BookingByIdLoader
        from schema.scheduling.types import booking_or_none

        return booking_or_none(
            await info.context.loaders[BookingByIdLoader].load(self.model.booking_id)
        )

    @strawberry.field(description="Its refunds, oldest first.")
    async def refunds(
        self, info: Info
    ) -> list[Annotated[Refund, strawberry.lazy("schema.billing.types")]]:
        from resolvers.billing import RefundsByPaymentLoader
        from schema.billing.types import Refund

        rows = await info.context.loaders[RefundsByPaymentLoader].load(self.model.id)
        return [Refund(model=row) for row in rows]

    @strawberry.field(description="The student package bought (package payments).")
    async def student_package(
        self, info: Info
    ) -> Annotated[StudentPackage, strawberry.lazy("schema.packages.types")] | None:
        from schema.packages.types import student_package_of

        return await student_package_of(info, self.model.student_package_id)


@strawberry.type(
    description="A line of the school's bank statement, recorded by a finance admin: matched "
    "to the pending bank payment whose reference it quotes, or kept as unmatched."
)
class BankDeposit(Node):
    model: strawberry.Private[models.BankDeposit]

    @strawberry.field(description="The reference as it appeared on the statement.")
    def reference(self) -> str:
        return self.model.reference

    @strawberry.field(description="The amount received, in minor units.")
    def amount_minor(self) -> int:
        return self.model.amount_minor

    @strawberry.field(description="ISO 4217 currency code.")
    def currency(self) -> str:
        return self.model.currency

    @strawberry.field(description="The day the money arrived.")
    def received_on(self) -> date:
        return self.model.received_on

    @strawberry.field(description="Who sent it, as the statement names them.")
    def payer_name(self) -> str | None:
        return self.model.payer_name

    @strawberry.field(description="Whether it was matched to a payment.")
    def status(self) -> BankDepositStatus:
        return BankDepositStatus(self.model.status)

    @strawberry.field(description="The payment it settled, when matched.")
    async def payment(self, info: Info) -> Payment | None:
        if self.model.payment_id is None:
            return None
        return payment_or_none(
            await info.context.loaders[resolvers.PaymentByIdLoader].load(self.model.payment_id)
        )

    @strawberry.field(description="When it was recorded.")
    def created_at(self) -> datetime:
        return self.model.created_at


@strawberry.type(description="What a package would cost now, with a promo code if it applies.")
class PurchaseQuote:
    list_price_minor: int = strawberry.field(description="The package's list price.")
    package_discount_minor: int = strawberry.field(
        description="The package's own discount (its discount percent of the list price)."
    )
    promo_discount_minor: int = strawberry.field(
        description="The promo code's discount; 0 without one or when it does not apply."
    )
    total_minor: int = strawberry.field(description="What would be charged.")
    currency: str = strawberry.field(description="ISO 4217 currency code.")
    promo_error: PaymentError | None = strawberry.field(
        description="Why the promo code does not apply, when it does not."
    )


def payment_or_none(model: models.Payment | None) -> Payment | None:
    return Payment(model=model) if model is not None else None


def deposit_or_none(model: models.BankDeposit | None) -> BankDeposit | None:
    return BankDeposit(model=model) if model is not None else None


async def _fetch_payment(info: Info, pk: Any) -> Payment | None:
    return payment_or_none(await resolvers.payment_node(info, pk))


async def _fetch_deposit(info: Info, pk: Any) -> BankDeposit | None:
    return deposit_or_none(await resolvers.deposit_node(info, pk))


register_node("Payment", _fetch_payment)
register_node("BankDeposit", _fetch_deposit)

# Other domains import the type under this name.
PaymentType = Payment
