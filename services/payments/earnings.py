"""Instructor earnings for a period of local dates (SPEC §3).

What an instructor earned in ``[period_start, period_end]`` (local dates of the school's
time zone, both included, at most 366 days) is built from the lessons **completed** in
it (``bookings.status = 'completed'``, by ``starts_at``), each valued at:

* a lesson paid with a credit — the ``value_minor`` of its ``credit_entries`` row with
  reason ``booking``: the ledger priced the credit when it was drawn (a package's price
  shared out over its credits, the earlier credits carrying the remainder's pennies), and
  earnings never recompute it, so they reconcile with the ledger to the penny;
* a pay-as-you-go lesson — the booking's ``price_minor``, fixed when it was booked.

Refunds on those bookings' lesson and deposit payments (whenever made) come off the
gross; the platform fee is ``money.basis_points(gross - refunds, school.platform_fee_bps)``
(rounded half up); ``net = gross - refunds - fee``.

Every figure comes from a fixed number of aggregate statements whatever the number of
lessons or instructors: the school, the instructors, one ``GROUP BY instructor`` over the
lessons (with the ledger's values and the refunds joined in), the payouts of the period.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.accounts import User
from models.packages import CreditEntry
from models.payments import Payment, Payout, Refund
from models.scheduling import Booking
from models.schools import School
from services.actor import Actor, Role, Scope
from services.errors import DomainError, Forbidden
from services.money import basis_points
from services.payments.errors import PaymentErrorCode as E

MAX_PERIOD_DAYS = 366
REFUNDED_KINDS = ("lesson", "deposit")


@dataclass(frozen=True)
class Period:
    """Local dates, both included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """The instants ``[first local midnight, midnight after the last day)``."""
        lower = datetime.combine(self.start, time(0), zone).astimezone(UTC)
        upper = datetime.combine(self.end + timedelta(days=1), time(0), zone).astimezone(UTC)
        return lower, upper

    def overlaps(self, other_start: date, other_end: date) -> bool:
        return self.start <= other_end and other_start <= self.end


def period(start: date, end: date) -> Period:
    """A valid period, else ``INVALID_PERIOD``."""
    if end < start:
        raise DomainError(E.INVALID_PERIOD, "The period ends before it starts.", "periodEnd")
    result = Period(start, end)
    if result.days > MAX_PERIOD_DAYS:
        raise DomainError(
            E.INVALID_PERIOD, f"Ask for at most {MAX_PERIOD_DAYS} days at a time.", "periodEnd"
        )
    return result


@dataclass(frozen=True)
class Earnings:
    """One instructor's figures for one period, in the school's currency."""

    instructor_id: uuid.UUID
    school_id: uuid.UUID
    period: Period
    currency: str
    platform_fee_bps: int
    package_lessons: int
    pay_as_you_go_lessons: int
    package_minor: int
    pay_as_you_go_minor: int
    refunds_minor: int
    payout: Payout | None
    # The instants the period covers, for the per-lesson breakdown.
    lower: datetime
    upper: datetime

    @property
    def lessons_completed(self) -> int:
        return self.package_lessons + self.pay_as_you_go_lessons

    @property
    def gross_minor(self) -> int:
        return self.package_minor + self.pay_as_you_go_minor

    @property
    def platform_fee_minor(self) -> int:
        return basis_points(max(self.gross_minor - self.refunds_minor, 0), self.platform_fee_bps)

    @property
    def net_minor(self) -> int:
        return self.gross_minor - self.refunds_minor - self.platform_fee_minor

    @property
    def payout_status(self) -> str:
        """``none``, ``pending`` or ``paid``: the payout of exactly this period."""
        return self.payout.status if self.payout is not None else "none"

    def breakdown(self) -> dict[str, int]:
        return {
            "packageLessons": self.package_lessons,
            "payAsYouGoLessons": self.pay_as_you_go_lessons,
            "packageMinor": self.package_minor,
            "payAsYouGoMinor": self.pay_as_you_go_minor,
            "platformFeeBps": self.platform_fee_bps,
        }


# -- who may see what ---------------------------------------------------------------------------


def not_found() -> DomainError:
    return DomainError(E.NOT_FOUND, "No such instructor.", "instructorId")


def may_manage_finances(actor: Actor, school_id: uuid.UUID | None) -> bool:
    """School admins with the finances scope of that school, and platform admins."""
    return actor.is_platform_admin or (
        actor.role is Role.SCHOOL_ADMIN
        and actor.has(Scope.FINANCES_MANAGE)
        and actor.school_id == school_id
    )


def check_reader(actor: Actor, instructor_id: uuid.UUID) -> None:
    """Who may ask at all: the instructor about themself, admins who manage finances.

    Students, other instructors and admins without the finances scope are FORBIDDEN
    whatever the id names; an admin asking about another school's instructor gets
    ``NOT_FOUND`` (as scheduling reports another school's instructor), never its figures."""
    if actor.role is Role.INSTRUCTOR and actor.user_id == instructor_id:
        return
    if actor.is_platform_admin:
        return
    if actor.role is Role.SCHOOL_ADMIN and actor.has(Scope.FINANCES_MANAGE):
        return
    raise Forbidden()


async def instructor_in_scope(
    session: AsyncSession, actor: Actor, instructor_id: uuid.UUID
) -> tuple[User, School]:
    """The instructor (with their school) whose earnings the actor may read."""
    check_reader(actor, instructor_id)
    row = (
        await session.execute(
            select(User, School)
            .join(School, School.id == User.school_id)
            .where(
                User.id == instructor_id,
                User.role == Role.INSTRUCTOR.value,
                User.deleted_at.is_(None),
            )
        )
    ).one_or_none()
    if row is None or not actor.can_see_school(row[0].school_id):
        raise not_found()
    return row[0], row[1]


def school_for(actor: Actor, school_id: uuid.UUID | None) -> uuid.UUID:
    """The school a finance report is about: the admin's own; platform admins name one."""
    if not (actor.is_platform_admin or actor.has(Scope.FINANCES_MANAGE)):
        raise Forbidden()
    if actor.is_platform_admin:
        if school_id is None:
            raise DomainError(E.NOT_FOUND, "Name the school.", "schoolId")
        return school_id
    if actor.role is not Role.SCHOOL_ADMIN or actor.school_id is None:
        raise Forbidden()
    if school_id is not None and school_id != actor.school_id:
        raise DomainError(E.NOT_FOUND, "No such school.", "schoolId")
    return actor.school_id


# -- the figures --------------------------------------------------------------------------------


def completed_lessons(
    school_id: uuid.UUID, lower: datetime, upper: datetime
) -> list[ColumnElement[bool]]:
    """The bookings that count: completed, not deleted, starting within the period."""
    return [
        Booking.school_id == school_id,
        Booking.status == "completed",
        Booking.deleted_at.is_(None),
        Booking.starts_at >= lower,
        Booking.starts_at < upper,
    ]


def _drawn() -> ColumnElement[bool]:
    return and_(CreditEntry.booking_id == Booking.id, CreditEntry.reason == "booking")


def refunds_per_booking(school_id: uuid.UUID) -> Select[uuid.UUID | None, int]:
    """Σ succeeded refunds on each booking's lesson and deposit payments (one school's)."""
    return (
        select(Payment.booking_id, func.sum(Refund.amount_minor).label("refunded"))
        .join(Refund, Refund.payment_id == Payment.id)
        .where(
            Payment.school_id == school_id,
            Payment.kind.in_(REFUNDED_KINDS),
            Refund.status == "succeeded",
        )
        .group_by(Payment.booking_id)
    )


async def figures(
    session: AsyncSession,
    school: School,
    instructor_ids: list[uuid.UUID],
    span: Period,
) -> dict[uuid.UUID, Earnings]:
    """Earnings of several instructors of one school in two statements (the lessons'
    aggregate with refunds joined in, and the period's payouts)."""
    zone = ZoneInfo(school.time_zone)
    lower, upper = span.bounds(zone)
    refunds = refunds_per_booking(school.id).subquery()
    on_credit = Booking.student_package_id.is_not(None)
    rows = (
        await session.execute(
            select(
                Booking.instructor_id,
                func.count().filter(on_credit),
                func.count().filter(~on_credit),
                func.coalesce(
                    func.sum(func.coalesce(CreditEntry.value_minor, 0)).filter(on_credit), 0
                ),
                func.coalesce(func.sum(Booking.price_minor).filter(~on_credit), 0),
                func.coalesce(func.sum(refunds.c.refunded), 0),
            )
            .select_from(Booking)
            .outerjoin(CreditEntry, _drawn())
            .outerjoin(refunds, refunds.c.booking_id == Booking.id)
            .where(
                Booking.instructor_id.in_(instructor_ids),
                *completed_lessons(school.id, lower, upper),
            )
            .group_by(Booking.instructor_id)
        )
    ).all()
    sums = {row[0]: tuple(int(v) for v in row[1:]) for row in rows}
    payouts = {
        p.instructor_id: p
        for p in await session.scalars(
            select(Payout).where(
                Payout.school_id == school.id,
                Payout.instructor_id.in_(instructor_ids),
                Payout.period_start == span.start,
                Payout.period_end == span.end,
            )
        )
    }
    result = {}
    for instructor_id in instructor_ids:
        pkg_n, payg_n, pkg, payg, refunded = sums.get(instructor_id, (0, 0, 0, 0, 0))
        result[instructor_id] = Earnings(
            instructor_id=instructor_id,
            school_id=school.id,
            period=span,
            currency=school.currency,
            platform_fee_bps=school.platform_fee_bps,
            package_lessons=pkg_n,
            pay_as_you_go_lessons=payg_n,
            package_minor=pkg,
            pay_as_you_go_minor=payg,
            refunds_minor=refunded,
            payout=payouts.get(instructor_id),
            lower=lower,
            upper=upper,
        )
    return result


async def instructor_earnings(
    session: AsyncSession, actor: Actor, instructor_id: uuid.UUID, start: date, end: date
) -> Earnings:
    """One instructor's earnings: the instructor themself, or finance admins of the school."""
    span = period(start, end)
    instructor, school = await instructor_in_scope(session, actor, instructor_id)
    return (await figures(session, school, [instructor.id], span))[instructor.id]


async def my_earnings(session: AsyncSession, actor: Actor, start: date, end: date) -> Earnings:
    """The acting instructor's own earnings."""
    if actor.role is not Role.INSTRUCTOR:
        raise Forbidden("Only instructors have earnings.")
    return await instructor_earnings(session, actor, actor.user_id, start, end)


async def school_earnings(
    session: AsyncSession,
    actor: Actor,
    start: date,
    end: date,
    school_id: uuid.UUID | None = None,
) -> list[Earnings]:
    """One row per instructor of the school (by name), in a fixed number of statements."""
    span = period(start, end)
    wanted = school_for(actor, school_id)
    school = await session.get(School, wanted)
    if school is None:
        raise DomainError(E.NOT_FOUND, "No such school.", "schoolId")
    instructors = list(
        (
            await session.execute(
                select(User.id)
                .where(
                    User.school_id == school.id,
                    User.role == Role.INSTRUCTOR.value,
                    User.deleted_at.is_(None),
                )
                .order_by(User.last_name, User.first_name, User.id)
            )
        ).scalars()
    )
    if not instructors:
        return []
    found = await figures(session, school, instructors, span)
    return [found[i] for i in instructors]


def lessons_query(earnings: Earnings) -> Select[Any]:
    """The completed lessons behind ``earnings``, for the per-lesson breakdown."""
    return select(Booking).where(
        Booking.instructor_id == earnings.instructor_id,
        *completed_lessons(earnings.school_id, earnings.lower, earnings.upper),
    )


async def credit_values(
    session: AsyncSession, booking_ids: list[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """The ledger's value of the credit each booking drew (bookings that drew none absent)."""
    rows = await session.execute(
        select(CreditEntry.booking_id, CreditEntry.value_minor).where(
            CreditEntry.booking_id.in_(booking_ids), CreditEntry.reason == "booking"
        )
    )
    return {row[0]: int(row[1]) for row in rows if row[0] is not None}


async def refunded_amounts(
    session: AsyncSession, school_id: uuid.UUID, booking_ids: list[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """Σ succeeded refunds on each booking's lesson and deposit payments."""
    rows = await session.execute(
        refunds_per_booking(school_id).where(Payment.booking_id.in_(booking_ids))
    )
    return {row[0]: int(row[1]) for row in rows if row[0] is not None}
