"""Private iCalendar feeds, read back with the `icalendar` library: time zones across a
daylight-saving change, moves and cancellations carried, and the token as the only
credential — rotated, revoked, never another user's lessons."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from icalendar import Calendar
from sqlalchemy import func, select, update

from app.calendar_feed import RedactFeedTokens
from app.database import start_counting
from models.accounts import User
from models.calendar import CalendarFeed
from resolvers.context import AppState
from services import calendar
from services.scheduling import bookings
from services.uow import unit_of_work
from tests.conftest import RunningServer
from tests.feedback.helpers import Lessons
from tests.http.helpers import extra_server
from tests.scheduling.helpers import LONDON, Diary, book, local, make_diary
from tests.support import Factory, GraphQLClient

CREATE = """
mutation Create($input: CreateCalendarFeedInput!) {
  createCalendarFeed(input: $input) {
    feed { id kind isActive createdAt revokedAt }
    url
    errors { code message field }
  }
}
"""

REVOKE = """
mutation Revoke($input: RevokeCalendarFeedInput!) {
  revokeCalendarFeed(input: $input) { feed { id isActive revokedAt } url errors { code field } }
}
"""

MINE = "query Mine { myCalendarFeed { id kind isActive } }"
NODE = "query Node($id: ID!) { node(id: $id) { id ... on CalendarFeed { kind } } }"


async def create_feed(gql: GraphQLClient, email: str, rotate: bool = False) -> dict[str, Any]:
    data = await gql.data(CREATE, {"input": {"rotate": rotate}}, token=await gql.login(email))
    payload: dict[str, Any] = data["createCalendarFeed"]
    return payload


def path_of(url: str) -> str:
    """The URL's path (the feed URL names the public address; tests ask their own server)."""
    return httpx.URL(url).raw_path.decode()


async def fetch(http: httpx.AsyncClient, url: str) -> httpx.Response:
    return await http.get(path_of(url))


async def events(http: httpx.AsyncClient, url: str) -> dict[str, Any]:
    response = await fetch(http, url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    return {str(event["UID"]): event for event in calendar.events}


def uid(booking: Any) -> str:
    return f"booking-{booking.id}@clutch.lessons"


async def as_admin(state: AppState, diary: Diary, work: Any) -> Any:
    async with unit_of_work(state.db, state.hub, state.deps) as uow:
        return await work(uow, diary.admin_actor)


def next_dst_change(after: date, zone: ZoneInfo = LONDON) -> date:
    """The first date after ``after`` whose UTC offset differs from the day before's."""
    day = after
    while True:
        noon = datetime(day.year, day.month, day.day, 12, tzinfo=zone)
        if (noon + timedelta(days=1)).utcoffset() != noon.utcoffset():
            return day + timedelta(days=1)
        day += timedelta(days=1)


async def test_an_instructors_feed_has_local_times_across_a_daylight_saving_change(
    gql: GraphQLClient, http: httpx.AsyncClient, factory: Factory, state: AppState
) -> None:
    # Given 10:00 lessons on the days either side of the next clock change
    diary = await make_diary(factory, booking_horizon_days=400)
    change = next_dst_change(datetime.now(LONDON).date() + timedelta(days=2))
    before = await book(state, diary.admin_actor, diary, local(change - timedelta(days=1), 10))
    after = await book(state, diary.admin_actor, diary, local(change + timedelta(days=1), 10))

    # When the instructor creates a feed and their calendar app reads it
    created = await create_feed(gql, diary.world.instructor.email)
    feed = await events(http, created["url"])

    # Then the feed is theirs, and both lessons are at 10:00 London time, an hour apart in UTC
    assert created["errors"] == []
    assert created["feed"]["kind"] == "INSTRUCTOR_DIARY"
    assert created["url"].startswith("http")
    assert created["url"].endswith(".ics")
    calendar = Calendar.from_ical((await fetch(http, created["url"])).content)
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/London"]
    starts = []
    for booking in (before, after):
        event = feed[uid(booking)]
        assert event["DTSTART"].params["TZID"] == "Europe/London"
        start = event.start
        assert (start.hour, start.minute) == (10, 0)
        assert start.astimezone(UTC) == booking.starts_at
        assert event.end.astimezone(UTC) == booking.ends_at
        assert event["STATUS"] == "CONFIRMED"
        assert int(event["SEQUENCE"]) == 0
        assert event["SUMMARY"] == "Lesson: Test Student"
        starts.append(start)
    offsets = {s.utcoffset() for s in starts}
    assert len(offsets) == 2  # one side is BST, the other GMT


async def test_a_moved_lesson_keeps_its_uid_with_the_new_time_and_a_higher_sequence(
    gql: GraphQLClient, http: httpx.AsyncClient, factory: Factory, state: AppState
) -> None:
    # Given a lesson in a student's feed
    diary = await make_diary(factory)
    lesson = await Lessons(state, diary).upcoming()
    created = await create_feed(gql, diary.world.student.email)
    original = (await events(http, created["url"]))[uid(lesson)]

    # When an admin moves it two hours later
    new_start = lesson.starts_at + timedelta(hours=2)
    await as_admin(
        state,
        diary,
        lambda uow, actor: bookings.reschedule_booking(
            uow, actor, lesson.id, starts_at=new_start, reason="Car in for repair"
        ),
    )
    moved = (await events(http, created["url"]))[uid(lesson)]

    # Then the same event has the new time, a higher SEQUENCE and a later LAST-MODIFIED
    assert moved.start.astimezone(UTC) == new_start
    assert int(moved["SEQUENCE"]) > int(original["SEQUENCE"])
    assert moved["LAST-MODIFIED"].dt >= original["LAST-MODIFIED"].dt
    assert str(moved["SUMMARY"]).startswith("Driving lesson with ")


async def test_a_cancelled_lesson_stays_in_the_feed_as_cancelled(
    gql: GraphQLClient, http: httpx.AsyncClient, factory: Factory, state: AppState
) -> None:
    # Given two lessons in an instructor's feed
    diary = await make_diary(factory)
    lessons = Lessons(state, diary)
    kept = await lessons.upcoming()
    dropped = await lessons.upcoming()
    created = await create_feed(gql, diary.world.instructor.email)
    before = await events(http, created["url"])

    # When one is cancelled
    await as_admin(
        state,
        diary,
        lambda uow, actor: bookings.cancel_booking(uow, actor, dropped.id, reason="Ill"),
    )
    after = await events(http, created["url"])

    # Then it is carried as CANCELLED with a higher SEQUENCE; the other is untouched
    assert after[uid(dropped)]["STATUS"] == "CANCELLED"
    assert int(after[uid(dropped)]["SEQUENCE"]) == int(before[uid(dropped)]["SEQUENCE"]) + 1
    assert str(after[uid(dropped)]["SUMMARY"]).startswith("Cancelled: ")
    assert after[uid(kept)]["STATUS"] == "CONFIRMED"
    assert int(after[uid(kept)]["SEQUENCE"]) == int(before[uid(kept)]["SEQUENCE"])


async def test_a_feed_shows_only_its_owners_lessons_and_no_private_notes(
    gql: GraphQLClient, http: httpx.AsyncClient, factory: Factory, state: AppState
) -> None:
    # Given lessons of two students with two instructors, one with private notes
    diary = await make_diary(factory)
    world = diary.world
    lessons = Lessons(state, diary)
    mine = await lessons.upcoming()
    theirs = await lessons.upcoming(student=world.other_student, instructor=world.other_instructor)
    await lessons.set_columns(
        type(mine), mine.id, notes="Medical: epilepsy, see profile", location="Station car park"
    )

    # When each of the four creates a feed and reads it
    urls = {
        user.email: (await create_feed(gql, user.email))["url"]
        for user in (world.student, world.other_student, world.instructor, world.other_instructor)
    }
    seen = {email: await events(http, url) for email, url in urls.items()}

    # Then each sees only their own lesson
    assert set(seen[world.student.email]) == {uid(mine)}
    assert set(seen[world.instructor.email]) == {uid(mine)}
    assert set(seen[world.other_student.email]) == {uid(theirs)}
    assert set(seen[world.other_instructor.email]) == {uid(theirs)}
    # and the location is there but the booking's notes are not
    event = seen[world.student.email][uid(mine)]
    assert event["LOCATION"] == "Station car park"
    raw = (await fetch(http, urls[world.student.email])).text
    assert "epilepsy" not in raw
    assert "Standard lesson, 60 minutes" in str(event["DESCRIPTION"])


async def test_rotating_revokes_the_old_url_at_once_and_revoking_ends_it(
    gql: GraphQLClient, http: httpx.AsyncClient, factory: Factory, state: AppState
) -> None:
    # Given a student's feed
    diary = await make_diary(factory)
    email = diary.world.student.email
    first = await create_feed(gql, email)

    # When they ask for a feed again without rotating, then rotate
    again = await create_feed(gql, email)
    rotated = await create_feed(gql, email, rotate=True)

    # Then the repeat is refused, and after the rotation only the new URL works
    assert again["errors"][0]["code"] == "FEED_EXISTS"
    assert rotated["errors"] == []
    assert (await fetch(http, first["url"])).status_code == 404
    assert (await fetch(http, rotated["url"])).status_code == 200
    token = await gql.login(email)
    assert (await gql.data(MINE, token=token))["myCalendarFeed"]["id"] == rotated["feed"]["id"]

    # When they revoke it (the old feed cannot be revoked twice)
    stale = await gql.data(REVOKE, {"input": {"feedId": first["feed"]["id"]}}, token=token)
    revoked = await gql.data(REVOKE, {"input": {"feedId": rotated["feed"]["id"]}}, token=token)

    # Then no URL works and they have no feed
    assert stale["revokeCalendarFeed"]["errors"][0]["code"] == "NOT_FOUND"
    assert revoked["revokeCalendarFeed"]["feed"]["isActive"] is False
    assert (await fetch(http, rotated["url"])).status_code == 404
    assert (await gql.data(MINE, token=token))["myCalendarFeed"] is None


@pytest.mark.parametrize(
    "path",
    [
        "/calendar/" + "A" * 43 + ".ics",  # well-formed, unknown
        "/calendar/short.ics",
        "/calendar/" + "%00" * 43 + ".ics",
        "/calendar/" + "x" * 5000 + ".ics",
        "/calendar/..%2F..%2Fetc%2Fpasswd.ics",
        "/calendar/.ics",
    ],
)
async def test_anything_but_a_live_token_is_404(http: httpx.AsyncClient, path: str) -> None:
    response = await http.get(path)

    assert response.status_code == 404
    assert "text/calendar" not in response.headers.get("content-type", "")


async def test_a_suspended_owners_feed_is_404(
    gql: GraphQLClient, http: httpx.AsyncClient, factory: Factory, state: AppState
) -> None:
    diary = await make_diary(factory)
    created = await create_feed(gql, diary.world.instructor.email)
    async with state.db.transaction() as session:
        await session.execute(
            update(User).where(User.id == diary.world.instructor.id).values(status="suspended")
        )

    assert (await fetch(http, created["url"])).status_code == 404


async def test_feeds_are_for_instructors_and_students_and_private_to_their_owner(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a student's feed
    diary = await make_diary(factory)
    world = diary.world
    created = await create_feed(gql, world.student.email)

    # When an admin asks for a feed, and others look the student's feed up or revoke it
    admin = await create_feed(gql, world.admin.email)
    admin_token = await gql.login(world.admin.email)
    by_node = await gql.data(NODE, {"id": created["feed"]["id"]}, token=admin_token)
    revoke = await gql.data(REVOKE, {"input": {"feedId": created["feed"]["id"]}}, token=admin_token)
    malformed = await gql.data(REVOKE, {"input": {"feedId": "nope"}}, token=admin_token)
    own = await gql.data(
        NODE, {"id": created["feed"]["id"]}, token=await gql.login(world.student.email)
    )

    # Then admins have no feed, and only the student sees or ends theirs
    assert admin["errors"][0]["code"] == "NOT_AVAILABLE"
    assert by_node["node"] is None
    assert revoke["revokeCalendarFeed"]["errors"][0]["code"] == "NOT_FOUND"
    assert malformed["revokeCalendarFeed"]["errors"][0] == {"code": "NOT_FOUND", "field": "feedId"}
    assert own["node"] == {"id": created["feed"]["id"], "kind": "STUDENT_LESSONS"}


async def test_simultaneous_rotations_leave_exactly_one_live_url(
    gql: GraphQLClient, http: httpx.AsyncClient, factory: Factory, state: AppState
) -> None:
    # Given an instructor with a feed
    diary = await make_diary(factory)
    await create_feed(gql, diary.world.instructor.email)
    token = await gql.login(diary.world.instructor.email)

    # When ten rotations arrive at once
    responses = await asyncio.gather(
        *(gql.post(CREATE, {"input": {"rotate": True}}, token=token) for _ in range(10))
    )

    # Then each succeeds in turn, exactly one feed is live, and only its URL works
    urls = []
    for response in responses:
        payload = response.json()["data"]["createCalendarFeed"]
        assert payload["errors"] == []
        urls.append(payload["url"])
    async with state.db.session() as session:
        live = await session.scalar(
            select(func.count()).select_from(CalendarFeed).where(CalendarFeed.revoked_at.is_(None))
        )
    assert live == 1
    statuses = [(await fetch(http, url)).status_code for url in urls]
    assert sorted(statuses) == [200] + [404] * 9


@pytest.mark.no_database
def test_feed_tokens_never_reach_the_access_log() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/calendar/" + "S" * 43 + ".ics", "1.1", 200),
        None,
    )

    RedactFeedTokens().filter(record)

    assert "S" * 43 not in record.getMessage()
    assert "/calendar/[redacted]" in record.getMessage()


@pytest.fixture
async def limited(database_url: str, tmp_path: Path) -> AsyncIterator[RunningServer]:
    async with extra_server(database_url, tmp_path, requests_per_minute=3) as running:
        yield running


@pytest.mark.no_database
async def test_feeds_are_rate_limited_like_graphql(limited: RunningServer) -> None:
    async with httpx.AsyncClient(base_url=limited.base_url, timeout=30) as client:
        # When one client guesses at feed URLs faster than it may send requests
        responses = [await client.get("/calendar/" + "G" * 43 + ".ics") for _ in range(5)]

        # Then the allowance is answered (404: no such feed) and the rest must wait
        assert [r.status_code for r in responses] == [404, 404, 404, 429, 429]
        assert int(responses[-1].headers["retry-after"]) >= 1
        # and the GraphQL endpoint shares the same allowance
        assert (await client.post("/graphql", json={"query": "{ __typename }"})).status_code == 429


async def test_a_feed_costs_two_statements_however_many_lessons_it_has(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given an instructor with one lesson and another with twenty (some moved, one cancelled)
    counts = []
    for how_many in (1, 20):
        diary = await make_diary(factory)
        lessons = Lessons(state, diary)
        staged = [await lessons.upcoming() for _ in range(how_many)]
        await as_admin(
            state,
            diary,
            lambda uow, actor, b=staged[-1]: bookings.cancel_booking(uow, actor, b.id, reason=None),
        )
        url = (await create_feed(gql, diary.world.instructor.email))["url"]
        token = path_of(url).removeprefix("/calendar/").removesuffix(".ics")

        # When the feed is rendered, counting the statements it runs
        counter = start_counting()
        async with state.db.session() as session:
            body = await calendar.render(session, token)
        assert body is not None
        assert len(Calendar.from_ical(body).events) == how_many
        counts.append(counter.count)

    # Then both cost the same: the token's feed and owner, then the lessons with everything
    assert counts == [2, 2]
