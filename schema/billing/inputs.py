"""Inputs of refunds and invoices."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from schema.billing.types import InvoiceStatus

INVOICE = "The invoice (an Invoice ID)."


@strawberry.input(description="Give back (part of) a payment.")
class RefundPaymentInput:
    payment_id: strawberry.ID = strawberry.field(description="The payment (a Payment ID).")
    reason: str = strawberry.field(
        description="Why the money is given back (up to 500 characters)."
    )
    amount_minor: int | None = strawberry.field(
        default=None,
        description="How much to give back, in minor units; omitted: everything not yet refunded.",
    )
    revoke_credits: int | None = strawberry.field(
        default=None,
        description="On a partial refund of a package payment: how many unused credits to take "
        "back (default none; at most the package's unused credits). A full refund takes them all.",
    )
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Retrying with the same key returns the first refund instead of refunding "
        "again (1 to 100 printable characters).",
    )


@strawberry.input(description="One line of a new invoice.")
class InvoiceItemInput:
    description: str = strawberry.field(description="What is charged for (up to 300 characters).")
    quantity: int = strawberry.field(default=1, description="How many (1 to 1000).")
    unit_minor: int = strawberry.field(description="Price of one, in minor units (0 or more).")


@strawberry.input(description="A new invoice to a student of your school.")
class CreateInvoiceInput:
    student_id: strawberry.ID = strawberry.field(description="The student (a User ID).")
    items: list[InvoiceItemInput] = strawberry.field(description="The lines, 1 to 50.")
    discount_minor: int = strawberry.field(
        default=0, description="Taken off the subtotal before tax, in minor units."
    )
    due_on: date | None = strawberry.field(default=None, description="When it is due.")
    notes: str | None = strawberry.field(
        default=None, description="Notes printed on the invoice (up to 2,000 characters)."
    )
    issue: bool = strawberry.field(
        default=False, description="Issue it at once; otherwise it is created as a draft."
    )


@strawberry.input(description="Issue a draft invoice.")
class IssueInvoiceInput:
    invoice_id: strawberry.ID = strawberry.field(description=INVOICE)


@strawberry.input(description="Record that an issued invoice was paid.")
class MarkInvoicePaidInput:
    invoice_id: strawberry.ID = strawberry.field(description=INVOICE)
    paid_at: datetime | None = strawberry.field(
        default=None, description="When it was paid (not in the future); omitted: now."
    )


@strawberry.input(description="Void a draft or issued invoice; it keeps its number.")
class VoidInvoiceInput:
    invoice_id: strawberry.ID = strawberry.field(description=INVOICE)
    reason: str = strawberry.field(description="Why it is voided (up to 500 characters).")


@strawberry.input(description="Which invoices to list.")
class InvoiceFilter:
    student_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only this student's invoices (a User ID)."
    )
    status: InvoiceStatus | None = strawberry.field(
        default=None, description="Only invoices in this status."
    )
