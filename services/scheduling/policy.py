"""A school's cancellation policy and what it decides for one cancellation (SPEC §2).

The policy is a list of tiers by notice, most notice first, e.g. 48 h or more: the
credit comes back; 24 h or more: half the fee; less: forfeited. A school that never set
tiers has the simple policy of its two settings: ``cancellation_notice_hours`` or more
is free, less follows ``late_cancellation_rule``.

The outcome is recorded on the booking (``policy_outcome``, ``fee_minor``,
``is_late_cancellation``) for packages and payments to act on:

* ``returned``  — free: the credit (or payment) comes back;
* ``fee``       — late: the credit comes back and ``fee_minor`` is charged;
* ``forfeited`` — late: the credit is spent / the lesson is charged in full;
* ``waived``    — an admin waived a late outcome (with a reason): as ``returned``;
* ``consumed``  — the lesson happened, or the student did not turn up.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.scheduling import CancellationTier
from models.schools import School
from services.actor import Actor, Scope
from services.errors import DomainError
from services.scheduling.errors import SchedulingErrorCode as E
from services.uow import UnitOfWork

MAX_TIERS = 6


class Outcome(StrEnum):
    RETURNED = "returned"
    FEE = "fee"
    FORFEITED = "forfeited"
    WAIVED = "waived"
    CONSUMED = "consumed"


@dataclass(frozen=True)
class Tier:
    min_notice_hours: int
    outcome: Outcome
    fee_percent: int | None = None


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    fee_minor: int
    late: bool


LATE_RULES = {
    "forfeit": Tier(0, Outcome.FORFEITED),
    "half_fee": Tier(0, Outcome.FEE, 50),
    "full_fee": Tier(0, Outcome.FEE, 100),
    "free": Tier(0, Outcome.RETURNED),
}


def simple_policy(school: School) -> list[Tier]:
    tiers = [LATE_RULES[school.late_cancellation_rule]]
    if school.cancellation_notice_hours > 0:
        tiers.insert(0, Tier(school.cancellation_notice_hours, Outcome.RETURNED))
    return tiers


async def policy_of(session: AsyncSession, school: School) -> tuple[list[Tier], bool]:
    """The school's tiers, most notice first, and whether the school set them itself."""
    rows = (
        await session.scalars(
            select(CancellationTier)
            .where(CancellationTier.school_id == school.id)
            .order_by(CancellationTier.min_notice_hours.desc())
        )
    ).all()
    if not rows:
        return simple_policy(school), False
    return [Tier(r.min_notice_hours, Outcome(r.outcome), r.fee_percent) for r in rows], True


def decide(tiers: Sequence[Tier], notice: timedelta, price_minor: int) -> Decision:
    """The outcome of a student's cancellation with ``notice`` before the lesson."""
    hours = notice.total_seconds() / 3600
    tier = next((t for t in tiers if hours >= t.min_notice_hours), tiers[-1])
    late = tier.outcome is not Outcome.RETURNED
    if tier.outcome is Outcome.FEE:
        fee = price_minor * (tier.fee_percent or 0) // 100
        return Decision(Outcome.FEE, fee, late)
    return Decision(tier.outcome, 0, late)


def validate(tiers: Sequence[Tier]) -> list[Tier]:
    if not 1 <= len(tiers) <= MAX_TIERS:
        raise DomainError(E.INVALID, f"Give 1 to {MAX_TIERS} tiers.", "tiers")
    ordered = sorted(tiers, key=lambda t: -t.min_notice_hours)
    notices = [t.min_notice_hours for t in ordered]
    if len(set(notices)) != len(notices):
        raise DomainError(E.INVALID, "Two tiers have the same notice.", "tiers")
    if notices[-1] != 0:
        raise DomainError(E.INVALID, "The last tier must start at 0 hours' notice.", "tiers")
    for index, tier in enumerate(ordered):
        if not 0 <= tier.min_notice_hours <= 720:
            raise DomainError(E.INVALID, "Notice is 0 to 720 hours.", f"tiers.{index}")
        if (tier.outcome is Outcome.FEE) != (tier.fee_percent is not None):
            raise DomainError(
                E.INVALID, "A fee tier, and only a fee tier, has a fee percent.", f"tiers.{index}"
            )
        if tier.fee_percent is not None and not 1 <= tier.fee_percent <= 100:
            raise DomainError(E.INVALID, "A fee is 1 to 100 percent.", f"tiers.{index}")
        if tier.outcome not in (Outcome.RETURNED, Outcome.FEE, Outcome.FORFEITED):
            raise DomainError(E.INVALID, "Tiers return, charge a fee or forfeit.", f"tiers.{index}")
    return ordered


async def set_policy(
    uow: UnitOfWork, actor: Actor, school_id: uuid.UUID, tiers: Sequence[Tier] | None
) -> School:
    """Replace the school's tiers; ``None`` goes back to the simple policy."""
    actor.require(Scope.SCHOOL_MANAGE)
    if not actor.can_see_school(school_id):
        raise DomainError(E.NOT_FOUND, "No such school.", "schoolId")
    school = await uow.session.get(School, school_id, with_for_update=True)
    if school is None:
        raise DomainError(E.NOT_FOUND, "No such school.", "schoolId")
    ordered = validate(tiers) if tiers is not None else []
    before, _ = await policy_of(uow.session, school)
    await uow.session.execute(
        delete(CancellationTier).where(CancellationTier.school_id == school.id)
    )
    uow.session.add_all(
        CancellationTier(
            school_id=school.id,
            min_notice_hours=t.min_notice_hours,
            outcome=t.outcome.value,
            fee_percent=t.fee_percent,
        )
        for t in ordered
    )
    await uow.session.flush()
    after, _ = await policy_of(uow.session, school)
    uow.audit(
        actor,
        "school.cancellation_policy_set",
        entity_type="School",
        entity_id=school.id,
        school_id=school.id,
        before={"tiers": [_snapshot(t) for t in before]},
        after={"tiers": [_snapshot(t) for t in after]},
    )
    return school


def _snapshot(tier: Tier) -> dict[str, object]:
    return {"hours": tier.min_notice_hours, "outcome": tier.outcome.value, "fee": tier.fee_percent}
