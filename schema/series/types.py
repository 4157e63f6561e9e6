"""Recurring lesson series as clients see them."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import Enum
from typing import Annotated, Any

import strawberry

from models import series as models
from resolvers import series as resolvers
from resolvers.accounts import UserByIdLoader
from resolvers.context import Info
from resolvers.scheduling import BookingByIdLoader, LessonTypeByIdLoader
from schema.accounts.types import User, user_or_none
from schema.common.errors import UserError
from schema.common.node import Node, register_node
from schema.scheduling.types import Booking, LessonType, Weekday
from services.scheduling.localtime import wall_time
from services.series.errors import SeriesErrorCode
from services.series.rules import instant_of

SeriesErrorCodeEnum = strawberry.enum(
    SeriesErrorCode,
    description="Why a series request failed, or why one of its dates could not be booked.",
)


@strawberry.type(description="A failed series request.")
class SeriesError(UserError):
    code: SeriesErrorCodeEnum = strawberry.field(description="Machine-readable reason.")  # type: ignore[valid-type]


async def _user(info: Info, user_id: Any) -> User | None:
    if user_id is None:
        return None
    return user_or_none(await info.context.loaders[UserByIdLoader].load(user_id))


@strawberry.enum(description="How often a series repeats.")
class SeriesFrequency(Enum):
    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    MONTHLY = "monthly"


@strawberry.enum(description="Whether a series still books lessons.")
class SeriesStatus(Enum):
    ACTIVE = "active"
    PAUSED = "paused"
    ENDED = "ended"


@strawberry.enum(description="What became of one date of a series.")
class SeriesOccurrenceStatus(Enum):
    SCHEDULED = "scheduled"
    CONFLICT = "conflict"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"


@strawberry.enum(description="Which lessons of a series a change applies to.")
class SeriesEditScope(Enum):
    THIS = "this"
    THIS_AND_FOLLOWING = "this_and_following"
    ALL = "all"


@strawberry.type(description="Why one date of a series could not be booked.")
class SeriesConflict:
    code: SeriesErrorCodeEnum = strawberry.field(description="The reason, as a code.")  # type: ignore[valid-type]
    message: str = strawberry.field(description="The reason, in words.")


@strawberry.type(
    description="A recurring lesson: weekly, fortnightly or monthly at a local weekday and "
    "time, kept booked a number of lessons ahead."
)
class LessonSeries(Node):
    model: strawberry.Private[models.LessonSeries]

    @strawberry.field(description="The student.")
    async def student(self, info: Info) -> User | None:
        return await _user(info, self.model.student_id)

    @strawberry.field(description="The instructor.")
    async def instructor(self, info: Info) -> User | None:
        return await _user(info, self.model.instructor_id)

    @strawberry.field(description="The kind of lesson every occurrence books.")
    async def lesson_type(self, info: Info) -> LessonType | None:
        row = await info.context.loaders[LessonTypeByIdLoader].load(self.model.lesson_type_id)
        return LessonType(model=row) if row else None

    @strawberry.field(description="How often it repeats.")
    def frequency(self) -> SeriesFrequency:
        return SeriesFrequency(self.model.frequency)

    @strawberry.field(description="The weekday of its lessons.")
    def weekday(self) -> Weekday:
        return Weekday(self.model.weekday)

    @strawberry.field(
        description="The lessons' start in the school's local time; it stays this wall-clock "
        "time across daylight-saving changes."
    )
    def local_time(self) -> time:
        return wall_time(self.model.start_minute)

    @strawberry.field(
        description="Monthly series: which of the month's weekdays (1 to 4; 5 means the last)."
    )
    def week_of_month(self) -> int | None:
        return self.model.week_of_month

    @strawberry.field(description="The first date the series may book (school's local date).")
    def starts_on(self) -> date:
        return self.model.starts_on

    @strawberry.field(description="The last date it may book; null: until ended.")
    def ends_on(self) -> date | None:
        return self.model.ends_on

    @strawberry.field(
        description="True: its lessons are booked confirmed; false: pending until confirmed."
    )
    def auto_confirm(self) -> bool:
        return self.model.auto_confirm

    @strawberry.field(description="How many lessons ahead it keeps booked.")
    def horizon(self) -> int:
        return self.model.horizon

    @strawberry.field(description="Where its lessons meet (free text).")
    def location(self) -> str | None:
        return self.model.location

    @strawberry.field(description="Notes copied onto its lessons.")
    def notes(self) -> str | None:
        return self.model.notes

    @strawberry.field(description="Active, paused or ended.")
    def status(self) -> SeriesStatus:
        return SeriesStatus(self.model.status)

    @strawberry.field(description="Who made it.")
    async def created_by(self, info: Info) -> User | None:
        return await _user(info, self.model.created_by_id)

    @strawberry.field(
        description="The series this one continues, when it was split by a "
        "THIS_AND_FOLLOWING change."
    )
    async def previous_series(self, info: Info) -> LessonSeries | None:
        return series_or_none(await resolvers.series(info, self.model.previous_series_id))

    @strawberry.field(
        description="Its dates from `from` to `to` (both included; default: from today, a "
        "year; at most a year), each booked, a conflict, cancelled or skipped."
    )
    async def occurrences(
        self,
        info: Info,
        from_: Annotated[
            date | None,
            strawberry.argument(description="First date (default today).", name="from"),
        ] = None,
        to: Annotated[
            date | None, strawberry.argument(description="Last date (default a year on).")
        ] = None,
    ) -> list[SeriesOccurrence]:
        zone = await resolvers.school_zone(info, self.model.school_id)
        rows = await resolvers.occurrences_of(info, self.model, zone, from_, to)
        return [SeriesOccurrence(model=r) for r in rows]

    @strawberry.field(description="When it was made.")
    def created_at(self) -> datetime:
        return self.model.created_at

    @strawberry.field(description="When it ended.")
    def ended_at(self) -> datetime | None:
        return self.model.ended_at


@strawberry.type(description="One date of a series: its lesson, or why it has none.")
class SeriesOccurrence(Node):
    model: strawberry.Private[models.SeriesOccurrence]

    @strawberry.field(description="The series.")
    async def series(self, info: Info) -> LessonSeries | None:
        return series_or_none(await resolvers.series(info, self.model.series_id))

    @strawberry.field(description="The date the rule gave it (school's local date).")
    def occurs_on(self) -> date:
        return self.model.occurs_on

    @strawberry.field(
        description="When its lesson starts: the booking's start, or for a date without one "
        "the rule's time that day (null when that time does not exist that day)."
    )
    async def starts_at(self, info: Info) -> datetime | None:
        if self.model.booking_id is not None:
            booking = await info.context.loaders[BookingByIdLoader].load(self.model.booking_id)
            if booking is not None:
                return booking.starts_at
        parent = await resolvers.series(info, self.model.series_id)
        if parent is None:
            return None
        zone = await resolvers.school_zone(info, parent.school_id)
        return instant_of(self.model.occurs_on, parent.start_minute, zone)

    @strawberry.field(description="Booked, a conflict, cancelled or skipped.")
    def status(self) -> SeriesOccurrenceStatus:
        return SeriesOccurrenceStatus(self.model.status)

    @strawberry.field(description="Its lesson (also when cancelled); null when it has none.")
    async def booking(self, info: Info) -> Booking | None:
        if self.model.booking_id is None:
            return None
        row = await info.context.loaders[BookingByIdLoader].load(self.model.booking_id)
        return Booking(model=row) if row else None

    @strawberry.field(description="Why it could not be booked, for a conflict.")
    def conflict(self) -> SeriesConflict | None:
        if self.model.conflict_code is None:
            return None
        known = {member.value for member in SeriesErrorCode}
        code = self.model.conflict_code if self.model.conflict_code in known else "CONFLICT"
        return SeriesConflict(code=SeriesErrorCode(code), message=self.model.conflict_message or "")

    @strawberry.field(
        description="True when it was changed on its own (moved, cancelled, skipped): changes "
        "to the whole series and generation leave it as it is."
    )
    def is_exception(self) -> bool:
        return self.model.is_exception


@strawberry.enum(description="What happened to a series.")
class SeriesChange(Enum):
    CREATED = "created"
    UPDATED = "updated"
    ENDED = "ended"
    CONFLICT = "conflict"


@strawberry.type(description="A live change to one of your series.")
class SeriesEvent:
    event_id: str = strawberry.field(
        description="Pass it as `after` when you reconnect to receive what you missed."
    )
    change: SeriesChange = strawberry.field(description="What happened.")
    series: LessonSeries = strawberry.field(description="The series as it is now.")
    occurrence: SeriesOccurrence | None = strawberry.field(
        description="The occurrence concerned (a conflict, or a changed occurrence)."
    )


def series_or_none(model: models.LessonSeries | None) -> LessonSeries | None:
    return LessonSeries(model=model) if model is not None else None


async def series_of(info: Info, pk: Any) -> LessonSeries | None:
    """The series of this id the actor may see (Booking.series, node(id:))."""
    return series_or_none(await resolvers.series(info, pk))


async def _fetch_occurrence(info: Info, pk: Any) -> SeriesOccurrence | None:
    row = await resolvers.occurrence(info, pk)
    return SeriesOccurrence(model=row) if row else None


register_node("LessonSeries", series_of)
register_node("SeriesOccurrence", _fetch_occurrence)
