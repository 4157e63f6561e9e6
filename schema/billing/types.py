"""Refunds and invoices as clients see them."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum, StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from models import payments as models
from resolvers import billing as resolvers
from resolvers.context import Info
from schema.accounts.types import User
from schema.common.errors import UserError
from schema.common.node import Node, register_node
from services.payments.invoices import display_number
from services.payments.visibility import may_see_provider_reference

if TYPE_CHECKING:
    from schema.payments.types import Payment


async def _payment(info: Info, payment_id: Any) -> Payment | None:
    """A payment through the request's loader, as far as the viewer may see it."""
    if payment_id is None:
        return None
    from resolvers.payments import PaymentByIdLoader
    from schema.payments.types import payment_or_none

    return payment_or_none(await info.context.loaders[PaymentByIdLoader].load(payment_id))


class BillingErrorCode(StrEnum):
    """The payments codes a refund or invoice request can fail with."""

    NOT_FOUND = "NOT_FOUND"
    INVALID = "INVALID"
    INVALID_STATUS = "INVALID_STATUS"
    PROVIDER_UNAVAILABLE = "PROVIDER_UNAVAILABLE"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    REFUND_EXCEEDS_PAYMENT = "REFUND_EXCEEDS_PAYMENT"
    NOT_REFUNDABLE = "NOT_REFUNDABLE"
    INVOICE_NOT_EDITABLE = "INVOICE_NOT_EDITABLE"


BillingErrorCodeEnum = strawberry.enum(
    BillingErrorCode, description="Why a refund or invoice request failed."
)


@strawberry.type(description="A failed refund or invoice request.")
class BillingError(UserError):
    code: BillingErrorCodeEnum = strawberry.field(description="Machine-readable reason.")  # type: ignore[valid-type]


@strawberry.enum(description="Where an invoice stands.")
class InvoiceStatus(Enum):
    DRAFT = "draft"
    ISSUED = "issued"
    PAID = "paid"
    VOID = "void"


async def _user(info: Info, user_id: Any) -> User | None:
    from resolvers.accounts import UserByIdLoader
    from schema.accounts.types import user_or_none

    if user_id is None:
        return None
    return user_or_none(await info.context.loaders[UserByIdLoader].load(user_id))


@strawberry.type(description="One line of an invoice.")
class InvoiceItem:
    model: strawberry.Private[models.InvoiceItem]

    @strawberry.field(description="The line's position on the invoice, from 1.")
    def position(self) -> int:
        return self.model.position

    @strawberry.field(description="What is charged for.")
    def description(self) -> str:
        return self.model.description

    @strawberry.field(description="How many.")
    def quantity(self) -> int:
        return self.model.quantity

    @strawberry.field(description="Price of one, in minor units.")
    def unit_minor(self) -> int:
        return self.model.unit_minor

    @strawberry.field(description="quantity × unitMinor, in minor units.")
    def amount_minor(self) -> int:
        return self.model.amount_minor


@strawberry.type(
    description="A numbered invoice to a student: items, discount, tax and total, with its "
    "status and dates. Seen by the school's finance admins and (once issued) its student."
)
class Invoice(Node):
    model: strawberry.Private[models.Invoice]

    @strawberry.field(description="The school's sequential invoice number (1, 2, 3, …).")
    def number(self) -> int:
        return self.model.number

    @strawberry.field(description="The number as printed, e.g. INV-000042.")
    def display_number(self) -> str:
        return display_number(self.model.number)

    @strawberry.field(description="Where the invoice stands.")
    def status(self) -> InvoiceStatus:
        return InvoiceStatus(self.model.status)

    @strawberry.field(description="The student invoiced.")
    async def student(self, info: Info) -> User | None:
        return await _user(info, self.model.student_id)

    @strawberry.field(description="The invoice's lines, in order.")
    async def items(self, info: Info) -> list[InvoiceItem]:
        return [InvoiceItem(model=m) for m in await resolvers.items(info, self.model.id)]

    @strawberry.field(description="ISO 4217 currency of every amount on the invoice.")
    def currency(self) -> str:
        return self.model.currency

    @strawberry.field(description="Sum of the lines, in minor units.")
    def subtotal_minor(self) -> int:
        return self.model.subtotal_minor

    @strawberry.field(description="Discount taken off the subtotal, in minor units.")
    def discount_minor(self) -> int:
        return self.model.discount_minor

    @strawberry.field(description="Tax rate applied, in basis points (2000 = 20 %).")
    def tax_rate_bps(self) -> int:
        return self.model.tax_rate_bps

    @strawberry.field(description="Tax, in minor units.")
    def tax_minor(self) -> int:
        return self.model.tax_minor

    @strawberry.field(description="subtotal − discount + tax, in minor units.")
    def total_minor(self) -> int:
        return self.model.total_minor

    @strawberry.field(description="Notes printed on the invoice.")
    def notes(self) -> str | None:
        return self.model.notes

    @strawberry.field(description="The payment this invoice was issued for, if any.")
    async def payment(
        self, info: Info
    ) -> Annotated[Payment, strawberry.lazy("schema.payments.types")] | None:
        return await _payment(info, self.model.payment_id)

    @strawberry.field(description="When it was created.")
    def created_at(self) -> datetime:
        return self.model.created_at

    @strawberry.field(description="When it was issued; null for a draft.")
    def issued_at(self) -> datetime | None:
        return self.model.issued_at

    @strawberry.field(description="When it is due.")
    def due_on(self) -> date | None:
        return self.model.due_on

    @strawberry.field(description="When it was paid.")
    def paid_at(self) -> datetime | None:
        return self.model.paid_at

    @strawberry.field(description="When it was voided.")
    def voided_at(self) -> datetime | None:
        return self.model.voided_at


@strawberry.type(
    description="Money given back on a payment, full or partial, with the reason. Seen by the "
    "school's finance admins and the payment's student."
)
class Refund(Node):
    model: strawberry.Private[models.Refund]

    @strawberry.field(description="The payment refunded.")
    async def payment(
        self, info: Info
    ) -> Annotated[Payment, strawberry.lazy("schema.payments.types")] | None:
        return await _payment(info, self.model.payment_id)

    @strawberry.field(description="Amount given back, in minor units.")
    def amount_minor(self) -> int:
        return self.model.amount_minor

    @strawberry.field(description="ISO 4217 currency code.")
    def currency(self) -> str:
        return self.model.currency

    @strawberry.field(description="Why the money was given back.")
    def reason(self) -> str:
        return self.model.reason

    @strawberry.field(
        description="Unused package credits taken back with this refund (0 for other payments)."
    )
    def credits_revoked(self) -> int:
        return self.model.credits_revoked

    @strawberry.field(
        description="The card provider's refund reference; null for cash and bank. Finance "
        "admins only, null for everyone else."
    )
    def provider_reference(self, info: Info) -> str | None:
        actor = info.context.actor
        if actor is None or not may_see_provider_reference(actor, self.model):
            return None
        return self.model.provider_reference

    @strawberry.field(description="Who made the refund (null when the system did).")
    async def refunded_by(self, info: Info) -> User | None:
        return await _user(info, self.model.actor_id)

    @strawberry.field(description="When it was made.")
    def created_at(self) -> datetime:
        return self.model.created_at


def invoice_or_none(model: models.Invoice | None) -> Invoice | None:
    return Invoice(model=model) if model is not None else None


def refund_or_none(model: models.Refund | None) -> Refund | None:
    return Refund(model=model) if model is not None else None


async def _fetch_invoice(info: Info, pk: Any) -> Invoice | None:
    return invoice_or_none(await resolvers.invoice_node(info, pk))


async def _fetch_refund(info: Info, pk: Any) -> Refund | None:
    return refund_or_none(await resolvers.refund_node(info, pk))


register_node("Invoice", _fetch_invoice)
register_node("Refund", _fetch_refund)
