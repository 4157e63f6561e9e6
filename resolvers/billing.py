"""Refunds and invoices: loaders and thin resolvers."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.payments import Invoice, InvoiceItem, Payment, Refund
from resolvers.context import Info
from resolvers.loaders import SessionLoader
from resolvers.pagination import Page, paginate
from services.payments import invoices, refunds
from services.payments.visibility import visible_payments


class InvoiceByIdLoader(SessionLoader[uuid.UUID, Invoice | None]):
    """Invoices the actor may see; anything else loads as None."""

    async def load_batch(
        self, session: AsyncSession, keys: list[uuid.UUID]
    ) -> list[Invoice | None]:
        if self.actor is None:
            return [None] * len(keys)
        rows = await session.scalars(
            select(Invoice).where(Invoice.id.in_(keys), invoices.visible(self.actor))
        )
        found = {row.id: row for row in rows}
        return [found.get(key) for key in keys]


class InvoiceItemsLoader(SessionLoader[uuid.UUID, list[InvoiceItem]]):
    """The lines of many invoices (already authorised through their invoice) at once."""

    async def load_batch(
        self, session: AsyncSession, keys: list[uuid.UUID]
    ) -> list[list[InvoiceItem]]:
        rows = await session.scalars(
            select(InvoiceItem)
            .where(InvoiceItem.invoice_id.in_(keys))
            .order_by(InvoiceItem.invoice_id, InvoiceItem.position)
        )
        grouped: dict[uuid.UUID, list[InvoiceItem]] = defaultdict(list)
        for row in rows:
            grouped[row.invoice_id].append(row)
        return [grouped.get(key, []) for key in keys]


class RefundByIdLoader(SessionLoader[uuid.UUID, Refund | None]):
    async def load_batch(self, session: AsyncSession, keys: list[uuid.UUID]) -> list[Refund | None]:
        if self.actor is None:
            return [None] * len(keys)
        rows = await session.scalars(
            select(Refund)
            .join(Payment, Payment.id == Refund.payment_id)
            .where(Refund.id.in_(keys), visible_payments(self.actor))
        )
        found = {row.id: row for row in rows}
        return [found.get(key) for key in keys]


async def invoice_node(info: Info, invoice_id: uuid.UUID) -> Invoice | None:
    if info.context.actor is None:
        return None
    return await info.context.loaders[InvoiceByIdLoader].load(invoice_id)


async def refund_node(info: Info, refund_id: uuid.UUID) -> Refund | None:
    if info.context.actor is None:
        return None
    return await info.context.loaders[RefundByIdLoader].load(refund_id)


async def items(info: Info, invoice_id: uuid.UUID) -> list[InvoiceItem]:
    return await info.context.loaders[InvoiceItemsLoader].load(invoice_id)


async def list_invoices(
    info: Info,
    *,
    first: int,
    after: str | None,
    student_id: uuid.UUID | None,
    status: str | None,
    mine: bool,
) -> Page[Invoice]:
    """Invoices newest first: the school's (finance admins) or the actor's own (``mine``)."""
    actor = info.context.require_actor()
    stmt = select(Invoice).where(invoices.visible(actor))
    if mine:
        stmt = stmt.where(Invoice.student_id == actor.user_id)
    if student_id is not None:
        stmt = stmt.where(Invoice.student_id == student_id)
    if status is not None:
        stmt = stmt.where(Invoice.status == status)
    async with info.context.state.db.session() as session:
        return await paginate(
            session,
            stmt,
            sort=Invoice.created_at,
            id_column=Invoice.id,
            first=first,
            after=after,
            max_page_size=info.context.state.max_page_size,
            descending=True,
        )


class RefundsByPaymentLoader(SessionLoader[uuid.UUID, list[Refund]]):
    """Many payments' refunds at once, oldest first; none for a payment the actor may not
    see."""

    async def load_batch(self, session: AsyncSession, keys: list[uuid.UUID]) -> list[list[Refund]]:
        if self.actor is None:
            return [[] for _ in keys]
        rows = await session.scalars(
            select(Refund)
            .join(Payment, Payment.id == Refund.payment_id)
            .where(Refund.payment_id.in_(keys), visible_payments(self.actor))
            .order_by(Refund.created_at, Refund.id)
        )
        grouped: dict[uuid.UUID, list[Refund]] = defaultdict(list)
        for row in rows:
            grouped[row.payment_id].append(row)
        return [grouped.get(key, []) for key in keys]


async def refunds_of(info: Info, payment_id: uuid.UUID) -> list[Refund]:
    """A payment's refunds, oldest first; empty when the actor may not see the payment."""
    info.context.require_actor()
    return await info.context.loaders[RefundsByPaymentLoader].load(payment_id)


async def refund_payment(info: Info, request: refunds.RefundRequest) -> Refund:
    actor = info.context.require_actor()
    async with info.context.unit_of_work() as uow:
        return await refunds.refund_payment(uow, actor, request)


async def create_invoice(info: Info, request: invoices.InvoiceRequest) -> Invoice:
    actor = info.context.require_actor()
    async with info.context.unit_of_work() as uow:
        return await invoices.create_invoice(uow, actor, request)


async def issue_invoice(info: Info, invoice_id: uuid.UUID) -> Invoice:
    actor = info.context.require_actor()
    async with info.context.unit_of_work() as uow:
        return await invoices.issue_invoice(uow, actor, invoice_id)


async def mark_invoice_paid(info: Info, invoice_id: uuid.UUID, paid_at: datetime | None) -> Invoice:
    actor = info.context.require_actor()
    async with info.context.unit_of_work() as uow:
        return await invoices.mark_paid(uow, actor, invoice_id, paid_at)


async def void_invoice(info: Info, invoice_id: uuid.UUID, reason: str | None) -> Invoice:
    actor = info.context.require_actor()
    async with info.context.unit_of_work() as uow:
        return await invoices.void_invoice(uow, actor, invoice_id, reason)
