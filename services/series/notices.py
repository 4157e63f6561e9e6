"""What the people of a series are told: outbox events on both users' channels (the
`lessonSeriesChanged` feed) and, for an occurrence that could not be booked, a message
to each of them through the notification sender."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import select

from models.accounts import User
from models.schools import School
from models.series import LessonSeries, SeriesOccurrence
from services.notifications import Message
from services.series.rules import instant_of
from services.uow import UnitOfWork
from subscriptions.envelope import user_key

EVENT_PREFIX = "series."
SERIES_EVENTS = ("series.created", "series.updated", "series.ended", "series.conflict")


def people_keys(series: LessonSeries) -> list[str]:
    return [user_key(series.student_id), user_key(series.instructor_id)]


def emit(uow: UnitOfWork, series: LessonSeries, kind: str, **data: str) -> None:
    """Announce a change of the series to its student and instructor."""
    event_type = EVENT_PREFIX + kind
    assert event_type in SERIES_EVENTS, event_type
    uow.emit(
        event_type,
        entity_type="LessonSeries",
        entity_id=series.id,
        school_id=series.school_id,
        keys=people_keys(series),
        data=data,
    )


async def conflict(
    uow: UnitOfWork, series: LessonSeries, occurrence: SeriesOccurrence, school: School
) -> None:
    """Tell both parties that one date of their series could not be booked, and why."""
    emit(uow, series, "conflict", occurrence_id=str(occurrence.id))
    zone = ZoneInfo(school.time_zone)
    starts = instant_of(occurrence.occurs_on, series.start_minute, zone)
    when = (
        f"{starts.astimezone(zone):%A %d %B %Y at %H:%M}"
        if starts is not None
        else f"{occurrence.occurs_on:%A %d %B %Y}"
    )
    people = await uow.session.scalars(
        select(User).where(User.id.in_([series.student_id, series.instructor_id]))
    )
    for person in people:
        await uow.deps.sender.send(
            uow.session,
            Message(
                channel="email",
                recipient=person.email,
                template="series.conflict",
                subject="A lesson of your series could not be booked",
                body=f"The lesson of your series on {when} could not be booked: "
                f"{occurrence.conflict_message} Choose another time for it, or skip it.",
                user_id=person.id,
                school_id=series.school_id,
                data={
                    "series_id": str(series.id),
                    "occurrence_id": str(occurrence.id),
                    "code": occurrence.conflict_code or "",
                },
            ),
        )


async def paused(uow: UnitOfWork, series: LessonSeries, why: str) -> None:
    """Tell both parties that their series stopped booking lessons, and why."""
    people = await uow.session.scalars(
        select(User).where(User.id.in_([series.student_id, series.instructor_id]))
    )
    for person in people:
        await uow.deps.sender.send(
            uow.session,
            Message(
                channel="email",
                recipient=person.email,
                template="series.paused",
                subject="Your lesson series is paused",
                body=f"Your lesson series is paused and books no more lessons: {why} "
                "Resume it once this is resolved.",
                user_id=person.id,
                school_id=series.school_id,
                data={"series_id": str(series.id)},
            ),
        )
