"""Inputs of the series domain."""

from __future__ import annotations

from datetime import date, datetime, time

import strawberry

from schema.scheduling.types import Weekday
from schema.series.types import SeriesEditScope, SeriesFrequency


@strawberry.input(
    description="A new recurring lesson. The first lesson is on the first `weekday` on or "
    "after `startsOn`; a monthly series repeats on that weekday's place in the month "
    "(e.g. the 2nd Tuesday; a 5th means the last)."
)
class CreateLessonSeriesInput:
    instructor_id: strawberry.ID = strawberry.field(
        description="An instructor assigned to the student."
    )
    lesson_type_id: strawberry.ID = strawberry.field(
        description="An active lesson type of the school."
    )
    frequency: SeriesFrequency = strawberry.field(description="How often it repeats.")
    weekday: Weekday = strawberry.field(description="The lessons' weekday.")
    local_time: time = strawberry.field(
        description="The lessons' start in the school's local time, on its slot grid."
    )
    starts_on: date = strawberry.field(
        description="The first date it may book: today or later, at most a year ahead."
    )
    ends_on: date | None = strawberry.field(
        default=None,
        description="The last date it may book (at most a year after `startsOn`); null: "
        "until ended.",
    )
    horizon: int = strawberry.field(
        default=8, description="How many lessons ahead to keep booked (1 to 52)."
    )
    auto_confirm: bool = strawberry.field(
        default=False,
        description="Book its lessons confirmed (instructors and admins only); otherwise "
        "they are pending until confirmed.",
    )
    student_id: strawberry.ID | None = strawberry.field(
        default=None, description="Staff: the student. Students: omit (yourself)."
    )
    location: str | None = strawberry.field(
        default=None, description="Where to meet (up to 300 characters)."
    )
    notes: str | None = strawberry.field(
        default=None, description="Notes for every lesson (up to 2,000 characters)."
    )
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Any string up to 100 characters, unique per series you mean: a retry "
        "with the same key and input returns the first series instead of making another.",
    )


@strawberry.input(
    description="Change a series. THIS: move, cancel or annotate one occurrence (give "
    "`occurrenceId`). THIS_AND_FOLLOWING: a new rule from `occurrenceId`'s date (the series "
    "is split). ALL: a new rule from today. Omitted fields stay as they are."
)
class UpdateLessonSeriesInput:
    series_id: strawberry.ID = strawberry.field(description="The series.")
    scope: SeriesEditScope = strawberry.field(description="Which lessons the change applies to.")
    occurrence_id: strawberry.ID | None = strawberry.field(
        default=None, description="THIS and THIS_AND_FOLLOWING: the occurrence concerned."
    )
    frequency: SeriesFrequency | None = strawberry.field(
        default=None, description="A new frequency (series-wide scopes)."
    )
    weekday: Weekday | None = strawberry.field(
        default=None, description="A new weekday (series-wide scopes)."
    )
    local_time: time | None = strawberry.field(
        default=None, description="A new local start time (series-wide scopes)."
    )
    ends_on: date | None = strawberry.field(
        default=None, description="A new last date (series-wide scopes)."
    )
    horizon: int | None = strawberry.field(
        default=None, description="How many lessons ahead to keep booked (series-wide scopes)."
    )
    auto_confirm: bool | None = strawberry.field(
        default=None,
        description="Book later lessons confirmed (staff only; series-wide scopes).",
    )
    location: str | None = strawberry.field(
        default=None, description="A new meeting place for the lessons concerned."
    )
    notes: str | None = strawberry.field(
        default=None, description="New notes for the lessons concerned."
    )
    starts_at: datetime | None = strawberry.field(
        default=None,
        description="THIS: move the lesson to this start (with its UTC offset), or book a "
        "conflicting or skipped date at it.",
    )
    cancel: bool = strawberry.field(
        default=False,
        description="THIS: cancel the lesson (the school's policy applies), or skip an "
        "unbooked date.",
    )
    reason: str | None = strawberry.field(
        default=None, description="Why (kept in the lesson's history)."
    )


@strawberry.input(description="Pause or resume a series.")
class LessonSeriesInput:
    series_id: strawberry.ID = strawberry.field(description="The series.")


@strawberry.input(
    description="End a series now: its lessons still ahead are cancelled (the school's "
    "cancellation policy applies) and no more are booked."
)
class EndLessonSeriesInput:
    series_id: strawberry.ID = strawberry.field(description="The series.")
    reason: str | None = strawberry.field(
        default=None, description="Why (up to 500 characters; kept with each cancellation)."
    )
