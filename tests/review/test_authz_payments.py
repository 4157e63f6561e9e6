"""Authorisation and tenancy review of the money domains (issue 4): packages, payments,
refunds, invoices, earnings and payouts, as every role of the school and of another school
sees them — through `node(id:)`, `nodes(ids:)`, lists, nested and sensitive fields,
mutations with foreign ids, the webhook, and the live account feed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from sqlalchemy import func, select, update

from models.accounts import AdminProfile, User
from models.events import OutboxEvent
from models.payments import Invoice, Payment
from resolvers.context import AppState
from services.actor import Role
from services.payments.providers import signing
from subscriptions.envelope import user_key
from tests.billing.helpers import REFUND
from tests.conftest import RunningServer
from tests.earnings.helpers import bought_package, credit_lesson, past_lesson, pay_cash
from tests.payments.helpers import (
    PAY_FOR_BOOKING,
    PURCHASE,
    QUOTE,
    RECORD_CASH,
    RECORD_DEPOSIT,
    get,
    make_package,
    make_promo,
    pk_of,
    purchase_input,
)
from tests.scheduling.helpers import Diary, make_diary
from tests.support import Factory, GraphQLClient, gid
from tests.websocket.helpers import connect, subscribe_live

OCTOBER = {"start": "2025-10-01", "end": "2025-10-31"}

NODE = "query Node($id: ID!) { node(id: $id) { id } }"
NODES = "query Nodes($ids: [ID!]!) { nodes(ids: $ids) { id } }"

SENSITIVE = """
query Sensitive($payment: ID!, $refund: ID!) {
  payment: node(id: $payment) {
    ... on Payment { id providerReference bankReference failureReason booking { id } }
  }
  refund: node(id: $refund) { ... on Refund { id providerReference } }
  refunds: node(id: $payment) { id }
}
"""

REFUNDS_OF = "query R($id: ID!) { refunds(paymentId: $id) { id providerReference } }"
MY_PAYMENTS = "query { myPayments(first: 50) { edges { node { id } } } }"
MY_INVOICES = "query { myInvoices(first: 50) { edges { node { id } } } }"
PAYMENTS = """
query P($student: ID) {
  payments(filter: {studentId: $student}, first: 50) { edges { node { id } } }
}
"""
INVOICES = """
query I($student: ID) {
  invoices(filter: {studentId: $student}, first: 50) { edges { node { id } } }
}
"""
DEPOSITS = "query { bankDeposits(first: 50) { edges { node { id } } } }"
PROMOS = "query { promoCodes(first: 50) { edges { node { id timesUsed } } } }"
PAYOUTS = "query { payouts(first: 50) { edges { node { id } } } }"
MY_ACCOUNT = "query { myAccount { student { id } } }"
STUDENT_ACCOUNT = """
query A($id: ID!) {
  studentAccount(studentId: $id) {
    student { id }
    creditBalance
    packages { id }
    ledger(first: 50) { edges { node { studentPackage { id } booking { id } } } }
  }
}
"""
INSTRUCTOR_EARNINGS = """
query E($id: ID!, $start: Date!, $end: Date!) {
  instructorEarnings(instructorId: $id, periodStart: $start, periodEnd: $end) {
    grossMinor
    lessons(first: 20) { edges { node { booking { id student { id } } } } }
  }
}
"""
MY_EARNINGS = """
query E($start: Date!, $end: Date!) {
  myEarnings(periodStart: $start, periodEnd: $end) {
    grossMinor
    lessons(first: 20) { edges { node { booking { id student { id } } } } }
  }
}
"""
SCHOOL_EARNINGS = """
query S($school: ID, $start: Date!, $end: Date!) {
  schoolEarnings(schoolId: $school, periodStart: $start, periodEnd: $end) { grossMinor }
}
"""
BOOKING_PACKAGE = """
query B($id: ID!) { node(id: $id) { ... on Booking { id studentPackage { id } } } }
"""
CREATE_PAYOUT = """
mutation P($input: CreatePayoutInput!) {
  createPayout(input: $input) { payout { id } errors { code message field } }
}
"""
MARK_PAYOUT_PAID = """
mutation P($input: MarkPayoutPaidInput!) {
  markPayoutPaid(input: $input) { payout { id } errors { code message field } }
}
"""
INVOICE_ACTIONS = {
    "issueInvoice": ("IssueInvoiceInput", {}),
    "markInvoicePaid": ("MarkInvoicePaidInput", {}),
    "voidInvoice": ("VoidInvoiceInput", {"reason": "review"}),
}
CREATE_INVOICE = """
mutation C($input: CreateInvoiceInput!) {
  createInvoice(input: $input) { invoice { id } errors { code message field } }
}
"""
UPDATE_PACKAGE = """
mutation U($input: UpdateLessonPackageInput!) {
  updateLessonPackage(input: $input) { package { id } errors { code message field } }
}
"""
UPDATE_PROMO = """
mutation U($input: UpdatePromoCodeInput!) {
  updatePromoCode(input: $input) { promoCode { id } errors { code message field } }
}
"""
ACCOUNT_CHANGED = """
subscription Account($after: String) {
  myAccountChanged(after: $after) { eventId type account { student { id } packages { id } } }
}
"""

ROLES = (
    "platform",
    "admin",
    "admin_nofin",
    "admin_nopkg",
    "instructor",
    "other_instructor",
    "student",
    "other_student",
    "b_admin",
    "b_instructor",
    "b_student",
)
FINANCE = {"platform", "admin", "admin_nopkg"}


@dataclass
class Money:
    """Two schools with money rows made through the API and the services."""

    a: Diary
    b: Diary
    tokens: dict[str, str]
    ids: dict[str, str] = field(default_factory=dict)
    rows: dict[str, Any] = field(default_factory=dict)


async def _admin_without(factory: Factory, diary: Diary, flag: str) -> User:
    admin = await factory.user(diary.school, Role.SCHOOL_ADMIN)
    async with factory.state.db.transaction() as session:
        await session.execute(
            update(AdminProfile).where(AdminProfile.user_id == admin.id).values({flag: False})
        )
    return admin


async def _buy(gql: GraphQLClient, token: str, package: Any, method: str = "CARD") -> Any:
    data = await gql.data(PURCHASE, purchase_input(package, method), token=token)
    assert data["purchasePackage"]["errors"] == [], data
    return data["purchasePackage"]


async def _invoice_of(state: AppState, payment_gid: str) -> str:
    async with state.db.session() as session:
        invoice_id = await session.scalar(
            select(Invoice.id).where(Invoice.payment_id == pk_of(payment_gid))
        )
    assert invoice_id is not None
    return gid("Invoice", invoice_id)


async def _payout(gql: GraphQLClient, token: str, instructor: User) -> str:
    data = await gql.data(
        CREATE_PAYOUT,
        {
            "input": {
                "instructorId": gid("User", instructor.id),
                "periodStart": OCTOBER["start"],
                "periodEnd": OCTOBER["end"],
            }
        },
        token=token,
    )
    assert data["createPayout"]["errors"] == [], data
    return data["createPayout"]["payout"]["id"]  # type: ignore[no-any-return]


async def _earning_lesson(state: AppState, diary: Diary) -> Any:
    held = await bought_package(state, diary, diary.world.student, lessons=3, price=9000)
    booking = await credit_lesson(
        state,
        diary,
        datetime(2025, 10, 10, 9, tzinfo=UTC),
        held,
        student=diary.world.student,
        instructor=diary.world.instructor,
    )
    return held, booking


@pytest.fixture
async def money(gql: GraphQLClient, factory: Factory, state: AppState) -> Money:
    a = await make_diary(factory)
    b = await make_diary(factory)
    root = await factory.platform_admin()
    no_fin = await _admin_without(factory, a, "can_manage_finances")
    no_pkg = await _admin_without(factory, a, "can_manage_packages")
    users = {
        "platform": root,
        "admin": a.world.admin,
        "admin_nofin": no_fin,
        "admin_nopkg": no_pkg,
        "instructor": a.world.instructor,
        "other_instructor": a.world.other_instructor,
        "student": a.world.student,
        "other_student": a.world.other_student,
        "b_admin": b.world.admin,
        "b_instructor": b.world.instructor,
        "b_student": b.world.student,
    }
    m = Money(a, b, {role: await gql.login(user.email) for role, user in users.items()})
    m.rows["users"] = users

    # School A: the student buys by card (settled, auto-invoiced) and by bank (pending);
    # the other student buys by card; a finance admin refunds part of the card payment.
    package_a = await make_package(state, a.school)
    package_b = await make_package(state, b.school)
    m.rows["package_a"], m.rows["package_b"] = package_a, package_b
    m.ids["package_a"] = gid("LessonPackage", package_a.id)
    m.ids["package_b"] = gid("LessonPackage", package_b.id)
    card = await _buy(gql, m.tokens["student"], package_a)
    bank = await _buy(gql, m.tokens["student"], package_a, "BANK")
    other = await _buy(gql, m.tokens["other_student"], package_a)
    m.ids["payment"] = card["payment"]["id"]
    m.ids["student_package"] = card["studentPackage"]["id"]
    m.ids["bank_payment"] = bank["payment"]["id"]
    m.rows["bank_reference"] = bank["payment"]["bankReference"]
    m.ids["other_payment"] = other["payment"]["id"]
    m.ids["other_student_package"] = other["studentPackage"]["id"]
    m.ids["invoice"] = await _invoice_of(state, m.ids["payment"])
    m.ids["other_invoice"] = await _invoice_of(state, m.ids["other_payment"])
    refunded = await gql.data(
        REFUND,
        {"input": {"paymentId": m.ids["payment"], "amountMinor": 1000, "reason": "review"}},
        token=m.tokens["admin"],
    )
    assert refunded["refundPayment"]["errors"] == [], refunded
    m.ids["refund"] = refunded["refundPayment"]["refund"]["id"]
    assert refunded["refundPayment"]["refund"]["providerReference"]
    deposit = await gql.data(
        RECORD_DEPOSIT,
        {
            "input": {
                "reference": bank["payment"]["bankReference"],
                "amountMinor": bank["payment"]["amountMinor"],
                "currency": "GBP",
                "receivedOn": "2026-01-05",
            }
        },
        token=m.tokens["admin"],
    )
    m.ids["deposit"] = deposit["recordBankDeposit"]["deposit"]["id"]
    promo = await make_promo(state, a.school, "REVIEW10")
    m.ids["promo"] = gid("PromoCode", promo.id)

    # A's instructor taught a credit lesson and a paid lesson in October; paid out.
    credit_held, credit_booking = await _earning_lesson(state, a)
    m.ids["credit_package"] = gid("StudentPackage", credit_held)
    m.ids["credit_booking"] = gid("Booking", credit_booking.id)
    paid_lesson = await past_lesson(
        state,
        a,
        datetime(2025, 10, 11, 9, tzinfo=UTC),
        status="completed",
        student=a.world.student,
        instructor=a.world.instructor,
    )
    m.ids["lesson_payment"] = gid("Payment", await pay_cash(state, a, paid_lesson))
    m.ids["payout"] = await _payout(gql, m.tokens["admin"], a.world.instructor)

    # School B: the same shapes.
    b_card = await _buy(gql, m.tokens["b_student"], package_b)
    b_bank = await _buy(gql, m.tokens["b_student"], package_b, "BANK")
    m.ids["b_payment"] = b_card["payment"]["id"]
    m.ids["b_student_package"] = b_card["studentPackage"]["id"]
    m.ids["b_bank_payment"] = b_bank["payment"]["id"]
    m.rows["b_bank"] = b_bank["payment"]
    m.ids["b_invoice"] = await _invoice_of(state, m.ids["b_payment"])
    b_promo = await make_promo(state, b.school, "BSCHOOL")
    m.ids["b_promo"] = gid("PromoCode", b_promo.id)
    _, b_booking = await _earning_lesson(state, b)
    m.ids["b_booking"] = gid("Booking", b_booking.id)
    m.ids["b_payout"] = await _payout(gql, m.tokens["b_admin"], b.world.instructor)
    return m


def _visible_to(who: set[str]) -> dict[str, bool]:
    return {role: role in who for role in ROLES}


async def test_every_money_node_is_seen_exactly_by_who_the_rules_name(
    gql: GraphQLClient, money: Money
) -> None:
    # Given every kind of money row of school A's student (and a few of others)
    all_of_a = {r for r in ROLES if not r.startswith("b_")}
    expected = {
        "payment": FINANCE | {"student"},
        "bank_payment": FINANCE | {"student"},
        "lesson_payment": FINANCE | {"student"},
        "refund": FINANCE | {"student"},
        "invoice": FINANCE | {"student"},
        "student_package": {
            "platform",
            "admin",
            "admin_nofin",
            "admin_nopkg",
            "instructor",
            "student",
        },
        "other_payment": FINANCE | {"other_student"},
        "other_invoice": FINANCE | {"other_student"},
        "other_student_package": {
            "platform",
            "admin",
            "admin_nofin",
            "admin_nopkg",
            "other_instructor",
            "other_student",
        },
        "deposit": FINANCE,
        "payout": FINANCE | {"instructor"},
        "promo": {"platform", "admin", "admin_nofin"},
        "package_a": all_of_a,
        "b_payment": {"platform", "b_admin", "b_student"},
        "b_invoice": {"platform", "b_admin", "b_student"},
        "b_student_package": {"platform", "b_admin", "b_student", "b_instructor"},
        "b_payout": {"platform", "b_admin", "b_instructor"},
        "b_promo": {"platform", "b_admin"},
        "package_b": {"platform", "b_admin", "b_instructor", "b_student"},
    }
    names = list(expected)
    ids = [money.ids[name] for name in names]

    # When each role asks for each one by node(id:) and all of them at once by nodes(ids:)
    for role in ROLES:
        token = money.tokens[role]
        batch = (await gql.data(NODES, {"ids": ids}, token=token))["nodes"]
        for name, got in zip(names, batch, strict=True):
            single = (await gql.data(NODE, {"id": money.ids[name]}, token=token))["node"]
            # Then exactly the roles the rules name see it; to everyone else it is null
            visible = role in expected[name]
            assert (single is not None) is visible, (role, name, single)
            assert (got is not None) is visible, (role, name, got)
            if visible:
                assert single["id"] == got["id"] == money.ids[name]


async def test_provider_references_go_to_finance_admins_only_refunds_included(
    gql: GraphQLClient, money: Money
) -> None:
    # Given the student's refunded card payment and its refund (both with a provider ref)
    variables = {"payment": money.ids["payment"], "refund": money.ids["refund"]}
    seen = {
        role: await gql.data(SENSITIVE, variables, token=money.tokens[role])
        for role in ("platform", "admin", "admin_nopkg", "student")
    }
    listed = {
        role: (await gql.data(REFUNDS_OF, {"id": money.ids["payment"]}, token=money.tokens[role]))[
            "refunds"
        ]
        for role in ROLES
    }

    # Then finance admins read the provider's references, the student does not
    for role in ("platform", "admin", "admin_nopkg"):
        assert seen[role]["payment"]["providerReference"], role
        assert seen[role]["refund"]["providerReference"], role
        assert listed[role][0]["providerReference"], role
    assert seen["student"]["payment"]["providerReference"] is None
    assert seen["student"]["refund"]["providerReference"] is None
    assert listed["student"][0]["providerReference"] is None
    # and a payment's refunds list is empty for anyone who may not see the payment
    assert {r for r, rows in listed.items() if rows} == FINANCE | {"student"}


async def test_bank_reference_goes_to_the_student_and_finance_admins(
    gql: GraphQLClient, money: Money
) -> None:
    query = "query N($id: ID!) { node(id: $id) { ... on Payment { bankReference } } }"
    for role in ROLES:
        node = (await gql.data(query, {"id": money.ids["bank_payment"]}, token=money.tokens[role]))[
            "node"
        ]
        if role in FINANCE | {"student"}:
            assert node["bankReference"] == money.rows["bank_reference"], role
        else:
            assert node is None, role


def _ids(connection: dict[str, Any]) -> set[str]:
    return {edge["node"]["id"] for edge in connection["edges"]}


def _code(body: dict[str, Any]) -> str:
    assert body.get("data") is None or any(v is None for v in body["data"].values()), body
    return body["errors"][0]["extensions"]["code"]  # type: ignore[no-any-return]


async def test_lists_show_each_role_only_its_own_rows(gql: GraphQLClient, money: Money) -> None:
    ids = money.ids
    student_a = gid("User", money.a.world.student.id)
    mine_payments = {
        role: _ids((await gql.data(MY_PAYMENTS, token=money.tokens[role]))["myPayments"])
        for role in ROLES
    }
    mine_invoices = {
        role: _ids((await gql.data(MY_INVOICES, token=money.tokens[role]))["myInvoices"])
        for role in ROLES
    }
    assert mine_payments["student"] == {
        ids["payment"],
        ids["bank_payment"],
        ids["lesson_payment"],
    }
    assert mine_payments["other_student"] == {ids["other_payment"]}
    assert ids["b_payment"] in mine_payments["b_student"]
    assert mine_invoices["student"] >= {ids["invoice"]}
    assert ids["other_invoice"] not in mine_invoices["student"]
    assert mine_invoices["other_student"] == {ids["other_invoice"]}
    for role in ROLES:
        if "student" not in role:
            assert mine_payments[role] == set(), role
            assert mine_invoices[role] == set(), role

    for role in ROLES:
        token = money.tokens[role]
        payments = await gql.execute(PAYMENTS, {"student": student_a}, token=token)
        invoices = await gql.execute(INVOICES, {"student": student_a}, token=token)
        deposits = await gql.execute(DEPOSITS, token=token)
        if role in FINANCE:
            assert ids["payment"] in _ids(payments["data"]["payments"]), role
            assert ids["invoice"] in _ids(invoices["data"]["invoices"]), role
            assert ids["deposit"] in _ids(deposits["data"]["bankDeposits"]), role
        elif role == "b_admin":
            # another school's finance admin naming A's student: nothing, not an error
            assert _ids(payments["data"]["payments"]) == set()
            assert _ids(invoices["data"]["invoices"]) == set()
            assert ids["deposit"] not in _ids(deposits["data"]["bankDeposits"])
        else:
            for body in (payments, invoices, deposits):
                assert _code(body) == "FORBIDDEN", (role, body)

        promos = await gql.execute(PROMOS, token=token)
        if role in ("platform", "admin", "admin_nofin"):
            assert ids["promo"] in _ids(promos["data"]["promoCodes"]), role
        elif role == "b_admin":
            assert _ids(promos["data"]["promoCodes"]) == {ids["b_promo"]}
        else:
            assert _code(promos) == "FORBIDDEN", role

        payouts = await gql.execute(PAYOUTS, token=token)
        if role in FINANCE | {"instructor"}:
            assert ids["payout"] in _ids(payouts["data"]["payouts"]), role
        elif "student" in role or role == "admin_nofin":
            assert _code(payouts) == "FORBIDDEN", role
        else:
            assert ids["payout"] not in _ids(payouts["data"]["payouts"]), role


async def test_accounts_are_read_by_the_student_their_instructor_and_scoped_admins(
    gql: GraphQLClient, money: Money
) -> None:
    student_a = gid("User", money.a.world.student.id)
    readers = {"platform", "admin", "admin_nofin", "admin_nopkg", "instructor"}
    own_packages = {money.ids["student_package"], money.ids["credit_package"]}
    for role in ROLES:
        body = await gql.execute(STUDENT_ACCOUNT, {"id": student_a}, token=money.tokens[role])
        account = body["data"]["studentAccount"]
        if role in readers | {"student"}:
            assert account["student"]["id"] == student_a, role
            packages = {p["id"] for p in account["packages"]}
            assert own_packages <= packages, role
            assert money.ids["other_student_package"] not in packages
            ledger = {e["node"]["studentPackage"]["id"] for e in account["ledger"]["edges"]}
            assert ledger <= packages, role
        else:
            assert account is None, role
        mine = await gql.execute(MY_ACCOUNT, token=money.tokens[role])
        if "student" in role:
            assert mine["data"]["myAccount"]["student"]["id"] != student_a or role == "student"
        else:
            assert _code(mine) == "FORBIDDEN", role


async def test_a_credit_bookings_package_is_seen_only_through_the_account_rules(
    gql: GraphQLClient, money: Money
) -> None:
    seen = {
        role: (
            await gql.data(
                BOOKING_PACKAGE, {"id": money.ids["credit_booking"]}, token=money.tokens[role]
            )
        )["node"]
        for role in ROLES
    }
    for role, node in seen.items():
        if role in {"platform", "admin", "admin_nofin", "admin_nopkg", "instructor", "student"}:
            assert node["studentPackage"]["id"] == money.ids["credit_package"], role
        else:
            # the booking itself is not theirs: nothing of it, its package included
            assert node is None or node["studentPackage"] is None, (role, node)


async def test_earnings_are_the_instructors_own_and_finance_admins(
    gql: GraphQLClient, money: Money
) -> None:
    instructor_a = gid("User", money.a.world.instructor.id)
    nobody = gid("User", uuid.uuid4())
    results = {
        role: await gql.execute(
            INSTRUCTOR_EARNINGS, {"id": instructor_a, **OCTOBER}, token=money.tokens[role]
        )
        for role in ROLES
    }
    for role, body in results.items():
        if role in FINANCE | {"instructor"}:
            earnings = body["data"]["instructorEarnings"]
            assert earnings["grossMinor"] > 0, role
            students = {e["node"]["booking"]["student"]["id"] for e in earnings["lessons"]["edges"]}
            assert students == {gid("User", money.a.world.student.id)}, role
        elif role == "b_admin":
            unknown = await gql.execute(
                INSTRUCTOR_EARNINGS, {"id": nobody, **OCTOBER}, token=money.tokens[role]
            )
            assert body["data"] is None
            assert unknown["data"] is None
            assert body["errors"][0]["message"] == unknown["errors"][0]["message"]
            assert body["errors"][0]["extensions"] == unknown["errors"][0]["extensions"]
        else:
            assert _code(body) == "FORBIDDEN", (role, body)

    # myEarnings is always the caller's own: another instructor's figures never show
    other = await gql.data(MY_EARNINGS, OCTOBER, token=money.tokens["other_instructor"])
    assert other["myEarnings"]["grossMinor"] == 0
    assert other["myEarnings"]["lessons"]["edges"] == []
    for role in ("student", "admin"):
        assert _code(await gql.execute(MY_EARNINGS, OCTOBER, token=money.tokens[role])) in (
            "FORBIDDEN",
        ), role

    # schoolEarnings of school A by B's finance admin: as unknown as a school that does not exist
    school_a = gid("School", money.a.school.id)
    foreign = await gql.execute(
        SCHOOL_EARNINGS, {"school": school_a, **OCTOBER}, token=money.tokens["b_admin"]
    )
    unknown = await gql.execute(
        SCHOOL_EARNINGS,
        {"school": gid("School", uuid.uuid4()), **OCTOBER},
        token=money.tokens["b_admin"],
    )
    assert foreign["data"] is None
    assert unknown["data"] is None
    assert foreign["errors"][0]["message"] == unknown["errors"][0]["message"]
    for role in ("admin_nofin", "instructor", "student"):
        body = await gql.execute(SCHOOL_EARNINGS, OCTOBER, token=money.tokens[role])
        assert _code(body) == "FORBIDDEN", role


def _errors(body: dict[str, Any], name: str) -> list[dict[str, Any]]:
    assert "errors" not in body, body
    return body["data"][name]["errors"]  # type: ignore[no-any-return]


async def _same_as_unknown(
    gql: GraphQLClient,
    token: str,
    query: str,
    name: str,
    foreign: dict[str, Any],
    unknown: dict[str, Any],
) -> list[dict[str, Any]]:
    """Run a mutation on another school's id and on an id that does not exist: the same
    NOT_FOUND answer, word for word."""
    got = _errors(await gql.execute(query, {"input": foreign}, token=token), name)
    none = _errors(await gql.execute(query, {"input": unknown}, token=token), name)
    assert got == none, (name, got, none)
    assert got, name
    assert got[0]["code"].endswith("NOT_FOUND"), (name, got)
    return got


async def test_mutations_on_another_schools_ids_are_not_found(
    gql: GraphQLClient, money: Money, state: AppState
) -> None:
    token = money.tokens["admin"]
    ids = money.ids
    missing = {kind: gid(kind, uuid.uuid4()) for kind in ("Payment", "Invoice", "Payout", "User")}

    await _same_as_unknown(
        gql,
        token,
        RECORD_CASH,
        "recordCashPayment",
        {"paymentId": ids["b_bank_payment"]},
        {"paymentId": missing["Payment"]},
    )
    await _same_as_unknown(
        gql,
        token,
        REFUND,
        "refundPayment",
        {"paymentId": ids["b_payment"], "reason": "x"},
        {"paymentId": missing["Payment"], "reason": "x"},
    )
    await _same_as_unknown(
        gql,
        token,
        CREATE_PAYOUT,
        "createPayout",
        {
            "instructorId": gid("User", money.b.world.instructor.id),
            "periodStart": OCTOBER["start"],
            "periodEnd": OCTOBER["end"],
        },
        {"instructorId": missing["User"], "periodStart": "2025-10-01", "periodEnd": "2025-10-31"},
    )
    await _same_as_unknown(
        gql,
        token,
        MARK_PAYOUT_PAID,
        "markPayoutPaid",
        {"payoutId": ids["b_payout"], "reference": "X1"},
        {"payoutId": missing["Payout"], "reference": "X1"},
    )
    for name, (input_type, extra) in INVOICE_ACTIONS.items():
        query = (
            f"mutation M($input: {input_type}!) {{ {name}(input: $input) "
            "{ invoice { id } errors { code message field } } }"
        )
        await _same_as_unknown(
            gql,
            token,
            query,
            name,
            {"invoiceId": ids["b_invoice"], **extra},
            {"invoiceId": missing["Invoice"], **extra},
        )
    line = [{"description": "Lesson", "quantity": 1, "unitMinor": 100}]
    await _same_as_unknown(
        gql,
        token,
        CREATE_INVOICE,
        "createInvoice",
        {"studentId": gid("User", money.b.world.student.id), "items": line},
        {"studentId": missing["User"], "items": line},
    )
    await _same_as_unknown(
        gql,
        token,
        UPDATE_PACKAGE,
        "updateLessonPackage",
        {"packageId": ids["package_b"], "name": "Mine now"},
        {"packageId": gid("LessonPackage", uuid.uuid4()), "name": "Mine now"},
    )
    await _same_as_unknown(
        gql,
        token,
        UPDATE_PROMO,
        "updatePromoCode",
        {"promoCodeId": ids["b_promo"], "value": 99},
        {"promoCodeId": gid("PromoCode", uuid.uuid4()), "value": 99},
    )
    for role in ("admin", "student"):
        await _same_as_unknown(
            gql,
            money.tokens[role],
            PAY_FOR_BOOKING,
            "payForBooking",
            {"bookingId": ids["b_booking"], "method": "CARD"},
            {"bookingId": gid("Booking", uuid.uuid4()), "method": "CARD"},
        )
        await _same_as_unknown(
            gql,
            money.tokens[role],
            PURCHASE,
            "purchasePackage",
            {
                "packageId": ids["package_b"],
                "paymentMethod": "CARD",
                **({"studentId": gid("User", money.a.world.student.id)} if role == "admin" else {}),
            },
            {
                "packageId": gid("LessonPackage", uuid.uuid4()),
                "paymentMethod": "CARD",
                **({"studentId": gid("User", money.a.world.student.id)} if role == "admin" else {}),
            },
        )
    # an admin buying school A's package for school B's student: the student is unknown
    await _same_as_unknown(
        gql,
        token,
        PURCHASE,
        "purchasePackage",
        {
            "packageId": ids["package_a"],
            "paymentMethod": "CASH",
            "studentId": gid("User", money.b.world.student.id),
        },
        {"packageId": ids["package_a"], "paymentMethod": "CASH", "studentId": missing["User"]},
    )
    # a student quoting another school's package
    quote = await gql.execute(QUOTE, {"packageId": ids["package_b"]}, token=money.tokens["student"])
    unknown = await gql.execute(
        QUOTE, {"packageId": gid("LessonPackage", uuid.uuid4())}, token=money.tokens["student"]
    )
    assert quote["errors"][0]["message"] == unknown["errors"][0]["message"]
    assert quote["errors"][0]["extensions"] == unknown["errors"][0]["extensions"]

    # And nothing of school B changed
    b_bank = await get(state, Payment, pk_of(ids["b_bank_payment"]))
    b_card = await get(state, Payment, pk_of(ids["b_payment"]))
    assert (b_bank.status, b_bank.method) == ("pending", "bank")
    assert (b_card.status, b_card.refunded_minor) == ("succeeded", 0)


async def test_a_bank_deposit_never_matches_another_schools_payment(
    gql: GraphQLClient, money: Money, state: AppState
) -> None:
    # When school A's admin records a deposit quoting school B's pending bank payment
    b_bank = money.rows["b_bank"]
    data = await gql.data(
        RECORD_DEPOSIT,
        {
            "input": {
                "reference": b_bank["bankReference"],
                "amountMinor": b_bank["amountMinor"],
                "currency": "GBP",
                "receivedOn": "2026-01-06",
            }
        },
        token=money.tokens["admin"],
    )
    # Then it is kept unmatched in school A and school B's payment is untouched
    recorded = data["recordBankDeposit"]
    assert recorded["deposit"]["status"] == "UNMATCHED"
    assert recorded["payment"] is None
    assert recorded["errors"] == []
    payment = await get(state, Payment, pk_of(money.ids["b_bank_payment"]))
    assert payment.status == "pending"
    # and B's admin never sees A's deposit
    assert recorded["deposit"]["id"] not in _ids(
        (await gql.data(DEPOSITS, token=money.tokens["b_admin"]))["bankDeposits"]
    )


async def test_webhooks_settle_nothing_with_a_forged_or_another_providers_event(
    gql: GraphQLClient, money: Money, state: AppState, server: RunningServer
) -> None:
    # Given school B's pending payment, once as another provider's charge
    payment_id = pk_of(money.ids["b_bank_payment"])
    async with state.db.transaction() as session:
        await session.execute(
            update(Payment)
            .where(Payment.id == payment_id)
            .values(provider="stripe", provider_reference="pi_foreign")
        )
    secret = server.app.state.runtime.settings.webhook_secret

    async def send(reference: str, event_id: str, key: str) -> Any:
        body = orjson.dumps(
            {
                "id": event_id,
                "type": "payment_intent.succeeded",
                "data": {"object": {"id": reference, "object": "payment_intent"}},
            }
        )
        return await gql.http.post(
            "/webhooks/stripe",
            content=body,
            headers={
                "stripe-signature": signing.header(body, key),
                "content-type": "application/json",
            },
        )

    # When a forged event (wrong secret) and a genuine one naming the other provider's charge arrive
    forged = await send("pi_foreign", "evt_forged", "whsec_not_the_secret")
    foreign = await send("pi_foreign", "evt_foreign", secret)

    # Then neither settles it
    assert forged.status_code == 400
    assert foreign.status_code == 200
    assert foreign.json()["result"] == "unknown_payment"
    assert (await get(state, Payment, payment_id)).status == "pending"


async def test_suspended_and_not_yet_active_users_cannot_move_money(
    gql: GraphQLClient, money: Money, state: AppState
) -> None:
    # Given a student waiting for approval with a lesson to pay, and a student suspended
    # after logging in
    world = money.a.world
    lesson = await past_lesson(
        state,
        money.a,
        datetime(2025, 10, 20, 9, tzinfo=UTC),
        status="completed",
        student=world.pending,
        instructor=world.instructor,
    )
    pending = await gql.login(world.pending.email)
    async with state.db.transaction() as session:
        await session.execute(
            update(User).where(User.id == world.other_student.id).values(status="suspended")
        )
    suspended = money.tokens["other_student"]
    buy = purchase_input(money.rows["package_a"], "BANK")
    pay = {"input": {"bookingId": gid("Booking", lesson.id), "method": "BANK"}}

    # When they try to buy or pay
    pending_buy = await gql.execute(PURCHASE, buy, token=pending)
    pending_pay = await gql.execute(PAY_FOR_BOOKING, pay, token=pending)
    suspended_buy = await gql.execute(PURCHASE, buy, token=suspended)

    # Then the pending student is refused like everywhere else (FORBIDDEN), the suspended
    # one is not even authenticated, and no payment was written for either
    assert _code(pending_buy) == "FORBIDDEN"
    assert _code(pending_pay) == "FORBIDDEN", pending_pay
    assert _code(suspended_buy) == "UNAUTHENTICATED"
    async with state.db.session() as session:
        written = await session.scalar(
            select(func.count())
            .select_from(Payment)
            .where(Payment.student_id.in_([world.pending.id, world.other_student.id]))
        )
    assert written == 1  # the other student's purchase made in the fixture


async def test_the_account_feed_never_carries_another_students_events_even_on_replay(
    server: RunningServer, gql: GraphQLClient, money: Money, state: AppState
) -> None:
    # Given everything the fixture did (both students' payments, refunds, grants)
    student = gid("User", money.a.world.student.id)
    async with state.db.session() as session:
        mine = await session.scalar(
            select(func.count())
            .select_from(OutboxEvent)
            .where(
                OutboxEvent.event_type == "account.changed",
                OutboxEvent.channel_keys.contains([user_key(money.a.world.student.id)]),
            )
        )
        first = await session.scalar(select(func.min(OutboxEvent.id)))
    assert mine
    assert first

    # When the student replays their feed from the very first event
    ws = await connect(server.ws_url, money.tokens["student"])
    op = await ws.subscribe(ACCOUNT_CHANGED, {"after": str(first - 1)})
    replayed = []
    for _ in range(mine):
        payload = await ws.next_data(op)
        assert "errors" not in payload, payload
        replayed.append(payload["data"]["myAccountChanged"])
    # Then every event is their own account, and nothing else follows
    assert {e["account"]["student"]["id"] for e in replayed} == {student}
    assert money.ids["other_student_package"] not in {
        p["id"] for e in replayed for p in e["account"]["packages"]
    }
    await ws.expect_silence(0.5)

    # And live: the other student buying is not heard
    live = await connect(server.ws_url, money.tokens["student"])
    await subscribe_live(live, state, ACCOUNT_CHANGED)
    await _buy(gql, money.tokens["other_student"], money.rows["package_a"])
    await live.expect_silence(0.7)
    await ws.close()
    await live.close()


async def test_an_instructor_whose_assignment_ended_no_longer_reads_the_account(
    gql: GraphQLClient, money: Money, state: AppState
) -> None:
    # Given the instructor who taught the student's credit lesson, no longer assigned
    from models.assignments import InstructorAssignment

    async with state.db.transaction() as session:
        await session.execute(
            update(InstructorAssignment)
            .where(InstructorAssignment.id == money.a.world.assignment.id)
            .values(status="ended")
        )
    token = money.tokens["instructor"]
    student_a = gid("User", money.a.world.student.id)

    # Then the account and the packages are gone for them (a live assignment is needed),
    # while the lesson they taught stays theirs
    account = await gql.data(STUDENT_ACCOUNT, {"id": student_a}, token=token)
    package = await gql.data(NODE, {"id": money.ids["student_package"]}, token=token)
    booking = await gql.data(BOOKING_PACKAGE, {"id": money.ids["credit_booking"]}, token=token)
    assert account["studentAccount"] is None
    assert package["node"] is None
    assert booking["node"]["id"] == money.ids["credit_booking"]
    assert booking["node"]["studentPackage"] is None


async def test_a_promo_code_of_another_school_is_as_unknown_as_a_made_up_one(
    gql: GraphQLClient, money: Money
) -> None:
    # When school B's student quotes B's package with school A's code and with a made-up one
    quote = "query Q($p: ID!, $c: String) { quotePurchase(packageId: $p, promoCode: $c) "
    quote += "{ promoDiscountMinor promoError { code message field } } }"
    token = money.tokens["b_student"]
    foreign = await gql.data(quote, {"p": money.ids["package_b"], "c": "REVIEW10"}, token=token)
    unknown = await gql.data(quote, {"p": money.ids["package_b"], "c": "NOSUCH99"}, token=token)

    # Then both answer PROMO_NOT_FOUND, word for word, with no discount
    assert foreign == unknown
    assert foreign["quotePurchase"]["promoError"]["code"] == "PROMO_NOT_FOUND"
    assert foreign["quotePurchase"]["promoDiscountMinor"] == 0
