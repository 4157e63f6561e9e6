"""Inputs of the packages domain."""

from __future__ import annotations

from datetime import datetime

import strawberry

from schema.packages.types import PackageAudience, PromoKind


@strawberry.input(description="A new lesson package (school admins who manage packages).")
class CreateLessonPackageInput:
    name: str = strawberry.field(description="Name shown to students (1–100 characters).")
    lessons_count: int = strawberry.field(description="How many lessons it holds (1–200).")
    lesson_duration_minutes: int = strawberry.field(
        description="Length of each lesson in minutes (15–600; the lesson type's, if one is named)."
    )
    price_minor: int = strawberry.field(description="Price before discount, in minor units.")
    validity_days: int = strawberry.field(
        description="Days the credits stay valid after purchase (1–1825)."
    )
    description: str | None = strawberry.field(default=None, description="Longer description.")
    lesson_type_id: strawberry.ID | None = strawberry.field(
        default=None, description="Credits pay only for this lesson type (omit: any type)."
    )
    discount_percent: int = strawberry.field(default=0, description="Discount in percent (0–90).")
    currency: str | None = strawberry.field(
        default=None, description="ISO 4217 code; must be the school's (omit: the school's)."
    )
    audience: PackageAudience = strawberry.field(
        default=PackageAudience.ALL, description="Who it is offered to."
    )
    instructor_id: strawberry.ID | None = strawberry.field(
        default=None, description="Credits usable only with this instructor of the school."
    )
    school_id: strawberry.ID | None = strawberry.field(
        default=None, description="Platform admins: the school. Others: omit (your school)."
    )


@strawberry.input(description="Change a lesson package; omitted fields stay as they are.")
class UpdateLessonPackageInput:
    package_id: strawberry.ID = strawberry.field(description="The package.")
    name: str | None = strawberry.field(default=None, description="New name.")
    description: str | None = strawberry.field(default=None, description="New description.")
    lesson_type_id: strawberry.ID | None = strawberry.field(
        default=None, description="New lesson type."
    )
    clear_lesson_type: bool = strawberry.field(
        default=False, description="True: credits pay for any lesson type."
    )
    lessons_count: int | None = strawberry.field(default=None, description="New lesson count.")
    lesson_duration_minutes: int | None = strawberry.field(
        default=None, description="New lesson length."
    )
    price_minor: int | None = strawberry.field(
        default=None, description="New price (packages already bought keep theirs)."
    )
    discount_percent: int | None = strawberry.field(default=None, description="New discount.")
    currency: str | None = strawberry.field(
        default=None, description="ISO 4217 code; must be the school's."
    )
    validity_days: int | None = strawberry.field(default=None, description="New validity.")
    audience: PackageAudience | None = strawberry.field(default=None, description="New audience.")
    instructor_id: strawberry.ID | None = strawberry.field(
        default=None, description="New instructor."
    )
    clear_instructor: bool = strawberry.field(
        default=False, description="True: credits usable with any instructor."
    )
    is_active: bool | None = strawberry.field(
        default=None, description="False takes it off sale (packages bought stay valid)."
    )


@strawberry.input(description="A new promo code (school admins who manage packages).")
class CreatePromoCodeInput:
    code: str = strawberry.field(
        description="3–32 letters, digits, '-' or '_'; stored upper-case, unique in the school."
    )
    kind: PromoKind = strawberry.field(description="A percentage or a fixed amount off.")
    value: int = strawberry.field(description="Percent (1–100) or minor units off, by `kind`.")
    description: str | None = strawberry.field(default=None, description="Admin note.")
    usage_limit: int | None = strawberry.field(
        default=None, description="Uses in all (omit: no limit)."
    )
    per_user_limit: int | None = strawberry.field(
        default=None, description="Uses per student (omit: no limit)."
    )
    starts_at: datetime | None = strawberry.field(
        default=None, description="Valid from (omit: at once)."
    )
    ends_at: datetime | None = strawberry.field(
        default=None, description="Valid until (omit: no end)."
    )
    min_amount_minor: int = strawberry.field(
        default=0, description="Smallest purchase it applies to, in minor units."
    )
    package_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Packages it applies to (empty: every package)."
    )
    is_active: bool = strawberry.field(default=True, description="Whether it can be used.")
    school_id: strawberry.ID | None = strawberry.field(
        default=None, description="Platform admins: the school. Others: omit (your school)."
    )


@strawberry.input(description="Change a promo code; omitted fields stay as they are.")
class UpdatePromoCodeInput:
    promo_code_id: strawberry.ID = strawberry.field(description="The promo code.")
    code: str | None = strawberry.field(default=None, description="New code.")
    kind: PromoKind | None = strawberry.field(default=None, description="New kind.")
    value: int | None = strawberry.field(default=None, description="New value.")
    description: str | None = strawberry.field(default=None, description="New note.")
    usage_limit: int | None = strawberry.field(default=None, description="New usage limit.")
    per_user_limit: int | None = strawberry.field(
        default=None, description="New per-student limit."
    )
    starts_at: datetime | None = strawberry.field(default=None, description="New start.")
    ends_at: datetime | None = strawberry.field(default=None, description="New end.")
    min_amount_minor: int | None = strawberry.field(default=None, description="New minimum.")
    package_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Replace the packages it applies to (empty: every package)."
    )
    is_active: bool | None = strawberry.field(default=None, description="Switch it on or off.")
    clear: list[str] = strawberry.field(
        default_factory=list,
        description="Optional fields to empty: description, usageLimit, perUserLimit, "
        "startsAt, endsAt.",
    )
