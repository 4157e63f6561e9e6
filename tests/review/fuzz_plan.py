"""From the schema to fuzz cases.

Every query and mutation field is read from the live strawberry schema. For each one a
*baseline* request is built that a real user of the fuzz world could send (real ids of
the right rows, sensible names, times and numbers), so that one bad value at a time gets
as deep into the service as it can. Each case then replaces exactly one argument, input
field, nested input field or list element with an adversarial value of its type
(tests/review/fuzz_values.py); nullable ones are also sent as an explicit null, lists
also empty and with 1,000 items.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    get_named_type,
    is_leaf_type,
)
from graphql.language import Lexer, Source, TokenKind
from graphql.pyutils import Undefined

from tests.review import fuzz_values as values
from tests.review.fuzz_world import PHONE, PROMO_CODE, QUESTION_INPUT, SKILL, Fuzzland
from tests.support import PASSWORD

OMIT = object()
MAX_TOKENS = 2_000  # the server refuses documents over 2,500 tokens


@dataclass(frozen=True)
class Ref:
    """A row of the fuzz world, by its key in ``School.ids`` ("Booking:completed")."""

    key: str


@dataclass(frozen=True)
class Operation:
    name: str
    kind: str  # "query" or "mutation"
    arguments: dict[str, str]  # name → type as a variable definition writes it
    fragment: str  # "fragment Result on T { … }", or "" when the result is a scalar
    baseline: dict[str, Any]


# What is odd about a case's value. Its SHAPE: a malformed or foreign id, null, an empty
# or huge list or string, NUL, an extreme number, instant or date — what can break while
# a request is still being read. A CHOICE: each value of an enum or flag. Its TEXT:
# well-formed strings with odd content (emoji, right-to-left, markup, control
# characters), which only matter once a request is past every check.
SHAPE, CHOICE, TEXT = "shape", "choice", "text"


@dataclass(frozen=True)
class Case:
    operation: Operation
    label: str
    variables: dict[str, Any]
    kind: str = SHAPE


# -- which row each ID argument names, by "operation.field", "InputType.field" or "field" --------

IDS: dict[str, str] = {
    "studentId": "User:student",
    "studentIds": "User:student",
    "instructorId": "User:instructor",
    "instructorIds": "User:instructor",
    "userId": "User:student",
    "userIds": "User:instructor",
    "schoolId": "School",
    "assignmentId": "Assignment",
    "lessonTypeId": "LessonType",
    "bookingId": "Booking",
    "exceptionId": "AvailabilityException",
    "requestId": "RescheduleRequest",
    "entryId": "WaitlistEntry",
    "offerId": "SlotOffer",
    "seriesId": "LessonSeries",
    "occurrenceId": "SeriesOccurrence",
    "forumId": "Forum",
    "postId": "Post",
    "parentId": "Reply",
    "replyId": "Reply",
    "targetId": "Post:other",
    "reportId": "Report",
    "feedId": "CalendarFeed",
    "questionId": "TheoryQuestion:school",
    "categoryId": "TheoryCategory",
    "mockTestQuestionId": "MockTestQuestion",
    "mockTestId": "MockTest",
    "hazardTestClipId": "HazardTestClip",
    "hazardTestId": "HazardTest",
    "id": "Booking",
    "ids": "Booking",
    "reviewRegistration.userId": "User:pending",
    "suspendUser.userId": "User:other_student",
    "reinstateUser.userId": "User:suspended",
    "deleteUser.userId": "User:other_student",
    "updateInstructorProfile.userId": "User:instructor",
    "updateAdminPermissions.userId": "User:other_admin",
    "submitInstructorFeedback.bookingId": "Booking:completed",
    "submitStudentReview.bookingId": "Booking:completed",
    "recordDriverProgress.bookingId": "Booking:completed",
    "editInstructorFeedback.bookingId": "Booking:reviewed",
    "editStudentReview.bookingId": "Booking:reviewed",
    "lessonFeedback.bookingId": "Booking:reviewed",
    "lessonProgress.bookingId": "Booking:reviewed",
    "requestLessonStart.bookingId": "Booking:due",
    "startLesson.bookingId": "Booking:due",
    "markNoShow.bookingId": "Booking:past",
    "completeLesson.bookingId": "Booking:past",
    "confirmBooking.bookingId": "Booking:pending",
    "resumeLessonSeries.seriesId": "LessonSeries:paused",
    "waiveCancellationFee.bookingId": "Booking:cancelled",
    "approveContent.targetId": "Post:pending",
    "rejectContent.targetId": "Post:pending",
    "restoreContent.targetId": "Post:hidden",
    "answerPracticeQuestion.questionId": "TheoryQuestion",
    # packages, payments, billing and earnings
    "packageId": "LessonPackage",
    "packageIds": "LessonPackage",
    "promoCodeId": "PromoCode",
    "studentPackageId": "StudentPackage",
    "paymentId": "Payment",
    "invoiceId": "Invoice",
    "payoutId": "Payout",
    "depositId": "BankDeposit",
    "refundId": "Refund",
    "recordCashPayment.paymentId": "Payment:bank_pending",
    "issueInvoice.invoiceId": "Invoice:draft",
    "voidInvoice.invoiceId": "Invoice:draft",
    "markInvoicePaid.invoiceId": "Invoice:issued",
    "markPayoutPaid.payoutId": "Payout",
    "refundPayment.paymentId": "Payment",
    "payForBooking.bookingId": "Booking",
}


def _baseline_values(land: Fuzzland, today: date) -> dict[str, Any]:
    """The baseline's values, keyed like ``IDS``: every field a real request would fill
    in, optional ones too (so that checks of one field against another are reached),
    and the rows optional ids name (as ``Ref``). A required field not named here takes
    a default of its type; an optional one is left out (OMIT: left out on purpose)."""

    def at(days: int, hour: int, minute: int = 0) -> str:
        instant = datetime.combine(today + timedelta(days=days), time(hour, minute), UTC)
        return instant.isoformat()

    def day(days: int) -> str:
        return (today + timedelta(days=days)).isoformat()

    series_start = today + timedelta(days=35)
    weekdays = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
    student = land.home.world.student
    return {
        # accounts
        "email": "fuzz.new@example.test",
        "login.email": student.email,
        "requestPasswordReset.email": student.email,
        "password": PASSWORD,
        "RegisterStudentInput.password": "a long fuzzing passphrase",
        "CreateUserInput.password": "a long fuzzing passphrase",
        "CreateUserInput.schoolId": Ref("School"),
        "currentPassword": PASSWORD,
        "newPassword": PASSWORD,
        "firstName": "Fuzz",
        "lastName": "Tester",
        "phone": PHONE,
        "avatarUrl": "https://media.example.test/avatar.png",
        "locale": "en-GB",
        "preferences": {"theme": "dark"},
        "token": "not-a-real-token",
        "verifyEmail.token": land.home.secrets["email_token"],
        "resetPassword.token": land.home.secrets["reset_token"],
        "refreshToken": land.home.secrets["refresh_token"],
        "code": "123456",
        "verifyPhone.code": land.home.secrets["phone_code"],
        "startLesson.code": land.home.secrets["start_code"],
        "schoolSlug": land.home.world.school.slug,
        "role": "STUDENT",
        "decision": "ACTIVATE",
        "reason": "Because of the weather",
        "licenceType": "PROVISIONAL",
        "experienceLevel": "SOME_EXPERIENCE",
        "theoryTestPassed": True,
        "theoryTestPassedOn": day(-30),
        "practicalTestDate": day(60),
        "medicalNotes": "None",
        "emergencyContact": "A parent, 07700 900123",
        "preferredAreas": ["Leeds"],
        "goals": "Pass first time",
        "licenceNumber": "ADI-123456",
        "specialisations": ["manual"],
        "hourlyRateMinor": 4_000,
        "bio": "Patient and calm",
        "vehicle": {"make": "Ford", "gearbox": "manual"},
        "certifications": ["First aid"],
        "areasCovered": ["Leeds"],
        "maxStudents": 30,
        "maxHoursPerWeek": 40,
        "bufferMinutes": 15,
        "canManageUsers": True,
        "canAssignInstructors": True,
        "canManagePackages": True,
        "canModerateCommunity": True,
        "canManageFinances": True,
        # schools and platform settings
        "slug": "fuzz-school",
        "schoolBySlug.slug": land.home.world.school.slug,
        "name": "Fuzz name",
        "timeZone": "Europe/London",
        "currency": "GBP",
        "contactEmail": "office@example.test",
        "contactPhone": PHONE,
        "address": "1 High Street",
        "isActive": True,
        "CreateSchoolInput.settings": {
            "bookingHorizonDays": 90,
            "slotGranularityMinutes": 15,
            "cancellationNoticeHours": 24,
            "lateCancellationRule": "HALF_FEE",
            "depositRequired": False,
            "unpaidHoldMinutes": 30,
            "platformFeeBps": 100,
        },
        # what a school admin may change too (a school's slug, status and fee are the
        # platform's)
        "UpdateSchoolInput.settings": {"bookingHorizonDays": 120, "cancellationNoticeHours": 48},
        "UpdateSchoolInput.slug": OMIT,
        "UpdateSchoolInput.isActive": OMIT,
        "key": "fuzz.setting",
        "value": {"enabled": True},
        "isPublic": True,
        "category": "fuzz",
        "description": "Described for the fuzz",
        # assignments
        "assignmentType": "SECONDARY",
        "priority": 2,
        "notes": "Bring glasses",
        "AssignInstructorInput.studentId": Ref("User:unassigned"),
        "AssignInstructorInput.startsOn": today.isoformat(),
        "AssignInstructorInput.endsOn": day(90),
        "UpdateAssignmentInput.startsOn": OMIT,
        "UpdateAssignmentInput.endsOn": day(120),
        # scheduling
        "durationMinutes": 60,
        "priceMinor": 4_000,
        "depositMinor": 0,
        "CreateLessonTypeInput.schoolId": Ref("School"),
        "lessonTypes.schoolId": Ref("School"),
        "hours": [{"weekday": "MONDAY", "start": "09:00:00", "end": "17:00:00"}],
        "AddAvailabilityExceptionInput.kind": "TIME_OFF",
        "startDate": day(120),
        "endDate": day(121),
        "startTime": "09:00:00",
        "endTime": "12:00:00",
        "tiers": [
            {"minNoticeHours": 24, "outcome": "RETURNED"},
            {"minNoticeHours": 0, "outcome": "FEE", "feePercent": 50},
        ],
        "SetCancellationPolicyInput.schoolId": Ref("School"),
        "cancellationPolicy.schoolId": Ref("School"),
        "BookLessonInput.studentId": Ref("User:student"),
        "startsAt": at(5, 10),
        "location": "Station car park",
        "waiverReason": "Goodwill",
        "rescheduleBooking.startsAt": at(6, 11),
        "proposedStartsAt": at(7, 12),
        "message": "Could we move this?",
        "note": "Thanks",
        "accept": True,
        "JoinWaitingListInput.instructorId": Ref("User:other_instructor"),
        "notBefore": at(1, 0),
        "notAfter": at(12, 0),
        "from": at(0, 0),
        "to": at(7, 0),
        # every request that takes a key sends one, so each refusal also proves the key
        # it claimed was given back
        "idempotencyKey": "fuzz-key-1",
        # series
        "CreateLessonSeriesInput.studentId": Ref("User:student"),
        "frequency": "WEEKLY",
        "weekday": weekdays[series_start.weekday()],
        "localTime": "17:00:00",
        "startsOn": series_start.isoformat(),
        "CreateLessonSeriesInput.endsOn": (series_start + timedelta(days=60)).isoformat(),
        "UpdateLessonSeriesInput.endsOn": day(150),
        "UpdateLessonSeriesInput.startsAt": OMIT,
        "horizon": 4,
        "autoConfirm": False,
        "scope": "ALL",
        # community
        "CreateForumInput.schoolId": Ref("School"),
        "forumType": "GENERAL",
        "postType": "QUESTION",
        "title": "A fuzzing title",
        "body": "A fuzzing body",
        "attachments": ["https://media.example.test/photo.png"],
        "createReply.parentId": Ref("Reply"),
        "ReportContentInput.reason": "SPAM",
        "details": "Looks like an advert",
        "resolution": "DISMISSED",
        "vote": "LIKE",
        "bookmarked": True,
        "following": True,
        "locked": True,
        "pinned": True,
        "displayOrder": 0,
        # feedback, progress and calendar
        "lessonRating": 4,
        "areasImproved": "Mirrors",
        "nextFocus": "Roundabouts",
        "rating": 5,
        "review": "A calm, clear lesson",
        "entries": [{"skillCode": SKILL, "level": "PROMPTED"}],
        "skillCode": SKILL,
        "driverRecord.studentId": Ref("User:student"),
        "skillHistory.studentId": Ref("User:student"),
        "rotate": True,
        # theory
        "bank": "SCHOOL",
        "type": "SINGLE_CHOICE",
        "text": QUESTION_INPUT["text"],
        "options": QUESTION_INPUT["options"],
        "correctOptionKeys": ["A"],
        "selectedOptionKeys": ["A"],
        "explanation": QUESTION_INPUT["explanation"],
        "reference": QUESTION_INPUT["reference"],
        "difficulty": "EASY",
        "tags": ["fuzz"],
        "media": {
            "kind": "IMAGE",
            "url": "https://media.example.test/junction.png",
            "description": "A T-junction from the driver's seat",
        },
        "externalId": "fuzz-question-1",
        "UpdateTheoryQuestionInput.categoryId": Ref("TheoryCategory"),
        "UpdateTheoryTestFormatInput.schoolId": Ref("School"),
        "theoryTestFormat.schoolId": Ref("School"),
        "questionCount": 50,
        "timeLimitMinutes": 57,
        "passMark": 43,
        "timeSpentMs": 1_500,
        "flagged": True,
        "mockTestId": Ref("MockTest"),
        "clickTimes": [10.5],
        "mockTests.studentId": Ref("User:student"),
        "hazardTests.studentId": Ref("User:student"),
        # packages and promo codes
        "lessonsCount": 10,
        "lessonDurationMinutes": 60,
        "CreateLessonPackageInput.priceMinor": 40_000,
        "UpdateLessonPackageInput.priceMinor": 38_000,
        "discountPercent": 5,
        "validityDays": 365,
        "audience": "ALL",
        "CreateLessonPackageInput.lessonTypeId": Ref("LessonType"),
        "UpdateLessonPackageInput.lessonTypeId": Ref("LessonType"),
        "CreateLessonPackageInput.instructorId": Ref("User:instructor"),
        "UpdateLessonPackageInput.instructorId": Ref("User:instructor"),
        "CreateLessonPackageInput.schoolId": Ref("School"),
        "UpdateLessonPackageInput.isActive": True,
        "includeInactive": True,
        "CreatePromoCodeInput.code": "SPRING20",
        "UpdatePromoCodeInput.code": "WELCOME15",
        "CreatePromoCodeInput.kind": "PERCENTAGE",
        "UpdatePromoCodeInput.kind": "FIXED",
        "CreatePromoCodeInput.value": 20,
        "UpdatePromoCodeInput.value": 1_500,
        "usageLimit": 100,
        "perUserLimit": 3,
        "minAmountMinor": 1_000,
        "CreatePromoCodeInput.startsAt": at(-1, 0),
        "UpdatePromoCodeInput.startsAt": at(-1, 0),
        "endsAt": at(60, 0),
        "packageIds": [Ref("LessonPackage")],
        "CreatePromoCodeInput.schoolId": Ref("School"),
        "CreatePromoCodeInput.isActive": True,
        # purchases, payments, bank and cash
        "promoCode": PROMO_CODE,
        "paymentMethod": "CARD",
        "method": "CARD",
        "quotePurchase.studentId": Ref("User:student"),
        "PurchasePackageInput.studentId": Ref("User:student"),
        "RecordBankDepositInput.reference": land.home.secrets["bank_reference"],
        "RecordBankDepositInput.amountMinor": int(land.home.secrets["bank_amount"]),
        "receivedOn": day(-1),
        "payerName": "A. Student",
        "payWith": "CREDIT",
        "BookLessonInput.studentPackageId": Ref("StudentPackage"),
        "depositMethod": "CARD",
        # refunds and invoices
        "RefundPaymentInput.amountMinor": 500,
        "revokeCredits": 1,
        "InvoiceFilter.studentId": Ref("User:student"),
        "items": [{"description": "Theory book", "quantity": 2, "unitMinor": 1_500}],
        "quantity": 2,
        "unitMinor": 1_500,
        "discountMinor": 500,
        "dueOn": day(30),
        "issue": False,
        "paidAt": at(-1, 12),
        # earnings and payouts: the last 30 days, with the world's completed lessons
        "periodStart": day(-30),
        "periodEnd": day(-1),
        "schoolEarnings.schoolId": Ref("School"),
        "payouts.instructorId": Ref("User:instructor"),
        "MarkPayoutPaidInput.reference": "BACS-0001",
        # pagination
        "first": 10,
    }


# Extra strings for fields whose content has rules of its own.
def _field_strings(land: Fuzzland) -> dict[str, values.Labelled]:
    existing = land.home.world.student.email
    return {
        "email": [
            ("an existing email in upper case", existing.upper()),
            ("no domain dot", "a@b"),
            ("300-character domain", "x@" + "y" * 300 + ".test"),
        ],
        "phone": [("country code only", "+44"), ("30 digits", "+" + "9" * 30)],
        "timeZone": [
            ("zone in upper case", "EUROPE/LONDON"),
            ("a path", "../../../etc/passwd"),
            ("Etc/GMT+14", "Etc/GMT+14"),
        ],
        "currency": [("lower case", "gbp"), ("XXX", "XXX"), ("a symbol", "€")],
        "slug": [("upper case", "UPPER-CASE"), ("a dash", "-")],
        "url": [("javascript:", "javascript:alert(1)"), ("3,000-character URL", _long_url())],
        "avatarUrl": [("javascript:", "javascript:alert(1)"), ("3,000-character URL", _long_url())],
        "locale": [("unknown locale", "xx-YY"), ("underscore", "en_GB")],
        "code": [("full-width digits", "１２３４５６"), ("seven digits", "1234567")],
        "skillCode": [("upper case", SKILL.upper())],
        "search": [("percent", "%"), ("underscore", "_"), ("a backslash", "\\")],
        "action": [("percent", "%"), ("a backslash", "\\")],
        "entityType": [("percent", "%"), ("a backslash", "\\")],
        "selectedOptionKeys": [("lower case", "a"), ("Z", "Z"), ("two letters", "AA")],
        "correctOptionKeys": [("lower case", "a"), ("Z", "Z"), ("two letters", "AA")],
        "password": [("short", "short")],
        "newPassword": [("short", "short")],
    }


def _long_url() -> str:
    return "https://" + "a" * 3_000 + ".example.test/x.png"


class Planner:
    def __init__(self, schema: GraphQLSchema, land: Fuzzland, today: date) -> None:
        self.schema = schema
        self.land = land
        self.today = today
        self.values = _baseline_values(land, today)
        self.strings = _field_strings(land)
        self._wrong: dict[str, str] = {}

    # -- baseline ---------------------------------------------------------------------------

    def _lookup(self, table: dict[str, Any], op: str, parent: str | None, field: str) -> Any:
        for key in (f"{op}.{field}", f"{parent}.{field}" if parent else None, field):
            if key is not None and key in table:
                return table[key]
        return OMIT

    def _id_key(self, op: str, parent: str | None, field: str) -> str:
        key = self._lookup(IDS, op, parent, field)
        assert key is not OMIT, f"no row for ID field {op}.{field}: add it to IDS"
        return str(key)

    def _resolve(self, value: Any) -> Any:
        if isinstance(value, Ref):
            return self.land.home.ids[value.key]
        if isinstance(value, list):
            return [self._resolve(v) for v in value]
        return value

    def baseline(
        self,
        type_: GraphQLInputType,
        op: str,
        parent: str | None,
        field: str,
        *,
        has_default: bool = False,
        force: bool = False,
    ) -> Any:
        """The baseline value of one argument or field, or OMIT."""
        configured = self._lookup(self.values, op, parent, field)
        if configured is not OMIT:
            return self._resolve(configured)
        if not force and not _required(type_, has_default):
            return OMIT
        return self._default(type_, op, parent, field)

    def _default(self, type_: GraphQLInputType, op: str, parent: str | None, field: str) -> Any:
        """A value for a required spot the table does not name."""
        inner = _unwrap(type_)
        if get_named_type(inner).name == "ID":
            own = self.land.home.ids[self._id_key(op, parent, field)]
            return [own] if isinstance(inner, GraphQLList) else own
        if isinstance(inner, GraphQLList):
            return [self.baseline(inner.of_type, op, parent, field, force=True)]
        if isinstance(inner, GraphQLInputObjectType):
            return self.object_baseline(inner, op)
        return self._default_scalar(inner)

    def object_baseline(self, type_: GraphQLInputObjectType, op: str) -> dict[str, Any]:
        result = {}
        for name, f in type_.fields.items():
            value = self.baseline(
                f.type, op, type_.name, name, has_default=f.default_value is not Undefined
            )
            if value is not OMIT:
                result[name] = value
        return result

    def _default_scalar(self, type_: GraphQLInputType) -> Any:
        if isinstance(type_, GraphQLEnumType):
            return next(iter(type_.values))
        defaults: dict[str, Any] = {
            "String": "Fuzz",
            "Int": 1,
            "Float": 1.0,
            "Boolean": False,
            "Date": (self.today + timedelta(days=30)).isoformat(),
            "DateTime": datetime.combine(self.today + timedelta(days=5), time(10), UTC).isoformat(),
            "Time": "10:00:00",
            "JSON": {},
        }
        return defaults[type_.name]  # type: ignore[union-attr]

    # -- adversarial variants ------------------------------------------------------------------

    def variants(
        self,
        type_: GraphQLInputType,
        base: Any,
        op: str,
        parent: str | None,
        field: str,
    ) -> Iterator[tuple[str, Any, str]]:
        """(label, replacement for ``base``, kind of oddity): one bad spot per replacement."""
        if not isinstance(type_, GraphQLNonNull):
            yield "null", None, SHAPE
        inner = _unwrap(type_)
        if isinstance(inner, GraphQLList):
            element_type = inner.of_type
            element = (
                base[0]
                if isinstance(base, list) and base
                else self.baseline(element_type, op, parent, field, force=True)
            )
            yield "empty list", [], SHAPE
            yield f"{values.LIST_OF:,} items", [element] * values.LIST_OF, SHAPE
            for label, value, kind in self.variants(element_type, element, op, parent, field):
                if label != "null":
                    yield f"[0] {label}", [value], kind
            return
        if isinstance(inner, GraphQLInputObjectType):
            current = base if isinstance(base, dict) else self.object_baseline(inner, op)
            for name, f in inner.fields.items():
                sub = current.get(name, OMIT)
                if sub is OMIT:
                    sub = self.baseline(f.type, op, inner.name, name, force=True)
                for label, value, kind in self.variants(f.type, sub, op, inner.name, name):
                    yield f".{name} {label}", {**current, name: value}, kind
            return
        for label, value, kind in self._scalar_values(inner, op, parent, field):
            yield f"= {label}", value, kind
        if inner.name == "String" and isinstance(base, str) and base and field != "after":
            # Past any format check (an https URL, an email, a slug), then NUL, which
            # PostgreSQL text cannot hold.
            middle = len(base) // 2
            yield "= NUL inside a valid value", f"{base[:middle]}\x00{base[middle:]}", SHAPE

    def _scalar_values(
        self, type_: GraphQLInputType, op: str, parent: str | None, field: str
    ) -> list[tuple[str, Any, str]]:
        """(label, value, kind of oddity) for one scalar or enum spot."""
        if isinstance(type_, GraphQLEnumType):
            return [(name, name, CHOICE) for name in type_.values]
        assert isinstance(type_, GraphQLScalarType)
        name = type_.name
        if name == "ID":
            key = self._id_key(op, parent, field)
            type_name = key.split(":")[0]
            ids = values.ids(
                type_name,
                wrong_type=self._wrong_type(type_name),
                foreign=self.land.away.ids.get(key),
            )
            return [(label, value, SHAPE) for label, value in ids]
        if name == "String":
            if field == "after":
                edges = [s for s in values.STRINGS if s[0] in values.STRING_EDGES]
                return [(label, value, SHAPE) for label, value in [*values.CURSORS, *edges]]
            return [
                *(
                    (label, value, SHAPE if label in values.STRING_EDGES else TEXT)
                    for label, value in values.STRINGS
                ),
                *((label, value, TEXT) for label, value in self.strings.get(field, [])),
            ]
        if name == "Boolean":
            return [(label, value, CHOICE) for label, value in values.BOOLEANS]
        by_type: dict[str, values.Labelled] = {
            "Int": values.INTS,
            "Float": values.FLOATS,
            "Date": values.dates(self.today),
            "DateTime": values.datetimes(self.today),
            "Time": values.TIMES,
            "JSON": values.JSONS,
        }
        return [(label, value, SHAPE) for label, value in by_type[name]]

    def _wrong_type(self, type_name: str) -> str:
        """A real id of the home school whose type is not ``type_name``."""
        if type_name not in self._wrong:
            other = "School" if type_name != "School" else "Booking"
            self._wrong[type_name] = self.land.home.ids[other]
        return self._wrong[type_name]

    # -- operations and cases -------------------------------------------------------------------

    def operations(self) -> list[Operation]:
        found = []
        for kind, root in (
            ("query", self.schema.query_type),
            ("mutation", self.schema.mutation_type),
        ):
            assert root is not None
            for name, f in root.fields.items():
                baseline = {}
                for arg_name, arg in f.args.items():
                    # Required arguments are always sent: the document declares `$x: T!`.
                    value = self.baseline(arg.type, name, None, arg_name)
                    if value is not OMIT:
                        baseline[arg_name] = value
                arguments = {a: str(arg.type) for a, arg in f.args.items()}
                fragment = _fragment(self.schema, kind, f)
                found.append(Operation(name, kind, arguments, fragment, baseline))
        return found

    def cases(self, operation: Operation) -> list[Case]:
        root = self.schema.query_type if operation.kind == "query" else self.schema.mutation_type
        assert root is not None
        f = root.fields[operation.name]
        found = [Case(operation, "baseline", operation.baseline)]
        for arg_name, arg in f.args.items():
            base = operation.baseline.get(arg_name, OMIT)
            if base is OMIT:
                base = self.baseline(arg.type, operation.name, None, arg_name, force=True)
            for label, value, kind in self.variants(arg.type, base, operation.name, None, arg_name):
                variables = {**operation.baseline, arg_name: value}
                found.append(Case(operation, f"{arg_name}{label}", variables, kind))
        return found


def _unwrap(type_: Any) -> Any:
    return type_.of_type if isinstance(type_, GraphQLNonNull) else type_


def _required(type_: GraphQLInputType, has_default: bool) -> bool:
    return isinstance(type_, GraphQLNonNull) and not has_default


# -- documents ------------------------------------------------------------------------------------


def _selection(schema: GraphQLSchema, type_: GraphQLOutputType, budget: int) -> str:
    named = get_named_type(type_)
    if is_leaf_type(named):
        return ""
    if isinstance(named, GraphQLInterfaceType | GraphQLUnionType):
        node = schema.get_type("Node")
        possible = schema.get_possible_types(named)
        if all(node in getattr(t, "interfaces", ()) for t in possible):
            return "{ __typename ... on Node { id } }"
        return "{ __typename }"
    assert isinstance(named, GraphQLObjectType)
    parts = []
    for name, f in named.fields.items():
        if any(
            isinstance(a.type, GraphQLNonNull) and a.default_value is Undefined
            for a in f.args.values()
        ):
            continue
        if is_leaf_type(get_named_type(f.type)):
            parts.append(name)
        elif budget > 1:
            parts.append(f"{name} {_selection(schema, f.type, budget - 1)}")
    return "{ " + " ".join(parts) + " }" if parts else "{ __typename }"


def tokens(document: str) -> int:
    lexer = Lexer(Source(document))
    count = 0
    while lexer.advance().kind is not TokenKind.EOF:
        count += 1
    return count


def _fragment(schema: GraphQLSchema, kind: str, f: GraphQLField) -> str:
    """What every request selects from the field's result, as one named fragment (so a
    batch of aliases spends its token budget once)."""
    named = get_named_type(f.type)
    if is_leaf_type(named):
        return ""
    # A mutation's payload and its object's fields; a query's connection down to its nodes.
    for budget in (2, 1) if kind == "mutation" else (3, 2, 1):
        fragment = f"fragment Result on {named.name} {_selection(schema, f.type, budget)}"
        if tokens(fragment) <= MAX_TOKENS:
            return fragment
    raise AssertionError(f"no selection of {named.name} fits in {MAX_TOKENS} tokens")


def document(cases: list[Case]) -> tuple[str, dict[str, Any]]:
    """One document running ``cases`` (all of one operation) as aliases c0, c1…, and its
    variables."""
    operation = cases[0].operation
    definitions, calls, variables = [], [], {}
    for index, case in enumerate(cases):
        alias = f"c{index}"
        arguments = []
        for name, type_ in operation.arguments.items():
            definitions.append(f"${alias}_{name}: {type_}")
            arguments.append(f"{name}: ${alias}_{name}")
            if name in case.variables:
                variables[f"{alias}_{name}"] = case.variables[name]
        call = operation.name + (f"({', '.join(arguments)})" if arguments else "")
        calls.append(f"{alias}: {call}" + (" { ...Result }" if operation.fragment else ""))
    header = f"{operation.kind} Fuzz" + (f"({', '.join(definitions)})" if definitions else "")
    return f"{header} {{ {' '.join(calls)} }} {operation.fragment}", variables
