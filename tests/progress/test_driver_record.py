"""The Driver's Record: the syllabus, entries against completed lessons, current levels,
history, who reads and writes a learner's record, and what bad input gets."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from models.assignments import InstructorAssignment
from models.progress import SkillEntry
from resolvers.context import AppState
from tests.feedback.helpers import Lessons
from tests.scheduling.helpers import add_instructor, make_diary
from tests.support import Factory, GraphQLClient, gid

SYLLABUS = """
query Syllabus {
  driverRecordSyllabus { code name position skills { code number name description groupCode } }
}
"""

RECORD = """
mutation Record($input: RecordDriverProgressInput!) {
  recordDriverProgress(input: $input) {
    entries { id skill { code } level notes lessonAt recordedBy { id } booking { id } }
    errors { code message field }
  }
}
"""

DRIVER_RECORD = """
query DriverRecord($studentId: ID) {
  driverRecord(studentId: $studentId) {
    student { id }
    skillsAtLeast
    lastRecordedAt
    groups {
      code name position
      skills { skill { code number } currentLevel currentEntry { id notes booking { id } } }
    }
  }
}
"""

HISTORY = """
query History($skill: String!, $studentId: ID, $first: Int!, $after: String) {
  skillHistory(skillCode: $skill, studentId: $studentId, first: $first, after: $after) {
    edges { node { level lessonAt booking { id } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

LESSON_PROGRESS = """
query LessonProgress($bookingId: ID!) { lessonProgress(bookingId: $bookingId) { skill { code } level } }
"""


def record_input(booking: Any, *entries: tuple[str, str] | tuple[str, str, str]) -> dict[str, Any]:
    return {
        "input": {
            "bookingId": gid("Booking", booking.id),
            "entries": [
                {"skillCode": e[0], "level": e[1], **({"notes": e[2]} if len(e) > 2 else {})}
                for e in entries
            ],
        }
    }


def levels(record: dict[str, Any]) -> dict[str, str | None]:
    return {s["skill"]["code"]: s["currentLevel"] for g in record["groups"] for s in g["skills"]}


async def _entries(state: AppState) -> int:
    async with state.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(SkillEntry)) or 0)


async def test_the_syllabus_is_dvsas_27_skills_in_8_groups(gql: GraphQLClient, world: Any) -> None:
    data = await gql.data(SYLLABUS, token=await gql.login(world.student.email))

    groups = data["driverRecordSyllabus"]
    assert [g["name"] for g in groups] == [
        "The basics",
        "Control and positioning",
        "Observations, signalling and planning",
        "Junctions, roundabouts and crossings",
        "Manoeuvres",
        "Road types",
        "Driving conditions",
        "Following routes",
    ]
    assert [g["position"] for g in groups] == list(range(1, 9))
    skills = [s for g in groups for s in g["skills"]]
    assert [s["number"] for s in skills] == list(range(1, 28))
    assert skills[14]["name"] == "Roundabouts"
    assert skills[26]["name"] == "Independent driving and using a sat nav"
    assert all(s["description"] and s["groupCode"] for s in skills)


async def test_progress_recorded_after_lessons_shows_current_levels_and_history(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given two completed lessons, the later one written up first
    diary = await make_diary(factory)
    world = diary.world
    lessons = Lessons(state, diary)
    older = await lessons.completed(hours_ago=50)
    newer = await lessons.completed(hours_ago=5)
    instructor = await gql.login(world.instructor.email)

    # When the instructor records the newer lesson, then (late) the older one
    first = await gql.data(
        RECORD,
        record_input(
            newer, ("roundabouts", "PROMPTED", "Good lane choice"), ("junctions", "HELPED")
        ),
        token=instructor,
    )
    second = await gql.data(
        RECORD,
        record_input(older, ("roundabouts", "INTRODUCED"), ("parking", "HELPED")),
        token=instructor,
    )

    # Then the entries are written against their lessons
    assert first["recordDriverProgress"]["errors"] == []
    entries = first["recordDriverProgress"]["entries"]
    assert [(e["skill"]["code"], e["level"]) for e in entries] == [
        ("roundabouts", "PROMPTED"),
        ("junctions", "HELPED"),
    ]
    assert entries[0]["recordedBy"]["id"] == gid("User", world.instructor.id)
    assert entries[0]["booking"]["id"] == gid("Booking", newer.id)
    assert second["recordDriverProgress"]["errors"] == []

    # And the student's record shows each skill's level from the most recent lesson
    record = (await gql.data(DRIVER_RECORD, {}, token=await gql.login(world.student.email)))[
        "driverRecord"
    ]
    current = levels(record)
    assert len(current) == 27
    assert current["roundabouts"] == "PROMPTED"  # the newer lesson's, though written first
    assert current["junctions"] == "HELPED"
    assert current["parking"] == "HELPED"
    assert sum(1 for level in current.values() if level is None) == 24
    assert record["skillsAtLeast"] == [3, 3, 1, 0, 0]
    assert [g["position"] for g in record["groups"]] == list(range(1, 9))
    roundabouts = next(
        s for g in record["groups"] for s in g["skills"] if s["skill"]["code"] == "roundabouts"
    )
    assert roundabouts["currentEntry"]["notes"] == "Good lane choice"

    # And the skill's history lists both lessons, most recent first
    history = await gql.data(
        HISTORY,
        {"skill": "roundabouts", "studentId": gid("User", world.student.id), "first": 10},
        token=instructor,
    )
    assert [
        (e["node"]["level"], e["node"]["booking"]["id"]) for e in history["skillHistory"]["edges"]
    ] == [("PROMPTED", gid("Booking", newer.id)), ("INTRODUCED", gid("Booking", older.id))]

    # And the lesson shows what was recorded against it, in syllabus order
    recorded = await gql.data(
        LESSON_PROGRESS, {"bookingId": gid("Booking", older.id)}, token=instructor
    )
    assert recorded["lessonProgress"] == [
        {"skill": {"code": "roundabouts"}, "level": "INTRODUCED"},
        {"skill": {"code": "parking"}, "level": "HELPED"},
    ]


async def test_progress_is_recorded_only_against_completed_lessons(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a lesson that has not happened yet
    diary = await make_diary(factory)
    ahead = await Lessons(state, diary).upcoming()

    # When the instructor records progress against it
    data = await gql.data(
        RECORD,
        record_input(ahead, ("mirrors", "HELPED")),
        token=await gql.login(diary.world.instructor.email),
    )

    # Then it is refused: progress belongs to a finished lesson
    assert data["recordDriverProgress"]["errors"][0]["code"] == "LESSON_NOT_COMPLETED"
    assert await _entries(state) == 0


async def test_a_skill_is_recorded_once_per_lesson_and_entries_are_all_or_nothing(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a lesson with roundabouts recorded
    diary = await make_diary(factory)
    lesson = await Lessons(state, diary).completed()
    instructor = await gql.login(diary.world.instructor.email)
    await gql.data(RECORD, record_input(lesson, ("roundabouts", "HELPED")), token=instructor)

    # When the instructor records roundabouts again with a new skill, or a skill twice
    again = await gql.data(
        RECORD,
        record_input(lesson, ("parking", "HELPED"), ("roundabouts", "PROMPTED")),
        token=instructor,
    )
    twice = await gql.data(
        RECORD,
        record_input(lesson, ("signals", "HELPED"), ("signals", "PROMPTED")),
        token=instructor,
    )

    # Then both are refused whole
    assert again["recordDriverProgress"]["errors"][0]["code"] == "ALREADY_RECORDED"
    assert twice["recordDriverProgress"]["errors"][0] == {
        "code": "INVALID",
        "message": "Each skill once per lesson.",
        "field": "entries.1.skillCode",
    }
    assert await _entries(state) == 1


async def test_who_reads_a_learners_record(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a learner with progress, a second instructor whose assignment has ended, and
    # another school
    diary = await make_diary(factory)
    world = diary.world
    lesson = await Lessons(state, diary).completed()
    await gql.data(
        RECORD,
        record_input(lesson, ("junctions", "INDEPENDENT")),
        token=await gql.login(world.instructor.email),
    )
    former = await add_instructor(factory, diary, world.student)
    async with state.db.transaction() as session:
        assignment = await session.scalar(
            select(InstructorAssignment).where(InstructorAssignment.instructor_id == former.id)
        )
        assert assignment is not None
        assignment.status = "ended"
    elsewhere = await make_diary(factory)
    variables = {"studentId": gid("User", world.student.id)}

    # When each person asks for the learner's record
    async def junctions(email: str) -> str | None:
        data = await gql.data(DRIVER_RECORD, variables, token=await gql.login(email))
        record = data["driverRecord"]
        return None if record is None else str(levels(record)["junctions"])

    # Then the learner, their current instructor and their admin see it; nobody else does
    assert await junctions(world.student.email) == "INDEPENDENT"
    assert await junctions(world.instructor.email) == "INDEPENDENT"
    assert await junctions(world.admin.email) == "INDEPENDENT"
    for outsider in (
        former.email,
        world.other_instructor.email,
        world.other_student.email,
        elsewhere.world.admin.email,
        elsewhere.world.instructor.email,
    ):
        assert await junctions(outsider) is None, outsider
        history = await gql.data(
            HISTORY,
            {"skill": "junctions", **variables, "first": 5},
            token=await gql.login(outsider),
        )
        assert history["skillHistory"]["edges"] == [], outsider


async def test_an_instructor_sees_a_record_only_while_the_assignment_runs(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a learner's instructor whose assignment starts tomorrow (school's date)
    diary = await make_diary(factory)
    world = diary.world
    async with state.db.transaction() as session:
        assignment = await session.scalar(
            select(InstructorAssignment).where(
                InstructorAssignment.instructor_id == world.instructor.id
            )
        )
        assert assignment is not None
        assignment.starts_on = date.today() + timedelta(days=2)

    # When the instructor asks for the record
    data = await gql.data(
        DRIVER_RECORD,
        {"studentId": gid("User", world.student.id)},
        token=await gql.login(world.instructor.email),
    )

    # Then it is not theirs to read yet
    assert data["driverRecord"] is None


async def test_only_the_lessons_instructor_or_an_admin_records_progress(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a completed lesson
    diary = await make_diary(factory)
    world = diary.world
    lesson = await Lessons(state, diary).completed()
    entry = ("mirrors", "HELPED")

    # When the student, a colleague of the instructor and the admin record progress
    student = await gql.execute(
        RECORD, record_input(lesson, entry), token=await gql.login(world.student.email)
    )
    colleague = await gql.data(
        RECORD, record_input(lesson, entry), token=await gql.login(world.other_instructor.email)
    )
    admin = await gql.data(
        RECORD,
        record_input(lesson, ("signals", "PROMPTED")),
        token=await gql.login(world.admin.email),
    )

    # Then the student may not, the colleague cannot see the lesson, the admin may
    assert student["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert colleague["recordDriverProgress"]["errors"][0]["code"] == "NOT_FOUND"
    assert admin["recordDriverProgress"]["errors"] == []
    assert await _entries(state) == 1


@pytest.mark.parametrize(
    ("entries", "code", "field"),
    [
        ([], "INVALID", "entries"),
        ([{"skillCode": "wheelies", "level": "HELPED"}], "UNKNOWN_SKILL", "entries.0.skillCode"),
        ([{"skillCode": "", "level": "HELPED"}], "UNKNOWN_SKILL", "entries.0.skillCode"),
        (
            [{"skillCode": "parking", "level": "HELPED", "notes": "n" * 1001}],
            "INVALID",
            "entries.0.notes",
        ),
        (
            [{"skillCode": "parking", "level": "HELPED", "notes": "bad\x1b[0m"}],
            "INVALID",
            "entries.0.notes",
        ),
        (
            [{"skillCode": "parking", "level": "HELPED"}] * 28,
            "INVALID",
            "entries",
        ),
    ],
)
async def test_bad_entries_are_typed_errors_and_change_nothing(
    gql: GraphQLClient,
    factory: Factory,
    state: AppState,
    entries: list[dict[str, Any]],
    code: str,
    field: str,
) -> None:
    diary = await make_diary(factory)
    lesson = await Lessons(state, diary).completed()

    data = await gql.data(
        RECORD,
        {"input": {"bookingId": gid("Booking", lesson.id), "entries": entries}},
        token=await gql.login(diary.world.instructor.email),
    )

    error = data["recordDriverProgress"]["errors"][0]
    assert (error["code"], error["field"]) == (code, field)
    assert await _entries(state) == 0


async def test_bad_ids_and_levels_never_reach_the_database(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    diary = await make_diary(factory)
    token = await gql.login(diary.world.instructor.email)
    entry = [{"skillCode": "parking", "level": "HELPED"}]

    malformed = await gql.data(
        RECORD, {"input": {"bookingId": "%%%", "entries": entry}}, token=token
    )
    unknown = await gql.data(
        RECORD,
        {"input": {"bookingId": gid("Booking", uuid.uuid4()), "entries": entry}},
        token=token,
    )
    bad_level = await gql.execute(
        RECORD,
        {
            "input": {
                "bookingId": gid("Booking", uuid.uuid4()),
                "entries": [{**entry[0], "level": "EXPERT"}],
            }
        },
        token=token,
    )
    unknown_skill = await gql.execute(
        HISTORY,
        {"skill": "wheelies", "studentId": gid("User", diary.world.student.id), "first": 5},
        token=token,
    )

    assert malformed["recordDriverProgress"]["errors"][0]["code"] == "NOT_FOUND"
    assert unknown["recordDriverProgress"]["errors"][0]["code"] == "NOT_FOUND"
    assert "data" not in bad_level  # a variable that does not fit the enum: a request error
    assert unknown_skill["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert await _entries(state) == 0
