"""Payments: loaders and thin resolvers (purchases, lesson payments, bank deposits, cash)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.payments import BankDeposit, Payment
from resolvers.context import Info
from resolvers.loaders import SessionLoader
from resolvers.pagination import Page, paginate
from services.actor import Actor, Scope
from services.payments import bank, cash, lesson_payments, purchase
from services.payments.visibility import visible_deposits, visible_payments
from services.uow import UnitOfWork


class PaymentByIdLoader(SessionLoader[uuid.UUID, Payment | None]):
    """Payments by id, as far as the actor may see them."""

    async def load_batch(
        self, session: AsyncSession, keys: list[uuid.UUID]
    ) -> list[Payment | None]:
        if self.actor is None:
            return [None] * len(keys)
        rows = await session.scalars(
            select(Payment).where(Payment.id.in_(keys), visible_payments(self.actor))
        )
        found = {row.id: row for row in rows}
        return [found.get(key) for key in keys]


class BankDepositByIdLoader(SessionLoader[uuid.UUID, BankDeposit | None]):
    async def load_batch(
        self, session: AsyncSession, keys: list[uuid.UUID]
    ) -> list[BankDeposit | None]:
        if self.actor is None:
            return [None] * len(keys)
        rows = await session.scalars(
            select(BankDeposit).where(BankDeposit.id.in_(keys), visible_deposits(self.actor))
        )
        found = {row.id: row for row in rows}
        return [found.get(key) for key in keys]


async def payment_node(info: Info, payment_id: uuid.UUID) -> Payment | None:
    if info.context.actor is None:
        return None
    return await info.context.loaders[PaymentByIdLoader].load(payment_id)


async def deposit_node(info: Info, deposit_id: uuid.UUID) -> BankDeposit | None:
    if info.context.actor is None:
        return None
    return await info.context.loaders[BankDepositByIdLoader].load(deposit_id)


async def _page(info: Info, stmt: Any, model: Any, first: int, after: str | None) -> Page[Any]:
    async with info.context.state.db.session() as session:
        return await paginate(
            session,
            stmt,
            sort=model.created_at,
            id_column=model.id,
            first=first,
            after=after,
            max_page_size=info.context.state.max_page_size,
            descending=True,
        )


async def list_payments(
    info: Info,
    *,
    first: int,
    after: str | None,
    student_id: uuid.UUID | None = None,
    status: str | None = None,
    kind: str | None = None,
    mine: bool = False,
) -> Page[Payment]:
    """The school's payments (finance admins) or the actor's own (``mine``), newest first."""
    actor = info.context.require_actor()
    if mine:
        stmt = select(Payment).where(Payment.student_id == actor.user_id)
    else:
        actor.require(Scope.FINANCES_MANAGE)
        stmt = select(Payment).where(visible_payments(actor))
        if student_id is not None:
            stmt = stmt.where(Payment.student_id == student_id)
    if status is not None:
        stmt = stmt.where(Payment.status == status)
    if kind is not None:
        stmt = stmt.where(Payment.kind == kind)
    return await _page(info, stmt, Payment, first, after)


async def list_deposits(
    info: Info, *, first: int, after: str | None, status: str | None
) -> Page[BankDeposit]:
    actor = info.context.require_actor()
    actor.require(Scope.FINANCES_MANAGE)
    stmt = select(BankDeposit).where(visible_deposits(actor))
    if status is not None:
        stmt = stmt.where(BankDeposit.status == status)
    return await _page(info, stmt, BankDeposit, first, after)


async def _run(info: Info, work: Any) -> Any:
    actor: Actor = info.context.require_actor()

    async def once(uow: UnitOfWork) -> Any:
        return await work(uow, actor)

    return await info.context.transact(once)


async def purchase_package(info: Info, request: purchase.PurchaseRequest) -> purchase.Purchase:
    result: purchase.Purchase = await _run(
        info, lambda uow, actor: purchase.purchase_package(uow, actor, request)
    )
    return result


async def quote_purchase(
    info: Info, *, package_id: uuid.UUID, promo_code: str | None, student_id: uuid.UUID | None
) -> purchase.Quote:
    actor = info.context.require_actor()
    async with info.context.state.db.session() as session:
        return await purchase.quote(
            session, actor, package_id=package_id, promo_code=promo_code, student_id=student_id
        )


async def pay_for_booking(
    info: Info, booking_id: uuid.UUID, method: str, key: str | None
) -> lesson_payments.LessonPayment:
    result: lesson_payments.LessonPayment = await _run(
        info,
        lambda uow, actor: lesson_payments.pay_for_booking(uow, actor, booking_id, method, key),
    )
    return result


async def record_bank_deposit(info: Info, line: bank.DepositLine) -> bank.Recorded:
    result: bank.Recorded = await _run(
        info, lambda uow, actor: bank.record_bank_deposit(uow, actor, line)
    )
    return result


async def record_cash_payment(info: Info, payment_id: uuid.UUID, note: str | None) -> Payment:
    result: Payment = await _run(
        info, lambda uow, actor: cash.record_cash_payment(uow, actor, payment_id, note)
    )
    return result
