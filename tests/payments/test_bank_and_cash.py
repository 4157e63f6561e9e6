"""Bank transfers matched by reference, unmatched deposits kept, cash recorded by an admin."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from models.packages import StudentPackage
from models.payments import BankDeposit, Payment
from resolvers.context import AppState
from tests.payments.helpers import (
    PURCHASE,
    RECORD_CASH,
    RECORD_DEPOSIT,
    count,
    get,
    make_package,
    pk_of,
    purchase_input,
)
from tests.support import GraphQLClient, SchoolWorld

DEPOSITS = """
query Deposits($status: BankDepositStatus) {
  bankDeposits(status: $status, first: 10) { edges { node { reference status amountMinor } } }
}
"""


async def buy_by_bank(gql: GraphQLClient, token: str, package: object) -> dict[str, Any]:
    data = await gql.data(PURCHASE, purchase_input(package, "BANK"), token=token)
    result: dict[str, Any] = data["purchasePackage"]
    return result


def deposit(reference: str, amount: int, currency: str = "GBP") -> dict[str, object]:
    return {
        "input": {
            "reference": reference,
            "amountMinor": amount,
            "currency": currency,
            "receivedOn": date.today().isoformat(),
            "payerName": "A Student",
        }
    }


async def test_a_bank_deposit_quoting_the_reference_settles_the_payment(
    gql: GraphQLClient, world: SchoolWorld, state: AppState
) -> None:
    # Given a student who chose to pay £400 by bank transfer
    package = await make_package(state, world.school)
    student = await gql.login(world.student.email)
    admin = await gql.login(world.admin.email)
    bought = await buy_by_bank(gql, student, package)
    payment = bought["payment"]
    assert isinstance(payment, dict)
    reference = payment["bankReference"]
    assert payment["status"] == "PENDING"
    assert reference.startswith("CL-")
    assert bought["clientSecret"] is None

    # When the admin records deposits: a wrong amount, then the right one typed sloppily
    wrong = (await gql.data(RECORD_DEPOSIT, deposit(reference, 39999), token=admin))[
        "recordBankDeposit"
    ]
    sloppy = " " + reference.lower().replace("-", " - ") + " "
    right = (await gql.data(RECORD_DEPOSIT, deposit(sloppy, 40000), token=admin))[
        "recordBankDeposit"
    ]

    # Then the wrong amount is kept as unmatched, and the right one settles the payment
    assert wrong["errors"] == []
    assert wrong["payment"] is None
    assert wrong["deposit"]["status"] == "UNMATCHED"
    assert right["errors"] == []
    assert right["deposit"]["status"] == "MATCHED"
    assert right["payment"] == {"id": payment["id"], "status": "SUCCEEDED", "method": "BANK"}
    held = await get(state, StudentPackage, pk_of(str(bought["studentPackage"]["id"])))
    assert (held.status, held.lessons_remaining) == ("active", 10)
    unmatched = await gql.data(DEPOSITS, {"status": "UNMATCHED"}, token=admin)
    assert [e["node"]["amountMinor"] for e in unmatched["bankDeposits"]["edges"]] == [39999]

    # And the same deposit recorded again matches nothing more
    again = (await gql.data(RECORD_DEPOSIT, deposit(reference, 40000), token=admin))[
        "recordBankDeposit"
    ]
    assert again["errors"] == []
    assert (again["deposit"]["status"], again["payment"]) == ("UNMATCHED", None)
    assert await count(state, BankDeposit, BankDeposit.status == "matched") == 1


async def test_two_admins_recording_one_deposit_at_once_settle_it_once(
    gql: GraphQLClient, world: SchoolWorld, state: AppState
) -> None:
    package = await make_package(state, world.school)
    student = await gql.login(world.student.email)
    admin = await gql.login(world.admin.email)
    bought = await buy_by_bank(gql, student, package)
    payment = bought["payment"]
    assert isinstance(payment, dict)

    responses = await asyncio.gather(
        *(
            gql.data(RECORD_DEPOSIT, deposit(payment["bankReference"], 40000), token=admin)
            for _ in range(5)
        )
    )

    statuses = sorted(r["recordBankDeposit"]["deposit"]["status"] for r in responses)
    assert statuses == ["MATCHED"] + ["UNMATCHED"] * 4
    assert await count(state, BankDeposit) == 5


async def test_deposits_are_matched_within_the_school_and_only_by_finance_admins(
    gql: GraphQLClient, world: SchoolWorld, other_world: SchoolWorld, state: AppState
) -> None:
    package = await make_package(state, world.school)
    student = await gql.login(world.student.email)
    foreign_admin = await gql.login(other_world.admin.email)
    instructor = await gql.login(world.instructor.email)
    bought = await buy_by_bank(gql, student, package)
    payment = bought["payment"]
    assert isinstance(payment, dict)

    foreign = (
        await gql.data(
            RECORD_DEPOSIT, deposit(payment["bankReference"], 40000), token=foreign_admin
        )
    )["recordBankDeposit"]
    by_instructor = await gql.execute(
        RECORD_DEPOSIT, deposit(payment["bankReference"], 40000), token=instructor
    )
    by_student = await gql.execute(
        RECORD_DEPOSIT, deposit(payment["bankReference"], 40000), token=student
    )

    assert foreign["deposit"]["status"] == "UNMATCHED"
    assert by_instructor["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert by_student["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await get(state, Payment, pk_of(payment["id"]))).status == "pending"


async def test_an_admin_records_cash_for_a_pending_bank_payment(
    gql: GraphQLClient, world: SchoolWorld, other_world: SchoolWorld, state: AppState
) -> None:
    package = await make_package(state, world.school)
    student = await gql.login(world.student.email)
    admin = await gql.login(world.admin.email)
    foreign_admin = await gql.login(other_world.admin.email)
    bought = await buy_by_bank(gql, student, package)
    payment = bought["payment"]
    assert isinstance(payment, dict)
    variables = {"input": {"paymentId": payment["id"], "note": "Paid at the office"}}

    foreign = (await gql.data(RECORD_CASH, variables, token=foreign_admin))["recordCashPayment"]
    paid = (await gql.data(RECORD_CASH, variables, token=admin))["recordCashPayment"]
    twice = (await gql.data(RECORD_CASH, variables, token=admin))["recordCashPayment"]

    assert foreign["errors"][0]["code"] == "NOT_FOUND"
    assert paid["errors"] == []
    assert paid["payment"]["status"] == "SUCCEEDED"
    assert paid["payment"]["method"] == "CASH"
    assert twice["errors"][0]["code"] == "INVALID_STATUS"
    stored = await get(state, Payment, pk_of(payment["id"]))
    assert stored.recorded_by_id == world.admin.id
    held = await get(state, StudentPackage, pk_of(str(bought["studentPackage"]["id"])))
    assert held.lessons_remaining == 10
