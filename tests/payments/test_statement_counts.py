"""No N+1 in the school's payments list: each payment with its student, lesson, package and
refunds costs the same number of SQL statements for 3 payments as for 60."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from models.packages import StudentPackage
from models.payments import Payment
from resolvers.context import AppState
from services.actor import Role
from tests.payments.helpers import make_package
from tests.support import Factory, GraphQLClient, SchoolWorld

PAGE = """
query {
  payments(first: 100) {
    edges {
      node {
        id amountMinor status student { id fullName } booking { id } bankReference
        studentPackage { name lessonsRemaining } refunds { amountMinor reason }
      }
    }
  }
}
"""


async def add_payments(state: AppState, factory: Factory, world: SchoolWorld, n: int) -> None:
    """``n`` pending bank payments of three students, written directly (purchases are tested
    elsewhere; here only the reading matters)."""
    students = [await factory.user(world.school, Role.STUDENT) for _ in range(3)]
    package = await make_package(state, world.school)
    async with state.db.transaction() as session:
        for i in range(n):
            held = StudentPackage(
                id=uuid.uuid4(),
                school_id=world.school.id,
                student_id=students[i % 3].id,
                package_id=package.id,
                name=package.name,
                lesson_duration_minutes=60,
                lessons_total=10,
                lessons_remaining=0,
                amount_paid_minor=1000 + i,
                currency="GBP",
                status="pending_payment",
            )
            session.add(held)
            await session.flush()
            session.add(
                Payment(
                    id=uuid.uuid4(),
                    school_id=world.school.id,
                    student_id=students[i % 3].id,
                    kind="package",
                    method="bank",
                    status="pending",
                    amount_minor=1000 + i,
                    refunded_minor=0,
                    currency="GBP",
                    provider="bank",
                    bank_reference=f"CL-T{uuid.uuid4().hex[:8].upper()}",
                    student_package_id=held.id,
                    created_at=datetime.now(UTC),
                )
            )


async def statements(gql: GraphQLClient, token: str) -> tuple[int, int]:
    body = await gql.execute(PAGE, token=token)
    assert "errors" not in body, body
    return body["extensions"]["sqlStatements"], len(body["data"]["payments"]["edges"])


# Measured: the session check, the page of payments, then one batch each of students,
# student packages and refunds.
PAGE_STATEMENTS = 5


async def test_a_page_of_payments_costs_the_same_for_3_and_60(
    gql: GraphQLClient, factory: Factory, world: SchoolWorld, state: AppState
) -> None:
    token = await gql.login(world.admin.email)
    await add_payments(state, factory, world, 3)
    few, few_rows = await statements(gql, token)
    await add_payments(state, factory, world, 57)
    many, many_rows = await statements(gql, token)

    assert (few_rows, many_rows) == (3, 60)
    assert few == many <= PAGE_STATEMENTS
