"""`clutch seed-demo`: the demo school, its people and assignments; running it twice adds nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from app.demo import PASSWORD, seed_demo
from models.accounts import User
from models.assignments import InstructorAssignment
from models.schools import School
from resolvers.context import AppState
from tests.support import GraphQLClient

REQUIRED = {"admin@demo.test", "instructor@demo.test", "instructor2@demo.test", "student@demo.test"}


async def _counts(state: AppState) -> tuple[int, int, int]:
    async with state.db.session() as session:
        schools = await session.scalar(select(func.count()).select_from(School))
        users = await session.scalar(select(func.count()).select_from(User))
        live = await session.scalar(
            select(func.count()).where(InstructorAssignment.status == "active")
        )
    return schools or 0, users or 0, live or 0


async def test_seed_creates_the_demo_school_and_is_idempotent(state: AppState) -> None:
    lines: list[str] = []

    first = await seed_demo(state, progress=lines.append)
    counts_after_first = await _counts(state)
    second = await seed_demo(state, progress=lines.append)

    assert counts_after_first == await _counts(state)
    assert second.created == []
    assert len(second.existing) == len(first.created)
    assert any("students 10/10" in line for line in lines)
    async with state.db.session() as session:
        school = await session.scalar(select(School).where(School.slug == "demo"))
        assert school is not None
        assert (school.name, school.time_zone, school.currency) == (
            "Demo Driving School",
            "Europe/London",
            "GBP",
        )
        emails = set(await session.scalars(select(User.email).where(User.school_id == school.id)))
        students = await session.scalar(
            select(func.count()).where(User.school_id == school.id, User.role == "student")
        )
        unassigned = await session.scalar(
            select(func.count()).where(
                User.role == "student",
                ~User.id.in_(
                    select(InstructorAssignment.student_id).where(
                        InstructorAssignment.status == "active"
                    )
                ),
            )
        )
    assert emails >= REQUIRED
    assert (students or 0) >= 9  # student@demo.test and at least eight more
    assert unassigned == 0


async def test_every_demo_account_logs_in_with_the_documented_password(
    state: AppState, gql: GraphQLClient
) -> None:
    await seed_demo(state, progress=lambda _: None)

    for email in sorted(REQUIRED):
        token = await gql.login(email, PASSWORD)
        me = await gql.data("{ me { email school { name } } }", token=token)
        assert me["me"] == {"email": email, "school": {"name": "Demo Driving School"}}


DEMO_CAPABILITIES = """
query Demo {
  theoryProgress { questionsAttempted mockTests { taken passed } }
  forums(first: 10) {
    edges { node { name posts(first: 10) { edges { node { title solution { id } } } } } }
  }
}
"""

DEMO_SERIES = (
    "{ lessonSeries(first: 10) { edges { node { weekday localTime student { email } } } } }"
)


async def test_the_demo_has_what_the_readme_promises_for_theory_community_and_series(
    state: AppState, gql: GraphQLClient
) -> None:
    # Given the demo data
    await seed_demo(state, progress=lambda _: None)

    # When the demo student and the admin look around
    student = await gql.data(
        DEMO_CAPABILITIES, token=await gql.login("student@demo.test", PASSWORD)
    )
    admin = await gql.data(DEMO_SERIES, token=await gql.login("admin@demo.test", PASSWORD))

    # Then the student has practised and finished two mock tests (one passed), a forum has a
    # question with its accepted answer, and a weekly Thursday 16:00 series is running
    assert student["theoryProgress"]["questionsAttempted"] > 0
    assert student["theoryProgress"]["mockTests"] == {"taken": 2, "passed": 1}
    solved = [
        post["node"]["title"]
        for forum in student["forums"]["edges"]
        for post in forum["node"]["posts"]["edges"]
        if post["node"]["solution"] is not None
    ]
    assert len(solved) == 1
    series = [edge["node"] for edge in admin["lessonSeries"]["edges"]]
    assert series == [
        {
            "weekday": "THURSDAY",
            "localTime": "16:00:00",
            "student": {"email": "amira.khan@demo.test"},
        }
    ]
