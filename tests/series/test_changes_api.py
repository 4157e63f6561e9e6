"""updateLessonSeries, pause, resume and endLessonSeries over HTTP: one occurrence, this
and the following ones, or all; exceptions survive regeneration and series-wide changes;
lessons keep their ids when they move; a change that cannot be made changes nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from models.scheduling import Booking
from models.series import LessonSeries
from resolvers.context import AppState
from tests.scheduling.helpers import LONDON, book, iso, local
from tests.series.helpers import (
    CREATE,
    END,
    PAUSE,
    RESUME,
    UPDATE,
    count,
    create_input,
    generate,
    occurrences,
    series_bookings,
    today,
    year_diary,
)
from tests.support import Factory, GraphQLClient


async def _made(gql: GraphQLClient, token: str, payload: dict[str, Any]) -> dict[str, Any]:
    data = await gql.data(CREATE, {"input": payload}, token=token)
    assert data["createLessonSeries"]["errors"] == [], data
    return data["createLessonSeries"]["series"]  # type: ignore[no-any-return]


async def _update(gql: GraphQLClient, token: str, **fields: Any) -> dict[str, Any]:
    data = await gql.data(UPDATE, {"input": fields}, token=token)
    return data["updateLessonSeries"]  # type: ignore[no-any-return]


def _uuid(global_id: str) -> Any:
    from schema.common.node import parse_global_id

    parsed = parse_global_id(global_id)
    assert parsed is not None
    return parsed[1]


async def test_one_moved_lesson_stays_an_exception_through_regeneration_and_an_all_change(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a weekly 17:00 series of four lessons, made by an admin
    diary = await year_diary(factory)
    admin = await gql.login(diary.world.admin.email)
    start = today() + timedelta(days=3)
    series = await _made(gql, admin, create_input(diary, start, autoConfirm=True))
    second = series["occurrences"][1]
    second_day = start + timedelta(weeks=1)

    # When the second lesson alone moves to 18:30
    moved = await _update(
        gql,
        admin,
        seriesId=series["id"],
        scope="THIS",
        occurrenceId=second["id"],
        startsAt=iso(local(second_day, 18, 30)),
        reason="dentist",
    )

    # Then it moved (same booking) and is an exception of the series
    assert moved["errors"] == []
    assert moved["occurrence"]["isException"] is True
    assert moved["occurrence"]["booking"]["id"] == second["booking"]["id"]
    assert moved["occurrence"]["booking"]["startsAt"] == iso(local(second_day, 18, 30))

    # And regenerating leaves it where it is
    await generate(state, _uuid(series["id"]))
    # And moving the whole series to 16:00 moves the other lessons, not the exception
    changed = await _update(gql, admin, seriesId=series["id"], scope="ALL", localTime="16:00:00")
    assert changed["errors"] == []
    rows = {o["occursOn"]: o for o in changed["series"]["occurrences"]}
    assert rows[second_day.isoformat()]["booking"]["startsAt"] == iso(local(second_day, 18, 30))
    assert rows[second_day.isoformat()]["isException"] is True
    for n in (0, 2, 3):
        day = start + timedelta(weeks=n)
        assert rows[day.isoformat()]["booking"]["startsAt"] == iso(local(day, 16))
        assert rows[day.isoformat()]["isException"] is False
    # The lessons kept their ids: moved, not cancelled and rebooked
    before = {o["booking"]["id"] for o in series["occurrences"]}
    after = {o["booking"]["id"] for o in changed["series"]["occurrences"]}
    assert before == after
    assert await count(state, Booking) == 4


async def test_cancelling_one_lesson_through_cancel_booking_makes_it_an_exception(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a series of four
    diary = await year_diary(factory)
    admin = await gql.login(diary.world.admin.email)
    start = today() + timedelta(days=3)
    series = await _made(gql, admin, create_input(diary, start))
    third = series["occurrences"][2]

    # When the student cancels the third lesson like any other (cancelBooking)
    student = await gql.login(diary.world.student.email)
    cancelled = await gql.data(
        """mutation C($input: CancelBookingInput!) {
             cancelBooking(input: $input) { booking { status } errors { code } } }""",
        {"input": {"bookingId": third["booking"]["id"], "reason": "holiday"}},
        token=student,
    )
    assert cancelled["cancelBooking"]["errors"] == []

    # Then its occurrence is cancelled and an exception, and neither regeneration nor a
    # change to the whole series books that date again
    await generate(state, _uuid(series["id"]))
    changed = await _update(gql, admin, seriesId=series["id"], scope="ALL", localTime="18:00:00")
    assert changed["errors"] == []
    rows = {o["id"]: o for o in changed["series"]["occurrences"]}
    assert rows[third["id"]]["status"] == "CANCELLED"
    assert rows[third["id"]]["isException"] is True
    assert rows[third["id"]]["booking"]["status"] == "CANCELLED"
    live = [b for b in await series_bookings(state, _uuid(series["id"])) if b.status != "cancelled"]
    assert len(live) == 3
    assert {b.starts_at.astimezone(LONDON).strftime("%H:%M") for b in live} == {"18:00"}


async def test_this_and_following_splits_the_series_and_moves_the_later_lessons(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a weekly Tuesday-ish 17:00 series of four
    diary = await year_diary(factory)
    student = await gql.login(diary.world.student.email)
    admin = await gql.login(diary.world.admin.email)
    start = today() + timedelta(days=3)
    series = await _made(gql, admin, create_input(diary, start))
    third = series["occurrences"][2]
    third_day = start + timedelta(weeks=2)

    # When the student moves this and the following lessons one day later at 18:00
    weekdays = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
    later = third_day + timedelta(days=1)
    split = await _update(
        gql,
        student,
        seriesId=series["id"],
        scope="THIS_AND_FOLLOWING",
        occurrenceId=third["id"],
        weekday=weekdays[later.weekday()],
        localTime="18:00:00",
    )

    # Then a new series continues from that date and the old one ends the day before
    assert split["errors"] == []
    successor = split["series"]
    assert successor["id"] != series["id"]
    assert successor["previousSeries"] == {
        "id": series["id"],
        "endsOn": (third_day - timedelta(days=1)).isoformat(),
    }
    assert successor["startsOn"] == third_day.isoformat()
    # The third and fourth lessons moved (same bookings) onto the new rule's dates
    new_rows = successor["occurrences"]
    assert [o["occursOn"] for o in new_rows][:2] == [
        later.isoformat(),
        (later + timedelta(weeks=1)).isoformat(),
    ]
    assert new_rows[0]["booking"]["id"] == third["booking"]["id"]
    assert new_rows[0]["booking"]["startsAt"] == iso(local(later, 18))
    assert new_rows[1]["booking"]["id"] == series["occurrences"][3]["booking"]["id"]
    # The first two stay with the old series, at 17:00
    old_rows = await occurrences(state, _uuid(series["id"]))
    assert [o.occurs_on for o in old_rows] == [start, start + timedelta(weeks=1)]
    old_lessons = await series_bookings(state, _uuid(series["id"]))
    assert {b.starts_at.astimezone(LONDON).strftime("%H:%M") for b in old_lessons} == {"17:00"}
    # The new series keeps four lessons ahead, and no lesson was cancelled
    assert len(new_rows) == 4
    assert await count(state, Booking, Booking.status == "cancelled") == 0


async def test_a_series_wide_move_onto_a_taken_time_fails_whole_and_changes_nothing(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a series, and the instructor teaching someone else at 18:00 on its third date
    diary = await year_diary(factory)
    world = diary.world
    admin = await gql.login(world.admin.email)
    start = today() + timedelta(days=3)
    series = await _made(gql, admin, create_input(diary, start))
    await factory.assign(world.other_student, world.instructor, assignment_type="secondary")
    await book(
        state,
        diary.admin_actor,
        diary,
        local(start + timedelta(weeks=2), 18),
        student=world.other_student,
    )

    # When the whole series is moved to 18:00
    changed = await _update(gql, admin, seriesId=series["id"], scope="ALL", localTime="18:00:00")

    # Then the change is refused with the core's error, and every lesson is where it was
    assert changed["series"] is None
    assert [e["code"] for e in changed["errors"]] == ["SLOT_UNAVAILABLE"]
    lessons = await series_bookings(state, _uuid(series["id"]))
    assert {b.starts_at.astimezone(LONDON).strftime("%H:%M") for b in lessons} == {"17:00"}
    async with state.db.session() as session:
        row = await session.get(LessonSeries, _uuid(series["id"]))
        assert row is not None
        assert row.start_minute == 17 * 60


async def test_instructors_ask_rather_than_move_their_students_lessons(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    diary = await year_diary(factory)
    instructor = await gql.login(diary.world.instructor.email)
    series = await _made(gql, instructor, create_input(diary, today() + timedelta(days=3)))

    body = await gql.execute(
        UPDATE,
        {"input": {"seriesId": series["id"], "scope": "ALL", "localTime": "18:00:00"}},
        token=instructor,
    )

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    lessons = await series_bookings(state, _uuid(series["id"]))
    assert {b.starts_at.astimezone(LONDON).strftime("%H:%M") for b in lessons} == {"17:00"}


async def test_a_conflict_can_be_booked_at_another_time_or_skipped(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a series whose second and third dates were taken
    diary = await year_diary(factory)
    world = diary.world
    admin = await gql.login(world.admin.email)
    start = today() + timedelta(days=3)
    await factory.assign(world.other_student, world.instructor, assignment_type="secondary")
    for week in (1, 2):
        await book(
            state,
            diary.admin_actor,
            diary,
            local(start + timedelta(weeks=week), 17),
            student=world.other_student,
        )
    series = await _made(gql, admin, create_input(diary, start))
    conflicts = [o for o in series["occurrences"] if o["status"] == "CONFLICT"]
    assert len(conflicts) == 2

    # When one is booked at 19:00 and the other skipped
    rebooked = await _update(
        gql,
        admin,
        seriesId=series["id"],
        scope="THIS",
        occurrenceId=conflicts[0]["id"],
        startsAt=iso(local(start + timedelta(weeks=1), 19)),
    )
    skipped = await _update(
        gql,
        admin,
        seriesId=series["id"],
        scope="THIS",
        occurrenceId=conflicts[1]["id"],
        cancel=True,
    )

    # Then the first is booked and the second skipped, both exceptions; regeneration
    # leaves them so
    assert rebooked["occurrence"]["status"] == "SCHEDULED"
    assert rebooked["occurrence"]["booking"]["startsAt"] == iso(
        local(start + timedelta(weeks=1), 19)
    )
    assert (skipped["occurrence"]["status"], skipped["occurrence"]["isException"]) == (
        "SKIPPED",
        True,
    )
    await generate(state, _uuid(series["id"]))
    statuses = [o.status for o in await occurrences(state, _uuid(series["id"]))]
    assert statuses == ["scheduled", "scheduled", "skipped", "scheduled"]


async def test_pause_resume_and_end(gql: GraphQLClient, factory: Factory, state: AppState) -> None:
    diary = await year_diary(factory)
    admin = await gql.login(diary.world.admin.email)
    series = await _made(gql, admin, create_input(diary, today() + timedelta(days=3)))
    series_input = {"input": {"seriesId": series["id"]}}

    paused = (await gql.data(PAUSE, series_input, token=admin))["pauseLessonSeries"]
    again = (await gql.data(PAUSE, series_input, token=admin))["pauseLessonSeries"]
    resumed = (await gql.data(RESUME, series_input, token=admin))["resumeLessonSeries"]
    ended = (
        await gql.data(END, {"input": {"seriesId": series["id"], "reason": "passed!"}}, token=admin)
    )["endLessonSeries"]
    after_end = (await gql.data(RESUME, series_input, token=admin))["resumeLessonSeries"]

    assert paused["series"]["status"] == "PAUSED"
    assert [e["code"] for e in again["errors"]] == ["INVALID_STATUS"]
    assert resumed["series"]["status"] == "ACTIVE"
    assert ended["series"]["status"] == "ENDED"
    assert {o["booking"]["status"] for o in ended["series"]["occurrences"]} == {"CANCELLED"}
    assert [e["code"] for e in after_end["errors"]] == ["SERIES_ENDED"]
    assert await count(state, Booking, Booking.status != "cancelled") == 0


async def test_changes_to_another_schools_series_are_not_found(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    diary = await year_diary(factory)
    other = await year_diary(factory)
    series = await _made(
        gql,
        await gql.login(diary.world.admin.email),
        create_input(diary, today() + timedelta(days=3)),
    )
    outsider = await gql.login(other.world.admin.email)

    changed = await _update(gql, outsider, seriesId=series["id"], scope="ALL", localTime="18:00:00")
    ended = (await gql.data(END, {"input": {"seriesId": series["id"]}}, token=outsider))[
        "endLessonSeries"
    ]
    malformed = await _update(gql, outsider, seriesId="nonsense", scope="ALL", localTime="18:00:00")

    assert [e["code"] for e in changed["errors"]] == ["NOT_FOUND"]
    assert [e["code"] for e in ended["errors"]] == ["NOT_FOUND"]
    assert [(e["code"], e["field"]) for e in malformed["errors"]] == [("NOT_FOUND", "seriesId")]
    assert await count(state, Booking, Booking.status == "cancelled") == 0


async def test_an_earlier_end_date_cancels_later_lessons_and_keeps_the_others_as_they_are(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a series of four
    diary = await year_diary(factory)
    admin = await gql.login(diary.world.admin.email)
    start = today() + timedelta(days=3)
    series = await _made(gql, admin, create_input(diary, start))

    # When the whole series now ends after its second lesson, with a new meeting place
    changed = await _update(
        gql,
        admin,
        seriesId=series["id"],
        scope="ALL",
        endsOn=(start + timedelta(weeks=1)).isoformat(),
        location="Station car park",
    )

    # Then the first two keep their occurrences (same ids) and get the new place, and the
    # last two are cancelled
    assert changed["errors"] == []
    rows = changed["series"]["occurrences"]
    assert [o["id"] for o in rows] == [o["id"] for o in series["occurrences"]]
    assert [o["status"] for o in rows] == ["SCHEDULED", "SCHEDULED", "CANCELLED", "CANCELLED"]
    lessons = await series_bookings(state, _uuid(series["id"]))
    assert [b.location for b in lessons if b.status != "cancelled"] == ["Station car park"] * 2
    assert await count(state, Booking, Booking.status == "cancelled") == 2


async def test_a_student_booking_a_conflicting_date_at_another_time_waits_for_confirmation(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given an auto-confirmed series whose second date was taken
    diary = await year_diary(factory)
    world = diary.world
    start = today() + timedelta(days=3)
    await factory.assign(world.other_student, world.instructor, assignment_type="secondary")
    await book(
        state,
        diary.admin_actor,
        diary,
        local(start + timedelta(weeks=1), 17),
        student=world.other_student,
    )
    series = await _made(
        gql, await gql.login(world.admin.email), create_input(diary, start, autoConfirm=True)
    )
    [conflict] = [o for o in series["occurrences"] if o["status"] == "CONFLICT"]

    # When the student books that date at 19:00 themselves
    student = await gql.login(world.student.email)
    rebooked = await _update(
        gql,
        student,
        seriesId=series["id"],
        scope="THIS",
        occurrenceId=conflict["id"],
        startsAt=iso(local(start + timedelta(weeks=1), 19)),
    )

    # Then it is booked, pending, as any lesson a student picks
    assert rebooked["errors"] == []
    assert rebooked["occurrence"]["booking"]["status"] == "PENDING"
