"""Queries of the accounts domain."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers import accounts as resolvers
from resolvers.context import Info
from schema.accounts.types import Role, User, UserStatus, user_or_none
from schema.common.connection import AFTER_DESCRIPTION, FIRST_DESCRIPTION, Connection
from schema.common.node import decode_optional_id
from schema.common.permissions import IsAuthenticated
from services.errors import CommonErrorCode


@strawberry.type
class AccountQuery:
    @strawberry.field(
        description="The logged-in user, or null when the request carries no valid token."
    )
    async def me(self, info: Info) -> User | None:
        return user_or_none(await resolvers.me(info))

    @strawberry.field(
        description="Users you may see: school admins see their school; instructors their colleagues "
        "and assigned students; platform admins everyone. Newest last.",
        permission_classes=[IsAuthenticated],
    )
    async def users(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=FIRST_DESCRIPTION)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
        role: Annotated[
            Role | None, strawberry.argument(description="Only users with this role.")
        ] = None,
        status: Annotated[
            UserStatus | None, strawberry.argument(description="Only this status.")
        ] = None,
        search: Annotated[
            str | None, strawberry.argument(description="Match name or email.")
        ] = None,
        school_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only this school (platform admins)."),
        ] = None,
    ) -> Connection[User]:
        page = await resolvers.users(
            info,
            first=first,
            after=after,
            role=role.to_service() if role else None,
            status=status.value if status else None,
            search=search,
            school_id=decode_optional_id(school_id, "School", CommonErrorCode.INVALID, "schoolId"),
        )
        return Connection[User].from_page(page, lambda m: User(model=m))
