"""Shared by the billing tests: succeeded payments made through the payments core (cash
settles at once, card through the local provider auto-settles), package payments whose
package is active with its credits, and the GraphQL documents."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update

from models.packages import CreditEntry, StudentPackage
from models.payments import Payment, Refund
from models.schools import School
from resolvers.context import AppState
from services.packages import ledger
from services.payments import core
from services.payments.core import PaymentRequest
from services.uow import unit_of_work
from tests.packages.helpers import add_pending_package
from tests.support import Factory, SchoolWorld

REFUND = """
mutation Refund($input: RefundPaymentInput!) {
  refundPayment(input: $input) {
    refund { id payment { id status refundedMinor } amountMinor currency reason creditsRevoked providerReference
             refundedBy { id } createdAt }
    errors { code message field }
  }
}
"""

REFUNDS = """
query Refunds($paymentId: ID!) {
  refunds(paymentId: $paymentId) { id amountMinor reason creditsRevoked }
}
"""

INVOICE_FIELDS = """
  id number displayNumber status currency subtotalMinor discountMinor taxRateBps taxMinor
  totalMinor notes payment { id } issuedAt dueOn paidAt voidedAt student { id }
  items { position description quantity unitMinor amountMinor }
"""

CREATE_INVOICE = f"""
mutation Create($input: CreateInvoiceInput!) {{
  createInvoice(input: $input) {{
    invoice {{ {INVOICE_FIELDS} }}
    errors {{ code message field }}
  }}
}}
"""

ISSUE_INVOICE = f"""
mutation Issue($input: IssueInvoiceInput!) {{
  issueInvoice(input: $input) {{ invoice {{ {INVOICE_FIELDS} }} errors {{ code message field }} }}
}}
"""

MARK_PAID = f"""
mutation Paid($input: MarkInvoicePaidInput!) {{
  markInvoicePaid(input: $input) {{ invoice {{ {INVOICE_FIELDS} }} errors {{ code message field }} }}
}}
"""

VOID_INVOICE = f"""
mutation Void($input: VoidInvoiceInput!) {{
  voidInvoice(input: $input) {{ invoice {{ {INVOICE_FIELDS} }} errors {{ code message field }} }}
}}
"""

INVOICES = f"""
query Invoices($filter: InvoiceFilter, $first: Int) {{
  invoices(filter: $filter, first: $first) {{
    edges {{ node {{ {INVOICE_FIELDS} }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
"""

MY_INVOICES = f"""
query Mine {{
  myInvoices(first: 100) {{ edges {{ node {{ {INVOICE_FIELDS} }} }} }}
}}
"""


@dataclass
class Paid:
    payment: Payment
    student_package: StudentPackage | None = None


async def set_tax_rate(state: AppState, school_id: uuid.UUID, bps: int) -> None:
    async with state.db.transaction() as session:
        await session.execute(update(School).where(School.id == school_id).values(tax_rate_bps=bps))


async def package_payment(
    factory: Factory,
    world: SchoolWorld,
    *,
    lessons: int = 5,
    price_minor: int = 20000,
    method: str = "cash",
    student: Any = None,
) -> Paid:
    """A succeeded payment for a package of ``lessons`` credits, the package active.

    Works with and without the purchase listener of the payments part: when that
    listener has already granted the credits, ``ledger.grant`` returns None."""
    state = factory.state
    actor = await factory.actor()
    student = student or world.student
    async with unit_of_work(state.db, state.hub, state.deps) as uow:
        held = await add_pending_package(
            uow.session,
            school_id=world.school.id,
            student_id=student.id,
            lessons=lessons,
            amount_minor=price_minor,
        )
        payment = await core.create_payment(
            uow,
            actor,
            PaymentRequest(
                school_id=world.school.id,
                student_id=student.id,
                kind="package",
                method=method,
                amount_minor=price_minor,
                currency="GBP",
                description=f"Package: {held.name}",
                student_package_id=held.id,
            ),
        )
        assert payment.status == "succeeded", payment.status
        await ledger.grant(
            uow, held.id, now=datetime.now(UTC), validity_days=365, actor_id=actor.user_id
        )
        package_id = held.id
    async with state.db.session() as session:
        package = await session.get(StudentPackage, package_id)
    assert package is not None
    assert package.status == "active"
    return Paid(payment, package)


async def booking_payment(
    factory: Factory,
    world: SchoolWorld,
    booking_id: uuid.UUID,
    *,
    kind: str = "deposit",
    amount_minor: int = 1000,
    method: str = "cash",
) -> Payment:
    state = factory.state
    actor = await factory.actor()
    async with unit_of_work(state.db, state.hub, state.deps) as uow:
        payment = await core.create_payment(
            uow,
            actor,
            PaymentRequest(
                school_id=world.school.id,
                student_id=world.student.id,
                kind=kind,
                method=method,
                amount_minor=amount_minor,
                currency="GBP",
                description=f"{kind.title()} for a lesson",
                booking_id=booking_id,
            ),
        )
    assert payment.status == "succeeded"
    return payment


async def fetch_payment(state: AppState, payment_id: uuid.UUID) -> Payment:
    async with state.db.session() as session:
        payment = await session.get(Payment, payment_id)
    assert payment is not None
    return payment


async def fetch_package(state: AppState, package_id: uuid.UUID) -> StudentPackage:
    async with state.db.session() as session:
        package = await session.get(StudentPackage, package_id)
    assert package is not None
    return package


async def refund_rows(state: AppState, payment_id: uuid.UUID) -> list[Refund]:
    async with state.db.session() as session:
        rows = await session.scalars(select(Refund).where(Refund.payment_id == payment_id))
        return list(rows)


async def ledger_sum(state: AppState, package_id: uuid.UUID) -> int:
    async with state.db.session() as session:
        total = await session.scalar(
            select(func.coalesce(func.sum(CreditEntry.delta), 0)).where(
                CreditEntry.student_package_id == package_id
            )
        )
    return int(total or 0)


async def ledger_entries(state: AppState, package_id: uuid.UUID) -> list[CreditEntry]:
    async with state.db.session() as session:
        rows = await session.scalars(
            select(CreditEntry)
            .where(CreditEntry.student_package_id == package_id)
            .order_by(CreditEntry.id)
        )
        return list(rows)
