"""Queries and the live feed of the series domain."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from resolvers import series as resolvers
from resolvers.context import Info
from schema.common.connection import AFTER_DESCRIPTION, FIRST_DESCRIPTION, Connection
from schema.common.events import AFTER_EVENT, parse_event_id, resumable
from schema.common.node import decode_optional_id
from schema.common.permissions import IsAuthenticated
from schema.series.types import (
    LessonSeries,
    SeriesChange,
    SeriesEvent,
    SeriesOccurrence,
    SeriesStatus,
)
from services.series.errors import SeriesErrorCode as E


@strawberry.type
class SeriesQuery:
    @strawberry.field(
        description="Series you may see, newest first (students: theirs; instructors: their "
        "diary's; admins: the school's). Fetch one with `node(id:)`.",
        permission_classes=[IsAuthenticated],
    )
    async def lesson_series(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=FIRST_DESCRIPTION)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
        student_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this student's.")
        ] = None,
        instructor_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this instructor's.")
        ] = None,
        statuses: Annotated[
            list[SeriesStatus] | None, strawberry.argument(description="Only these statuses.")
        ] = None,
    ) -> Connection[LessonSeries]:
        page = await resolvers.list_series(
            info,
            first=first,
            after=after,
            student_id=decode_optional_id(student_id, "User", E.NOT_FOUND, "studentId"),
            instructor_id=decode_optional_id(instructor_id, "User", E.NOT_FOUND, "instructorId"),
            statuses=[s.value for s in statuses] if statuses else None,
        )
        return Connection[LessonSeries].from_page(page, lambda m: LessonSeries(model=m))


@strawberry.type
class SeriesSubscription:
    @strawberry.subscription(
        description="Changes to series you are the student or instructor of: created, "
        "changed, ended, and dates that could not be booked. Their lessons' own changes "
        "arrive on `myBookings` and `instructorDiary`. Pass the last `eventId` as `after` "
        "to receive what you missed.",
        permission_classes=[IsAuthenticated],
    )
    async def my_lesson_series_changed(
        self, info: Info, after: Annotated[str | None, AFTER_EVENT] = None
    ) -> AsyncGenerator[SeriesEvent, None]:
        async for event_id, change, model, occurrence in resumable(
            resolvers.my_series_events(info, parse_event_id(after))
        ):
            yield SeriesEvent(
                event_id=str(event_id),
                change=SeriesChange(change),
                series=LessonSeries(model=model),
                occurrence=SeriesOccurrence(model=occurrence) if occurrence else None,
            )
