"""Authorisation review of scheduling: what `availableSlots` may reveal about a student."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from resolvers.context import AppState
from services.scheduling import availability
from services.uow import unit_of_work
from tests.scheduling.helpers import (
    LONDON,
    add_instructor,
    book,
    days_ahead,
    iso,
    local,
    make_diary,
)
from tests.scheduling.test_waiting_list import free_up, join, newcomer, offers_to
from tests.support import Factory, GraphQLClient, gid

SLOTS_FOR_STUDENT = """
query Slots(
  $instructorId: ID!, $lessonTypeId: ID!, $from: DateTime!, $to: DateTime!, $studentId: ID
) {
  availableSlots(
    instructorId: $instructorId, lessonTypeId: $lessonTypeId, from: $from, to: $to,
    studentId: $studentId
  ) { startsAt }
}
"""


def _hours(body: dict[str, Any]) -> list[str]:
    return [
        datetime.fromisoformat(s["startsAt"]).astimezone(LONDON).strftime("%H:%M")
        for s in body["data"]["availableSlots"]
    ]


def _refused_as_unknown_student(body: dict[str, Any]) -> None:
    assert body["data"] is None, body
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert body["errors"][0]["extensions"]["reason"] == "STUDENT_NOT_FOUND"
    assert body["errors"][0]["message"] == "No such student."


async def test_staff_cannot_read_the_busy_times_of_a_student_they_may_not_see(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a student of school A with a lesson at 12:00
    day = days_ahead(3)
    school_a = await make_diary(factory)
    await book(state, school_a.admin_actor, school_a, local(day, 12))
    student = gid("User", school_a.world.student.id)
    window = {"from": iso(local(day, 9)), "to": iso(local(day, 17))}
    # and school B, whose admin and instructor look at their own diary
    school_b = await make_diary(factory)
    b_admin = await gql.login(school_b.world.admin.email)

    # When school B's admin asks for slots leaving out school A's student's busy times
    foreign = await gql.execute(
        SLOTS_FOR_STUDENT, {**school_b.ids(), **window, "studentId": student}, token=b_admin
    )
    unknown = await gql.execute(
        SLOTS_FOR_STUDENT,
        {**school_b.ids(), **window, "studentId": gid("User", uuid.uuid4())},
        token=b_admin,
    )

    # Then the foreign student is exactly as unknown as one that does not exist
    _refused_as_unknown_student(foreign)
    _refused_as_unknown_student(unknown)
    assert foreign["errors"][0]["message"] == unknown["errors"][0]["message"]


async def test_an_instructor_cannot_read_the_busy_times_of_another_instructors_student(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a student taught by two instructors, with a lesson at 12:00 with the second,
    # and a third instructor of the school who does not teach them
    day = days_ahead(3)
    diary = await make_diary(factory)
    second = await add_instructor(factory, diary, diary.world.student)
    await book(state, diary.admin_actor, diary, local(day, 12), instructor=second)
    window = {"from": iso(local(day, 9)), "to": iso(local(day, 17))}
    student = gid("User", diary.world.student.id)

    # When the instructor who does not teach the student asks about them
    other = await gql.execute(
        SLOTS_FOR_STUDENT,
        {**diary.ids(instructor=diary.world.other_instructor), **window, "studentId": student},
        token=await gql.login(diary.world.other_instructor.email),
    )
    # and the student's first instructor and an admin ask the same
    own = await gql.execute(
        SLOTS_FOR_STUDENT,
        {**diary.ids(instructor=diary.world.instructor), **window, "studentId": student},
        token=await gql.login(diary.world.instructor.email),
    )
    admin = await gql.execute(
        SLOTS_FOR_STUDENT,
        {**diary.ids(instructor=diary.world.other_instructor), **window, "studentId": student},
        token=await gql.login(diary.world.admin.email),
    )

    # Then the other instructor learns nothing about the student
    _refused_as_unknown_student(other)
    # while the student's instructor and the admin see the student's 12:00 left out
    assert "errors" not in own, own
    assert "errors" not in admin, admin
    assert "12:00" not in _hours(own)
    assert "11:00" in _hours(own)
    assert "12:00" not in _hours(admin)
    assert "13:00" in _hours(admin)


NODES = """
query Nodes($ids: [ID!]!) { nodes(ids: $ids) { id } }
"""


async def test_scheduling_objects_reach_through_node_exactly_who_the_rules_name(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a student waiting for the instructor and offered a slot another student freed,
    # the instructor's time off, and the school's lesson type
    diary = await make_diary(factory)
    world = diary.world
    waiting = world.student
    entry = await join(gql, waiting, diary, local(days_ahead(7), 18))
    holder = await newcomer(factory, diary)
    booking = await book(state, diary.admin_actor, diary, local(days_ahead(3), 10), student=holder)
    await free_up(gql, holder, booking)
    [offer] = await offers_to(gql, waiting)
    async with unit_of_work(state.db, state.hub, state.deps) as uow:
        time_off = await availability.add_exception(
            uow,
            diary.admin_actor,
            world.instructor.id,
            kind=availability.ExceptionKind.TIME_OFF,
            start_date=days_ahead(9),
            start_time=None,
            end_date=None,
            end_time=None,
            reason="Dentist",
        )
    ids = {
        "entry": entry["id"],
        "offer": offer["id"],
        "lessonType": gid("LessonType", diary.lesson_type.id),
        "timeOff": gid("AvailabilityException", time_off.id),
    }
    other_school = await make_diary(factory)

    # When each person asks for all four by id
    async def seen_by(email: str) -> set[str]:
        body = await gql.data(NODES, {"ids": list(ids.values())}, token=await gql.login(email))
        found = {node["id"] for node in body["nodes"] if node is not None}
        return {name for name, global_id in ids.items() if global_id in found}

    # Then waiting-list rows reach only the student, their instructor and the school's
    # admins; the school's lesson types and time off reach the school; nothing reaches
    # another school
    everything = set(ids)
    school_wide = {"lessonType", "timeOff"}
    assert await seen_by(waiting.email) == everything
    assert await seen_by(world.instructor.email) == everything
    assert await seen_by(world.admin.email) == everything
    assert await seen_by(world.other_student.email) == school_wide
    assert await seen_by(world.other_instructor.email) == school_wide
    assert await seen_by(holder.email) == school_wide
    assert await seen_by(other_school.world.admin.email) == set()
    assert await seen_by(other_school.world.student.email) == set()


HOURS_AND_TIME_OFF = """
query Diary($instructorId: ID!, $from: DateTime!, $to: DateTime!) {
  workingHours(instructorId: $instructorId) { weekday }
  availabilityExceptions(instructorId: $instructorId, from: $from, to: $to) { kind reason }
}
"""


async def test_a_diary_is_no_more_visible_than_its_instructor(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given an instructor with time off "Dentist", and a student who is not theirs
    diary = await make_diary(factory)
    day = days_ahead(5)
    async with unit_of_work(state.db, state.hub, state.deps) as uow:
        await availability.add_exception(
            uow,
            diary.admin_actor,
            diary.world.instructor.id,
            kind=availability.ExceptionKind.TIME_OFF,
            start_date=day,
            start_time=None,
            end_date=None,
            end_time=None,
            reason="Dentist",
        )
    window = {"from": iso(local(day, 0)), "to": iso(local(day, 23))}
    instructor = gid("User", diary.world.instructor.id)

    # When someone else's student, their own student and a colleague look at the diary
    stranger = await gql.execute(
        HOURS_AND_TIME_OFF,
        {"instructorId": instructor, **window},
        token=await gql.login(diary.world.other_student.email),
    )
    slots = await gql.execute(
        SLOTS_FOR_STUDENT,
        {**diary.ids(), **window},
        token=await gql.login(diary.world.other_student.email),
    )
    own = await gql.data(
        HOURS_AND_TIME_OFF,
        {"instructorId": instructor, **window},
        token=await gql.login(diary.world.student.email),
    )
    colleague = await gql.data(
        HOURS_AND_TIME_OFF,
        {"instructorId": instructor, **window},
        token=await gql.login(diary.world.other_instructor.email),
    )
    himself = await gql.data(
        HOURS_AND_TIME_OFF,
        {"instructorId": instructor, **window},
        token=await gql.login(diary.world.instructor.email),
    )

    # Then the stranger learns nothing (as for an instructor who does not exist); the
    # instructor's own student sees the time off but not why; so does a colleague; only
    # the instructor (and admins) read the reason
    for body in (stranger, slots):
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["reason"] == "INSTRUCTOR_NOT_FOUND"
    assert own["availabilityExceptions"] == [{"kind": "TIME_OFF", "reason": None}]
    assert colleague["availabilityExceptions"] == [{"kind": "TIME_OFF", "reason": None}]
    assert himself["availabilityExceptions"] == [{"kind": "TIME_OFF", "reason": "Dentist"}]
