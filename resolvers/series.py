"""Series: loaders, thin resolvers and the live feed."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.schools import School
from models.series import LessonSeries, SeriesOccurrence
from resolvers.context import Info
from resolvers.loaders import SessionLoader
from resolvers.pagination import Page, paginate
from services import idempotency
from services.actor import Actor
from services.errors import DomainError
from services.series import manage
from services.series.errors import SeriesErrorCode as E
from services.series.generation import Generated
from services.series.notices import EVENT_PREFIX
from services.series.visibility import can_see, visible_series
from services.uow import UnitOfWork
from subscriptions.envelope import user_key
from subscriptions.feeds import follow

# The longest stretch of occurrences one field returns: a year and a day.
MAX_OCCURRENCE_RANGE = timedelta(days=366)

# -- loaders -------------------------------------------------------------------------------------


class SeriesByIdLoader(SessionLoader[uuid.UUID, LessonSeries | None]):
    """Series the actor may see."""

    async def load_batch(
        self, session: AsyncSession, keys: list[uuid.UUID]
    ) -> list[LessonSeries | None]:
        if self.actor is None:
            return [None] * len(keys)
        rows = await session.scalars(
            select(LessonSeries).where(LessonSeries.id.in_(keys), visible_series(self.actor))
        )
        found = {row.id: row for row in rows}
        return [found.get(key) for key in keys]


class OccurrenceByIdLoader(SessionLoader[uuid.UUID, SeriesOccurrence | None]):
    """Occurrences of series the actor may see."""

    async def load_batch(
        self, session: AsyncSession, keys: list[uuid.UUID]
    ) -> list[SeriesOccurrence | None]:
        if self.actor is None:
            return [None] * len(keys)
        rows = await session.scalars(
            select(SeriesOccurrence)
            .join(LessonSeries, LessonSeries.id == SeriesOccurrence.series_id)
            .where(SeriesOccurrence.id.in_(keys), visible_series(self.actor))
        )
        found = {row.id: row for row in rows}
        return [found.get(key) for key in keys]


OccurrenceRange = tuple[uuid.UUID, date, date]


class OccurrencesBySeriesLoader(SessionLoader[OccurrenceRange, list[SeriesOccurrence]]):
    """A series' occurrences on dates in [from, to], by date; keyed by (series, from, to).
    The series itself was authorised by its loader."""

    async def load_batch(
        self, session: AsyncSession, keys: list[OccurrenceRange]
    ) -> list[list[SeriesOccurrence]]:
        by_range: dict[tuple[date, date], list[uuid.UUID]] = defaultdict(list)
        for series_id, first, last in keys:
            by_range[(first, last)].append(series_id)
        grouped: dict[OccurrenceRange, list[SeriesOccurrence]] = defaultdict(list)
        for (first, last), ids in by_range.items():
            rows = await session.scalars(
                select(SeriesOccurrence)
                .where(
                    SeriesOccurrence.series_id.in_(ids),
                    SeriesOccurrence.occurs_on >= first,
                    SeriesOccurrence.occurs_on <= last,
                )
                .order_by(SeriesOccurrence.occurs_on)
            )
            for row in rows:
                grouped[(row.series_id, first, last)].append(row)
        return [grouped.get(key, []) for key in keys]


class OccurrenceByBookingLoader(SessionLoader[uuid.UUID, SeriesOccurrence | None]):
    """The occurrence a booking was made for (the booking was authorised by its loader)."""

    async def load_batch(
        self, session: AsyncSession, keys: list[uuid.UUID]
    ) -> list[SeriesOccurrence | None]:
        rows = await session.scalars(
            select(SeriesOccurrence).where(SeriesOccurrence.booking_id.in_(keys))
        )
        found = {row.booking_id: row for row in rows}
        return [found.get(key) for key in keys]


# -- queries -------------------------------------------------------------------------------------


async def series(info: Info, series_id: uuid.UUID | None) -> LessonSeries | None:
    if series_id is None or info.context.actor is None:
        return None
    return await info.context.loaders[SeriesByIdLoader].load(series_id)


async def occurrence(info: Info, occurrence_id: uuid.UUID) -> SeriesOccurrence | None:
    if info.context.actor is None:
        return None
    return await info.context.loaders[OccurrenceByIdLoader].load(occurrence_id)


def occurrence_range(today: date, first: date | None, last: date | None) -> tuple[date, date]:
    """[from, to] of an occurrences field: from today for a year by default, at most a
    year at a time."""
    first = first or today
    last = last or first + MAX_OCCURRENCE_RANGE
    if last < first:
        raise DomainError(E.INVALID_DATES, "`to` is before `from`.", "to")
    if last - first > MAX_OCCURRENCE_RANGE:
        raise DomainError(E.RANGE_TOO_LONG, "Ask for at most a year of occurrences.", "to")
    return first, last


async def occurrences_of(
    info: Info, model: LessonSeries, zone: ZoneInfo, first: date | None, last: date | None
) -> list[SeriesOccurrence]:
    start, end = occurrence_range(datetime.now(zone).date(), first, last)
    return await info.context.loaders[OccurrencesBySeriesLoader].load((model.id, start, end))


async def list_series(
    info: Info,
    *,
    first: int,
    after: str | None,
    student_id: uuid.UUID | None,
    instructor_id: uuid.UUID | None,
    statuses: list[str] | None,
) -> Page[LessonSeries]:
    actor = info.context.require_actor()
    stmt = select(LessonSeries).where(visible_series(actor))
    if student_id is not None:
        stmt = stmt.where(LessonSeries.student_id == student_id)
    if instructor_id is not None:
        stmt = stmt.where(LessonSeries.instructor_id == instructor_id)
    if statuses:
        stmt = stmt.where(LessonSeries.status.in_(statuses))
    async with info.context.state.db.session() as session:
        return await paginate(
            session,
            stmt,
            sort=LessonSeries.created_at,
            id_column=LessonSeries.id,
            first=first,
            after=after,
            max_page_size=info.context.state.max_page_size,
            descending=True,
        )


async def school_zone(info: Info, school_id: uuid.UUID) -> ZoneInfo:
    from resolvers.schools import SchoolByIdLoader

    school: School | None = await info.context.loaders[SchoolByIdLoader].load(school_id)
    return ZoneInfo(school.time_zone if school else "UTC")


# -- mutations -----------------------------------------------------------------------------------


async def run(
    info: Info, work: Callable[[UnitOfWork, Actor, datetime], Awaitable[manage.Outcome]]
) -> manage.Outcome:
    """One series change in one transaction, retried after a deadlock or serialization
    failure like the scheduling core's mutations (it places and moves bookings too)."""
    actor = info.context.require_actor()
    return await info.context.transact(lambda uow: work(uow, actor, datetime.now(UTC)))


async def create_series(info: Info, key: str | None, **fields: Any) -> manage.Outcome:
    """Create a series under an idempotency key: a replay returns the series as it is
    now (with nothing newly booked) instead of making a second one."""

    async def create(uow: UnitOfWork, actor: Actor, now: datetime) -> manage.Outcome:
        claim = await idempotency.claim(
            uow, actor, key, "createLessonSeries", fields, E.IDEMPOTENCY_KEY_REUSED
        )
        if claim.replay is not None:
            replayed = await uow.session.get(LessonSeries, claim.replay)
            if replayed is None or not can_see(actor, replayed):
                raise DomainError(E.NOT_FOUND, "No such series.", "idempotencyKey")
            return manage.Outcome(replayed, Generated())
        outcome = await manage.create_series(uow, actor, now=now, **fields)
        claim.record(outcome.series.id)
        return outcome

    return await run(info, create)


async def update_series(
    info: Info,
    series_id: uuid.UUID,
    scope: manage.Scope,
    changes: manage.SeriesChanges,
    occurrence_id: uuid.UUID | None,
) -> manage.Outcome:
    return await run(
        info,
        lambda uow, actor, now: manage.update_series(
            uow, actor, series_id, scope, changes, occurrence_id=occurrence_id, now=now
        ),
    )


async def pause_series(info: Info, series_id: uuid.UUID) -> manage.Outcome:
    return await run(
        info, lambda uow, actor, now: manage.pause_series(uow, actor, series_id, now=now)
    )


async def resume_series(info: Info, series_id: uuid.UUID) -> manage.Outcome:
    return await run(
        info, lambda uow, actor, now: manage.resume_series(uow, actor, series_id, now=now)
    )


async def end_series(info: Info, series_id: uuid.UUID, reason: str | None) -> manage.Outcome:
    return await run(
        info,
        lambda uow, actor, now: manage.end_series(uow, actor, series_id, reason=reason, now=now),
    )


# -- live feed -----------------------------------------------------------------------------------


async def my_series_events(
    info: Info, after: int | None
) -> AsyncIterator[tuple[int, str, LessonSeries, SeriesOccurrence | None]]:
    """(event id, change, the series as it is now, the occurrence concerned) for changes
    to series the subscriber is the student or instructor of."""
    context = info.context
    actor = context.require_actor()
    async for envelope in follow(
        context.state.hub, context.state.db, {user_key(actor.user_id)}, after
    ):
        if not envelope.type.startswith(EVENT_PREFIX):
            continue
        context.fresh_loaders_for_event()
        current = await context.loaders[SeriesByIdLoader].load(envelope.entity_id)
        if current is None or actor.user_id not in (current.student_id, current.instructor_id):
            continue
        occurrence_id = envelope.data.get("occurrence_id")
        concerned = (
            await context.loaders[OccurrenceByIdLoader].load(uuid.UUID(occurrence_id))
            if occurrence_id
            else None
        )
        yield envelope.id, envelope.type.removeprefix(EVENT_PREFIX), current, concerned
