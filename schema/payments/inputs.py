"""Inputs of the payments domain."""

from __future__ import annotations

from datetime import date

import strawberry

from schema.payments.types import PaymentKind, PaymentMethod, PaymentStatus

KEY = (
    "Any string up to 100 characters, unique per purchase attempt: a retry with the same key "
    "returns the first result and never charges twice."
)


@strawberry.input(description="Buy a lesson package.")
class PurchasePackageInput:
    package_id: strawberry.ID = strawberry.field(description="The package (a LessonPackage ID).")
    payment_method: PaymentMethod = strawberry.field(
        description="CARD or BANK; CASH only when a finance admin records it."
    )
    promo_code: str | None = strawberry.field(default=None, description="A promo code, if any.")
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)
    student_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The student it is for (finance admins); students buy for themselves.",
    )


@strawberry.input(description="Pay for a pay-as-you-go lesson.")
class PayForBookingInput:
    booking_id: strawberry.ID = strawberry.field(description="The lesson (a Booking ID).")
    method: PaymentMethod = strawberry.field(
        description="CARD or BANK; CASH only when a finance admin records it."
    )
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)


@strawberry.input(description="A deposit from the school's bank statement.")
class RecordBankDepositInput:
    reference: str = strawberry.field(
        description="The reference the payer quoted (matched without case and spaces)."
    )
    amount_minor: int = strawberry.field(description="The amount received, in minor units.")
    currency: str = strawberry.field(description="ISO 4217 currency code.")
    received_on: date = strawberry.field(description="The day the money arrived.")
    payer_name: str | None = strawberry.field(
        default=None, description="Who sent it, as the statement names them."
    )


@strawberry.input(description="Cash handed over for a pending payment.")
class RecordCashPaymentInput:
    payment_id: strawberry.ID = strawberry.field(description="The pending payment.")
    note: str | None = strawberry.field(
        default=None, description="A note for the audit log (up to 500 characters)."
    )


@strawberry.input(description="Which payments to list.")
class PaymentFilter:
    student_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only this student's payments."
    )
    status: PaymentStatus | None = strawberry.field(
        default=None, description="Only payments in this status."
    )
    kind: PaymentKind | None = strawberry.field(default=None, description="Only this kind.")
