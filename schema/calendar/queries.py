"""Queries of the calendar feeds."""

from __future__ import annotations

import strawberry

from resolvers import calendar as resolvers
from resolvers.context import Info
from schema.calendar.types import CalendarFeed
from schema.common.permissions import IsAuthenticated


@strawberry.type
class CalendarQuery:
    @strawberry.field(
        description="Your live calendar feed, if you have one (its URL is not shown again).",
        permission_classes=[IsAuthenticated],
    )
    async def my_calendar_feed(self, info: Info) -> CalendarFeed | None:
        model = await resolvers.my_feed(info)
        return CalendarFeed(model=model) if model else None
