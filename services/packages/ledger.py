"""The credit ledger: every movement of a lesson credit, and the only code that moves one.

Each movement changes ``student_packages.lessons_remaining`` with one conditional
``UPDATE … RETURNING`` (so two concurrent bookings can never take the last credit twice:
the second one's ``WHERE lessons_remaining >= 1`` finds nothing once the row is unlocked)
and appends a ``credit_entries`` row carrying the balance that ``UPDATE`` returned, in
the same transaction. The ledger and the packages therefore agree row for row;
``tests/packages`` check them against each other.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, func, or_, select, update

from models.packages import CreditEntry, StudentPackage
from services.money import share
from services.uow import UnitOfWork
from subscriptions.envelope import school_key, user_key

ACCOUNT_CHANGED = "account.changed"


@dataclass(frozen=True)
class Movement:
    """A credit movement that happened: the package, its balance after, the entry."""

    package_id: uuid.UUID
    balance_after: int
    entry: CreditEntry


def emit_account_changed(
    uow: UnitOfWork,
    *,
    student_id: uuid.UUID,
    school_id: uuid.UUID,
    entity: str,
    entity_id: uuid.UUID,
) -> None:
    """Tell ``myAccountChanged`` subscribers that a student's credits or payments moved."""
    uow.emit(
        ACCOUNT_CHANGED,
        entity_type=entity,
        entity_id=entity_id,
        school_id=school_id,
        keys=[user_key(student_id), school_key(school_id)],
    )


def _append(
    uow: UnitOfWork,
    *,
    package_id: uuid.UUID,
    school_id: uuid.UUID,
    student_id: uuid.UUID,
    delta: int,
    balance_after: int,
    reason: str,
    actor_id: uuid.UUID | None,
    booking_id: uuid.UUID | None = None,
    value_minor: int = 0,
    note: str | None = None,
) -> CreditEntry:
    entry = CreditEntry(
        school_id=school_id,
        student_id=student_id,
        student_package_id=package_id,
        booking_id=booking_id,
        delta=delta,
        balance_after=balance_after,
        value_minor=value_minor,
        reason=reason,
        note=note,
        actor_id=actor_id,
    )
    uow.session.add(entry)
    emit_account_changed(
        uow,
        student_id=student_id,
        school_id=school_id,
        entity="StudentPackage",
        entity_id=package_id,
    )
    return entry


async def grant(
    uow: UnitOfWork,
    package_id: uuid.UUID,
    *,
    now: datetime,
    validity_days: int,
    actor_id: uuid.UUID | None,
) -> Movement | None:
    """A paid package becomes active with all its credits; None if it was not waiting for
    payment (a settled payment's replay grants nothing)."""
    row = (
        await uow.session.execute(
            update(StudentPackage)
            .where(StudentPackage.id == package_id, StudentPackage.status == "pending_payment")
            .values(
                status="active",
                lessons_remaining=StudentPackage.lessons_total,
                purchased_at=now,
                expires_at=now + timedelta(days=validity_days),
            )
            .returning(
                StudentPackage.school_id, StudentPackage.student_id, StudentPackage.lessons_total
            )
        )
    ).one_or_none()
    if row is None:
        return None
    school_id, student_id, total = row
    entry = _append(
        uow,
        package_id=package_id,
        school_id=school_id,
        student_id=student_id,
        delta=total,
        balance_after=total,
        reason="purchase",
        actor_id=actor_id,
    )
    return Movement(package_id, total, entry)


@dataclass(frozen=True)
class Want:
    """What a booking needs a credit for."""

    school_id: uuid.UUID
    student_id: uuid.UUID
    instructor_id: uuid.UUID
    lesson_type_id: uuid.UUID
    duration_minutes: int
    starts_at: datetime


def matching(want: Want) -> list[ColumnElement[bool]]:
    """The conditions under which a student package can pay for the lesson ``want`` names."""
    return [
        StudentPackage.school_id == want.school_id,
        StudentPackage.student_id == want.student_id,
        StudentPackage.status == "active",
        StudentPackage.lessons_remaining >= 1,
        StudentPackage.expires_at > want.starts_at,
        StudentPackage.lesson_duration_minutes == want.duration_minutes,
        or_(
            StudentPackage.lesson_type_id.is_(None),
            StudentPackage.lesson_type_id == want.lesson_type_id,
        ),
        or_(
            StudentPackage.instructor_id.is_(None),
            StudentPackage.instructor_id == want.instructor_id,
        ),
    ]


async def draw(
    uow: UnitOfWork,
    want: Want,
    *,
    booking_id: uuid.UUID,
    actor_id: uuid.UUID | None,
    package_id: uuid.UUID | None = None,
) -> Movement | None:
    """Take one credit for ``booking_id``: from ``package_id`` when the student names one,
    else from the matching package that expires first. None when no credit is left.

    Candidates are read without a lock, then each is tried with a conditional ``UPDATE``:
    one blocked behind a concurrent draw re-checks ``lessons_remaining >= 1`` once that
    draw commits, and the next candidate is tried if it is spent."""
    conditions = matching(want)
    if package_id is not None:
        conditions.append(StudentPackage.id == package_id)
    candidates = (
        await uow.session.scalars(
            select(StudentPackage.id)
            .where(*conditions)
            .order_by(StudentPackage.expires_at, StudentPackage.purchased_at, StudentPackage.id)
            .limit(20)
        )
    ).all()
    for candidate in candidates:
        row = (
            await uow.session.execute(
                update(StudentPackage)
                .where(StudentPackage.id == candidate, *matching(want))
                .values(
                    lessons_remaining=StudentPackage.lessons_remaining - 1,
                    status=case(
                        (StudentPackage.lessons_remaining == 1, "exhausted"),
                        else_=StudentPackage.status,
                    ),
                )
                .returning(
                    StudentPackage.lessons_remaining,
                    StudentPackage.lessons_total,
                    StudentPackage.amount_paid_minor,
                )
            )
        ).one_or_none()
        if row is None:
            continue
        remaining, total, paid = row
        entry = _append(
            uow,
            package_id=candidate,
            school_id=want.school_id,
            student_id=want.student_id,
            delta=-1,
            balance_after=remaining,
            reason="booking",
            booking_id=booking_id,
            value_minor=await _next_value(uow, candidate, paid, total),
            actor_id=actor_id,
        )
        return Movement(candidate, remaining, entry)
    return None


async def _next_value(uow: UnitOfWork, package_id: uuid.UUID, paid: int, total: int) -> int:
    """The value of the credit being drawn, so that the credits a package's bookings hold
    are always worth ``share(paid, total, i)`` for their first indexes: ``remainder``
    of them carry a penny more, and the rest do not. The next draw carries a penny when
    fewer than ``remainder`` held credits (drawn and not returned) do. Counting by
    position (``total - remaining``) would not add up after a give-back: 10000 / 3 drawn
    3334, 3333, 3333, the 3334 returned and drawn again as a third 3333, a penny lost.
    Runs under the package's row lock (the draw's UPDATE), so draws count one by one."""
    base, remainder = divmod(paid, total)
    if remainder == 0:
        return base
    held_plus = await uow.session.scalar(
        select(
            func.count().filter(CreditEntry.reason == "booking")
            - func.count().filter(CreditEntry.reason == "returned")
        ).where(
            CreditEntry.student_package_id == package_id,
            CreditEntry.value_minor == base + 1,
        )
    )
    # share's first part carries a penny of the remainder, its last part none.
    return share(paid, total, 0 if int(held_plus or 0) < remainder else total - 1)


async def give_back(
    uow: UnitOfWork,
    *,
    booking_id: uuid.UUID,
    package_id: uuid.UUID,
    actor_id: uuid.UUID | None,
    note: str | None = None,
) -> Movement | None:
    """Return the credit ``booking_id`` drew; None if it drew none or already got it back.

    The draw's entry is locked first, so two concurrent give-backs serialise, and the
    unique index on (booking, reason) refuses a second ``returned`` entry in any case.
    A package that expired or was refunded meanwhile gets nothing back."""
    drawn = await uow.session.scalar(
        select(CreditEntry)
        .where(CreditEntry.booking_id == booking_id, CreditEntry.reason == "booking")
        .with_for_update()
    )
    if drawn is None or drawn.student_package_id != package_id:
        return None
    already = await uow.session.scalar(
        select(func.count())
        .select_from(CreditEntry)
        .where(CreditEntry.booking_id == booking_id, CreditEntry.reason == "returned")
    )
    if already:
        return None
    row = (
        await uow.session.execute(
            update(StudentPackage)
            .where(
                StudentPackage.id == package_id,
                StudentPackage.status.in_(("active", "exhausted")),
                StudentPackage.lessons_remaining < StudentPackage.lessons_total,
            )
            .values(lessons_remaining=StudentPackage.lessons_remaining + 1, status="active")
            .returning(StudentPackage.lessons_remaining)
        )
    ).one_or_none()
    if row is None:
        return None
    entry = _append(
        uow,
        package_id=package_id,
        school_id=drawn.school_id,
        student_id=drawn.student_id,
        delta=1,
        balance_after=row[0],
        reason="returned",
        booking_id=booking_id,
        value_minor=drawn.value_minor,
        actor_id=actor_id,
        note=note,
    )
    return Movement(package_id, row[0], entry)


async def take_away(
    uow: UnitOfWork,
    package_id: uuid.UUID,
    *,
    count: int | None,
    reason: str,
    status: str | None,
    actor_id: uuid.UUID | None,
    note: str | None = None,
) -> Movement | None:
    """Remove up to ``count`` unused credits (all of them when None) because the package
    expired or was refunded, optionally setting its ``status``; None if none were left
    and the status did not change."""
    taken = (
        StudentPackage.lessons_remaining
        if count is None
        else func.least(StudentPackage.lessons_remaining, count)
    )
    values: dict[str, object] = {"lessons_remaining": StudentPackage.lessons_remaining - taken}
    if status is not None:
        values["status"] = status
    before = (
        await uow.session.execute(
            select(StudentPackage.lessons_remaining)
            .where(StudentPackage.id == package_id)
            .with_for_update()
        )
    ).scalar_one_or_none()
    if before is None:
        return None
    row = (
        await uow.session.execute(
            update(StudentPackage)
            .where(StudentPackage.id == package_id)
            .values(**values)
            .returning(
                StudentPackage.lessons_remaining,
                StudentPackage.school_id,
                StudentPackage.student_id,
            )
        )
    ).one()
    remaining, school_id, student_id = row
    delta = remaining - before
    if delta == 0:
        return None
    entry = _append(
        uow,
        package_id=package_id,
        school_id=school_id,
        student_id=student_id,
        delta=delta,
        balance_after=remaining,
        reason=reason,
        actor_id=actor_id,
        note=note,
    )
    return Movement(package_id, remaining, entry)


async def balance(uow: UnitOfWork, student_id: uuid.UUID, *, at: datetime) -> int:
    """Credits a student can still book with: active, unexpired packages."""
    total = await uow.session.scalar(
        select(func.coalesce(func.sum(StudentPackage.lessons_remaining), 0)).where(
            and_(
                StudentPackage.student_id == student_id,
                StudentPackage.status == "active",
                StudentPackage.expires_at > at,
            )
        )
    )
    return int(total or 0)
