"""Private iCalendar feeds (SPEC §2, calendar export).

An instructor subscribes to their diary, a student to their lessons, from any calendar
app. Calendar apps cannot send an ``Authorization`` header, so the feed's URL carries the
credential: 256 random bits (``new_secret_token``), of which only the SHA-256 is stored.
Creating a feed again rotates it — the old URL stops working in the same transaction —
and revoking ends it. A user has at most one live feed (a partial unique index), and
concurrent rotations queue on a per-user advisory lock, so exactly one URL is live after
any number of them.

The document (RFC 5545, built with ``icalendar``) has one VEVENT per booking from
``PAST_DAYS`` ago to the school's booking horizon, cancellations included so calendar apps
remove them: a stable UID per booking, local times with the school's TZID and its
VTIMEZONE, SEQUENCE = the number of changes in the booking's history after its creation
(so every move or status change supersedes the copy a calendar holds), LAST-MODIFIED, and
STATUS TENTATIVE / CONFIRMED / CANCELLED. Booking notes and anything from profiles (medical
details above all) stay out: a feed URL ends up in third-party calendar services.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from models.accounts import User
from models.calendar import CalendarFeed
from models.scheduling import Booking, BookingChange, LessonType
from models.schools import School
from services.actor import Actor, Role
from services.errors import DomainError
from services.security import new_secret_token, token_digest
from services.uow import UnitOfWork

PAST_DAYS = 30
TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")  # secrets.token_urlsafe(32)
FEED_LOCK = 7_404_331  # advisory lock namespace: one user's feed
PRODID = "-//Clutch//Driving lessons//EN"
UID_DOMAIN = "clutch.lessons"
KINDS = {Role.INSTRUCTOR: "instructor", Role.STUDENT: "student"}
STATUS = {
    "pending": "TENTATIVE",
    "confirmed": "CONFIRMED",
    "in_progress": "CONFIRMED",
    "completed": "CONFIRMED",
    "no_show": "CONFIRMED",
    "cancelled": "CANCELLED",
}
SUMMARY_PREFIX = {"cancelled": "Cancelled: ", "no_show": "No-show: ", "pending": "Requested: "}


class CalendarErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    INVALID = "INVALID"
    CONFLICT = "CONFLICT"
    NOT_AVAILABLE = "NOT_AVAILABLE"
    FEED_EXISTS = "FEED_EXISTS"


E = CalendarErrorCode


def feed_path(token: str) -> str:
    return f"/calendar/{token}.ics"


# -- managing feeds -----------------------------------------------------------------------------


def _kind_for(actor: Actor) -> str:
    kind = KINDS.get(actor.role)
    if kind is None or actor.school_id is None:
        raise DomainError(E.NOT_AVAILABLE, "Calendar feeds are for instructors and students.", None)
    return kind


async def _lock(uow: UnitOfWork, user_id: uuid.UUID) -> None:
    await uow.session.execute(
        select(func.pg_advisory_xact_lock(FEED_LOCK, func.hashtext(str(user_id))))
    )


async def _revoke_live(
    uow: UnitOfWork, user_id: uuid.UUID, feed_id: uuid.UUID | None = None
) -> CalendarFeed | None:
    only = [] if feed_id is None else [CalendarFeed.id == feed_id]
    return await uow.session.scalar(
        update(CalendarFeed)
        .where(CalendarFeed.user_id == user_id, CalendarFeed.revoked_at.is_(None), *only)
        .values(revoked_at=func.now())
        .returning(CalendarFeed)
        .execution_options(populate_existing=True)
    )


async def create_feed(uow: UnitOfWork, actor: Actor, *, rotate: bool) -> tuple[CalendarFeed, str]:
    """A new feed for the actor; returns the feed and the token, which is never stored and
    cannot be shown again. With ``rotate`` the live feed is revoked, else having one is an
    error (so a second device cannot silently break the first one's subscription)."""
    actor.require_active()
    kind = _kind_for(actor)
    assert actor.school_id is not None
    await _lock(uow, actor.user_id)
    if not rotate:
        live = await uow.session.scalar(
            select(CalendarFeed.id).where(
                CalendarFeed.user_id == actor.user_id, CalendarFeed.revoked_at.is_(None)
            )
        )
        if live is not None:
            raise DomainError(
                E.FEED_EXISTS,
                "You already have a calendar feed; rotate it to get a new URL.",
                "rotate",
            )
    previous = await _revoke_live(uow, actor.user_id)
    token = new_secret_token()
    feed = CalendarFeed(
        school_id=actor.school_id,
        user_id=actor.user_id,
        kind=kind,
        token_hash=token_digest(token),
        created_at=datetime.now(UTC),
    )
    uow.session.add(feed)
    await uow.flush_unique(lambda _constraint: DomainError(E.CONFLICT, "Try again.", None))
    uow.audit(
        actor,
        "calendar_feed.rotated" if previous else "calendar_feed.created",
        entity_type="CalendarFeed",
        entity_id=feed.id,
        school_id=feed.school_id,
        before={"feed_id": str(previous.id)} if previous else None,
        after={"feed_id": str(feed.id), "kind": kind},
    )
    return feed, token


async def revoke_feed(uow: UnitOfWork, actor: Actor, feed_id: uuid.UUID) -> CalendarFeed:
    """Revoke one of the actor's own live feeds (its URL answers 404 from the commit on)."""
    await _lock(uow, actor.user_id)
    revoked = await _revoke_live(uow, actor.user_id, feed_id)
    if revoked is None:
        raise DomainError(E.NOT_FOUND, "No such live calendar feed.", "feedId")
    uow.audit(
        actor,
        "calendar_feed.revoked",
        entity_type="CalendarFeed",
        entity_id=revoked.id,
        school_id=revoked.school_id,
        before={"feed_id": str(revoked.id)},
    )
    return revoked


# -- serving feeds ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Subscriber:
    feed: CalendarFeed
    user: User
    school: School


async def subscriber_for(session: AsyncSession, token: str) -> Subscriber | None:
    """The live feed a token opens, with its (active) owner and school; None for anything
    else — a malformed, unknown or revoked token, or an owner who can no longer log in."""
    if not TOKEN_SHAPE.fullmatch(token):
        return None
    row = (
        await session.execute(
            select(CalendarFeed, User, School)
            .join(User, User.id == CalendarFeed.user_id)
            .join(School, School.id == CalendarFeed.school_id)
            .where(
                CalendarFeed.token_hash == token_digest(token),
                CalendarFeed.revoked_at.is_(None),
                User.deleted_at.is_(None),
                User.status == "active",
                School.is_active.is_(True),
            )
        )
    ).one_or_none()
    return Subscriber(*row) if row else None


@dataclass(frozen=True)
class FeedEvent:
    booking: Booking
    lesson_type: str
    other_party: str
    changes: int


async def feed_events(
    session: AsyncSession, subscriber: Subscriber, now: datetime
) -> list[FeedEvent]:
    """The subscriber's bookings in the feed's window, with what each event shows, in one
    statement (the history count is a correlated count over an indexed column)."""
    user, school = subscriber.user, subscriber.school
    other = aliased(User)
    mine = Booking.instructor_id if subscriber.feed.kind == "instructor" else Booking.student_id
    theirs = Booking.student_id if subscriber.feed.kind == "instructor" else Booking.instructor_id
    changes = (
        select(func.count())
        .where(BookingChange.booking_id == Booking.id)
        .correlate(Booking)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(Booking, LessonType.name, other.first_name, other.last_name, changes)
        .join(LessonType, LessonType.id == Booking.lesson_type_id)
        .join(other, other.id == theirs)
        .where(
            mine == user.id,
            Booking.school_id == school.id,
            Booking.deleted_at.is_(None),
            Booking.starts_at >= now - timedelta(days=PAST_DAYS),
            Booking.starts_at < now + timedelta(days=school.booking_horizon_days + 1),
        )
        .order_by(Booking.starts_at, Booking.id)
    )
    return [
        FeedEvent(booking, lesson_type, f"{first} {last}", int(count))
        for booking, lesson_type, first, last, count in rows
    ]


def _summary(event: FeedEvent, kind: str) -> str:
    prefix = SUMMARY_PREFIX.get(event.booking.status, "")
    if kind == "instructor":
        return f"{prefix}Lesson: {event.other_party}"
    return f"{prefix}Driving lesson with {event.other_party}"


def _vevent(event: FeedEvent, kind: str, zone: ZoneInfo) -> Event:
    booking = event.booking
    minutes = int((booking.ends_at - booking.starts_at).total_seconds() // 60)
    vevent = Event()
    vevent.add("uid", f"booking-{booking.id}@{UID_DOMAIN}")
    # Without a METHOD, DTSTAMP is the time the event's information last changed (RFC 5545).
    vevent.add("dtstamp", booking.updated_at.astimezone(UTC))
    vevent.add("last-modified", booking.updated_at.astimezone(UTC))
    vevent.add("created", booking.created_at.astimezone(UTC))
    vevent.add("dtstart", booking.starts_at.astimezone(zone))
    vevent.add("dtend", booking.ends_at.astimezone(zone))
    vevent.add("summary", _summary(event, kind))
    if booking.location:
        vevent.add("location", booking.location)
    vevent.add(
        "description",
        f"{event.lesson_type}, {minutes} minutes. Status: {booking.status.replace('_', ' ')}.",
    )
    vevent.add("sequence", max(event.changes - 1, 0))
    vevent.add("status", STATUS[booking.status])
    vevent.add("transp", "TRANSPARENT" if booking.status == "cancelled" else "OPAQUE")
    return vevent


def document(subscriber: Subscriber, events: list[FeedEvent], now: datetime) -> bytes:
    """The feed as iCalendar bytes."""
    zone = ZoneInfo(subscriber.school.time_zone)
    user, kind = subscriber.user, subscriber.feed.kind
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    name = "diary" if kind == "instructor" else "driving lessons"
    calendar.add("x-wr-calname", f"{user.first_name} {user.last_name}: {name}")
    calendar.add("x-wr-timezone", subscriber.school.time_zone)
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    for event in events:
        calendar.add_component(_vevent(event, kind, zone))
    # VTIMEZONE for the school's zone, covering the window with a year's margin each side.
    first: date = (now - timedelta(days=PAST_DAYS + 366)).date()
    last: date = (now + timedelta(days=subscriber.school.booking_horizon_days + 366)).date()
    calendar.add_missing_timezones(first_date=first, last_date=last)
    if not events:
        # A calendar with no events still names its zone, so clients can show it.
        calendar.add_component(Timezone.from_tzinfo(zone, first_date=first, last_date=last))
    return calendar.to_ical()  # type: ignore[no-any-return]


async def render(session: AsyncSession, token: str, now: datetime | None = None) -> bytes | None:
    """The feed a token opens, or None (the HTTP layer answers 404)."""
    subscriber = await subscriber_for(session, token)
    if subscriber is None:
        return None
    current = now or datetime.now(UTC)
    return document(subscriber, await feed_events(session, subscriber, current), current)
