"""Payouts: what the school owes an instructor for a period, frozen, then marked paid.

* ``create_payout`` (finance admins) computes the period's earnings (``earnings``) and
  writes them into a ``payouts`` row: later refunds or late-completed lessons never change
  a payout already made (the live earnings show the difference).
* One payout per instructor and period (``uq_payouts_instructor_period``:
  ``PAYOUT_EXISTS``), and no two payouts of one instructor cover the same day
  (``INVALID_PERIOD``): a transaction-scoped advisory lock per instructor serialises the
  overlap check, so two concurrent requests for overlapping periods cannot both pass it.
* Only a period that has ended (its last local day is before today) with at least one
  completed lesson can be paid out.
* ``mark_payout_paid`` moves ``pending → paid`` once, under the payout's row lock;
  repeating it with the same reference returns the payout unchanged.

Both append to the audit log.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from models.payments import Payout
from services.actor import Actor, Role, Scope
from services.errors import DomainError, Forbidden
from services.payments import earnings
from services.payments.errors import PaymentErrorCode as E
from services.uow import UnitOfWork


def now() -> datetime:
    return datetime.now(UTC)


def visible_payouts(actor: Actor) -> ColumnElement[bool]:
    """Platform admins: all; finance admins: their school's; instructors: their own."""
    if actor.is_platform_admin:
        return true()
    if actor.role is Role.SCHOOL_ADMIN and actor.has(Scope.FINANCES_MANAGE):
        return Payout.school_id == actor.school_id
    if actor.role is Role.INSTRUCTOR:
        return (Payout.school_id == actor.school_id) & (Payout.instructor_id == actor.user_id)
    raise Forbidden()


def require_finances(actor: Actor) -> None:
    if not (actor.is_platform_admin or actor.has(Scope.FINANCES_MANAGE)):
        raise Forbidden()
    if not actor.is_platform_admin and actor.role is not Role.SCHOOL_ADMIN:
        raise Forbidden()


def _snapshot(payout: Payout) -> dict[str, object]:
    return {
        "instructor_id": str(payout.instructor_id),
        "period_start": payout.period_start.isoformat(),
        "period_end": payout.period_end.isoformat(),
        "lessons_completed": payout.lessons_completed,
        "gross_minor": payout.gross_minor,
        "refunds_minor": payout.refunds_minor,
        "fee_minor": payout.fee_minor,
        "net_minor": payout.net_minor,
        "currency": payout.currency,
        "status": payout.status,
        "reference": payout.reference,
    }


async def create_payout(
    uow: UnitOfWork,
    actor: Actor,
    *,
    instructor_id: uuid.UUID,
    period_start: date,
    period_end: date,
    today: date | None = None,
) -> Payout:
    """Freeze an instructor's earnings for an ended period into a pending payout."""
    require_finances(actor)
    span = earnings.period(period_start, period_end)
    session = uow.session
    instructor, school = await earnings.instructor_in_scope(session, actor, instructor_id)
    local_today = today or now().astimezone(ZoneInfo(school.time_zone)).date()
    if span.end >= local_today:
        raise DomainError(
            E.INVALID_PERIOD, "Only a period that has ended can be paid out.", "periodEnd"
        )
    # One payout at a time per instructor: the overlap check below cannot race.
    await session.execute(
        select(func.pg_advisory_xact_lock(func.hashtextextended(f"payout:{instructor.id}", 0)))
    )
    existing = (
        await session.scalars(
            select(Payout).where(
                Payout.instructor_id == instructor.id,
                Payout.period_start <= span.end,
                Payout.period_end >= span.start,
            )
        )
    ).all()
    for other in existing:
        if other.period_start == span.start and other.period_end == span.end:
            raise DomainError(E.PAYOUT_EXISTS, "This period already has a payout.", "periodStart")
    if existing:
        raise DomainError(
            E.INVALID_PERIOD,
            "The period overlaps another payout of this instructor.",
            "periodStart",
        )
    figures = (await earnings.figures(session, school, [instructor.id], span))[instructor.id]
    if figures.lessons_completed == 0:
        raise DomainError(
            E.INVALID_PERIOD, "No lessons were completed in this period.", "periodStart"
        )
    payout = Payout(
        id=uuid.uuid4(),
        school_id=school.id,
        instructor_id=instructor.id,
        period_start=span.start,
        period_end=span.end,
        lessons_completed=figures.lessons_completed,
        gross_minor=figures.gross_minor,
        refunds_minor=figures.refunds_minor,
        fee_minor=figures.platform_fee_minor,
        net_minor=figures.net_minor,
        currency=figures.currency,
        status="pending",
        breakdown=figures.breakdown(),
        created_by_id=actor.user_id,
    )
    session.add(payout)
    await uow.flush_unique(
        lambda _name: DomainError(
            E.PAYOUT_EXISTS, "This period already has a payout.", "periodStart"
        )
    )
    uow.audit(
        actor,
        "payout.created",
        entity_type="Payout",
        entity_id=payout.id,
        school_id=school.id,
        after=_snapshot(payout),
    )
    return payout


async def mark_payout_paid(
    uow: UnitOfWork, actor: Actor, *, payout_id: uuid.UUID, reference: str
) -> Payout:
    """Record that a pending payout was paid (once; the same reference again is a no-op)."""
    require_finances(actor)
    reference = reference.strip()
    if not 1 <= len(reference) <= 100 or not reference.isprintable():
        raise DomainError(
            E.INVALID,
            "Give the payment's reference (1 to 100 printable characters).",
            "reference",
        )
    session = uow.session
    payout = await session.scalar(
        select(Payout).where(Payout.id == payout_id, visible_payouts(actor)).with_for_update()
    )
    if payout is None:
        raise DomainError(E.NOT_FOUND, "No such payout.", "payoutId")
    if payout.status == "paid":
        if payout.reference == reference:
            return payout
        raise DomainError(E.INVALID_STATUS, "This payout has already been paid.", "payoutId")
    before = _snapshot(payout)
    paid_at = now()
    # The row is locked (FOR UPDATE above): a concurrent request waits, then sees "paid".
    payout.status, payout.paid_at, payout.reference = "paid", paid_at, reference
    await session.flush()
    uow.audit(
        actor,
        "payout.paid",
        entity_type="Payout",
        entity_id=payout.id,
        school_id=payout.school_id,
        before=before,
        after=_snapshot(payout),
    )
    return payout


def list_query(actor: Actor, *, instructor_id: uuid.UUID | None, status: str | None) -> Select[Any]:
    stmt = select(Payout).where(visible_payouts(actor))
    if instructor_id is not None:
        stmt = stmt.where(Payout.instructor_id == instructor_id)
    if status is not None:
        stmt = stmt.where(Payout.status == status)
    return stmt


async def by_ids(
    session: AsyncSession, actor: Actor, payout_ids: list[uuid.UUID]
) -> dict[uuid.UUID, Payout]:
    try:
        condition = visible_payouts(actor)
    except Forbidden:
        return {}
    rows = await session.scalars(select(Payout).where(Payout.id.in_(payout_ids), condition))
    return {row.id: row for row in rows}
