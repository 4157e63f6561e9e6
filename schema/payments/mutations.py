"""Mutations of the payments domain."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from resolvers import payments as resolvers
from resolvers.context import Info
from schema.common.arguments import INPUT
from schema.common.errors import attempt, user_errors
from schema.common.node import decode_id, decode_optional_id
from schema.common.permissions import IsAuthenticated, has_scope
from schema.payments.inputs import (
    PayForBookingInput,
    PurchasePackageInput,
    RecordBankDepositInput,
    RecordCashPaymentInput,
)
from schema.payments.types import (
    BankDeposit,
    Payment,
    PaymentError,
    deposit_or_none,
    payment_or_none,
)
from services.actor import Scope
from services.errors import DomainError
from services.payments import bank, purchase
from services.payments.errors import PaymentErrorCode as E

if TYPE_CHECKING:
    from schema.packages.types import StudentPackage


def _errors(errors: list[DomainError]) -> list[PaymentError]:
    return user_errors(PaymentError, E, errors)


def _declined(payment: Any) -> list[DomainError]:
    if payment is not None and payment.status == "failed":
        return [
            DomainError(
                E.PAYMENT_DECLINED,
                "The payment was declined"
                + (f" ({payment.failure_reason})." if payment.failure_reason else "."),
                None,
            )
        ]
    return []


@strawberry.type(description="Result of purchasePackage.")
class PurchasePackagePayload:
    student_package: Annotated[StudentPackage, strawberry.lazy("schema.packages.types")] | None = (
        strawberry.field(
            description="The student package bought: pending until paid, active with its "
            "credits once paid."
        )
    )
    payment: Payment | None = strawberry.field(
        description="Its payment; null when the package cost nothing after discounts."
    )
    client_secret: str | None = strawberry.field(
        description="For a card payment awaiting confirmation: the secret Stripe.js confirms "
        "the card with (`stripe.confirmPayment`). Null otherwise."
    )
    errors: list[PaymentError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="Result of payForBooking.")
class PayForBookingPayload:
    payment: Payment | None = strawberry.field(description="The lesson's payment.")
    client_secret: str | None = strawberry.field(
        description="For a card payment awaiting confirmation: the Stripe.js client secret."
    )
    errors: list[PaymentError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="Result of recordBankDeposit.")
class RecordBankDepositPayload:
    deposit: BankDeposit | None = strawberry.field(
        description="The deposit as recorded (also when unmatched)."
    )
    payment: Payment | None = strawberry.field(description="The payment it settled, if any.")
    errors: list[PaymentError] = strawberry.field(
        description="Why it was refused; empty when the deposit was recorded, matched or not."
    )


@strawberry.type(description="Result of recordCashPayment.")
class RecordCashPaymentPayload:
    payment: Payment | None = strawberry.field(description="The payment, now paid in cash.")
    errors: list[PaymentError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type
class PaymentMutation:
    @strawberry.mutation(
        description="Buy a lesson package, for yourself (students: card or bank transfer) or for "
        "a student of your school (finance admins: card, bank or cash). The package is active "
        "with its credits once the payment settles.",
        permission_classes=[IsAuthenticated],
    )
    async def purchase_package(
        self, info: Info, input: Annotated[PurchasePackageInput, INPUT]
    ) -> PurchasePackagePayload:
        async def work() -> purchase.Purchase:
            request = purchase.PurchaseRequest(
                package_id=decode_id(input.package_id, "LessonPackage", E.NOT_FOUND, "packageId"),
                method=input.payment_method.value,
                promo_code=input.promo_code,
                student_id=decode_optional_id(input.student_id, "User", E.NOT_FOUND, "studentId"),
                idempotency_key=input.idempotency_key,
            )
            return await resolvers.purchase_package(info, request)

        result, errors = await attempt(work())
        if result is None:
            return PurchasePackagePayload(
                student_package=None, payment=None, client_secret=None, errors=_errors(errors)
            )
        from schema.packages.types import student_package_of

        return PurchasePackagePayload(
            # Re-read through the loader: the purchase's own row may predate its activation.
            student_package=await student_package_of(info, result.student_package.id),
            payment=payment_or_none(result.payment),
            client_secret=result.client_secret,
            errors=_errors(_declined(result.payment)),
        )

    @strawberry.mutation(
        description="Pay for a pay-as-you-go lesson: its price less any deposit paid (the "
        "lesson's student by card or bank; a finance admin by any method).",
        permission_classes=[IsAuthenticated],
    )
    async def pay_for_booking(
        self, info: Info, input: Annotated[PayForBookingInput, INPUT]
    ) -> PayForBookingPayload:
        async def work() -> Any:
            booking = decode_id(input.booking_id, "Booking", E.NOT_FOUND, "bookingId")
            return await resolvers.pay_for_booking(
                info, booking, input.method.value, input.idempotency_key
            )

        result, errors = await attempt(work())
        if result is None:
            return PayForBookingPayload(payment=None, client_secret=None, errors=_errors(errors))
        return PayForBookingPayload(
            payment=payment_or_none(result.payment),
            client_secret=result.client_secret,
            errors=_errors(_declined(result.payment)),
        )

    @strawberry.mutation(
        description="Record a deposit from the school's bank statement (finance admins). It "
        "settles the pending bank payment whose reference it quotes, for the same amount and "
        "currency (`deposit.status` MATCHED, `payment` set); otherwise it is kept for you to "
        "reconcile (`deposit.status` UNMATCHED, `payment` null). Either way it is recorded.",
        permission_classes=[IsAuthenticated, has_scope(Scope.FINANCES_MANAGE)],
    )
    async def record_bank_deposit(
        self, info: Info, input: Annotated[RecordBankDepositInput, INPUT]
    ) -> RecordBankDepositPayload:
        line = bank.DepositLine(
            reference=input.reference,
            amount_minor=input.amount_minor,
            currency=input.currency,
            received_on=input.received_on,
            payer_name=input.payer_name,
        )
        result, errors = await attempt(resolvers.record_bank_deposit(info, line))
        if result is None:
            return RecordBankDepositPayload(deposit=None, payment=None, errors=_errors(errors))
        return RecordBankDepositPayload(
            deposit=deposit_or_none(result.deposit),
            payment=payment_or_none(result.payment),
            errors=_errors(errors),
        )

    @strawberry.mutation(
        description="Record cash handed over for a pending bank or cash payment of your school "
        "(finance admins); the payment settles at once.",
        permission_classes=[IsAuthenticated, has_scope(Scope.FINANCES_MANAGE)],
    )
    async def record_cash_payment(
        self, info: Info, input: Annotated[RecordCashPaymentInput, INPUT]
    ) -> RecordCashPaymentPayload:
        async def work() -> Any:
            payment = decode_id(input.payment_id, "Payment", E.NOT_FOUND, "paymentId")
            return await resolvers.record_cash_payment(info, payment, input.note)

        result, errors = await attempt(work())
        return RecordCashPaymentPayload(payment=payment_or_none(result), errors=_errors(errors))
