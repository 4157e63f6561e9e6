"""No N+1 in the diary: the instructor's week — each lesson with its student, the
student's profile, the lesson type, the history and any pending request — runs the same
number of SQL statements for 5 lessons as for 200."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from models.scheduling import Booking, BookingChange
from resolvers.context import AppState
from services.actor import Role
from tests.scheduling.helpers import Diary, days_ahead, iso, local, make_diary
from tests.support import Factory, GraphQLClient, gid

WEEK = """
query Week($instructorId: ID!, $from: DateTime!, $to: DateTime!) {
  diary(instructorId: $instructorId, from: $from, to: $to) {
    id startsAt endsAt status localStart location
    priceMinor currency
    student { id fullName email studentProfile { licenceType } }
    lessonType { id name durationMinutes priceMinor }
    history { kind at actor { id } }
    pendingRescheduleRequest { id proposedStartsAt }
  }
}
"""

BOOKINGS_PAGE = """
query Page($instructorId: ID!) {
  bookings(first: 100, instructorId: $instructorId) {
    edges { node { id student { fullName } lessonType { name } history { kind } } }
  }
}
"""

# Measured: the session check, the instructor's visibility check, the diary's bookings, then
# one batch each for students, their profiles, lesson types, histories (and the history
# entries' actors), pending requests and the school (local times).
WEEK_STATEMENTS = 10


async def fill_week(state: AppState, factory: Factory, diary: Diary, lessons: int) -> Any:
    """``lessons`` half-hour lessons in one week, spread over 20 students, written directly
    (the diary's rules are tested elsewhere; here only the reading matters)."""
    students = [await factory.user(diary.school, Role.STUDENT) for _ in range(20)]
    for student in students:
        await factory.assign(student, diary.world.instructor)
    monday = days_ahead(14)
    monday -= timedelta(days=monday.weekday())
    start = local(monday, 0)
    async with state.db.transaction() as session:
        for n in range(lessons):
            starts_at = start + timedelta(minutes=30 * n)
            booking = Booking(
                school_id=diary.school.id,
                student_id=students[n % 20].id,
                instructor_id=diary.world.instructor.id,
                lesson_type_id=diary.lesson_type.id,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=30),
                blocked_until=starts_at + timedelta(minutes=30),
                status="confirmed",
                price_minor=4000,
                currency="GBP",
                booked_by_id=diary.world.admin.id,
            )
            session.add(booking)
            await session.flush()
            session.add(
                BookingChange(
                    school_id=diary.school.id,
                    booking_id=booking.id,
                    kind="created",
                    actor_id=diary.world.admin.id,
                    to_starts_at=starts_at,
                    to_status="confirmed",
                )
            )
    return start


async def week_statements(gql: GraphQLClient, diary: Diary, start: Any) -> tuple[int, list[Any]]:
    token = await gql.login(diary.world.instructor.email)
    body = await gql.execute(
        WEEK,
        {
            "instructorId": gid("User", diary.world.instructor.id),
            "from": iso(start),
            "to": iso(start + timedelta(days=7)),
        },
        token=token,
    )
    assert "errors" not in body, body
    return body["extensions"]["sqlStatements"], body["data"]["diary"]


async def test_the_instructors_week_costs_the_same_for_5_and_200_lessons(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    small = await make_diary(factory)
    large = await make_diary(factory)
    small_start = await fill_week(state, factory, small, 5)
    large_start = await fill_week(state, factory, large, 200)

    few, few_rows = await week_statements(gql, small, small_start)
    many, many_rows = await week_statements(gql, large, large_start)

    assert len(few_rows) == 5
    assert len(many_rows) == 200
    assert all(r["student"]["studentProfile"] is not None for r in many_rows)
    assert all(r["history"][0]["kind"] == "CREATED" for r in many_rows)
    assert few == many == WEEK_STATEMENTS


async def test_a_page_of_bookings_costs_the_same_for_5_and_100(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    small = await make_diary(factory)
    large = await make_diary(factory)
    await fill_week(state, factory, small, 5)
    await fill_week(state, factory, large, 100)
    counts = []
    for diary, expected in ((small, 5), (large, 100)):
        token = await gql.login(diary.world.admin.email)
        body = await gql.execute(
            BOOKINGS_PAGE, {"instructorId": gid("User", diary.world.instructor.id)}, token=token
        )
        assert "errors" not in body, body
        assert len(body["data"]["bookings"]["edges"]) == expected
        counts.append(body["extensions"]["sqlStatements"])
    assert counts[0] == counts[1]
