"""Earnings cost a fixed number of SQL statements: a month of 3 lessons and of 60 (each
with its booking, student, value and refunds), and a school of 2 instructors and of 10."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from resolvers.context import AppState
from tests.earnings.helpers import bought_package, credit_lesson, past_lesson, pay_cash, refund
from tests.scheduling.helpers import Diary, add_instructor, local, make_diary
from tests.support import Factory, GraphQLClient, gid

MONTH = """
query Month($instructorId: ID!) {
  instructorEarnings(instructorId: $instructorId, periodStart: "2025-10-01", periodEnd: "2025-10-31") {
    instructor { id fullName }
    grossMinor netMinor payoutStatus payout { id }
    lessons(first: 100) {
      edges { node { startsAt valueMinor source refundedMinor booking { id student { fullName } } } }
    }
  }
}
"""

SCHOOL = """
query School {
  schoolEarnings(periodStart: "2025-10-01", periodEnd: "2025-10-31") {
    instructor { id fullName } lessonsCompleted grossMinor platformFeeMinor netMinor
    payoutStatus payout { id }
  }
}
"""

# The session check, the instructor with the school, the lessons' aggregate, the payout;
# the page of lessons, then one batch each for the instructor, credit values, refunds and
# the lessons' students.
MONTH_STATEMENTS = 9


async def fill_month(state: AppState, diary: Diary, lessons: int) -> None:
    """``lessons`` completed lessons in October 2025, alternately on credit and pay-as-you-go
    (every fourth paid in cash and partly refunded)."""
    world = diary.world
    package = await bought_package(
        state, diary, world.student, lessons=lessons, price=lessons * 3333
    )
    for n in range(lessons):
        starts_at = local(date(2025, 10, 1) + timedelta(days=n % 30), 8 + n // 30)
        if n % 2 == 0:
            await credit_lesson(
                state, diary, starts_at, package, student=world.student, instructor=world.instructor
            )
            continue
        booking = await past_lesson(
            state,
            diary,
            starts_at,
            status="completed",
            student=world.student,
            instructor=world.instructor,
        )
        if n % 4 == 1:
            await refund(state, diary.school.id, await pay_cash(state, diary, booking), 500)


async def month_statements(gql: GraphQLClient, diary: Diary) -> tuple[int, Any]:
    token = await gql.login(diary.world.admin.email)
    body = await gql.execute(
        MONTH, {"instructorId": gid("User", diary.world.instructor.id)}, token=token
    )
    assert "errors" not in body, body
    return body["extensions"]["sqlStatements"], body["data"]["instructorEarnings"]


async def test_a_month_costs_the_same_for_3_and_60_lessons(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    small, large = await make_diary(factory), await make_diary(factory)
    await fill_month(state, small, 3)
    await fill_month(state, large, 60)

    few, few_data = await month_statements(gql, small)
    many, many_data = await month_statements(gql, large)

    assert len(few_data["lessons"]["edges"]) == 3
    assert len(many_data["lessons"]["edges"]) == 60
    values = sum(e["node"]["valueMinor"] for e in many_data["lessons"]["edges"])
    assert values == many_data["grossMinor"]
    assert few == many == MONTH_STATEMENTS


async def test_the_school_report_costs_the_same_for_2_and_10_instructors(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    small, large = await make_diary(factory), await make_diary(factory)
    for _ in range(8):
        await add_instructor(factory, large)
    counts = []
    for diary, expected in ((small, 2), (large, 10)):
        await fill_month(state, diary, 4)
        token = await gql.login(diary.world.admin.email)
        body = await gql.execute(SCHOOL, token=token)
        assert "errors" not in body, body
        rows = body["data"]["schoolEarnings"]
        assert len(rows) == expected
        assert sum(r["lessonsCompleted"] for r in rows) == 4
        counts.append(body["extensions"]["sqlStatements"])
    assert counts[0] == counts[1]
