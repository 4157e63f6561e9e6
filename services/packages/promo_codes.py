"""Promo codes as school admins manage them (SPEC §3): percentage or fixed, usage and
per-user limits, a validity window, a minimum amount and the packages they apply to.

Codes are stored upper-case (``^[A-Z0-9_-]{3,32}$``) and unique per school: the unique
index decides (``CODE_TAKEN``), never a check in Python. Redeeming a code at purchase is
the payments domain's (``services/payments/promo_redemption.py``).
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from models.packages import PROMO_KINDS, LessonPackage, PromoCode, PromoCodePackage
from services.actor import Actor, Role, Scope
from services.errors import DomainError
from services.packages.catalogue import managed_school
from services.packages.errors import PackageErrorCode as E
from services.uow import UnitOfWork
from services.validation import clean_text, require_instant, require_range

CODE_PATTERN = re.compile(r"^[A-Z0-9_-]{3,32}$")
MAX_FIXED_MINOR = 100_000_000
MAX_PACKAGES = 100


def normalise(code: str) -> str:
    """``" spring-25 "`` → ``"SPRING-25"``; anything else the pattern refuses is INVALID."""
    cleaned = code.strip().upper()
    if not CODE_PATTERN.fullmatch(cleaned):
        raise DomainError(
            E.INVALID,
            "A code is 3 to 32 letters, digits, '-' or '_'.",
            "code",
        )
    return cleaned


def snapshot(p: PromoCode, package_ids: list[uuid.UUID] | None = None) -> dict[str, Any]:
    return {
        "code": p.code,
        "kind": p.kind,
        "value": p.value,
        "usage_limit": p.usage_limit,
        "per_user_limit": p.per_user_limit,
        "starts_at": p.starts_at.isoformat() if p.starts_at else None,
        "ends_at": p.ends_at.isoformat() if p.ends_at else None,
        "min_amount_minor": p.min_amount_minor,
        "is_active": p.is_active,
        **({"package_ids": sorted(map(str, package_ids))} if package_ids is not None else {}),
    }


def may_manage(actor: Actor, school_id: uuid.UUID | None) -> bool:
    return actor.is_platform_admin or (
        actor.role is Role.SCHOOL_ADMIN
        and actor.school_id == school_id
        and actor.has(Scope.PACKAGES_MANAGE)
    )


def _validate(p: PromoCode) -> None:
    if p.kind not in PROMO_KINDS:
        raise DomainError(E.INVALID, "Unknown kind.", "kind")
    if p.kind == "percentage":
        require_range(p.value, 1, 100, E.INVALID, "value")
    else:
        require_range(p.value, 1, MAX_FIXED_MINOR, E.INVALID, "value")
    if p.usage_limit is not None:
        require_range(p.usage_limit, max(1, p.times_used), 10_000_000, E.INVALID, "usageLimit")
    if p.per_user_limit is not None:
        require_range(p.per_user_limit, 1, 10_000, E.INVALID, "perUserLimit")
    require_range(p.min_amount_minor, 0, MAX_FIXED_MINOR, E.INVALID, "minAmountMinor")
    for name, at in (("startsAt", p.starts_at), ("endsAt", p.ends_at)):
        if at is not None:
            require_instant(at, E.INVALID, name)
    if p.starts_at is not None and p.ends_at is not None and p.ends_at <= p.starts_at:
        raise DomainError(E.INVALID, "The code must end after it starts.", "endsAt")


async def _set_packages(
    uow: UnitOfWork, promo: PromoCode, package_ids: list[uuid.UUID]
) -> list[uuid.UUID]:
    unique_ids = list(dict.fromkeys(package_ids))
    if len(unique_ids) > MAX_PACKAGES:
        raise DomainError(E.INVALID, f"At most {MAX_PACKAGES} packages.", "packageIds")
    if unique_ids:
        found = set(
            (
                await uow.session.scalars(
                    select(LessonPackage.id).where(
                        LessonPackage.id.in_(unique_ids),
                        LessonPackage.school_id == promo.school_id,
                    )
                )
            ).all()
        )
        if found != set(unique_ids):
            raise DomainError(E.NOT_FOUND, "No such package.", "packageIds")
    await uow.session.execute(
        delete(PromoCodePackage).where(PromoCodePackage.promo_code_id == promo.id)
    )
    for package_id in unique_ids:
        uow.session.add(PromoCodePackage(promo_code_id=promo.id, package_id=package_id))
    return unique_ids


async def package_ids_of(uow: UnitOfWork, promo_id: uuid.UUID) -> list[uuid.UUID]:
    return list(
        (
            await uow.session.scalars(
                select(PromoCodePackage.package_id).where(
                    PromoCodePackage.promo_code_id == promo_id
                )
            )
        ).all()
    )


def _code_taken(_: str | None) -> DomainError:
    return DomainError(E.CODE_TAKEN, "The school already has this code.", "code")


async def create_promo_code(
    uow: UnitOfWork,
    actor: Actor,
    *,
    school_id: uuid.UUID | None,
    code: str,
    description: str | None,
    kind: str,
    value: int,
    usage_limit: int | None,
    per_user_limit: int | None,
    starts_at: datetime | None,
    ends_at: datetime | None,
    min_amount_minor: int,
    package_ids: list[uuid.UUID],
    is_active: bool = True,
) -> PromoCode:
    school = await managed_school(uow, actor, school_id)
    promo = PromoCode(
        id=uuid.uuid4(),
        school_id=school.id,
        code=normalise(code),
        description=clean_text(description, E.INVALID, "description", max_length=300),
        kind=kind,
        value=value,
        usage_limit=usage_limit,
        per_user_limit=per_user_limit,
        times_used=0,
        starts_at=starts_at,
        ends_at=ends_at,
        min_amount_minor=min_amount_minor,
        is_active=is_active,
    )
    _validate(promo)
    uow.session.add(promo)
    await uow.flush_unique(_code_taken)
    ids = await _set_packages(uow, promo, package_ids)
    await uow.session.flush()
    uow.audit(
        actor,
        "promo_code.created",
        entity_type="PromoCode",
        entity_id=promo.id,
        school_id=school.id,
        after=snapshot(promo, ids),
    )
    return promo


CLEARABLE = ("description", "usage_limit", "per_user_limit", "starts_at", "ends_at")


async def update_promo_code(
    uow: UnitOfWork,
    actor: Actor,
    promo_id: uuid.UUID,
    changes: dict[str, Any],
    *,
    package_ids: list[uuid.UUID] | None = None,
    clear: tuple[str, ...] = (),
) -> PromoCode:
    """Change a code; ``None`` leaves a field, ``clear`` empties the optional ones and
    ``package_ids`` (when given) replaces the applicable packages ([] = every package)."""
    actor.require(Scope.PACKAGES_MANAGE)
    promo = await uow.session.get(PromoCode, promo_id, with_for_update=True)
    if promo is None or not may_manage(actor, promo.school_id):
        raise DomainError(E.PROMO_NOT_FOUND, "No such promo code.", "promoCodeId")
    before = snapshot(promo, await package_ids_of(uow, promo.id))
    for key, value in changes.items():
        if value is None:
            continue
        if key == "code":
            value = normalise(value)
        elif key == "description":
            value = clean_text(value, E.INVALID, "description", max_length=300)
        setattr(promo, key, value)
    for key in clear:
        if key in CLEARABLE:
            setattr(promo, key, None)
    _validate(promo)
    await uow.flush_unique(_code_taken)
    ids = (
        await _set_packages(uow, promo, package_ids)
        if package_ids is not None
        else await package_ids_of(uow, promo.id)
    )
    await uow.session.flush()
    uow.audit(
        actor,
        "promo_code.updated",
        entity_type="PromoCode",
        entity_id=promo.id,
        school_id=promo.school_id,
        before=before,
        after=snapshot(promo, ids),
    )
    return promo


def list_statement(actor: Actor) -> Any:
    stmt = select(PromoCode)
    if not actor.is_platform_admin:
        stmt = stmt.where(PromoCode.school_id == actor.school_id)
    return stmt
