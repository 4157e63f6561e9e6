"""Feedback after a completed lesson: the instructor's notes, the student's review, who
sees them, when they can be written and edited, and what bad input gets."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from models.feedback import LessonFeedback
from models.scheduling import Booking
from resolvers.context import AppState
from services.actor import Role
from services.feedback import EDIT_WINDOW, SUBMISSION_WINDOW
from tests.feedback.helpers import Lessons
from tests.scheduling.helpers import make_diary
from tests.support import Factory, GraphQLClient, gid

NOTES = """
mutation Notes($input: SubmitInstructorFeedbackInput!) {
  submitInstructorFeedback(input: $input) {
    feedback {
      id
      instructorFeedback { areasImproved nextFocus lessonRating notes submittedBy { id } }
      studentReview { rating }
    }
    errors { code message field }
  }
}
"""

EDIT_NOTES = """
mutation EditNotes($input: EditInstructorFeedbackInput!) {
  editInstructorFeedback(input: $input) {
    feedback { instructorFeedback { nextFocus lessonRating editedAt } }
    errors { code field }
  }
}
"""

REVIEW = """
mutation Review($input: SubmitStudentReviewInput!) {
  submitStudentReview(input: $input) {
    feedback { id studentReview { rating review submittedAt editableUntil } }
    errors { code message field }
  }
}
"""

EDIT_REVIEW = """
mutation EditReview($input: EditStudentReviewInput!) {
  editStudentReview(input: $input) {
    feedback { studentReview { rating review editedAt } }
    errors { code field }
  }
}
"""

FEEDBACK = """
query Feedback($bookingId: ID!) {
  lessonFeedback(bookingId: $bookingId) {
    id
    booking { id status }
    student { id }
    instructor { id }
    instructorFeedback { areasImproved nextFocus lessonRating notes }
    studentReview { rating review }
  }
}
"""

NODE = """
query Node($id: ID!) { node(id: $id) { id ... on LessonFeedback { studentReview { rating } } } }
"""

LIST = """
query List($first: Int!, $after: String) {
  lessonFeedbacks(first: $first, after: $after) {
    edges { node { id booking { id } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


def notes_input(booking: Booking, **overrides: object) -> dict[str, object]:
    return {
        "input": {
            "bookingId": gid("Booking", booking.id),
            "lessonRating": 4,
            "areasImproved": "Clutch control on hills",
            "nextFocus": "Roundabouts",
            "notes": "Good progress.",
            **overrides,
        }
    }


def review_input(booking: Booking, **overrides: object) -> dict[str, object]:
    return {
        "input": {
            "bookingId": gid("Booking", booking.id),
            "rating": 5,
            "review": "Patient and clear.",
            **overrides,
        }
    }


async def _rows(state: AppState) -> int:
    async with state.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(LessonFeedback)) or 0)


async def test_both_parts_are_written_and_seen_by_student_instructor_and_admins(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a completed lesson
    diary = await make_diary(factory)
    world = diary.world
    lesson = await Lessons(state, diary).completed()
    instructor = await gql.login(world.instructor.email)
    student = await gql.login(world.student.email)

    # When the instructor writes notes and the student a review
    notes = await gql.data(NOTES, notes_input(lesson), token=instructor)
    review = await gql.data(REVIEW, review_input(lesson), token=student)

    # Then both are in one row, and both parts are visible to each of them and an admin
    assert notes["submitInstructorFeedback"]["errors"] == []
    assert notes["submitInstructorFeedback"]["feedback"]["studentReview"] is None
    part = notes["submitInstructorFeedback"]["feedback"]["instructorFeedback"]
    assert part["lessonRating"] == 4
    assert part["submittedBy"]["id"] == gid("User", world.instructor.id)
    assert review["submitStudentReview"]["errors"] == []
    assert (
        review["submitStudentReview"]["feedback"]["id"]
        == notes["submitInstructorFeedback"]["feedback"]["id"]
    )
    assert await _rows(state) == 1
    for email in (world.instructor.email, world.student.email, world.admin.email):
        seen = await gql.data(
            FEEDBACK, {"bookingId": gid("Booking", lesson.id)}, token=await gql.login(email)
        )
        feedback = seen["lessonFeedback"]
        assert feedback["instructorFeedback"]["nextFocus"] == "Roundabouts"
        assert feedback["studentReview"] == {"rating": 5, "review": "Patient and clear."}
        assert feedback["booking"]["status"] == "COMPLETED"


async def test_nobody_else_sees_feedback(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given feedback on a lesson, and a school elsewhere
    diary = await make_diary(factory)
    world = diary.world
    lesson = await Lessons(state, diary).completed()
    await gql.data(REVIEW, review_input(lesson), token=await gql.login(world.student.email))
    elsewhere = await make_diary(factory)
    feedback_id = await _feedback_gid(gql, world.admin.email, lesson)

    # When other people of the school, and another school's admin, look for it
    outsiders = (
        world.other_student.email,
        world.other_instructor.email,
        elsewhere.world.admin.email,
        elsewhere.world.student.email,
    )
    for email in outsiders:
        token = await gql.login(email)
        by_booking = await gql.data(FEEDBACK, {"bookingId": gid("Booking", lesson.id)}, token=token)
        by_node = await gql.data(NODE, {"id": feedback_id}, token=token)
        listed = await gql.data(LIST, {"first": 10}, token=token)

        # Then it does not exist for them
        assert by_booking["lessonFeedback"] is None, email
        assert by_node["node"] is None, email
        assert listed["lessonFeedbacks"]["edges"] == [], email


async def _feedback_gid(gql: GraphQLClient, admin_email: str, lesson: Booking) -> str:
    data = await gql.data(
        FEEDBACK, {"bookingId": gid("Booking", lesson.id)}, token=await gql.login(admin_email)
    )
    return str(data["lessonFeedback"]["id"])


async def test_feedback_is_only_for_completed_lessons(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a lesson still ahead and a lesson cancelled
    diary = await make_diary(factory)
    lessons = Lessons(state, diary)
    ahead = await lessons.upcoming()
    cancelled = await lessons.upcoming()
    await lessons.set_columns(
        Booking, cancelled.id, status="cancelled", cancelled_at=datetime.now(UTC)
    )
    instructor = await gql.login(diary.world.instructor.email)
    student = await gql.login(diary.world.student.email)

    for booking in (ahead, cancelled):
        # When either party tries to give feedback on it
        notes = await gql.data(NOTES, notes_input(booking), token=instructor)
        review = await gql.data(REVIEW, review_input(booking), token=student)

        # Then both are told it is not a completed lesson, and nothing is written
        assert notes["submitInstructorFeedback"]["errors"][0]["code"] == "LESSON_NOT_COMPLETED"
        assert review["submitStudentReview"]["errors"][0]["code"] == "LESSON_NOT_COMPLETED"
    assert await _rows(state) == 0


async def test_a_part_is_written_once_then_edited_within_the_window(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a completed lesson the student has not reviewed
    diary = await make_diary(factory)
    lessons = Lessons(state, diary)
    lesson = await lessons.completed()
    student = await gql.login(diary.world.student.email)
    booking_id = gid("Booking", lesson.id)

    # When the student edits before submitting, submits twice, then edits
    early = await gql.data(
        EDIT_REVIEW, {"input": {"bookingId": booking_id, "rating": 2}}, token=student
    )
    first = await gql.data(REVIEW, review_input(lesson, rating=3), token=student)
    second = await gql.data(REVIEW, review_input(lesson, rating=1), token=student)
    edited = await gql.data(
        EDIT_REVIEW, {"input": {"bookingId": booking_id, "rating": 4}}, token=student
    )

    # Then the edit before submitting and the second submission are refused; the edit counts
    assert early["editStudentReview"]["errors"][0]["code"] == "NOT_SUBMITTED"
    assert first["submitStudentReview"]["errors"] == []
    review = first["submitStudentReview"]["feedback"]["studentReview"]
    submitted = datetime.fromisoformat(review["submittedAt"])
    assert datetime.fromisoformat(review["editableUntil"]) == submitted + EDIT_WINDOW
    assert second["submitStudentReview"]["errors"][0]["code"] == "ALREADY_SUBMITTED"
    assert edited["editStudentReview"]["errors"] == []
    now_review = edited["editStudentReview"]["feedback"]["studentReview"]
    assert now_review["rating"] == 4
    assert now_review["review"] == "Patient and clear."  # omitted fields stay
    assert now_review["editedAt"] is not None

    # When the edit window has passed
    async with state.db.transaction() as session:
        row = await session.scalar(select(LessonFeedback))
        assert row is not None
        row.student_submitted_at = datetime.now(UTC) - EDIT_WINDOW - timedelta(minutes=1)
    late = await gql.data(
        EDIT_REVIEW, {"input": {"bookingId": booking_id, "rating": 1}}, token=student
    )

    # Then the review is settled
    assert late["editStudentReview"]["errors"][0]["code"] == "EDIT_WINDOW_CLOSED"
    async with state.db.session() as session:
        assert await session.scalar(select(LessonFeedback.student_rating)) == 4


async def test_instructor_notes_are_edited_field_by_field(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given notes on a completed lesson
    diary = await make_diary(factory)
    lesson = await Lessons(state, diary).completed()
    instructor = await gql.login(diary.world.instructor.email)
    await gql.data(NOTES, notes_input(lesson), token=instructor)

    # When the instructor changes the next focus only, and an admin the rating
    edited = await gql.data(
        EDIT_NOTES,
        {"input": {"bookingId": gid("Booking", lesson.id), "nextFocus": "Parking"}},
        token=instructor,
    )
    by_admin = await gql.data(
        EDIT_NOTES,
        {"input": {"bookingId": gid("Booking", lesson.id), "lessonRating": 3}},
        token=await gql.login(diary.world.admin.email),
    )

    # Then both changes stand and the rest is unchanged
    assert edited["editInstructorFeedback"]["errors"] == []
    part = by_admin["editInstructorFeedback"]["feedback"]["instructorFeedback"]
    assert part["nextFocus"] == "Parking"
    assert part["lessonRating"] == 3
    assert part["editedAt"] is not None


async def test_feedback_closes_thirty_days_after_the_lesson(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a lesson completed longer ago than the submission window
    diary = await make_diary(factory)
    lessons = Lessons(state, diary)
    lesson = await lessons.completed()
    await lessons.set_columns(
        Booking,
        lesson.id,
        completed_at=datetime.now(UTC) - SUBMISSION_WINDOW - timedelta(minutes=1),
    )

    # When the student reviews it
    late = await gql.data(
        REVIEW, review_input(lesson), token=await gql.login(diary.world.student.email)
    )

    # Then it is too late
    assert late["submitStudentReview"]["errors"][0]["code"] == "SUBMISSION_WINDOW_CLOSED"
    assert await _rows(state) == 0


async def test_each_part_belongs_to_its_author(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a completed lesson, another school, and a lesson there
    diary = await make_diary(factory)
    world = diary.world
    lesson = await Lessons(state, diary).completed()
    elsewhere = await make_diary(factory)
    foreign = await Lessons(state, elsewhere).completed()

    # When the student writes the instructor's notes, the instructor (or an admin) the review
    student_notes = await gql.execute(
        NOTES, notes_input(lesson), token=await gql.login(world.student.email)
    )
    instructor_review = await gql.execute(
        REVIEW, review_input(lesson), token=await gql.login(world.instructor.email)
    )
    admin_review = await gql.execute(
        REVIEW, review_input(lesson), token=await gql.login(world.admin.email)
    )
    # and another school's admin and this school's other instructor write notes
    foreign_admin = await gql.data(
        NOTES, notes_input(lesson), token=await gql.login(elsewhere.world.admin.email)
    )
    colleague = await gql.data(
        NOTES, notes_input(lesson), token=await gql.login(world.other_instructor.email)
    )
    # and this school's admin writes notes on the other school's lesson
    cross = await gql.data(NOTES, notes_input(foreign), token=await gql.login(world.admin.email))

    # Then the wrong author is forbidden, and a lesson they cannot see does not exist
    for body in (student_notes, instructor_review, admin_review):
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
    for data in (foreign_admin, colleague, cross):
        assert data["submitInstructorFeedback"]["errors"][0]["code"] == "NOT_FOUND"
    assert await _rows(state) == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"rating": 0}, "rating"),
        ({"rating": 6}, "rating"),
        ({"rating": -2147483648}, "rating"),
        ({"review": "x" * 2001}, "review"),
        ({"review": "nice\x00"}, "review"),
        ({"bookingId": "not-an-id"}, "bookingId"),
        ({"bookingId": gid("User", uuid.uuid4())}, "bookingId"),
        ({"bookingId": gid("Booking", uuid.uuid4())}, "bookingId"),
    ],
)
async def test_bad_review_input_is_a_typed_error_and_changes_nothing(
    gql: GraphQLClient,
    factory: Factory,
    state: AppState,
    overrides: dict[str, object],
    field: str,
) -> None:
    # Given a completed lesson
    diary = await make_diary(factory)
    lesson = await Lessons(state, diary).completed()

    # When the student sends a bad review
    data = await gql.data(
        REVIEW, review_input(lesson, **overrides), token=await gql.login(diary.world.student.email)
    )

    # Then it is refused with a typed error on the right field, and nothing is written
    error = data["submitStudentReview"]["errors"][0]
    assert error["code"] in ("INVALID", "NOT_FOUND")
    assert error["field"] == field
    assert await _rows(state) == 0


@pytest.mark.parametrize(
    "overrides",
    [
        {"lessonRating": 0},
        {"lessonRating": 9},
        {"areasImproved": "y" * 2001},
        {"nextFocus": "\x07bell"},
        {"notes": "z" * 5000},
    ],
)
async def test_bad_instructor_notes_are_a_typed_error_and_change_nothing(
    gql: GraphQLClient, factory: Factory, state: AppState, overrides: dict[str, object]
) -> None:
    diary = await make_diary(factory)
    lesson = await Lessons(state, diary).completed()

    data = await gql.data(
        NOTES,
        notes_input(lesson, **overrides),
        token=await gql.login(diary.world.instructor.email),
    )

    assert data["submitInstructorFeedback"]["errors"][0]["code"] == "INVALID"
    assert await _rows(state) == 0


async def test_feedback_lists_page_newest_first(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given five reviewed lessons
    diary = await make_diary(factory)
    lessons = Lessons(state, diary)
    student = await gql.login(diary.world.student.email)
    for _ in range(5):
        lesson = await lessons.completed()
        await gql.data(REVIEW, review_input(lesson), token=student)

    # When the admin pages through feedback two at a time
    seen: list[str] = []
    after = None
    admin = await gql.login(diary.world.admin.email)
    while True:
        page = (await gql.data(LIST, {"first": 2, "after": after}, token=admin))["lessonFeedbacks"]
        seen += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    # Then every row is seen once
    assert len(seen) == len(set(seen)) == 5


async def test_another_student_cannot_review_a_lesson(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a completed lesson and another student of the school
    diary = await make_diary(factory)
    lesson = await Lessons(state, diary).completed()
    other = await factory.user(diary.school, Role.STUDENT)

    # When another student of the school reviews it
    data = await gql.data(REVIEW, review_input(lesson), token=await gql.login(other.email))

    # Then the lesson does not exist for them
    assert data["submitStudentReview"]["errors"][0]["code"] == "NOT_FOUND"
