"""An instructor's average rating, one query for many instructors, and each part of the
feedback written exactly once under concurrent submissions."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from sqlalchemy import select

from models.feedback import LessonFeedback
from resolvers.context import AppState
from services.actor import Role
from tests.feedback.helpers import Lessons
from tests.feedback.test_feedback import NOTES, REVIEW, notes_input, review_input
from tests.scheduling.helpers import add_instructor, make_diary
from tests.support import Factory, GraphQLClient, gid

RATING = """
query Rating($id: ID!) { instructorRating(instructorId: $id) { instructor { id } average count } }
"""

RATINGS = """
query Ratings($ids: [ID!]!) {
  instructorRatings(instructorIds: $ids) { instructor { id fullName } average count }
}
"""


def _outcomes(responses: list[Any], field: str) -> Counter[str]:
    outcomes: Counter[str] = Counter()
    for response in responses:
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body
        payload = body["data"][field]
        outcomes.update([payload["errors"][0]["code"] if payload["errors"] else "OK"])
    return outcomes


async def test_ten_simultaneous_reviews_of_one_lesson_leave_one(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a completed lesson
    diary = await make_diary(factory)
    lesson = await Lessons(state, diary).completed()
    token = await gql.login(diary.world.student.email)

    # When the student's review is sent ten times at once, with different ratings
    responses = await asyncio.gather(
        *(gql.post(REVIEW, review_input(lesson, rating=1 + n % 5), token=token) for n in range(10))
    )

    # Then one is written and nine are told it already was; PostgreSQL holds one row
    assert _outcomes(responses, "submitStudentReview") == Counter({"OK": 1, "ALREADY_SUBMITTED": 9})
    async with state.db.session() as session:
        rows = list(await session.scalars(select(LessonFeedback)))
    assert len(rows) == 1
    assert rows[0].student_rating is not None


async def test_both_parts_submitted_at_once_share_one_row(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given completed lessons with no feedback
    diary = await make_diary(factory)
    lessons = Lessons(state, diary)
    student = await gql.login(diary.world.student.email)
    instructor = await gql.login(diary.world.instructor.email)
    staged = [await lessons.completed() for _ in range(5)]

    # When, for each, both parties submit at the same moment (each part five times)
    requests = []
    for lesson in staged:
        requests += [gql.post(REVIEW, review_input(lesson), token=student) for _ in range(5)]
        requests += [gql.post(NOTES, notes_input(lesson), token=instructor) for _ in range(5)]
    responses = await asyncio.gather(*requests)

    # Then each lesson has exactly one row, holding both parts
    reviews = _outcomes(
        [r for r in responses if "submitStudentReview" in r.text], "submitStudentReview"
    )
    notes = _outcomes(
        [r for r in responses if "submitInstructorFeedback" in r.text], "submitInstructorFeedback"
    )
    assert reviews == Counter({"OK": 5, "ALREADY_SUBMITTED": 20})
    assert notes == Counter({"OK": 5, "ALREADY_SUBMITTED": 20})
    async with state.db.session() as session:
        rows = list(await session.scalars(select(LessonFeedback)))
    assert sorted(r.booking_id for r in rows) == sorted(b.id for b in staged)
    assert all(r.student_rating == 5 and r.lesson_rating == 4 for r in rows)


async def test_an_instructors_rating_is_the_mean_of_students_ratings(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given an instructor rated 5, 4 and 4 by two students, and rated lessons of another
    diary = await make_diary(factory)
    world = diary.world
    lessons = Lessons(state, diary)
    second = await factory.user(world.school, Role.STUDENT)
    await factory.assign(second, world.instructor, assignment_type="primary")
    for student, rating in ((world.student, 5), (world.student, 4), (second, 4)):
        lesson = await lessons.completed(student=student)
        await gql.data(
            REVIEW, review_input(lesson, rating=rating), token=await gql.login(student.email)
        )
        # the instructor's own rating of the lesson does not count towards theirs
        await gql.data(
            NOTES,
            notes_input(lesson, lessonRating=1),
            token=await gql.login(world.instructor.email),
        )
    lesson = await lessons.completed(student=world.other_student, instructor=world.other_instructor)
    await gql.data(
        REVIEW, review_input(lesson, rating=1), token=await gql.login(world.other_student.email)
    )

    # When the student looks up their instructor, and the admin both instructors
    mine = await gql.data(
        RATING, {"id": gid("User", world.instructor.id)}, token=await gql.login(world.student.email)
    )
    both = await gql.data(
        RATINGS,
        {"ids": [gid("User", world.instructor.id), gid("User", world.other_instructor.id)]},
        token=await gql.login(world.admin.email),
    )

    # Then the averages are of the students' ratings only
    assert mine["instructorRating"]["average"] == 4.33
    assert mine["instructorRating"]["count"] == 3
    assert [(r["average"], r["count"]) for r in both["instructorRatings"]] == [(4.33, 3), (1.0, 1)]


async def test_ratings_of_unseen_instructors_are_null_and_unrated_ones_zero(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given an unrated instructor, an instructor of another school, and a student's id
    diary = await make_diary(factory)
    world = diary.world
    elsewhere = await make_diary(factory)
    ids = [
        gid("User", world.instructor.id),
        gid("User", elsewhere.world.instructor.id),
        gid("User", world.student.id),
    ]

    # When the school's admin asks for their ratings
    data = await gql.data(RATINGS, {"ids": ids}, token=await gql.login(world.admin.email))

    # Then the unrated one has none yet; the foreign instructor and the student are null
    assert data["instructorRatings"][0] == {
        "instructor": {"id": ids[0], "fullName": "Test Instructor"},
        "average": None,
        "count": 0,
    }
    assert data["instructorRatings"][1:] == [None, None]


async def test_many_instructors_ratings_cost_one_query(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given 2 rated instructors in one school and 12 in another
    small = await _rated_school(gql, factory, state, instructors=2)
    large = await _rated_school(gql, factory, state, instructors=12)

    # When each school's admin asks for all its instructors' ratings
    counts = []
    for admin, ids in (small, large):
        body = await gql.execute(RATINGS, {"ids": ids}, token=await gql.login(admin))
        assert "errors" not in body, body
        assert all(r["count"] == 1 for r in body["data"]["instructorRatings"])
        counts.append(body["extensions"]["sqlStatements"])

    # Then both cost the same: the session check, the ratings, the instructors' names
    assert counts[0] == counts[1] == 3


async def _rated_school(
    gql: GraphQLClient, factory: Factory, state: AppState, *, instructors: int
) -> tuple[str, list[str]]:
    diary = await make_diary(factory)
    lessons = Lessons(state, diary)
    token = await gql.login(diary.world.student.email)
    ids = []
    for _ in range(instructors):
        instructor = await add_instructor(factory, diary, diary.world.student)
        lesson = await lessons.completed(instructor=instructor)
        await gql.data(REVIEW, review_input(lesson), token=token)
        ids.append(gid("User", instructor.id))
    return diary.world.admin.email, ids
