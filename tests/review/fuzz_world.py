"""The world the input fuzz acts in: two schools, each holding at least one row of every
kind a mutation or query argument can name, in the state that lets a valid request go
furthest (an upcoming lesson, a completed one, one with feedback, one about to start, a
slot offer, a series, posts awaiting approval and hidden, a running mock test…).

The first school's users make the requests; the second school's rows are the "another
school's id" case. Rows are made as the product makes them: through the API as the
user who would, or through the services where a test must stage time (a lesson in the
past).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import update

from models.accounts import User
from resolvers.context import AppState
from services.actor import Role
from tests.community.helpers import make_forum, make_post, make_reply
from tests.feedback.helpers import Lessons, hour_ago
from tests.scheduling.helpers import days_ahead, iso, local, shift
from tests.series.helpers import create_input, year_diary
from tests.support import LOGIN, PASSWORD, Factory, GraphQLClient, SchoolWorld, gid
from tests.theory.helpers import bank, load_bank

PHONE = "+447700900123"


async def must(
    gql: GraphQLClient, document: str, variables: dict[str, Any] | None, token: str
) -> dict[str, Any]:
    """Run a mutation that must succeed; return its payload."""
    data = await gql.data(document, variables, token=token)
    [payload] = data.values()
    assert payload.get("errors", []) == [], payload
    return payload  # type: ignore[no-any-return]


@dataclass
class School:
    """One school's users, their tokens, a global id for every kind of row, and the
    one-time codes and tokens its student was sent (so a baseline request can be right)."""

    world: SchoolWorld
    tokens: dict[str, str]
    ids: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)


SET_PHONE = """
mutation($input: UpdateMyAccountInput!) { updateMyAccount(input: $input) { errors { code } } }
"""
FEEDBACK = """
mutation($input: SubmitInstructorFeedbackInput!) {
  submitInstructorFeedback(input: $input) { feedback { id } errors { code } }
}
"""
REVIEW = """
mutation($input: SubmitStudentReviewInput!) {
  submitStudentReview(input: $input) { feedback { id } errors { code } }
}
"""
PROGRESS = """
mutation($input: RecordDriverProgressInput!) {
  recordDriverProgress(input: $input) { entries { id } errors { code } }
}
"""
REQUEST_START = """
mutation($input: BookingActionInput!) { requestLessonStart(input: $input) { errors { code } } }
"""
JOIN = """
mutation($input: JoinWaitingListInput!) {
  joinWaitingList(input: $input) { entry { id } errors { code } }
}
"""
CANCEL = """
mutation($input: CancelBookingInput!) { cancelBooking(input: $input) { errors { code } } }
"""
OFFERS = "query { mySlotOffers { id } }"
RESCHEDULE = """
mutation($input: RequestRescheduleInput!) {
  requestReschedule(input: $input) { request { id } errors { code } }
}
"""
EXCEPTION = """
mutation($input: AddAvailabilityExceptionInput!) {
  addAvailabilityException(input: $input) { exception { id } errors { code } }
}
"""
SERIES = """
mutation($input: CreateLessonSeriesInput!) {
  createLessonSeries(input: $input) { series { id occurrences { id } } errors { code } }
}
"""
REPORT = """
mutation($input: ReportContentInput!) { reportContent(input: $input) { report { id } errors { code } } }
"""
HIDE = """
mutation($input: ModerateContentInput!) { hideContent(input: $input) { errors { code } } }
"""
FEED = """
mutation { createCalendarFeed(input: {rotate: false}) { feed { id } errors { code } } }
"""
QUESTION = """
mutation($input: CreateTheoryQuestionInput!) {
  createTheoryQuestion(input: $input) { question { id category { id } } errors { code } }
}
"""
MOCK_TEST = """
mutation { startMockTest { mockTest { id questions { id question { marksRequired } } } errors { code } } }
"""
HAZARD_TEST = """
mutation { startHazardTest { hazardTest { id clips { id clip { id } } } errors { code } } }
"""
MEMBER = "query { myCommunityProfile { id } }"
PAUSE = """
mutation($input: LessonSeriesInput!) { pauseLessonSeries(input: $input) { errors { code } } }
"""
BOOK = """
mutation($input: BookLessonInput!) { bookLesson(input: $input) { booking { id } errors { code } } }
"""
REQUEST_PHONE_CODE = "mutation { requestPhoneVerification { errors { code } } }"
REQUEST_EMAIL_TOKEN = "mutation { requestEmailVerification { errors { code } } }"
REQUEST_RESET = """
mutation($input: RequestPasswordResetInput!) { requestPasswordReset(input: $input) { errors { code } } }
"""
SHARED_QUESTIONS = """
query { theoryQuestions(first: 20) { edges { node { id marksRequired source { id } } } } }
"""
CREATE_PACKAGE = """
mutation($input: CreateLessonPackageInput!) {
  createLessonPackage(input: $input) { package { id } errors { code } }
}
"""
UPDATE_PACKAGE = """
mutation($input: UpdateLessonPackageInput!) {
  updateLessonPackage(input: $input) { package { id } errors { code } }
}
"""
CREATE_PROMO = """
mutation($input: CreatePromoCodeInput!) {
  createPromoCode(input: $input) { promoCode { id } errors { code } }
}
"""
PURCHASE = """
mutation($input: PurchasePackageInput!) {
  purchasePackage(input: $input) {
    studentPackage { id } payment { id status amountMinor bankReference } errors { code }
  }
}
"""
RECORD_DEPOSIT = """
mutation($input: RecordBankDepositInput!) {
  recordBankDeposit(input: $input) { deposit { id status } errors { code } }
}
"""
REFUND = """
mutation($input: RefundPaymentInput!) {
  refundPayment(input: $input) { refund { id } errors { code } }
}
"""
CREATE_INVOICE = """
mutation($input: CreateInvoiceInput!) {
  createInvoice(input: $input) { invoice { id status } errors { code } }
}
"""
INVOICES = """
query($filter: InvoiceFilter) { invoices(filter: $filter, first: 50) { edges { node { id payment { id } } } } }
"""
PAYOUT = """
mutation($input: CreatePayoutInput!) {
  createPayout(input: $input) { payout { id } errors { code } }
}
"""
# The package the world sells, and the promo code it may be bought with.
PACKAGE_INPUT = {
    "name": "Ten lessons",
    "description": "Ten hours behind the wheel",
    "lessonsCount": 10,
    "lessonDurationMinutes": 60,
    "priceMinor": 40_000,
    "discountPercent": 5,
    "validityDays": 365,
    "audience": "ALL",
}
PROMO_CODE = "WELCOME10"


async def build_school(
    factory: Factory, gql: GraphQLClient, *, platform_forum: Any, time_zone: str
) -> School:
    state = factory.state
    diary = await year_diary(factory, time_zone=time_zone)
    world = diary.world
    # The other student may also book with the first instructor (to free a slot for the
    # offer); the student may also book with the other one (to join a second waiting list).
    await factory.assign(world.other_student, world.instructor, assignment_type="secondary")
    await factory.assign(world.student, world.other_instructor, assignment_type="secondary")
    other_admin = await factory.user(world.school, Role.SCHOOL_ADMIN)
    suspended = await factory.user(world.school, Role.STUDENT, status="suspended")
    unassigned = await factory.user(world.school, Role.STUDENT)
    tokens = {
        role: await gql.login(user.email)
        for role, user in (
            ("admin", world.admin),
            ("instructor", world.instructor),
            ("student", world.student),
            ("other_student", world.other_student),
        )
    }
    school = School(world, tokens)
    ids = school.ids
    ids |= {
        "School": gid("School", world.school.id),
        "User:admin": gid("User", world.admin.id),
        "User:instructor": gid("User", world.instructor.id),
        "User:other_instructor": gid("User", world.other_instructor.id),
        "User:student": gid("User", world.student.id),
        "User:other_student": gid("User", world.other_student.id),
        "User:pending": gid("User", world.pending.id),
        "User:other_admin": gid("User", other_admin.id),
        "User:suspended": gid("User", suspended.id),
        "User:unassigned": gid("User", unassigned.id),
        "Assignment": gid("Assignment", world.assignment.id),
        "LessonType": gid("LessonType", diary.lesson_type.id),
    }
    await must(gql, SET_PHONE, {"input": {"phone": PHONE}}, tokens["student"])
    await must(gql, REQUEST_PHONE_CODE, None, tokens["student"])
    await must(gql, REQUEST_EMAIL_TOKEN, None, tokens["student"])
    await must(gql, REQUEST_RESET, {"input": {"email": world.student.email}}, tokens["student"])
    login = await gql.data(LOGIN, {"email": world.student.email, "password": PASSWORD})
    school.secrets |= {
        "phone_code": (await factory.last_message(PHONE, "verify_phone")).data["code"],
        "email_token": (await factory.last_message(world.student.email, "verify_email")).data[
            "token"
        ],
        "reset_token": (await factory.last_message(world.student.email, "reset_password")).data[
            "token"
        ],
        "refresh_token": login["login"]["tokens"]["refreshToken"],
    }

    # -- lessons: upcoming, completed (with and without feedback), about to start --
    lessons = Lessons(state, diary)
    upcoming = await lessons.upcoming()
    to_move = await lessons.upcoming()
    completed = await lessons.completed()
    reviewed = await lessons.completed()
    due = await lessons.upcoming()
    # Started five minutes ago: startable, and clear of tomorrow's lessons at any hour.
    await shift(state, due.id, _now() - timedelta(minutes=5))
    past = await lessons.upcoming()
    await shift(state, past.id, hour_ago(3))
    pending = await must(
        gql,
        BOOK,
        {
            "input": {
                "instructorId": gid("User", world.instructor.id),
                "lessonTypeId": gid("LessonType", diary.lesson_type.id),
                "startsAt": iso(local(days_ahead(9), 15)),
                "overrideWorkingHours": False,
            }
        },
        tokens["student"],
    )
    ids |= {
        "Booking": gid("Booking", upcoming.id),
        "Booking:to_move": gid("Booking", to_move.id),
        "Booking:completed": gid("Booking", completed.id),
        "Booking:reviewed": gid("Booking", reviewed.id),
        "Booking:due": gid("Booking", due.id),
        "Booking:past": gid("Booking", past.id),
        "Booking:pending": pending["booking"]["id"],
    }
    await must(
        gql, REQUEST_START, {"input": {"bookingId": ids["Booking:due"]}}, tokens["instructor"]
    )
    start = await factory.last_message(PHONE, "lesson_start_code")
    school.secrets["start_code"] = start.data["code"]
    feedback = await must(
        gql,
        FEEDBACK,
        {"input": {"bookingId": ids["Booking:reviewed"], "lessonRating": 4, "notes": "Good"}},
        tokens["instructor"],
    )
    ids["LessonFeedback"] = feedback["feedback"]["id"]
    await must(
        gql,
        REVIEW,
        {"input": {"bookingId": ids["Booking:reviewed"], "rating": 5, "review": "Great"}},
        tokens["student"],
    )
    progress = await must(
        gql,
        PROGRESS,
        {
            "input": {
                "bookingId": ids["Booking:reviewed"],
                "entries": [{"skillCode": SKILL, "level": "HELPED", "notes": "Mirrors"}],
            }
        },
        tokens["instructor"],
    )
    ids["SkillEntry"] = progress["entries"][0]["id"]

    # -- a waiting list entry, and a slot offer made by cancelling the other student's lesson --
    freed = await lessons.upcoming(student=world.other_student)
    entry = await must(
        gql,
        JOIN,
        {
            "input": {
                "instructorId": ids["User:instructor"],
                "lessonTypeId": ids["LessonType"],
                "notAfter": iso(freed.starts_at + timedelta(days=2)),
            }
        },
        tokens["student"],
    )
    ids["WaitlistEntry"] = entry["entry"]["id"]
    ids["Booking:cancelled"] = gid("Booking", freed.id)
    await must(gql, CANCEL, {"input": {"bookingId": ids["Booking:cancelled"]}}, tokens["admin"])
    offers = (await gql.data(OFFERS, token=tokens["student"]))["mySlotOffers"]
    assert offers, "cancelling the other student's lesson offers its slot"
    ids["SlotOffer"] = offers[0]["id"]

    request = await must(
        gql,
        RESCHEDULE,
        {
            "input": {
                "bookingId": ids["Booking:to_move"],
                "proposedStartsAt": iso(to_move.starts_at + timedelta(days=3)),
                "message": "Can we move this?",
            }
        },
        tokens["instructor"],
    )
    ids["RescheduleRequest"] = request["request"]["id"]
    exception = await must(
        gql,
        EXCEPTION,
        {
            "input": {
                "instructorId": ids["User:instructor"],
                "kind": "TIME_OFF",
                "startDate": days_ahead(90).isoformat(),
                "reason": "Holiday",
            }
        },
        tokens["admin"],
    )
    ids["AvailabilityException"] = exception["exception"]["id"]
    series = await must(
        gql, SERIES, {"input": create_input(diary, days_ahead(21))}, tokens["admin"]
    )
    ids["LessonSeries"] = series["series"]["id"]
    ids["SeriesOccurrence"] = series["series"]["occurrences"][0]["id"]
    paused = await must(
        gql,
        SERIES,
        {"input": create_input(diary, days_ahead(22), localTime="08:00:00")},
        tokens["admin"],
    )
    ids["LessonSeries:paused"] = paused["series"]["id"]
    await must(gql, PAUSE, {"input": {"seriesId": ids["LessonSeries:paused"]}}, tokens["admin"])

    # -- community: forums, posts by both students, a reply, a report, pending and hidden posts --
    forum = await make_forum(state, factory, school=world.school, name="Our school")
    moderated = await make_forum(
        state, factory, school=world.school, name="Moderated", requires_approval=True
    )
    own_post = await make_post(state, world.student, forum)
    other_post = await make_post(state, world.other_student, forum, title="Roundabouts?")
    pending_post = await make_post(state, world.other_student, moderated, title="Pending")
    hidden_post = await make_post(state, world.other_student, forum, title="Hidden")
    platform_post = await make_post(state, world.other_student, platform_forum, title="Hi all")
    reply = await make_reply(state, world.instructor, own_post)
    other_reply = await make_reply(state, world.other_student, own_post, reply)
    ids |= {
        "Forum": gid("Forum", forum.id),
        "Forum:moderated": gid("Forum", moderated.id),
        "Post": gid("Post", own_post.id),
        "Post:other": gid("Post", other_post.id),
        "Post:pending": gid("Post", pending_post.id),
        "Post:hidden": gid("Post", hidden_post.id),
        "Post:platform": gid("Post", platform_post.id),
        "Reply": gid("Reply", reply.id),
        "Reply:other": gid("Reply", other_reply.id),
    }
    report = await must(
        gql,
        REPORT,
        {"input": {"targetId": ids["Post:other"], "reason": "SPAM", "details": "Ads"}},
        tokens["student"],
    )
    ids["Report"] = report["report"]["id"]
    await must(gql, HIDE, {"input": {"targetId": ids["Post:hidden"]}}, tokens["admin"])
    member = (await gql.data(MEMBER, token=tokens["student"]))["myCommunityProfile"]
    ids["CommunityMember"] = member["id"]

    # -- calendar feeds, theory: a school question, a running mock test and hazard test --
    ids["CalendarFeed"] = (await must(gql, FEED, None, tokens["student"]))["feed"]["id"]
    ids["CalendarFeed:instructor"] = (await must(gql, FEED, None, tokens["instructor"]))["feed"][
        "id"
    ]
    categories = (await gql.data(CATEGORIES, token=tokens["admin"]))["theoryCategories"]
    ids["TheoryCategory"] = categories[0]["id"]
    question = await must(
        gql,
        QUESTION,
        {"input": {**QUESTION_INPUT, "categoryId": ids["TheoryCategory"]}},
        tokens["admin"],
    )
    ids["TheoryQuestion:school"] = question["question"]["id"]
    # Single-choice questions, so that the baseline answer ["A"] is a well-formed one
    # (which of the bank's questions come first varies from run to run).
    shared = (await gql.data(SHARED_QUESTIONS, token=tokens["student"]))["theoryQuestions"]
    single = next(e["node"] for e in shared["edges"] if e["node"]["marksRequired"] == 1)
    ids["TheoryQuestion"] = single["id"]
    ids["TheorySource"] = single["source"]["id"]
    mock = (await must(gql, MOCK_TEST, None, tokens["student"]))["mockTest"]
    ids["MockTest"] = mock["id"]
    ids["MockTestQuestion"] = next(
        q["id"] for q in mock["questions"] if q["question"]["marksRequired"] == 1
    )
    hazard = (await must(gql, HAZARD_TEST, None, tokens["student"]))["hazardTest"]
    ids["HazardTest"] = hazard["id"]
    ids["HazardTestClip"] = hazard["clips"][0]["id"]
    ids["HazardClip"] = hazard["clips"][0]["clip"]["id"]
    await _money(school, gql, lessons)
    return school


async def _money(school: School, gql: GraphQLClient, lessons: Lessons) -> None:
    """Packages, payments, billing and earnings: a package on sale and one taken off
    sale, a promo code, a package the student bought by card (its payment settled at
    once by the local provider, partly refunded, and its invoice issued on settling), a
    bank purchase waiting for its transfer, an unmatched bank deposit, a draft and an
    issued invoice, a lesson booked with a credit, and a payout for a past day with a
    completed lesson. Made last, so that the lessons above were booked before the
    student held any credits."""
    world, tokens, ids = school.world, school.tokens, school.ids
    admin, student = tokens["admin"], tokens["student"]
    # A lesson long past for the payout (the other lessons are all in the last 25 days).
    paid_out = await lessons.completed(hours_ago=24 * 40)
    package = await must(gql, CREATE_PACKAGE, {"input": PACKAGE_INPUT}, admin)
    ids["LessonPackage"] = package["package"]["id"]
    retired = await must(
        gql, CREATE_PACKAGE, {"input": {**PACKAGE_INPUT, "name": "Five lessons"}}, admin
    )
    ids["LessonPackage:inactive"] = retired["package"]["id"]
    await must(
        gql,
        UPDATE_PACKAGE,
        {"input": {"packageId": ids["LessonPackage:inactive"], "isActive": False}},
        admin,
    )
    promo = await must(
        gql,
        CREATE_PROMO,
        {
            "input": {
                "code": PROMO_CODE,
                "kind": "PERCENTAGE",
                "value": 10,
                "usageLimit": 100,
                "perUserLimit": 5,
                "packageIds": [ids["LessonPackage"]],
            }
        },
        admin,
    )
    ids["PromoCode"] = promo["promoCode"]["id"]
    bought = await must(
        gql,
        PURCHASE,
        {"input": {"packageId": ids["LessonPackage"], "paymentMethod": "CARD"}},
        student,
    )
    assert bought["payment"]["status"] == "SUCCEEDED", bought
    ids["StudentPackage"] = bought["studentPackage"]["id"]
    ids["Payment"] = bought["payment"]["id"]
    waiting = await must(
        gql,
        PURCHASE,
        {"input": {"packageId": ids["LessonPackage"], "paymentMethod": "BANK"}},
        student,
    )
    assert waiting["payment"]["status"] == "PENDING", waiting
    ids["Payment:bank_pending"] = waiting["payment"]["id"]
    ids["StudentPackage:pending"] = waiting["studentPackage"]["id"]
    school.secrets["bank_reference"] = waiting["payment"]["bankReference"]
    school.secrets["bank_amount"] = str(waiting["payment"]["amountMinor"])
    # A transfer quoting no reference of the school's: kept as unmatched.
    recorded = await gql.data(
        RECORD_DEPOSIT,
        {
            "input": {
                "reference": "UNKNOWN-TRANSFER-1",
                "amountMinor": 2_500,
                "currency": "GBP",
                "receivedOn": days_ahead(-2).isoformat(),
                "payerName": "A. Payer",
            }
        },
        token=admin,
    )
    deposit = recorded["recordBankDeposit"]
    assert deposit["errors"] == [], deposit
    ids["BankDeposit"] = deposit["deposit"]["id"]
    refund = await must(
        gql,
        REFUND,
        {"input": {"paymentId": ids["Payment"], "reason": "Goodwill", "amountMinor": 1_000}},
        admin,
    )
    ids["Refund"] = refund["refund"]["id"]
    invoices = await gql.data(INVOICES, {"filter": {"studentId": ids["User:student"]}}, token=admin)
    ids["Invoice"] = next(
        e["node"]["id"]
        for e in invoices["invoices"]["edges"]
        if (e["node"]["payment"] or {}).get("id") == ids["Payment"]
    )
    for key, issue in (("Invoice:draft", False), ("Invoice:issued", True)):
        invoice = await must(
            gql,
            CREATE_INVOICE,
            {
                "input": {
                    "studentId": ids["User:student"],
                    "items": [{"description": "Theory book", "quantity": 1, "unitMinor": 1_500}],
                    "issue": issue,
                }
            },
            admin,
        )
        ids[key] = invoice["invoice"]["id"]
    credit = await must(
        gql,
        BOOK,
        {
            "input": {
                "instructorId": ids["User:instructor"],
                "lessonTypeId": ids["LessonType"],
                "startsAt": iso(local(days_ahead(10), 15)),
                "payWith": "CREDIT",
                "studentPackageId": ids["StudentPackage"],
            }
        },
        student,
    )
    ids["Booking:credit"] = credit["booking"]["id"]
    day = paid_out.starts_at.astimezone(ZoneInfo(world.school.time_zone)).date().isoformat()
    payout = await must(
        gql,
        PAYOUT,
        {
            "input": {
                "instructorId": ids["User:instructor"],
                "periodStart": day,
                "periodEnd": day,
            }
        },
        admin,
    )
    ids["Payout"] = payout["payout"]["id"]


SKILL = "roundabouts"
CATEGORIES = "query { theoryCategories(includeInactive: false) { id } }"
QUESTION_INPUT = {
    "bank": "SCHOOL",
    "type": "SINGLE_CHOICE",
    "text": "What should you check before moving off?",
    "options": ["Your mirrors and blind spot", "The radio", "Your phone"],
    "correctOptionKeys": ["A"],
    "explanation": "Mirrors and blind spot show what is around you.",
    "difficulty": "EASY",
    "reference": "Highway Code rule 159",
    "tags": ["moving-off"],
}


@dataclass
class Fuzzland:
    """The school whose users act, another school, and the platform admin's token."""

    home: School
    away: School
    platform_admin: User
    platform_token: str

    def tokens(self) -> dict[str, str]:
        """The four roles that make the fuzz requests."""
        return {
            "platform_admin": self.platform_token,
            "school_admin": self.home.tokens["admin"],
            "instructor": self.home.tokens["instructor"],
            "student": self.home.tokens["student"],
        }


async def build_fuzzland(factory: Factory, gql: GraphQLClient) -> Fuzzland:
    state: AppState = factory.state
    await load_bank(state, bank(clips=16))
    platform_forum = await make_forum(state, factory, name="Learner drivers")
    # East of Greenwich (the first midnight of year 1 is in year 0 in UTC) and with
    # daylight saving; the other school keeps London's time.
    home = await build_school(
        factory, gql, platform_forum=platform_forum, time_zone="Europe/Berlin"
    )
    away = await build_school(
        factory, gql, platform_forum=platform_forum, time_zone="Europe/London"
    )
    home.ids["Forum:platform"] = gid("Forum", platform_forum.id)
    root = await factory.platform_admin()
    token = await gql.login(root.email)
    # A deleted student of the home school (a well-formed id of a row no one may act on).
    deleted = await factory.user(home.world.school, Role.STUDENT)
    async with state.db.transaction() as session:
        await session.execute(update(User).where(User.id == deleted.id).values(deleted_at=_now()))
    home.ids["User:deleted"] = gid("User", deleted.id)
    return Fuzzland(home, away, root, token)


def _now() -> datetime:
    return datetime.now(UTC)
