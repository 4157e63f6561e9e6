"""Regressions for what the input fuzz (test_fuzz_inputs.py) found: each request below
once answered INTERNAL_SERVER_ERROR. Each now gets a typed error naming the offending
field (or, for a valid request, its answer) and, when refused, changes nothing."""

from __future__ import annotations

import base64
import copy
import json
import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest

from models.series import LessonSeries
from models.theory import TheoryQuestion
from resolvers.context import AppState
from services.theory import importer
from tests.feedback.helpers import Lessons
from tests.payments.helpers import make_package, make_promo
from tests.scheduling.helpers import make_diary
from tests.series.helpers import count, create_input, year_diary
from tests.support import Factory, GraphQLClient, SchoolWorld, gid
from tests.tenancy.dbstate import all_rows
from tests.theory.helpers import bank, with_topics

# Logging in writes these; everything else must stay as it was.
AUTH_TABLES = ("login_attempts", "auth_sessions", "refresh_tokens", "audit_log")


async def snapshot(state: AppState) -> dict[str, list[str]]:
    return await all_rows(state, ignore=AUTH_TABLES)


# -- a changed row's updatedAt (the ORM expired it at flush; read after the session closed) --

CANCEL = """
mutation Cancel($input: CancelBookingInput!) {
  cancelBooking(input: $input) {
    booking { id status createdAt updatedAt }
    errors { code field message }
  }
}
"""
CREATE_QUESTION = """
mutation Create($input: CreateTheoryQuestionInput!) {
  createTheoryQuestion(input: $input) { question { id updatedAt } errors { code field } }
}
"""
RETIRE_QUESTION = """
mutation Retire($input: TheoryQuestionIdInput!) {
  retireTheoryQuestion(input: $input) {
    question { id active updatedAt }
    errors { code field message }
  }
}
"""


async def test_a_cancelled_lesson_says_when_it_changed(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a confirmed lesson tomorrow
    diary = await make_diary(factory)
    lesson = await Lessons(state, diary).upcoming()
    token = await gql.login(diary.world.admin.email)

    # When the school admin cancels it and asks when the booking last changed
    data = await gql.data(CANCEL, {"input": {"bookingId": gid("Booking", lesson.id)}}, token=token)

    # Then the answer is the cancelled booking, changed just now
    payload = data["cancelBooking"]
    assert payload["errors"] == []
    assert payload["booking"]["status"] == "CANCELLED"
    assert datetime.fromisoformat(payload["booking"]["updatedAt"]) > lesson.updated_at


async def test_a_retired_question_says_when_it_changed(
    gql: GraphQLClient, state: AppState, world: SchoolWorld
) -> None:
    # Given a question in the school's own bank
    await with_topics(state)
    token = await gql.login(world.admin.email)
    categories = await gql.data("{ theoryCategories { id } }", token=token)
    created = await gql.data(
        CREATE_QUESTION,
        {"input": question_input(categories["theoryCategories"][0]["id"])},
        token=token,
    )
    question = created["createTheoryQuestion"]["question"]

    # When the admin retires it and asks when it last changed
    data = await gql.data(RETIRE_QUESTION, {"input": {"questionId": question["id"]}}, token=token)

    # Then the answer is the retired question, changed after it was made
    payload = data["retireTheoryQuestion"]
    assert payload["errors"] == []
    assert payload["question"]["active"] is False
    assert datetime.fromisoformat(payload["question"]["updatedAt"]) > datetime.fromisoformat(
        question["updatedAt"]
    )


def question_input(category_id: str) -> dict[str, Any]:
    return {
        "categoryId": category_id,
        "type": "SINGLE_CHOICE",
        "text": "What should you check before moving off?",
        "options": ["Your mirrors and blind spot", "The radio"],
        "correctOptionKeys": ["A"],
        "explanation": "Mirrors and blind spot show what is around you.",
        "reference": "Highway Code rule 159",
    }


# -- instants whose UTC reading falls outside the calendar (year 1 at +14:00, 9999 at -14:00) --

BOOK = """
mutation Book($input: BookLessonInput!) {
  bookLesson(input: $input) { booking { id } errors { code field message } }
}
"""
SLOTS = """
query Slots($instructorId: ID!, $lessonTypeId: ID!, $from: DateTime!, $to: DateTime!) {
  availableSlots(instructorId: $instructorId, lessonTypeId: $lessonTypeId, from: $from, to: $to) {
    startsAt
  }
}
"""
BEFORE_YEAR_1 = "0001-01-01T00:00:00+14:00"
AFTER_YEAR_9999 = "9999-12-31T23:59:59-14:00"


async def test_a_lesson_at_an_instant_before_year_1_is_refused(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a diary the student may book in
    diary = await make_diary(factory)
    token = await gql.login(diary.world.student.email)
    before = await snapshot(state)

    # When the student books a lesson at midnight of 1 January, year 1, at UTC+14
    data = await gql.data(
        BOOK,
        {"input": {**diary.ids(), "startsAt": BEFORE_YEAR_1, "overrideWorkingHours": False}},
        token=token,
    )

    # Then it is a typed error about startsAt, and nothing was written
    payload = data["bookLesson"]
    assert payload["booking"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("INVALID", "startsAt")]
    assert await snapshot(state) == before


async def test_free_slots_up_to_an_instant_after_9999_are_a_bad_argument(
    gql: GraphQLClient, factory: Factory
) -> None:
    # Given a diary
    diary = await make_diary(factory)
    token = await gql.login(diary.world.student.email)

    # When the student asks for free slots up to the last second of 9999 at UTC-14
    body = await gql.execute(
        SLOTS, {**diary.ids(), "from": "2030-01-01T00:00:00Z", "to": AFTER_YEAR_9999}, token=token
    )

    # Then the argument is refused by name, not answered with an internal error
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["reason"] == "INVALID"
    assert body["data"] is None


# -- time off on dates at the ends of the calendar --

ADD_EXCEPTION = """
mutation Add($input: AddAvailabilityExceptionInput!) {
  addAvailabilityException(input: $input) { exception { id } errors { code field message } }
}
"""


async def test_time_off_on_the_last_day_of_9999_is_refused(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given an instructor in a London school
    diary = await make_diary(factory)
    token = await gql.login(diary.world.admin.email)
    before = await snapshot(state)

    # When the admin gives them the whole of 31 December 9999 off
    data = await gql.data(
        ADD_EXCEPTION,
        {
            "input": {
                "instructorId": gid("User", diary.world.instructor.id),
                "kind": "TIME_OFF",
                "startDate": "2030-01-07",
                "endDate": "9999-12-31",
            }
        },
        token=token,
    )

    # Then it is a typed error about the end date, and nothing was written
    payload = data["addAvailabilityException"]
    assert payload["exception"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("INVALID", "endDate")]
    assert await snapshot(state) == before


async def test_time_off_on_1_january_year_1_east_of_greenwich_is_refused(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given an instructor in a Tokyo school (local midnight of year 1 is still year 0 in UTC)
    diary = await make_diary(factory, time_zone="Asia/Tokyo")
    token = await gql.login(diary.world.admin.email)
    before = await snapshot(state)

    # When the admin gives them 1 January of year 1 off
    data = await gql.data(
        ADD_EXCEPTION,
        {
            "input": {
                "instructorId": gid("User", diary.world.instructor.id),
                "kind": "TIME_OFF",
                "startDate": "0001-01-01",
            }
        },
        token=token,
    )

    # Then it is a typed error about the start date, and nothing was written
    payload = data["addAvailabilityException"]
    assert payload["exception"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("INVALID", "startDate")]
    assert await snapshot(state) == before


# -- a lesson series starting on the last day of the calendar --

CREATE_SERIES = """
mutation Create($input: CreateLessonSeriesInput!) {
  createLessonSeries(input: $input) { series { id } errors { code field message } }
}
"""


async def test_a_series_starting_after_31_december_9999_is_refused(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a diary the admin may make series in
    diary = await year_diary(factory)
    token = await gql.login(diary.world.admin.email)
    before = await snapshot(state)

    # When the admin starts a Monday series from Friday 31 December 9999 (whose first
    # Monday would be in the year 10000)
    data = await gql.data(
        CREATE_SERIES,
        {"input": create_input(diary, date(9999, 12, 31), weekday="MONDAY")},
        token=token,
    )

    # Then it is a typed error about the start date, and nothing was written
    payload = data["createLessonSeries"]
    assert payload["series"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("INVALID_DATES", "startsOn")]
    assert await snapshot(state) == before


# -- audit log filters PostgreSQL cannot hold --

AUDIT_LOG = """
query Audit($action: String, $entityType: String) {
  auditLog(action: $action, entityType: $entityType) { edges { node { action } } }
}
"""


async def test_an_audit_filter_with_a_nul_character_is_a_bad_argument(
    gql: GraphQLClient, world: SchoolWorld
) -> None:
    # Given a school admin
    token = await gql.login(world.admin.email)

    for variables in ({"action": "user.suspended\x00"}, {"entityType": "Us\x00er"}):
        # When they filter the audit log by text holding a NUL character
        body = await gql.execute(AUDIT_LOG, variables, token=token)

        # Then the filter is refused by name, not passed on to the database
        [error] = body["errors"]
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "reason": "INVALID"}, variables
        assert "control characters" in error["message"], variables


# -- cursors whose sort value is not of the sorted column's type --

FORUMS = """
query Forums($after: String) { forums(first: 10, after: $after) { edges { node { id } } } }
"""
AUDIT_PAGE = """
query Audit($after: String) { auditLog(first: 10, after: $after) { edges { node { action } } } }
"""


def cursor(*parts: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(parts)).encode()).decode().rstrip("=")


async def test_a_cursor_whose_sort_value_the_column_cannot_hold_is_a_bad_argument(
    gql: GraphQLClient, world: SchoolWorld
) -> None:
    # Given a school admin
    token = await gql.login(world.admin.email)

    for document, after in (
        # forums are sorted by their display order (a 32-bit integer) …
        (FORUMS, cursor("zzz", str(uuid.uuid4()))),
        (FORUMS, cursor(2**40, str(uuid.uuid4()))),
        # … and the audit log by its entry id (a bigint)
        (AUDIT_PAGE, cursor("zzz", "5")),
    ):
        # When they page on from a cursor whose sort value is of another type
        body = await gql.execute(document, {"after": after}, token=token)

        # Then the cursor is refused by name, not compared in SQL
        [error] = body["errors"]
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "reason": "INVALID"}, after
        assert error["message"] == "The `after` cursor is not valid.", after


# -- an idempotency key on a request holding a time of day with a UTC offset --

CREATE_SERIES_AGAIN = """
mutation Create($input: CreateLessonSeriesInput!) {
  createLessonSeries(input: $input) { series { id localTime } errors { code field message } }
}
"""


async def test_a_keyed_series_at_a_time_with_an_offset_is_made_once(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a diary the admin may make series in
    diary = await year_diary(factory)
    token = await gql.login(diary.world.admin.email)
    request = create_input(
        diary, date.today() + timedelta(days=10), localTime="17:00:00+01:00", idempotencyKey="k1"
    )

    # When the admin sends a weekly series at "17:00+01:00" under a key, twice
    first = await gql.data(CREATE_SERIES_AGAIN, {"input": request}, token=token)
    again = await gql.data(CREATE_SERIES_AGAIN, {"input": request}, token=token)

    # Then the request is read like any other (the school's 17:00) and the retry replays it
    made = first["createLessonSeries"]
    assert made["errors"] == []
    assert made["series"]["localTime"] == "17:00:00"
    assert again["createLessonSeries"] == made
    assert await count(state, LessonSeries) == 1


# -- control characters in the texts of a theory question's media and of a bank file --

CREATE_WITH_MEDIA = """
mutation Create($input: CreateTheoryQuestionInput!) {
  createTheoryQuestion(input: $input) { question { id } errors { code field message } }
}
"""


async def test_a_question_whose_media_text_holds_a_nul_is_refused(
    gql: GraphQLClient, state: AppState, world: SchoolWorld
) -> None:
    # Given a school admin and the topics
    await with_topics(state)
    token = await gql.login(world.admin.email)
    categories = await gql.data("{ theoryCategories { id } }", token=token)
    category = categories["theoryCategories"][0]["id"]
    before = await snapshot(state)

    for media in (
        {"kind": "IMAGE", "url": "https://media.example.test/a.png", "description": "A\x00B"},
        {"kind": "IMAGE", "url": "https://media.example.test/a\x00.png", "description": "A sign"},
    ):
        # When they add a question whose picture's description or address holds a NUL
        data = await gql.data(
            CREATE_WITH_MEDIA,
            {"input": {**question_input(category), "media": media}},
            token=token,
        )

        # Then it is a typed error about the media, and nothing was written
        payload = data["createTheoryQuestion"]
        assert payload["question"] is None
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [("INVALID", "media")]
        assert await snapshot(state) == before


def _with(document: dict[str, Any], path: tuple[Any, ...], value: str) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    target = changed
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return changed


async def test_a_bank_file_with_a_nul_in_any_text_is_refused_naming_the_row(
    state: AppState,
) -> None:
    # Given a sound bank file with a video question and a hazard clip
    document = bank(1, clips=1, videos=1)
    for where, path in (
        ("questions[0]", ("questions", 0, "media", "description")),
        ("questions[0]", ("questions", 0, "media", "url")),
        ("hazardClips[0]", ("hazardClips", 0, "mediaUrl")),
        ("categories[0]", ("categories", 0, "description")),
        ("source", ("source", "name")),
        ("source", ("source", "notice")),
    ):
        # When the file carries a NUL in one of its texts
        bad = _with(document, path, "https://media.example.test/\x00")

        # Then reading it refuses the file, naming the row, before anything is written
        with pytest.raises(importer.BankFileInvalid) as refused:
            importer.read_bank_file(orjson.dumps(bad))
        assert any(label.startswith(where) for label in refused.value.by_row()), (
            path,
            refused.value.by_row(),
        )
    assert await count(state, TheoryQuestion) == 0


# -- packages, promo codes, invoices and payouts (issue 4) --

UPDATE_PACKAGE = """
mutation Update($input: UpdateLessonPackageInput!) {
  updateLessonPackage(input: $input) {
    package { id lessonsCount discountPercent }
    errors { code field message }
  }
}
"""
CREATE_PROMO = """
mutation Create($input: CreatePromoCodeInput!) {
  createPromoCode(input: $input) { promoCode { id } errors { code field message } }
}
"""
UPDATE_PROMO = """
mutation Update($input: UpdatePromoCodeInput!) {
  updatePromoCode(input: $input) { promoCode { id } errors { code field message } }
}
"""
CREATE_INVOICE = """
mutation Create($input: CreateInvoiceInput!) {
  createInvoice(input: $input) { invoice { id status } errors { code field } }
}
"""
MARK_INVOICE_PAID = """
mutation Paid($input: MarkInvoicePaidInput!) {
  markInvoicePaid(input: $input) { invoice { id status } errors { code field message } }
}
"""
CREATE_PAYOUT = """
mutation Create($input: CreatePayoutInput!) {
  createPayout(input: $input) { payout { id status } errors { code field } }
}
"""
MARK_PAYOUT_PAID = """
mutation Paid($input: MarkPayoutPaidInput!) {
  markPayoutPaid(input: $input) { payout { id status reference } errors { code field message } }
}
"""


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"discountPercent": -1}, "INVALID", "discountPercent"),
        ({"discountPercent": 2**31 - 1}, "INVALID", "discountPercent"),
        ({"lessonsCount": 0}, "INVALID", "lessonsCount"),
        ({"lessonDurationMinutes": -1}, "INVALID", "lessonDurationMinutes"),
        ({"priceMinor": -1}, "INVALID", "priceMinor"),
        ({"instructorId": gid("User", uuid.UUID(int=7))}, "INSTRUCTOR_NOT_FOUND", "instructorId"),
        (
            {"lessonTypeId": gid("LessonType", uuid.UUID(int=7))},
            "LESSON_TYPE_NOT_FOUND",
            "lessonTypeId",
        ),
    ],
)
async def test_a_package_changed_out_of_range_is_refused_before_it_is_written(
    gql: GraphQLClient,
    state: AppState,
    world: SchoolWorld,
    change: dict[str, Any],
    code: str,
    field: str,
) -> None:
    # Given a package on sale, and its school's admin
    package = await make_package(state, world.school)
    token = await gql.login(world.admin.email)
    before = await snapshot(state)

    # When the admin changes one of its numbers or rows to one it cannot hold, along with
    # its currency (whose lookup used to flush the half-checked package first)
    data = await gql.data(
        UPDATE_PACKAGE,
        {"input": {"packageId": gid("LessonPackage", package.id), "currency": "GBP", **change}},
        token=token,
    )

    # Then it is a typed error naming the field, and nothing was written
    payload = data["updateLessonPackage"]
    assert payload["package"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [(code, field)]
    assert await snapshot(state) == before


@pytest.mark.parametrize(
    ("field", "instant"), [("startsAt", BEFORE_YEAR_1), ("endsAt", AFTER_YEAR_9999)]
)
async def test_a_promo_code_valid_from_or_to_an_instant_utc_cannot_hold_is_refused(
    gql: GraphQLClient, state: AppState, world: SchoolWorld, field: str, instant: str
) -> None:
    # Given a promo code, and the school's admin
    promo = await make_promo(state, world.school, "WELCOME10")
    token = await gql.login(world.admin.email)
    before = await snapshot(state)

    # When the admin makes a code, or changes one, to start before year 1 in UTC or end
    # after 9999
    made = await gql.data(
        CREATE_PROMO,
        {"input": {"code": "SPRING20", "kind": "PERCENTAGE", "value": 20, field: instant}},
        token=token,
    )
    changed = await gql.data(
        UPDATE_PROMO,
        {"input": {"promoCodeId": gid("PromoCode", promo.id), field: instant}},
        token=token,
    )

    # Then both are typed errors about that field, and nothing was written
    for payload in (made["createPromoCode"], changed["updatePromoCode"]):
        assert payload["promoCode"] is None
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [("INVALID", field)]
    assert await snapshot(state) == before


async def test_an_invoice_paid_at_an_instant_before_year_1_is_refused(
    gql: GraphQLClient, state: AppState, world: SchoolWorld
) -> None:
    # Given an issued invoice, and the school's admin
    token = await gql.login(world.admin.email)
    created = await gql.data(
        CREATE_INVOICE,
        {
            "input": {
                "studentId": gid("User", world.student.id),
                "items": [{"description": "Theory book", "quantity": 1, "unitMinor": 1500}],
                "issue": True,
            }
        },
        token=token,
    )
    invoice = created["createInvoice"]["invoice"]
    assert invoice["status"] == "ISSUED"
    before = await snapshot(state)

    # When the admin marks it paid at midnight of 1 January, year 1, at UTC+14
    data = await gql.data(
        MARK_INVOICE_PAID,
        {"input": {"invoiceId": invoice["id"], "paidAt": BEFORE_YEAR_1}},
        token=token,
    )

    # Then it is a typed error about paidAt, and the invoice is still issued
    payload = data["markInvoicePaid"]
    assert payload["invoice"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("INVALID", "paidAt")]
    assert await snapshot(state) == before


async def test_a_payout_reference_with_a_nul_character_is_refused(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a pending payout for a past day with a completed lesson
    diary = await make_diary(factory)
    lesson = await Lessons(state, diary).completed(hours_ago=24 * 40)
    day = lesson.starts_at.astimezone(ZoneInfo(diary.school.time_zone)).date().isoformat()
    token = await gql.login(diary.world.admin.email)
    created = await gql.data(
        CREATE_PAYOUT,
        {
            "input": {
                "instructorId": gid("User", diary.world.instructor.id),
                "periodStart": day,
                "periodEnd": day,
            }
        },
        token=token,
    )
    payout = created["createPayout"]["payout"]
    assert payout["status"] == "PENDING"
    before = await snapshot(state)

    for reference in ("BACS\x00-0001", "BACS\x07-0001"):
        # When the admin marks it paid with a reference holding a control character
        data = await gql.data(
            MARK_PAYOUT_PAID,
            {"input": {"payoutId": payout["id"], "reference": reference}},
            token=token,
        )

        # Then it is a typed error about the reference, and the payout is still pending
        payload = data["markPayoutPaid"]
        assert payload["payout"] is None
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [("INVALID", "reference")]
    assert await snapshot(state) == before
