"""Promo codes at purchase time: checked, counted and redeemed under concurrency (SPEC §3).

    offer = await promo_redemption.reserve(uow, school_id=…, code=…, package_id=…,
                                           student_id=…, price_minor=…, at=now)
    … create the student package …
    promo_redemption.record(uow, offer, student_package_id=package.id)

``reserve`` locks the promo code's row (``SELECT … FOR UPDATE``), so concurrent purchases
with one code run its checks one after another: the per-user limit is counted from
``promo_redemptions`` while the lock is held (the redemption is written in the same
transaction, before the lock is released at commit). The usage limit is a conditional
``UPDATE … SET times_used = times_used + 1 WHERE usage_limit IS NULL OR times_used <
usage_limit``, backed by the table's ``CHECK (times_used <= usage_limit)``: a limit of 5
is never used 6 times, whatever the interleaving.

``evaluate`` runs the same checks without the lock or any write, for ``quotePurchase``.
A failed payment gives the use back (``release``).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.packages import PromoCode, PromoCodePackage, PromoRedemption
from services.errors import DomainError
from services.money import percent
from services.packages.errors import PackageErrorCode as E
from services.uow import UnitOfWork

FIELD = "promoCode"
CODE_FORMAT = re.compile(r"[A-Z0-9_-]{3,32}")


@dataclass(frozen=True)
class Offer:
    """A promo code that applies to a purchase, and the discount it gives."""

    promo_id: uuid.UUID
    school_id: uuid.UUID
    student_id: uuid.UUID
    code: str
    discount_minor: int


def normalise(code: str) -> str:
    """Codes are stored upper-case; what a student types is matched case-insensitively."""
    return code.strip().upper()


def discount_for(promo: PromoCode, price_minor: int) -> int:
    """A percentage of the price (rounded half up), or a fixed amount capped at the price."""
    if promo.kind == "percentage":
        return min(price_minor, percent(price_minor, promo.value))
    return min(price_minor, promo.value)


async def _find(session: AsyncSession, school_id: uuid.UUID, code: str, *, lock: bool) -> PromoCode:
    normalised = normalise(code)
    if not CODE_FORMAT.fullmatch(normalised):  # no such code can exist (the table's CHECK)
        raise DomainError(E.PROMO_NOT_FOUND, "No such promo code.", FIELD)
    stmt = select(PromoCode).where(PromoCode.school_id == school_id, PromoCode.code == normalised)
    if lock:
        # populate_existing: the row as it is once the lock is ours, not a cached copy.
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    promo = await session.scalar(stmt)
    if promo is None:
        raise DomainError(E.PROMO_NOT_FOUND, "No such promo code.", FIELD)
    return promo


async def _check(
    session: AsyncSession,
    promo: PromoCode,
    *,
    package_id: uuid.UUID,
    student_id: uuid.UUID,
    price_minor: int,
    at: datetime,
) -> int:
    """Every rule but the usage limit (which the conditional UPDATE enforces); the discount."""
    if not promo.is_active:
        raise DomainError(E.PROMO_INACTIVE, "This promo code is no longer active.", FIELD)
    if promo.starts_at is not None and at < promo.starts_at:
        raise DomainError(E.PROMO_NOT_STARTED, "This promo code is not valid yet.", FIELD)
    if promo.ends_at is not None and at >= promo.ends_at:
        raise DomainError(E.PROMO_EXPIRED, "This promo code has expired.", FIELD)
    applicable = (
        await session.scalars(
            select(PromoCodePackage.package_id).where(PromoCodePackage.promo_code_id == promo.id)
        )
    ).all()
    if applicable and package_id not in applicable:
        raise DomainError(
            E.PROMO_NOT_APPLICABLE, "This promo code does not apply to this package.", FIELD
        )
    if price_minor < promo.min_amount_minor:
        raise DomainError(
            E.PROMO_MINIMUM_NOT_MET,
            "The purchase is below this promo code's minimum amount.",
            FIELD,
        )
    if promo.per_user_limit is not None:
        used = await session.scalar(
            select(func.count())
            .select_from(PromoRedemption)
            .where(
                PromoRedemption.promo_code_id == promo.id,
                PromoRedemption.student_id == student_id,
            )
        )
        if int(used or 0) >= promo.per_user_limit:
            raise DomainError(
                E.PROMO_LIMIT_REACHED, "You have already used this promo code.", FIELD
            )
    if promo.usage_limit is not None and promo.times_used >= promo.usage_limit:
        raise DomainError(E.PROMO_USED_UP, "This promo code has been used up.", FIELD)
    return discount_for(promo, price_minor)


async def evaluate(
    session: AsyncSession,
    *,
    school_id: uuid.UUID,
    code: str,
    package_id: uuid.UUID,
    student_id: uuid.UUID,
    price_minor: int,
    at: datetime,
) -> int:
    """The discount ``code`` would give now, or the DomainError saying why not; no lock,
    no write (a quote, which a concurrent purchase may overtake)."""
    promo = await _find(session, school_id, code, lock=False)
    return await _check(
        session,
        promo,
        package_id=package_id,
        student_id=student_id,
        price_minor=price_minor,
        at=at,
    )


async def reserve(
    uow: UnitOfWork,
    *,
    school_id: uuid.UUID,
    code: str,
    package_id: uuid.UUID,
    student_id: uuid.UUID,
    price_minor: int,
    at: datetime,
) -> Offer:
    """Lock the code, check it, and count one use; ``record`` must follow in the same
    transaction."""
    promo = await _find(uow.session, school_id, code, lock=True)
    discount = await _check(
        uow.session,
        promo,
        package_id=package_id,
        student_id=student_id,
        price_minor=price_minor,
        at=at,
    )
    counted = await uow.session.scalar(
        update(PromoCode)
        .where(
            PromoCode.id == promo.id,
            (PromoCode.usage_limit.is_(None)) | (PromoCode.times_used < PromoCode.usage_limit),
        )
        .values(times_used=PromoCode.times_used + 1)
        .returning(PromoCode.id)
        .execution_options(synchronize_session=False)
    )
    if counted is None:
        raise DomainError(E.PROMO_USED_UP, "This promo code has been used up.", FIELD)
    return Offer(
        promo_id=promo.id,
        school_id=school_id,
        student_id=student_id,
        code=promo.code,
        discount_minor=discount,
    )


def record(uow: UnitOfWork, offer: Offer, *, student_package_id: uuid.UUID) -> PromoRedemption:
    redemption = PromoRedemption(
        school_id=offer.school_id,
        promo_code_id=offer.promo_id,
        student_id=offer.student_id,
        student_package_id=student_package_id,
        discount_minor=offer.discount_minor,
    )
    uow.session.add(redemption)
    return redemption


async def release(uow: UnitOfWork, student_package_id: uuid.UUID) -> bool:
    """The purchase's payment failed: its redemption is deleted and the use given back.
    False when it redeemed no code (or was already released)."""
    promo_id = await uow.session.scalar(
        delete(PromoRedemption)
        .where(PromoRedemption.student_package_id == student_package_id)
        .returning(PromoRedemption.promo_code_id)
        .execution_options(synchronize_session=False)
    )
    if promo_id is None:
        return False
    await uow.session.execute(
        update(PromoCode)
        .where(PromoCode.id == promo_id, PromoCode.times_used > 0)
        .values(times_used=PromoCode.times_used - 1)
        .execution_options(synchronize_session=False)
    )
    return True
