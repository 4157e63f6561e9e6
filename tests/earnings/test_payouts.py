"""Payouts: frozen figures, one per instructor and period (also under concurrent
requests), no overlapping periods, paid once, audited, and visible to the right people."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import func, select

from models.events import AuditEntry
from models.payments import Payout
from resolvers.context import AppState
from tests.earnings.helpers import EARNINGS, GROSS, NET, REFUNDS, Month, build_month, refund
from tests.scheduling.helpers import make_diary
from tests.support import Factory, GraphQLClient, SchoolWorld, gid

CREATE = """
mutation Create($input: CreatePayoutInput!) {
  createPayout(input: $input) {
    payout {
      id status periodStart periodEnd lessonsCompleted packageLessons payAsYouGoLessons
      grossMinor packageMinor payAsYouGoMinor refundsMinor platformFeeMinor netMinor currency
      instructor { id } createdBy { id } paidAt reference
    }
    errors { code message field }
  }
}
"""

MARK_PAID = """
mutation Paid($input: MarkPayoutPaidInput!) {
  markPayoutPaid(input: $input) {
    payout { id status paidAt reference netMinor }
    errors { code message field }
  }
}
"""

PAYOUTS = """
query Payouts($instructorId: ID, $status: PayoutStatus) {
  payouts(first: 50, instructorId: $instructorId, status: $status) {
    edges { node { id status netMinor instructor { id } } }
  }
}
"""

NODE = """
query Node($id: ID!) { node(id: $id) { ... on Payout { id netMinor } } }
"""


def payout_input(month: Month, start: str = "2025-10-01", end: str = "2025-10-31") -> Any:
    return {
        "input": {
            "instructorId": gid("User", month.instructor.id),
            "periodStart": start,
            "periodEnd": end,
        }
    }


async def _month(state: AppState, factory: Factory) -> Month:
    return await build_month(state, factory, await make_diary(factory))


async def test_a_payout_freezes_the_months_figures_and_is_paid_once(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given the month and the school's finance admin
    month = await _month(state, factory)
    admin = month.diary.world.admin
    token = await gql.login(admin.email)

    # When the admin creates the payout for October
    created = (await gql.data(CREATE, payout_input(month), token=token))["createPayout"]

    # Then it carries the month's figures, pending
    assert created["errors"] == []
    payout = created["payout"]
    assert payout["status"] == "PENDING"
    assert (payout["grossMinor"], payout["refundsMinor"], payout["netMinor"]) == (
        GROSS,
        REFUNDS,
        NET,
    )
    assert payout["grossMinor"] - payout["refundsMinor"] - payout["platformFeeMinor"] == NET
    assert (payout["packageLessons"], payout["payAsYouGoLessons"]) == (5, 3)
    assert payout["packageMinor"] + payout["payAsYouGoMinor"] == GROSS
    assert payout["createdBy"]["id"] == gid("User", admin.id)

    # And the earnings say PENDING, with the payout
    variables = {
        "instructorId": gid("User", month.instructor.id),
        "start": "2025-10-01",
        "end": "2025-10-31",
    }
    earned = (await gql.data(EARNINGS, variables, token=token))["instructorEarnings"]
    assert earned["payoutStatus"] == "PENDING"
    assert earned["payout"]["id"] == payout["id"]

    # When a later refund comes in, the live earnings move but the payout does not
    assert month.refunded_payment is not None
    await refund(state, month.diary.school.id, month.refunded_payment, 100)
    earned = (await gql.data(EARNINGS, variables, token=token))["instructorEarnings"]
    assert earned["refundsMinor"] == REFUNDS + 100
    frozen = (await gql.data(NODE, {"id": payout["id"]}, token=token))["node"]
    assert frozen["netMinor"] == NET

    # When it is marked paid, twice with the same reference, then with another
    first = (
        await gql.data(
            MARK_PAID, {"input": {"payoutId": payout["id"], "reference": "BACS-1"}}, token=token
        )
    )["markPayoutPaid"]
    again = (
        await gql.data(
            MARK_PAID, {"input": {"payoutId": payout["id"], "reference": "BACS-1"}}, token=token
        )
    )["markPayoutPaid"]
    other = (
        await gql.data(
            MARK_PAID, {"input": {"payoutId": payout["id"], "reference": "BACS-2"}}, token=token
        )
    )["markPayoutPaid"]

    # Then it is paid once
    assert first["errors"] == []
    assert first["payout"]["status"] == "PAID"
    assert again["errors"] == []
    assert again["payout"]["paidAt"] == first["payout"]["paidAt"]
    assert [e["code"] for e in other["errors"]] == ["INVALID_STATUS"]
    earned = (await gql.data(EARNINGS, variables, token=token))["instructorEarnings"]
    assert earned["payoutStatus"] == "PAID"

    # And both steps are in the audit log
    async with state.db.session() as session:
        actions = (
            await session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.entity_type == "Payout")
                .order_by(AuditEntry.created_at)
            )
        ).all()
    assert list(actions) == ["payout.created", "payout.paid"]


async def test_one_payout_per_period_and_no_overlaps(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given October's payout
    month = await _month(state, factory)
    token = await gql.login(month.diary.world.admin.email)
    assert (await gql.data(CREATE, payout_input(month), token=token))["createPayout"][
        "errors"
    ] == []

    async def codes(start: str, end: str) -> list[str]:
        body = await gql.data(CREATE, payout_input(month, start, end), token=token)
        return [e["code"] for e in body["createPayout"]["errors"]]

    # Then the same period again, an overlapping one, an open one, an empty one and a
    # reversed one are refused
    assert await codes("2025-10-01", "2025-10-31") == ["PAYOUT_EXISTS"]
    assert await codes("2025-10-15", "2025-11-15") == ["INVALID_PERIOD"]
    assert await codes("2025-09-01", "2025-10-01") == ["INVALID_PERIOD"]
    assert await codes("2026-11-01", "2026-12-31") == ["INVALID_PERIOD"]
    assert await codes("2025-06-01", "2025-06-30") == ["INVALID_PERIOD"]
    assert await codes("2025-09-30", "2025-09-01") == ["INVALID_PERIOD"]
    # And the adjacent month is fine (one lesson at 23:30 on 30 September)
    assert await codes("2025-09-01", "2025-09-30") == []


async def test_concurrent_requests_make_one_payout(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given the month
    month = await _month(state, factory)
    token = await gql.login(month.diary.world.admin.email)

    # When ten requests for October and ten for overlapping periods race
    same = [gql.data(CREATE, payout_input(month), token=token) for _ in range(10)]
    overlapping = [
        gql.data(CREATE, payout_input(month, "2025-10-01", f"2025-11-{day:02d}"), token=token)
        for day in range(1, 11)
    ]
    results = await asyncio.gather(*same, *overlapping)

    # Then exactly one payout exists for the instructor, and the rest were refused
    successes = [r for r in results if not r["createPayout"]["errors"]]
    assert len(successes) == 1
    refused = {e["code"] for r in results for e in r["createPayout"]["errors"]}
    assert refused <= {"PAYOUT_EXISTS", "INVALID_PERIOD"}
    async with state.db.session() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(Payout)
            .where(Payout.instructor_id == month.instructor.id)
        )
    assert count == 1


async def test_who_may_see_and_make_payouts(
    gql: GraphQLClient, factory: Factory, state: AppState, other_world: SchoolWorld
) -> None:
    # Given October's payout
    month = await _month(state, factory)
    world = month.diary.world
    admin = await gql.login(world.admin.email)
    payout = (await gql.data(CREATE, payout_input(month), token=admin))["createPayout"]["payout"]

    # Then the instructor sees it in their list and through node(id:)
    mine = await gql.login(month.instructor.email)
    edges = (await gql.data(PAYOUTS, {}, token=mine))["payouts"]["edges"]
    assert [e["node"]["id"] for e in edges] == [payout["id"]]
    assert (await gql.data(NODE, {"id": payout["id"]}, token=mine))["node"]["netMinor"] == NET
    # The admin filters by status
    pending = (await gql.data(PAYOUTS, {"status": "PENDING"}, token=admin))["payouts"]["edges"]
    paid = (await gql.data(PAYOUTS, {"status": "PAID"}, token=admin))["payouts"]["edges"]
    assert (len(pending), len(paid)) == (1, 0)

    # Another instructor and another school's admin see nothing; a student is FORBIDDEN
    for email in (world.other_instructor.email, other_world.admin.email):
        token = await gql.login(email)
        assert (await gql.data(PAYOUTS, {}, token=token))["payouts"]["edges"] == []
        assert (await gql.data(NODE, {"id": payout["id"]}, token=token))["node"] is None
    student = await gql.login(world.student.email)
    body = await gql.execute(PAYOUTS, {}, token=student)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await gql.data(NODE, {"id": payout["id"]}, token=student))["node"] is None

    # Only finance admins create or pay payouts; another school's admin cannot find it
    for email in (month.instructor.email, world.student.email):
        token = await gql.login(email)
        body = await gql.execute(
            CREATE, payout_input(month, "2025-09-01", "2025-09-30"), token=token
        )
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        body = await gql.execute(
            MARK_PAID, {"input": {"payoutId": payout["id"], "reference": "X"}}, token=token
        )
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    outsider = await gql.login(other_world.admin.email)
    body = await gql.data(
        MARK_PAID, {"input": {"payoutId": payout["id"], "reference": "X"}}, token=outsider
    )
    assert [e["code"] for e in body["markPayoutPaid"]["errors"]] == ["NOT_FOUND"]
    body = await gql.data(CREATE, payout_input(month, "2025-09-01", "2025-09-30"), token=outsider)
    assert [e["code"] for e in body["createPayout"]["errors"]] == ["NOT_FOUND"]


async def test_concurrent_mark_paid_requests_pay_once(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given October's pending payout
    month = await _month(state, factory)
    token = await gql.login(month.diary.world.admin.email)
    payout = (await gql.data(CREATE, payout_input(month), token=token))["createPayout"]["payout"]

    # When ten requests with different references mark it paid at once
    results = await asyncio.gather(
        *(
            gql.data(
                MARK_PAID, {"input": {"payoutId": payout["id"], "reference": f"R{n}"}}, token=token
            )
            for n in range(10)
        )
    )

    # Then one wins, the others are told it is already paid, and it was audited once
    codes = sorted(e["code"] for r in results for e in r["markPayoutPaid"]["errors"])
    assert codes == ["INVALID_STATUS"] * 9
    async with state.db.session() as session:
        paid = await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "payout.paid")
        )
    assert paid == 1
