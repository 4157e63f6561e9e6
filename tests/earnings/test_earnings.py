"""Instructor earnings for a month, to the penny, reconciled with the credit ledger; and
who may see them."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select, text

from models.packages import CreditEntry
from resolvers.context import AppState
from services.actor import Role
from tests.earnings.helpers import (
    EARNINGS,
    FEE,
    FEE_BPS,
    GROSS,
    NET,
    PACKAGE_MINOR,
    PAYG_MINOR,
    REFUNDS,
    Month,
    build_month,
)
from tests.scheduling.helpers import make_diary
from tests.support import Factory, GraphQLClient, SchoolWorld, gid

MY_EARNINGS = """
query Mine($start: Date!, $end: Date!) {
  myEarnings(periodStart: $start, periodEnd: $end) { grossMinor netMinor lessonsCompleted }
}
"""

SCHOOL_EARNINGS = """
query School($start: Date!, $end: Date!) {
  schoolEarnings(periodStart: $start, periodEnd: $end) {
    instructor { id fullName }
    lessonsCompleted grossMinor platformFeeMinor netMinor payoutStatus
  }
}
"""

OCTOBER: dict[str, object] = {"start": "2025-10-01", "end": "2025-10-31"}


def october(month: Month, **extra: object) -> dict[str, object]:
    return {"instructorId": gid("User", month.instructor.id), **OCTOBER, **extra}


async def _month(state: AppState, factory: Factory) -> Month:
    return await build_month(state, factory, await make_diary(factory))


async def test_earnings_for_a_month_equal_the_completed_lessons_value_minus_the_fee(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a month of package and pay-as-you-go lessons, one refunded in part, with
    # cancelled, no-show, unfinished, other people's and just-outside lessons around them
    month = await _month(state, factory)
    token = await gql.login(month.diary.world.admin.email)

    # When the school's finance admin asks for October
    data = await gql.data(EARNINGS, october(month, first=100), token=token)
    earned = data["instructorEarnings"]

    # Then every figure is the hand-computed one, to the penny
    assert earned["lessonsCompleted"] == 8
    assert (earned["packageLessons"], earned["payAsYouGoLessons"]) == (5, 3)
    assert earned["packageMinor"] == PACKAGE_MINOR == 14939
    assert earned["payAsYouGoMinor"] == PAYG_MINOR == 11750
    assert earned["grossMinor"] == GROSS == 26689
    assert earned["refundsMinor"] == REFUNDS
    assert earned["platformFeeBps"] == FEE_BPS
    # The fee is rounded half up, computed here independently of services.money.
    exact = Decimal(GROSS - REFUNDS) * FEE_BPS / 10000
    assert earned["platformFeeMinor"] == FEE == int(exact.quantize(Decimal(1), ROUND_HALF_UP))
    assert earned["netMinor"] == NET == GROSS - REFUNDS - FEE == 22040
    assert earned["currency"] == "GBP"
    assert (earned["periodStart"], earned["periodEnd"]) == ("2025-10-01", "2025-10-31")
    assert earned["payoutStatus"] == "NONE"
    assert earned["payout"] is None

    # And the per-lesson breakdown lists exactly the counted lessons and adds up to gross
    lessons = [e["node"] for e in earned["lessons"]["edges"]]
    assert sorted(lesson["booking"]["id"] for lesson in lessons) == sorted(
        gid("Booking", b) for b in month.counted
    )
    assert sum(lesson["valueMinor"] for lesson in lessons) == GROSS
    assert sum(lesson["refundedMinor"] for lesson in lessons) == REFUNDS
    credit = [lesson for lesson in lessons if lesson["source"] == "CREDIT"]
    assert sorted(lesson["valueMinor"] for lesson in credit) == [2469, 2470, 3333, 3333, 3334]
    assert [lesson["startsAt"] for lesson in lessons] == sorted(
        lesson["startsAt"] for lesson in lessons
    )


async def test_the_package_sums_reconcile_with_the_ledger(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given the month
    month = await _month(state, factory)
    token = await gql.login(month.instructor.email)

    # When the instructor reads their earnings
    earned = (await gql.data(EARNINGS, october(month), token=token))["instructorEarnings"]

    # Then the package part is exactly what the ledger recorded for those bookings' draws
    async with state.db.session() as session:
        ledger_sum = await session.scalar(
            select(func.sum(CreditEntry.value_minor)).where(
                CreditEntry.booking_id.in_(month.credit_bookings),
                CreditEntry.reason == "booking",
            )
        )
        # …and each package's draws never exceed what was paid for it
        per_package = (
            await session.execute(
                text(
                    "SELECT sp.amount_paid_minor, sp.lessons_total, sum(ce.value_minor), "
                    "count(*) FROM credit_entries ce JOIN student_packages sp "
                    "ON sp.id = ce.student_package_id WHERE ce.reason = 'booking' "
                    "AND ce.booking_id = ANY(:ids) GROUP BY sp.id"
                ),
                {"ids": month.credit_bookings},
            )
        ).all()
    assert earned["packageMinor"] == ledger_sum == PACKAGE_MINOR
    paid = {row[0]: (row[2], row[3]) for row in per_package}
    assert paid[10000] == (10000, 3)  # all three credits of £100.00: 3334 + 3333 + 3333
    assert paid[12346] == (4939, 2)


async def test_the_local_date_boundaries_follow_the_schools_time_zone(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given the month (a lesson at 00:30 BST on 1 October, 23:30 UTC the day before;
    # one at 23:30 BST on 30 September; one at 00:30 GMT on 1 November)
    month = await _month(state, factory)
    token = await gql.login(month.instructor.email)

    # When the instructor asks for the single days around the edges
    async def day(value: str) -> dict[str, int]:
        variables = october(month)
        variables.update(start=value, end=value)
        return (await gql.data(EARNINGS, variables, token=token))["instructorEarnings"]

    # Then each lesson lands on its local date
    assert (await day("2025-10-01"))["grossMinor"] == 3334
    assert (await day("2025-09-30"))["grossMinor"] == 4000
    assert (await day("2025-10-31"))["grossMinor"] == 4250
    assert (await day("2025-11-01"))["grossMinor"] == 4000


async def test_my_earnings_and_school_earnings_agree(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given the month
    month = await _month(state, factory)
    world = month.diary.world

    # When the instructor asks for their own, and the admin for the school's
    mine = (await gql.data(MY_EARNINGS, OCTOBER, token=await gql.login(month.instructor.email)))[
        "myEarnings"
    ]
    rows = (await gql.data(SCHOOL_EARNINGS, OCTOBER, token=await gql.login(world.admin.email)))[
        "schoolEarnings"
    ]

    # Then they agree, and every instructor of the school has a row
    assert (mine["grossMinor"], mine["netMinor"], mine["lessonsCompleted"]) == (GROSS, NET, 8)
    by_id = {row["instructor"]["id"]: row for row in rows}
    assert set(by_id) == {gid("User", world.instructor.id), gid("User", world.other_instructor.id)}
    assert by_id[gid("User", world.instructor.id)]["netMinor"] == NET
    other = by_id[gid("User", world.other_instructor.id)]
    assert (other["lessonsCompleted"], other["grossMinor"], other["platformFeeMinor"]) == (
        1,
        4000,
        500,
    )


async def test_a_bad_period_is_a_typed_error(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    diary = await make_diary(factory)
    token = await gql.login(diary.world.admin.email)
    base = {"instructorId": gid("User", diary.world.instructor.id)}
    for start, end in (("2025-10-31", "2025-10-01"), ("2024-01-01", "2025-01-01")):
        body = await gql.execute(EARNINGS, {**base, "start": start, "end": end}, token=token)
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["reason"] == "INVALID_PERIOD", body
    # 366 days are allowed (a leap year)
    body = await gql.execute(
        EARNINGS, {**base, "start": "2024-01-01", "end": "2024-12-31"}, token=token
    )
    assert "errors" not in body, body


async def test_who_may_see_an_instructors_earnings(
    gql: GraphQLClient, factory: Factory, state: AppState, other_world: SchoolWorld
) -> None:
    # Given the month, and people who must not see it
    month = await _month(state, factory)
    world = month.diary.world
    variables = october(month)

    async def ask(
        email: str, document: str = EARNINGS, args: dict[str, object] = variables
    ) -> dict:  # type: ignore[type-arg]
        return await gql.execute(document, args, token=await gql.login(email))

    # Then a student is FORBIDDEN (and has no earnings of their own)
    for body in (
        await ask(world.student.email),
        await ask(world.student.email, MY_EARNINGS, OCTOBER),
    ):
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
    # Another instructor of the same school is FORBIDDEN
    body = await ask(world.other_instructor.email)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
    # An instructor of another school is FORBIDDEN too (never told whether the id exists)
    body = await ask(other_world.instructor.email)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
    # Another school's finance admin is told there is no such instructor, and their school
    # report does not list them
    body = await ask(other_world.admin.email)
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["reason"] == "NOT_FOUND", body
    assert "14939" not in str(body)
    assert "26689" not in str(body)
    rows = (await ask(other_world.admin.email, SCHOOL_EARNINGS, OCTOBER))["data"]["schoolEarnings"]
    assert gid("User", month.instructor.id) not in str(rows)
    assert all(row["grossMinor"] == 0 for row in rows)
    # A school admin without the finances permission is FORBIDDEN
    async with state.db.transaction() as session:
        await session.execute(
            text("UPDATE admin_profiles SET can_manage_finances = false WHERE user_id = :id"),
            {"id": world.admin.id},
        )
    for document, args in ((EARNINGS, variables), (SCHOOL_EARNINGS, OCTOBER)):
        body = await ask(world.admin.email, document, args)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
    # The instructor themself and a finance admin of the school may
    second_admin = await factory.user(world.school, Role.SCHOOL_ADMIN)
    for email in (month.instructor.email, second_admin.email):
        body = await ask(email)
        assert body["data"]["instructorEarnings"]["netMinor"] == NET, body
