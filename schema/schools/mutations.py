"""Mutations of the schools domain."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from resolvers import schools as resolvers
from resolvers.context import Info
from schema.common.arguments import INPUT
from schema.common.errors import attempt, user_errors
from schema.common.node import decode_id
from schema.common.permissions import IsAuthenticated
from schema.schools.inputs import CreateSchoolInput, SetPlatformSettingInput, UpdateSchoolInput
from schema.schools.types import PlatformSetting, School, SchoolError, school_or_none
from services.errors import DomainError
from services.schools import SchoolErrorCode as E


@strawberry.type(description="Result of a school mutation.")
class SchoolPayload:
    school: School | None = strawberry.field(description="The school, when the change succeeded.")
    errors: list[SchoolError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="Result of `setPlatformSetting`.")
class PlatformSettingPayload:
    setting: PlatformSetting | None = strawberry.field(description="The setting, when saved.")
    errors: list[SchoolError] = strawberry.field(description="Why it failed; empty on success.")


def school_errors(errors: list[DomainError]) -> list[SchoolError]:
    return user_errors(SchoolError, E, errors)


def _changes(input: Any) -> dict[str, Any]:
    fields = (
        "name",
        "slug",
        "time_zone",
        "currency",
        "contact_email",
        "contact_phone",
        "address",
        "is_active",
    )
    changes = {key: getattr(input, key, None) for key in fields}
    if input.settings is not None:
        changes.update(input.settings.changes())
    return changes


@strawberry.type
class SchoolMutation:
    @strawberry.mutation(
        description="Create a school (platform admins).", permission_classes=[IsAuthenticated]
    )
    async def create_school(
        self, info: Info, input: Annotated[CreateSchoolInput, INPUT]
    ) -> SchoolPayload:
        school, errors = await attempt(resolvers.create_school(info, _changes(input)))
        return SchoolPayload(school=school_or_none(school), errors=school_errors(errors))

    @strawberry.mutation(
        description="Change a school's details or policy (its admins; slug, status and fee: platform).",
        permission_classes=[IsAuthenticated],
    )
    async def update_school(
        self, info: Info, input: Annotated[UpdateSchoolInput, INPUT]
    ) -> SchoolPayload:
        async def work() -> Any:
            school_id = decode_id(input.school_id, "School", E.NOT_FOUND, "schoolId")
            return await resolvers.update_school(info, school_id, _changes(input))

        school, errors = await attempt(work())
        return SchoolPayload(school=school_or_none(school), errors=school_errors(errors))

    @strawberry.mutation(
        description="Create or replace a platform setting (platform admins).",
        permission_classes=[IsAuthenticated],
    )
    async def set_platform_setting(
        self, info: Info, input: Annotated[SetPlatformSettingInput, INPUT]
    ) -> PlatformSettingPayload:
        setting, errors = await attempt(
            resolvers.set_platform_setting(
                info,
                key=input.key,
                value=input.value,
                is_public=input.is_public,
                category=input.category,
                description=input.description,
            )
        )
        return PlatformSettingPayload(
            setting=PlatformSetting(model=setting) if setting else None,
            errors=school_errors(errors),
        )
