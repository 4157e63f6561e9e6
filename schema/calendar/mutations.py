"""Mutations of the calendar feeds."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from resolvers import calendar as resolvers
from resolvers.context import Info
from schema.calendar.inputs import CreateCalendarFeedInput, RevokeCalendarFeedInput
from schema.calendar.types import CalendarError, CalendarFeed
from schema.common.arguments import INPUT
from schema.common.errors import attempt, user_errors
from schema.common.node import decode_id
from schema.common.permissions import IsAuthenticated
from services.calendar import CalendarErrorCode as E


@strawberry.type(description="Result of a calendar feed mutation.")
class CalendarFeedPayload:
    feed: CalendarFeed | None = strawberry.field(description="The feed, on success.")
    url: str | None = strawberry.field(
        description="The feed's private URL: only in the answer that created it, never again. "
        "Subscribe to it from a calendar app (for `webcal://`, swap the scheme)."
    )
    errors: list[CalendarError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type
class CalendarMutation:
    @strawberry.mutation(
        description="Create your private iCalendar feed (instructors: your diary; students: "
        "your lessons), or rotate it with `rotate: true`.",
        permission_classes=[IsAuthenticated],
    )
    async def create_calendar_feed(
        self, info: Info, input: Annotated[CreateCalendarFeedInput, INPUT]
    ) -> CalendarFeedPayload:
        result, errors = await attempt(resolvers.create_feed(info, rotate=input.rotate))
        if result is None:
            return CalendarFeedPayload(
                feed=None, url=None, errors=user_errors(CalendarError, E, errors)
            )
        feed, token = result
        return CalendarFeedPayload(
            feed=CalendarFeed(model=feed), url=resolvers.feed_url(info, token), errors=[]
        )

    @strawberry.mutation(
        description="Revoke your calendar feed; its URL answers 404 from now on.",
        permission_classes=[IsAuthenticated],
    )
    async def revoke_calendar_feed(
        self, info: Info, input: Annotated[RevokeCalendarFeedInput, INPUT]
    ) -> CalendarFeedPayload:
        async def work() -> Any:
            return await resolvers.revoke_feed(
                info, decode_id(input.feed_id, "CalendarFeed", E.NOT_FOUND, "feedId")
            )

        model, errors = await attempt(work())
        return CalendarFeedPayload(
            feed=CalendarFeed(model=model) if model else None,
            url=None,
            errors=user_errors(CalendarError, E, errors),
        )
