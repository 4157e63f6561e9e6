"""Mutations of refunds and invoices."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.permission import BasePermission

from resolvers import billing as resolvers
from resolvers.context import Info
from schema.billing.inputs import (
    CreateInvoiceInput,
    IssueInvoiceInput,
    MarkInvoicePaidInput,
    RefundPaymentInput,
    VoidInvoiceInput,
)
from schema.billing.types import (
    BillingError,
    BillingErrorCode,
    Invoice,
    Refund,
    invoice_or_none,
    refund_or_none,
)
from schema.common.arguments import INPUT
from schema.common.errors import attempt, user_errors
from schema.common.node import decode_id
from schema.common.permissions import IsAuthenticated, has_scope
from services.actor import Scope
from services.errors import DomainError
from services.payments import invoices, refunds

E = BillingErrorCode
FINANCE: list[type[BasePermission]] = [IsAuthenticated, has_scope(Scope.FINANCES_MANAGE)]


@strawberry.type(description="Result of refundPayment.")
class RefundPaymentPayload:
    refund: Refund | None = strawberry.field(
        description="The refund, on success; `refund.payment` shows the payment as it is now."
    )
    errors: list[BillingError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="Result of an invoice mutation.")
class InvoicePayload:
    invoice: Invoice | None = strawberry.field(description="The invoice as it is now, on success.")
    errors: list[BillingError] = strawberry.field(description="Why it failed; empty on success.")


def _invoice_payload(model: Any, errors: list[DomainError]) -> InvoicePayload:
    return InvoicePayload(
        invoice=invoice_or_none(model), errors=user_errors(BillingError, E, errors)
    )


def _invoice_id(value: strawberry.ID) -> Any:
    return decode_id(value, "Invoice", E.NOT_FOUND, "invoiceId")


@strawberry.type
class BillingMutation:
    @strawberry.mutation(
        description="Give back all or part of a succeeded payment of your school, with a reason "
        "(admins who manage finances). Card payments are refunded through the provider; cash "
        "and bank refunds are recorded as paid out by you. The refunds of a payment never "
        "exceed it. A package's unused credits follow: all of them on a full refund, "
        "`revokeCredits` on a partial one.",
        permission_classes=FINANCE,
    )
    async def refund_payment(
        self, info: Info, input: Annotated[RefundPaymentInput, INPUT]
    ) -> RefundPaymentPayload:
        async def work() -> Any:
            request = refunds.RefundRequest(
                payment_id=decode_id(input.payment_id, "Payment", E.NOT_FOUND, "paymentId"),
                reason=input.reason,
                amount_minor=input.amount_minor,
                revoke_credits=input.revoke_credits,
                idempotency_key=input.idempotency_key,
            )
            return await resolvers.refund_payment(info, request)

        model, errors = await attempt(work())
        return RefundPaymentPayload(
            refund=refund_or_none(model), errors=user_errors(BillingError, E, errors)
        )

    @strawberry.mutation(
        description="Create an invoice to a student of your school (admins who manage "
        "finances): a draft, or issued at once. It takes the school's next number.",
        permission_classes=FINANCE,
    )
    async def create_invoice(
        self, info: Info, input: Annotated[CreateInvoiceInput, INPUT]
    ) -> InvoicePayload:
        async def work() -> Any:
            request = invoices.InvoiceRequest(
                student_id=decode_id(input.student_id, "User", E.NOT_FOUND, "studentId"),
                items=[
                    invoices.ItemRequest(i.description, i.quantity, i.unit_minor)
                    for i in input.items
                ],
                discount_minor=input.discount_minor,
                due_on=input.due_on,
                notes=input.notes,
                issue=input.issue,
            )
            return await resolvers.create_invoice(info, request)

        return _invoice_payload(*await attempt(work()))

    @strawberry.mutation(description="Issue a draft invoice.", permission_classes=FINANCE)
    async def issue_invoice(
        self, info: Info, input: Annotated[IssueInvoiceInput, INPUT]
    ) -> InvoicePayload:
        async def work() -> Any:
            return await resolvers.issue_invoice(info, _invoice_id(input.invoice_id))

        return _invoice_payload(*await attempt(work()))

    @strawberry.mutation(
        description="Record that an issued invoice was paid.", permission_classes=FINANCE
    )
    async def mark_invoice_paid(
        self, info: Info, input: Annotated[MarkInvoicePaidInput, INPUT]
    ) -> InvoicePayload:
        async def work() -> Any:
            return await resolvers.mark_invoice_paid(
                info, _invoice_id(input.invoice_id), input.paid_at
            )

        return _invoice_payload(*await attempt(work()))

    @strawberry.mutation(
        description="Void a draft or issued invoice, with a reason; it keeps its number. A paid "
        "invoice cannot be voided (refund its payment instead).",
        permission_classes=FINANCE,
    )
    async def void_invoice(
        self, info: Info, input: Annotated[VoidInvoiceInput, INPUT]
    ) -> InvoicePayload:
        async def work() -> Any:
            return await resolvers.void_invoice(info, _invoice_id(input.invoice_id), input.reason)

        return _invoice_payload(*await attempt(work()))
