"""Earnings and payouts: loaders and thin resolvers."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from models.payments import Payout
from models.scheduling import Booking
from resolvers.context import Info
from resolvers.loaders import SessionLoader
from resolvers.pagination import Page, paginate
from services.payments import earnings, payouts
from services.payments.earnings import Earnings


class CreditValueByBookingLoader(SessionLoader[uuid.UUID, int | None]):
    """The ledger's value of the credit a booking drew (None when it drew none).

    Only used for bookings the earnings query already authorised."""

    async def load_batch(self, session: AsyncSession, keys: list[uuid.UUID]) -> list[int | None]:
        found = await earnings.credit_values(session, keys)
        return [found.get(key) for key in keys]


class RefundedByBookingLoader(SessionLoader[tuple[uuid.UUID, uuid.UUID], int]):
    """Σ refunds on a booking's lesson and deposit payments, keyed (school, booking)."""

    async def load_batch(
        self, session: AsyncSession, keys: list[tuple[uuid.UUID, uuid.UUID]]
    ) -> list[int]:
        by_school: dict[uuid.UUID, list[uuid.UUID]] = {}
        for school_id, booking_id in keys:
            by_school.setdefault(school_id, []).append(booking_id)
        found: dict[uuid.UUID, int] = {}
        for school_id, booking_ids in by_school.items():
            found.update(await earnings.refunded_amounts(session, school_id, booking_ids))
        return [found.get(booking_id, 0) for _, booking_id in keys]


class PayoutByIdLoader(SessionLoader[uuid.UUID, Payout | None]):
    """Payouts the actor may see."""

    async def load_batch(self, session: AsyncSession, keys: list[uuid.UUID]) -> list[Payout | None]:
        if self.actor is None:
            return [None] * len(keys)
        found = await payouts.by_ids(session, self.actor, keys)
        return [found.get(key) for key in keys]


async def instructor_earnings(
    info: Info, instructor_id: uuid.UUID, start: date, end: date
) -> Earnings:
    actor = info.context.require_actor()
    async with info.context.state.db.session() as session:
        return await earnings.instructor_earnings(session, actor, instructor_id, start, end)


async def my_earnings(info: Info, start: date, end: date) -> Earnings:
    actor = info.context.require_actor()
    async with info.context.state.db.session() as session:
        return await earnings.my_earnings(session, actor, start, end)


async def school_earnings(
    info: Info, start: date, end: date, school_id: uuid.UUID | None
) -> list[Earnings]:
    actor = info.context.require_actor()
    async with info.context.state.db.session() as session:
        return await earnings.school_earnings(session, actor, start, end, school_id)


async def earning_lessons(
    info: Info, figures: Earnings, first: int, after: str | None
) -> Page[Booking]:
    """The completed lessons behind ``figures`` (already authorised), by start time."""
    async with info.context.state.db.session() as session:
        return await paginate(
            session,
            earnings.lessons_query(figures),
            sort=Booking.starts_at,
            id_column=Booking.id,
            first=first,
            after=after,
            max_page_size=info.context.state.max_page_size,
        )


async def list_payouts(
    info: Info,
    *,
    first: int,
    after: str | None,
    instructor_id: uuid.UUID | None,
    status: str | None,
) -> Page[Payout]:
    """Payouts the actor may see, newest first."""
    actor = info.context.require_actor()
    stmt = payouts.list_query(actor, instructor_id=instructor_id, status=status)
    async with info.context.state.db.session() as session:
        return await paginate(
            session,
            stmt,
            sort=Payout.created_at,
            id_column=Payout.id,
            first=first,
            after=after,
            max_page_size=info.context.state.max_page_size,
            descending=True,
        )


async def payout(info: Info, payout_id: uuid.UUID) -> Payout | None:
    if info.context.actor is None:
        return None
    return await info.context.loaders[PayoutByIdLoader].load(payout_id)


async def create_payout(
    info: Info, instructor_id: uuid.UUID, period_start: date, period_end: date
) -> Payout:
    actor = info.context.require_actor()

    async def work(uow: payouts.UnitOfWork) -> Payout:
        return await payouts.create_payout(
            uow,
            actor,
            instructor_id=instructor_id,
            period_start=period_start,
            period_end=period_end,
        )

    return await info.context.transact(work)


async def mark_payout_paid(info: Info, payout_id: uuid.UUID, reference: str) -> Payout:
    actor = info.context.require_actor()

    async def work(uow: payouts.UnitOfWork) -> Payout:
        return await payouts.mark_payout_paid(uow, actor, payout_id=payout_id, reference=reference)

    return await info.context.transact(work)
