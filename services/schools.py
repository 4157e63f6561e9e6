"""Schools, their policy settings, and platform settings."""

from __future__ import annotations

import re
import uuid
from enum import StrEnum
from typing import Any

import orjson
from sqlalchemy import select

from models.schools import PlatformSetting, School
from services.actor import Actor, Scope
from services.errors import DomainError, Forbidden
from services.uow import UnitOfWork
from services.validation import (
    clean_text,
    normalise_email,
    normalise_phone,
    require_range,
    require_time_zone,
)


class SchoolErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    INVALID = "INVALID"
    CONFLICT = "CONFLICT"
    SLUG_TAKEN = "SLUG_TAKEN"
    INVALID_SLUG = "INVALID_SLUG"
    INVALID_TIME_ZONE = "INVALID_TIME_ZONE"
    INVALID_CURRENCY = "INVALID_CURRENCY"
    INVALID_SETTING = "INVALID_SETTING"


E = SchoolErrorCode

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
LATE_RULES = ("forfeit", "half_fee", "full_fee", "free")
GRANULARITIES = (5, 10, 15, 20, 30, 60)
# ISO 4217 codes a school may bill in (extend as schools in more countries sign up).
CURRENCIES = ("GBP", "EUR", "USD", "AUD", "NZD", "CAD", "IEP", "CHF", "SEK", "NOK", "DKK", "PLN")

POLICY_RANGES: dict[str, tuple[int, int]] = {
    "booking_horizon_days": (1, 730),
    "cancellation_notice_hours": (0, 336),
    "unpaid_hold_minutes": (0, 10080),
    "platform_fee_bps": (0, 10000),
}


MAX_SETTING_CHARS = 10_000


def is_valid_slug(slug: str) -> bool:
    return SLUG.fullmatch(slug) is not None


def snapshot(school: School) -> dict[str, Any]:
    keys = (
        "name",
        "slug",
        "time_zone",
        "currency",
        "is_active",
        "booking_horizon_days",
        "slot_granularity_minutes",
        "cancellation_notice_hours",
        "late_cancellation_rule",
        "deposit_required",
        "unpaid_hold_minutes",
        "platform_fee_bps",
    )
    return {key: getattr(school, key) for key in keys}


async def get_school(
    uow: UnitOfWork, actor: Actor, school_id: uuid.UUID, *, lock: bool = False
) -> School:
    if not actor.can_see_school(school_id):
        raise DomainError(E.NOT_FOUND, "No such school.", "schoolId")
    school = await uow.session.get(School, school_id, with_for_update=lock)
    if school is None:
        raise DomainError(E.NOT_FOUND, "No such school.", "schoolId")
    return school


def input_field(key: str) -> str:
    """The GraphQL (camelCase) name of a school column, for `UserError.field`."""
    head, *rest = key.split("_")
    return head + "".join(part.title() for part in rest)


def _apply(school: School, changes: dict[str, Any]) -> None:
    for key, value in changes.items():
        if value is None:
            continue
        field = input_field(key)
        if key == "name":
            value = clean_text(value, E.INVALID, "name", max_length=200, required=True)
        elif key == "slug":
            value = value.strip().lower()
            if not is_valid_slug(value):
                raise DomainError(
                    E.INVALID_SLUG, "Use 2–63 lowercase letters, digits and dashes.", "slug"
                )
        elif key == "time_zone":
            value = require_time_zone(value, E.INVALID_TIME_ZONE)
        elif key == "currency":
            value = value.strip().upper()
            if value not in CURRENCIES:
                raise DomainError(
                    E.INVALID_CURRENCY, "Use a supported ISO 4217 currency code.", "currency"
                )
        elif key == "contact_email":
            value = normalise_email(value, E.INVALID, "contactEmail")
        elif key == "contact_phone":
            value = normalise_phone(value, E.INVALID, "contactPhone")
        elif key == "address":
            value = clean_text(value, E.INVALID, "address", max_length=500)
        elif key == "slot_granularity_minutes":
            if value not in GRANULARITIES:
                raise DomainError(
                    E.INVALID_SETTING, "Slot granularity must be 5, 10, 15, 20, 30 or 60.", field
                )
        elif key == "late_cancellation_rule":
            if value not in LATE_RULES:
                raise DomainError(E.INVALID_SETTING, "Unknown late-cancellation rule.", field)
        elif key in POLICY_RANGES:
            require_range(value, *POLICY_RANGES[key], E.INVALID_SETTING, field)
        setattr(school, key, value)


def _slug_taken(_constraint: str | None) -> DomainError:
    return DomainError(E.SLUG_TAKEN, "Another school uses this slug.", "slug")


async def create_school(uow: UnitOfWork, actor: Actor, changes: dict[str, Any]) -> School:
    actor.require(Scope.PLATFORM_MANAGE)
    for required in ("name", "slug", "time_zone", "currency"):
        if not changes.get(required):
            field = input_field(required)
            raise DomainError(E.INVALID, f"{field} is required.", field)
    school = School()
    _apply(school, changes)
    uow.session.add(school)
    await uow.flush_unique(_slug_taken)
    uow.audit(
        actor,
        "school.created",
        entity_type="School",
        entity_id=school.id,
        school_id=school.id,
        after=snapshot(school),
    )
    return school


async def update_school(
    uow: UnitOfWork, actor: Actor, school_id: uuid.UUID, changes: dict[str, Any]
) -> School:
    actor.require(Scope.SCHOOL_MANAGE)
    school = await get_school(uow, actor, school_id, lock=True)
    platform_only = ("slug", "is_active", "platform_fee_bps")
    if not actor.is_platform_admin and any(changes.get(k) is not None for k in platform_only):
        raise Forbidden("Only the platform can change a school's slug, status or platform fee.")
    before = snapshot(school)
    _apply(school, changes)
    await uow.flush_unique(_slug_taken)
    uow.audit(
        actor,
        "school.updated",
        entity_type="School",
        entity_id=school.id,
        school_id=school.id,
        before=before,
        after=snapshot(school),
    )
    return school


async def set_platform_setting(
    uow: UnitOfWork,
    actor: Actor,
    *,
    key: str,
    value: Any,
    is_public: bool,
    category: str | None,
    description: str | None,
) -> PlatformSetting:
    actor.require(Scope.PLATFORM_MANAGE)
    key = key.strip()
    if not re.fullmatch(r"[a-z][a-z0-9_.]{1,99}", key):
        raise DomainError(
            E.INVALID, "Keys are lowercase letters, digits, dots and underscores.", "key"
        )
    try:
        encoded = orjson.dumps(value)
    except (orjson.JSONEncodeError, TypeError):  # nested too deeply to store
        raise DomainError(E.INVALID, "This value cannot be stored as JSON.", "value") from None
    if len(encoded) > MAX_SETTING_CHARS:
        raise DomainError(E.INVALID, "Setting values are limited to 10,000 characters.", "value")
    # PostgreSQL's jsonb cannot hold the NUL character.
    if b"\\u0000" in encoded:
        raise DomainError(E.INVALID, "Setting values cannot contain NUL characters.", "value")
    setting = await uow.session.get(PlatformSetting, key, with_for_update=True)
    before = {"value": setting.value, "is_public": setting.is_public} if setting else None
    if setting is None:
        setting = PlatformSetting(key=key)
        uow.session.add(setting)
    setting.value = value
    setting.is_public = is_public
    setting.category = clean_text(category, E.INVALID, "category", max_length=50) or "general"
    setting.description = clean_text(description, E.INVALID, "description", max_length=500)
    setting.updated_by_id = actor.user_id
    await uow.session.flush()
    uow.audit(
        actor,
        "platform_setting.set",
        entity_type="PlatformSetting",
        entity_id=key,
        school_id=None,
        before=before,
        after={"value": value, "is_public": is_public},
    )
    return setting


async def list_platform_settings(uow: UnitOfWork, actor: Actor | None) -> list[PlatformSetting]:
    stmt = select(PlatformSetting).order_by(PlatformSetting.key)
    if actor is None or not actor.is_platform_admin:
        stmt = stmt.where(PlatformSetting.is_public.is_(True))
    return list(await uow.session.scalars(stmt))
