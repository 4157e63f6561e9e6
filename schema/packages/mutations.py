"""Mutations of the packages domain: the catalogue and promo codes (school admins)."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.permission import BasePermission

from resolvers import packages as resolvers
from resolvers.context import Info
from schema.common.arguments import INPUT
from schema.common.errors import attempt, user_errors
from schema.common.node import decode_id, decode_optional_id
from schema.common.permissions import IsAuthenticated, has_scope
from schema.packages.inputs import (
    CreateLessonPackageInput,
    CreatePromoCodeInput,
    UpdateLessonPackageInput,
    UpdatePromoCodeInput,
)
from schema.packages.types import LessonPackage, PackageError, PromoCode
from services.actor import Scope
from services.errors import DomainError
from services.packages.errors import PackageErrorCode as E

MANAGERS: list[type[BasePermission]] = [IsAuthenticated, has_scope(Scope.PACKAGES_MANAGE)]
PROMO_CLEARABLE = {
    "description": "description",
    "usageLimit": "usage_limit",
    "perUserLimit": "per_user_limit",
    "startsAt": "starts_at",
    "endsAt": "ends_at",
}


def _errors(errors: list[DomainError]) -> list[PackageError]:
    return user_errors(PackageError, E, errors)


@strawberry.type(description="Result of a lesson-package mutation.")
class LessonPackagePayload:
    package: LessonPackage | None = strawberry.field(description="The package, on success.")
    errors: list[PackageError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="Result of a promo-code mutation.")
class PromoCodePayload:
    promo_code: PromoCode | None = strawberry.field(description="The promo code, on success.")
    errors: list[PackageError] = strawberry.field(description="Why it failed; empty on success.")


def _package_ids(ids: list[strawberry.ID]) -> list[Any]:
    if len(ids) > 100:
        raise DomainError(E.INVALID, "At most 100 packages.", "packageIds")
    return [decode_id(i, "LessonPackage", E.NOT_FOUND, "packageIds") for i in ids]


@strawberry.type
class PackageMutation:
    @strawberry.mutation(
        description="Create a lesson package (school admins who manage packages).",
        permission_classes=MANAGERS,
    )
    async def create_lesson_package(
        self, info: Info, input: Annotated[CreateLessonPackageInput, INPUT]
    ) -> LessonPackagePayload:
        async def work() -> Any:
            return await resolvers.create_lesson_package(
                info,
                school_id=decode_optional_id(input.school_id, "School", E.NOT_FOUND, "schoolId"),
                name=input.name,
                description=input.description,
                lesson_type_id=decode_optional_id(
                    input.lesson_type_id, "LessonType", E.LESSON_TYPE_NOT_FOUND, "lessonTypeId"
                ),
                lessons_count=input.lessons_count,
                lesson_duration_minutes=input.lesson_duration_minutes,
                price_minor=input.price_minor,
                discount_percent=input.discount_percent,
                currency=input.currency,
                validity_days=input.validity_days,
                audience=input.audience.value,
                instructor_id=decode_optional_id(
                    input.instructor_id, "User", E.INSTRUCTOR_NOT_FOUND, "instructorId"
                ),
            )

        model, errors = await attempt(work())
        return LessonPackagePayload(
            package=LessonPackage(model=model) if model else None, errors=_errors(errors)
        )

    @strawberry.mutation(
        description="Change a lesson package or take it off sale (`isActive: false`).",
        permission_classes=MANAGERS,
    )
    async def update_lesson_package(
        self, info: Info, input: Annotated[UpdateLessonPackageInput, INPUT]
    ) -> LessonPackagePayload:
        async def work() -> Any:
            clear = tuple(
                name
                for name, wanted in (
                    ("lesson_type_id", input.clear_lesson_type),
                    ("instructor_id", input.clear_instructor),
                )
                if wanted
            )
            return await resolvers.update_lesson_package(
                info,
                decode_id(input.package_id, "LessonPackage", E.NOT_FOUND, "packageId"),
                {
                    "name": input.name,
                    "description": input.description,
                    "lesson_type_id": decode_optional_id(
                        input.lesson_type_id, "LessonType", E.LESSON_TYPE_NOT_FOUND, "lessonTypeId"
                    ),
                    "lessons_count": input.lessons_count,
                    "lesson_duration_minutes": input.lesson_duration_minutes,
                    "price_minor": input.price_minor,
                    "discount_percent": input.discount_percent,
                    "currency": input.currency,
                    "validity_days": input.validity_days,
                    "audience": input.audience.value if input.audience else None,
                    "instructor_id": decode_optional_id(
                        input.instructor_id, "User", E.INSTRUCTOR_NOT_FOUND, "instructorId"
                    ),
                    "is_active": input.is_active,
                },
                clear,
            )

        model, errors = await attempt(work())
        return LessonPackagePayload(
            package=LessonPackage(model=model) if model else None, errors=_errors(errors)
        )

    @strawberry.mutation(
        description="Create a promo code (school admins who manage packages).",
        permission_classes=MANAGERS,
    )
    async def create_promo_code(
        self, info: Info, input: Annotated[CreatePromoCodeInput, INPUT]
    ) -> PromoCodePayload:
        async def work() -> Any:
            return await resolvers.create_promo_code(
                info,
                school_id=decode_optional_id(input.school_id, "School", E.NOT_FOUND, "schoolId"),
                code=input.code,
                description=input.description,
                kind=input.kind.value,
                value=input.value,
                usage_limit=input.usage_limit,
                per_user_limit=input.per_user_limit,
                starts_at=input.starts_at,
                ends_at=input.ends_at,
                min_amount_minor=input.min_amount_minor,
                package_ids=_package_ids(input.package_ids),
                is_active=input.is_active,
            )

        model, errors = await attempt(work())
        return PromoCodePayload(
            promo_code=PromoCode(model=model) if model else None, errors=_errors(errors)
        )

    @strawberry.mutation(
        description="Change a promo code or switch it off (`isActive: false`).",
        permission_classes=MANAGERS,
    )
    async def update_promo_code(
        self, info: Info, input: Annotated[UpdatePromoCodeInput, INPUT]
    ) -> PromoCodePayload:
        async def work() -> Any:
            unknown = [name for name in input.clear if name not in PROMO_CLEARABLE]
            if unknown or len(input.clear) > len(PROMO_CLEARABLE):
                raise DomainError(E.INVALID, "Only optional fields can be cleared.", "clear")
            return await resolvers.update_promo_code(
                info,
                decode_id(input.promo_code_id, "PromoCode", E.PROMO_NOT_FOUND, "promoCodeId"),
                {
                    "code": input.code,
                    "kind": input.kind.value if input.kind else None,
                    "value": input.value,
                    "description": input.description,
                    "usage_limit": input.usage_limit,
                    "per_user_limit": input.per_user_limit,
                    "starts_at": input.starts_at,
                    "ends_at": input.ends_at,
                    "min_amount_minor": input.min_amount_minor,
                    "is_active": input.is_active,
                },
                None if input.package_ids is None else _package_ids(input.package_ids),
                tuple(PROMO_CLEARABLE[name] for name in input.clear),
            )

        model, errors = await attempt(work())
        return PromoCodePayload(
            promo_code=PromoCode(model=model) if model else None, errors=_errors(errors)
        )
