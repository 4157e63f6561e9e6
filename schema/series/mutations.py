"""Mutations of the series domain."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import strawberry
from strawberry.permission import BasePermission

from resolvers import series as resolvers
from resolvers.context import Info
from schema.common.arguments import INPUT
from schema.common.errors import attempt, user_errors
from schema.common.node import decode_id, decode_optional_id
from schema.common.permissions import IsAuthenticated
from schema.series.inputs import (
    CreateLessonSeriesInput,
    EndLessonSeriesInput,
    LessonSeriesInput,
    UpdateLessonSeriesInput,
)
from schema.series.types import LessonSeries, SeriesError, SeriesOccurrence
from services.errors import DomainError
from services.scheduling.availability import require_aware
from services.series import manage
from services.series.errors import SeriesErrorCode as E

AUTHENTICATED: list[type[BasePermission]] = [IsAuthenticated]


@strawberry.type(description="Result of a series mutation.")
class LessonSeriesPayload:
    series: LessonSeries | None = strawberry.field(
        description="The series as it is now, on success (for a THIS_AND_FOLLOWING change: "
        "the new series)."
    )
    occurrence: SeriesOccurrence | None = strawberry.field(
        description="The occurrence a THIS change concerned."
    )
    booked: list[SeriesOccurrence] = strawberry.field(
        description="Occurrences this request booked."
    )
    conflicts: list[SeriesOccurrence] = strawberry.field(
        description="Occurrences this request could not book (both parties were told)."
    )
    errors: list[SeriesError] = strawberry.field(description="Why it failed; empty on success.")


def _payload(outcome: manage.Outcome | None, errors: list[DomainError]) -> LessonSeriesPayload:
    if outcome is None:
        return LessonSeriesPayload(
            series=None,
            occurrence=None,
            booked=[],
            conflicts=[],
            errors=user_errors(SeriesError, E, errors),
        )
    return LessonSeriesPayload(
        series=LessonSeries(model=outcome.series),
        occurrence=SeriesOccurrence(model=outcome.occurrence) if outcome.occurrence else None,
        booked=[SeriesOccurrence(model=o) for o in outcome.generated.booked],
        conflicts=[SeriesOccurrence(model=o) for o in outcome.generated.conflicts],
        errors=[],
    )


async def _run(work: Callable[[], Awaitable[manage.Outcome]]) -> LessonSeriesPayload:
    outcome, errors = await attempt(work())
    return _payload(outcome, errors)


def _series_id(value: strawberry.ID) -> Any:
    return decode_id(value, "LessonSeries", E.NOT_FOUND, "seriesId")


@strawberry.type
class SeriesMutation:
    @strawberry.mutation(
        description="Create a recurring lesson and book its first lessons at once. Students "
        "for themselves with an assigned instructor; instructors in their own diary; admins "
        "for any student. Dates that cannot be booked come back in `conflicts`.",
        permission_classes=AUTHENTICATED,
    )
    async def create_lesson_series(
        self, info: Info, input: Annotated[CreateLessonSeriesInput, INPUT]
    ) -> LessonSeriesPayload:
        async def work() -> manage.Outcome:
            return await resolvers.create_series(
                info,
                input.idempotency_key,
                instructor_id=decode_id(
                    input.instructor_id, "User", E.INSTRUCTOR_NOT_FOUND, "instructorId"
                ),
                student_id=decode_optional_id(
                    input.student_id, "User", E.STUDENT_NOT_FOUND, "studentId"
                ),
                lesson_type_id=decode_id(
                    input.lesson_type_id, "LessonType", E.LESSON_TYPE_NOT_FOUND, "lessonTypeId"
                ),
                frequency=input.frequency.value,
                weekday=input.weekday.value,
                local_time=input.local_time,
                starts_on=input.starts_on,
                ends_on=input.ends_on,
                horizon=input.horizon,
                auto_confirm=input.auto_confirm,
                location=input.location,
                notes=input.notes,
            )

        return await _run(work)

    @strawberry.mutation(
        description="Change one occurrence, this and the following ones, or the whole series.",
        permission_classes=AUTHENTICATED,
    )
    async def update_lesson_series(
        self, info: Info, input: Annotated[UpdateLessonSeriesInput, INPUT]
    ) -> LessonSeriesPayload:
        async def work() -> manage.Outcome:
            changes = manage.SeriesChanges(
                frequency=input.frequency.value if input.frequency else None,
                weekday=input.weekday.value if input.weekday is not None else None,
                local_time=input.local_time,
                ends_on=input.ends_on,
                horizon=input.horizon,
                auto_confirm=input.auto_confirm,
                location=input.location,
                notes=input.notes,
                starts_at=require_aware(input.starts_at, "startsAt") if input.starts_at else None,
                cancel=input.cancel,
                reason=input.reason,
            )
            return await resolvers.update_series(
                info,
                _series_id(input.series_id),
                manage.Scope(input.scope.value),
                changes,
                decode_optional_id(
                    input.occurrence_id, "SeriesOccurrence", E.OCCURRENCE_NOT_FOUND, "occurrenceId"
                ),
            )

        return await _run(work)

    @strawberry.mutation(
        description="Pause a series: no more lessons are booked; those booked stay.",
        permission_classes=AUTHENTICATED,
    )
    async def pause_lesson_series(
        self, info: Info, input: Annotated[LessonSeriesInput, INPUT]
    ) -> LessonSeriesPayload:
        return await _run(lambda: resolvers.pause_series(info, _series_id(input.series_id)))

    @strawberry.mutation(
        description="Resume a paused series: lessons are booked again from now on.",
        permission_classes=AUTHENTICATED,
    )
    async def resume_lesson_series(
        self, info: Info, input: Annotated[LessonSeriesInput, INPUT]
    ) -> LessonSeriesPayload:
        return await _run(lambda: resolvers.resume_series(info, _series_id(input.series_id)))

    @strawberry.mutation(
        description="End a series now; its lessons still ahead are cancelled.",
        permission_classes=AUTHENTICATED,
    )
    async def end_lesson_series(
        self, info: Info, input: Annotated[EndLessonSeriesInput, INPUT]
    ) -> LessonSeriesPayload:
        return await _run(
            lambda: resolvers.end_series(info, _series_id(input.series_id), input.reason)
        )
