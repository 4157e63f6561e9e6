"""Queries of the schools domain."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers import schools as resolvers
from resolvers.context import Info
from schema.common.connection import AFTER_DESCRIPTION, FIRST_DESCRIPTION, Connection
from schema.common.permissions import IsAuthenticated
from schema.schools.types import PlatformSetting, PublicSchool, School, school_or_none


@strawberry.type
class SchoolQuery:
    @strawberry.field(
        description="The school of the logged-in user (null for platform admins).",
        permission_classes=[IsAuthenticated],
    )
    async def my_school(self, info: Info) -> School | None:
        return school_or_none(await resolvers.my_school(info))

    @strawberry.field(description="Look up an active school by its registration code. Public.")
    async def school_by_slug(
        self,
        info: Info,
        slug: Annotated[str, strawberry.argument(description="Registration code.")],
    ) -> PublicSchool | None:
        model = await resolvers.school_by_slug(info, slug)
        return PublicSchool(model=model) if model else None

    @strawberry.field(
        description="Every school (platform admins).", permission_classes=[IsAuthenticated]
    )
    async def schools(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=FIRST_DESCRIPTION)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> Connection[School]:
        page = await resolvers.all_schools(info, first=first, after=after)
        return Connection[School].from_page(page, lambda m: School(model=m))

    @strawberry.field(
        description="Platform settings: public ones for anyone, all for platform admins."
    )
    async def platform_settings(self, info: Info) -> list[PlatformSetting]:
        return [PlatformSetting(model=m) for m in await resolvers.platform_settings(info)]
