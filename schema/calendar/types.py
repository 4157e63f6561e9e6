"""Calendar feeds as clients see them."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry

from models import calendar as models
from resolvers import calendar as resolvers
from resolvers.context import Info
from schema.common.errors import UserError
from schema.common.node import Node, register_node
from services.calendar import CalendarErrorCode

CalendarErrorCodeEnum = strawberry.enum(
    CalendarErrorCode, description="Why a calendar feed request failed."
)


@strawberry.type(description="A failed calendar feed request.")
class CalendarError(UserError):
    code: CalendarErrorCodeEnum = strawberry.field(description="Machine-readable reason.")  # type: ignore[valid-type]


@strawberry.enum(description="What a calendar feed shows.")
class CalendarFeedKind(Enum):
    INSTRUCTOR_DIARY = strawberry.enum_value("instructor", description="An instructor's diary.")
    STUDENT_LESSONS = strawberry.enum_value("student", description="A student's lessons.")


@strawberry.type(
    description="Your private iCalendar feed. Its URL is shown once, when it is created; "
    "anyone with the URL can read the feed, so rotate or revoke it if it leaks."
)
class CalendarFeed(Node):
    model: strawberry.Private[models.CalendarFeed]

    @strawberry.field(description="Diary (instructors) or lessons (students).")
    def kind(self) -> CalendarFeedKind:
        return CalendarFeedKind(self.model.kind)

    @strawberry.field(description="When it was created.")
    def created_at(self) -> datetime:
        return self.model.created_at

    @strawberry.field(description="When it was revoked or rotated; null while live.")
    def revoked_at(self) -> datetime | None:
        return self.model.revoked_at

    @strawberry.field(description="Whether its URL still works.")
    def is_active(self) -> bool:
        return self.model.revoked_at is None


async def _fetch(info: Info, pk: Any) -> CalendarFeed | None:
    model = await resolvers.feed_node(info, pk)
    return CalendarFeed(model=model) if model else None


register_node("CalendarFeed", _fetch)
