"""Invoices: amounts and tax to the penny, status rules, who sees what, the auto-invoice
of a settled payment, and a list whose statement count does not grow with its length."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from resolvers.context import AppState
from services.payments import invoices
from services.payments.invoices import inclusive_tax
from services.uow import unit_of_work
from tests.billing.helpers import (
    CREATE_INVOICE,
    INVOICES,
    ISSUE_INVOICE,
    MARK_PAID,
    MY_INVOICES,
    VOID_INVOICE,
    package_payment,
    set_tax_rate,
)
from tests.support import Factory, GraphQLClient, SchoolWorld, gid

LIST_STATEMENTS = 4

NODE = """
query Node($id: ID!) { node(id: $id) { id ... on Invoice { number status } } }
"""


def create_input(student: Any, **fields: Any) -> dict[str, Any]:
    return {
        "input": {
            "studentId": gid("User", student.id),
            "items": [
                {"description": "Lesson", "quantity": 3, "unitMinor": 3333},
                {"description": "Booking fee", "quantity": 1, "unitMinor": 1},
            ],
            **fields,
        }
    }


async def create(gql: GraphQLClient, token: str, student: Any, **fields: Any) -> dict[str, Any]:
    data = await gql.data(CREATE_INVOICE, create_input(student, **fields), token=token)
    assert data["createInvoice"]["errors"] == [], data
    return data["createInvoice"]["invoice"]  # type: ignore[no-any-return]


async def test_amounts_and_tax_add_up_to_the_penny(
    gql: GraphQLClient, world: SchoolWorld, state: AppState
) -> None:
    await set_tax_rate(state, world.school.id, 2000)
    token = await gql.login(world.admin.email)

    invoice = await create(
        gql, token, world.student, discountMinor=1001, dueOn="2030-01-31", notes="Thanks"
    )

    # 3 x 33.33 + 0.01 = 100.00; less 10.01 = 89.99; 20 % of it is 17.998 → 18.00
    assert invoice["subtotalMinor"] == 10000
    assert invoice["discountMinor"] == 1001
    assert invoice["taxRateBps"] == 2000
    assert invoice["taxMinor"] == 1800
    assert invoice["totalMinor"] == 10799
    assert invoice["currency"] == "GBP"
    assert invoice["status"] == "DRAFT"
    assert invoice["issuedAt"] is None
    assert invoice["dueOn"] == "2030-01-31"
    assert invoice["notes"] == "Thanks"
    assert invoice["number"] == 1
    assert invoice["displayNumber"] == "INV-000001"
    assert invoice["student"]["id"] == gid("User", world.student.id)
    assert [
        (i["position"], i["quantity"], i["unitMinor"], i["amountMinor"]) for i in invoice["items"]
    ] == [
        (1, 3, 3333, 9999),
        (2, 1, 1, 1),
    ]

    # 17.5 %: 89.99 x 0.175 = 15.74825 → 15.75
    await set_tax_rate(state, world.school.id, 1750)
    other = await create(gql, token, world.student, discountMinor=1001, issue=True)
    assert (other["taxMinor"], other["totalMinor"], other["number"]) == (1575, 10574, 2)
    assert other["status"] == "ISSUED"
    assert other["issuedAt"] is not None


def test_tax_inside_a_tax_inclusive_amount_rounds_half_up() -> None:
    assert inclusive_tax(20000, 2000) == 3333  # 200.00 / 1.2 = 166.666… → 166.67
    assert inclusive_tax(999, 2000) == 166  # 9.99 / 1.2 = 8.325 → 8.33 (half up)
    assert inclusive_tax(12000, 2000) == 2000
    assert inclusive_tax(5000, 0) == 0
    assert inclusive_tax(1, 2000) == 0
    for gross in range(1, 3000):
        for rate in (0, 500, 1750, 2000, 10000):
            tax = inclusive_tax(gross, rate)
            net = gross - tax
            # net is the nearest whole penny to gross / (1 + rate), halves up
            assert abs(net * (10000 + rate) - gross * 10000) * 2 <= 10000 + rate


async def test_status_rules(gql: GraphQLClient, world: SchoolWorld, state: AppState) -> None:
    token = await gql.login(world.admin.email)

    async def run(doc: str, field: str, **fields: Any) -> dict[str, Any]:
        data = await gql.data(doc, {"input": fields}, token=token)
        return data[field]  # type: ignore[no-any-return]

    # draft → issued → paid
    draft = await create(gql, token, world.student)
    issued = await run(ISSUE_INVOICE, "issueInvoice", invoiceId=draft["id"])
    assert issued["invoice"]["status"] == "ISSUED"
    assert issued["invoice"]["issuedAt"] is not None
    again = await run(ISSUE_INVOICE, "issueInvoice", invoiceId=draft["id"])
    assert again["errors"][0]["code"] == "INVALID_STATUS"
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    early = await run(MARK_PAID, "markInvoicePaid", invoiceId=draft["id"], paidAt=future)
    assert early["errors"][0]["code"] == "INVALID"
    paid_at = (datetime.now(UTC) - timedelta(hours=1)).replace(microsecond=0)
    paid = await run(
        MARK_PAID, "markInvoicePaid", invoiceId=draft["id"], paidAt=paid_at.isoformat()
    )
    assert paid["errors"] == []
    assert paid["invoice"]["status"] == "PAID"
    assert datetime.fromisoformat(paid["invoice"]["paidAt"]) == paid_at

    # a paid invoice is final
    for doc, field, extra in (
        (VOID_INVOICE, "voidInvoice", {"reason": "Oops"}),
        (ISSUE_INVOICE, "issueInvoice", {}),
        (MARK_PAID, "markInvoicePaid", {}),
    ):
        refused = await run(doc, field, invoiceId=draft["id"], **extra)
        assert refused["errors"][0]["code"] == "INVOICE_NOT_EDITABLE", field

    # a draft cannot be paid; it can be voided, keeping its number; a void one is final
    second = await create(gql, token, world.student)
    unpaid = await run(MARK_PAID, "markInvoicePaid", invoiceId=second["id"])
    assert unpaid["errors"][0]["code"] == "INVALID_STATUS"
    no_reason = await run(VOID_INVOICE, "voidInvoice", invoiceId=second["id"], reason=" ")
    assert no_reason["errors"][0]["code"] == "INVALID"
    voided = await run(VOID_INVOICE, "voidInvoice", invoiceId=second["id"], reason="Duplicate")
    assert voided["invoice"]["status"] == "VOID"
    assert voided["invoice"]["voidedAt"] is not None
    assert voided["invoice"]["number"] == 2
    reissue = await run(ISSUE_INVOICE, "issueInvoice", invoiceId=second["id"])
    assert reissue["errors"][0]["code"] == "INVOICE_NOT_EDITABLE"

    # an issued invoice can be voided too
    third = await create(gql, token, world.student, issue=True)
    assert third["number"] == 3
    voided = await run(VOID_INVOICE, "voidInvoice", invoiceId=third["id"], reason="Wrong")
    assert voided["invoice"]["status"] == "VOID"


async def test_bad_invoices_are_refused(
    gql: GraphQLClient, world: SchoolWorld, other_world: SchoolWorld, state: AppState
) -> None:
    token = await gql.login(world.admin.email)
    line = {"description": "Lesson", "quantity": 1, "unitMinor": 100}
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"items": []}, "INVALID", "items"),
        ({"items": [line] * 51}, "INVALID", "items"),
        ({"items": [{**line, "quantity": 0}]}, "INVALID", "items.quantity"),
        ({"items": [{**line, "unitMinor": -1}]}, "INVALID", "items.unitMinor"),
        ({"items": [{**line, "description": " "}]}, "INVALID", "items.description"),
        ({"items": [line], "discountMinor": 101}, "INVALID", "discountMinor"),
        ({"items": [line], "discountMinor": -1}, "INVALID", "discountMinor"),
        (
            {"items": [{**line, "quantity": 1000, "unitMinor": 10_000_000}] * 50},
            "INVALID",
            "items",
        ),
        (
            {"items": [line], "studentId": gid("User", other_world.student.id)},
            "NOT_FOUND",
            "studentId",
        ),
        (
            {"items": [line], "studentId": gid("User", world.instructor.id)},
            "NOT_FOUND",
            "studentId",
        ),
    ]
    for fields, code, field in cases:
        variables = {"input": {"studentId": gid("User", world.student.id), **fields}}
        data = await gql.data(CREATE_INVOICE, variables, token=token)
        errors = data["createInvoice"]["errors"]
        assert (errors[0]["code"], errors[0]["field"]) == (code, field), fields
    listed = await gql.data(INVOICES, {}, token=token)
    assert listed["invoices"]["edges"] == []


async def test_who_sees_and_changes_invoices(
    gql: GraphQLClient, world: SchoolWorld, other_world: SchoolWorld, state: AppState
) -> None:
    admin = await gql.login(world.admin.email)
    draft = await create(gql, admin, world.student)
    issued = await create(gql, admin, world.student, issue=True)
    await create(gql, admin, world.other_student, issue=True)

    # The admin lists the school's, filtered by student and status
    everything = await gql.data(INVOICES, {}, token=admin)
    assert len(everything["invoices"]["edges"]) == 3
    filtered = await gql.data(
        INVOICES,
        {"filter": {"studentId": gid("User", world.student.id), "status": "ISSUED"}},
        token=admin,
    )
    assert [e["node"]["id"] for e in filtered["invoices"]["edges"]] == [issued["id"]]

    # The student sees their own, drafts excepted, in myInvoices and through node(id:)
    student = await gql.login(world.student.email)
    mine = await gql.data(MY_INVOICES, token=student)
    assert [e["node"]["id"] for e in mine["myInvoices"]["edges"]] == [issued["id"]]
    assert (await gql.data(NODE, {"id": issued["id"]}, token=student))["node"]["number"] == 2
    assert (await gql.data(NODE, {"id": draft["id"]}, token=student))["node"] is None
    other_student = await gql.login(world.other_student.email)
    assert (await gql.data(NODE, {"id": issued["id"]}, token=other_student))["node"] is None

    # Students and instructors may not list or change the school's invoices
    for user in (world.student, world.instructor):
        token = await gql.login(user.email)
        body = await gql.execute(INVOICES, {}, token=token)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        body = await gql.execute(ISSUE_INVOICE, {"input": {"invoiceId": draft["id"]}}, token=token)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    # Another school's admin: not found, and not listed
    other = await gql.login(other_world.admin.email)
    data = await gql.data(ISSUE_INVOICE, {"input": {"invoiceId": draft["id"]}}, token=other)
    assert data["issueInvoice"]["errors"][0]["code"] == "NOT_FOUND"
    assert (await gql.data(NODE, {"id": draft["id"]}, token=other))["node"] is None
    assert (await gql.data(INVOICES, {}, token=other))["invoices"]["edges"] == []


async def test_a_settled_payment_gets_a_paid_tax_inclusive_invoice(
    gql: GraphQLClient, factory: Factory, world: SchoolWorld, state: AppState
) -> None:
    await set_tax_rate(state, world.school.id, 2000)
    admin = await gql.login(world.admin.email)
    await create(gql, admin, world.student)  # number 1

    paid = await package_payment(factory, world, price_minor=20000, method="card")

    student = await gql.login(world.student.email)
    mine = await gql.data(MY_INVOICES, token=student)
    [invoice] = [e["node"] for e in mine["myInvoices"]["edges"]]
    assert invoice["payment"] == {"id": gid("Payment", paid.payment.id)}
    assert invoice["status"] == "PAID"
    assert invoice["number"] == 2
    assert invoice["totalMinor"] == 20000
    assert invoice["taxMinor"] == 3333
    assert invoice["subtotalMinor"] == 16667
    assert invoice["discountMinor"] == 0
    assert invoice["paidAt"] is not None
    assert invoice["issuedAt"] is not None
    assert invoice["items"] == [
        {
            "position": 1,
            "description": "Package: 5 lessons",
            "quantity": 1,
            "unitMinor": 16667,
            "amountMinor": 16667,
        }
    ]


async def test_the_invoice_list_costs_the_same_for_5_and_40(
    gql: GraphQLClient, factory: Factory, world: SchoolWorld, other_world: SchoolWorld
) -> None:
    state = factory.state
    actor = await factory.actor()
    counts = []
    for school_world, n in ((world, 5), (other_world, 40)):
        async with unit_of_work(state.db, state.hub, state.deps) as uow:
            for i in range(n):
                student = school_world.student if i % 2 else school_world.other_student
                await invoices.create_invoice(
                    uow,
                    actor,
                    invoices.InvoiceRequest(
                        student_id=student.id,
                        items=[invoices.ItemRequest(f"Line {k}", 1, 100 * k) for k in range(1, 4)],
                        issue=True,
                    ),
                )
        token = await gql.login(school_world.admin.email)
        body = await gql.execute(INVOICES, {"first": 100}, token=token)
        assert "errors" not in body, body
        edges = body["data"]["invoices"]["edges"]
        assert len(edges) == n
        assert all(len(e["node"]["items"]) == 3 for e in edges)
        assert all(e["node"]["student"] is not None for e in edges)
        counts.append(body["extensions"]["sqlStatements"])
    # The session check, the page, then one batch each for the items and the students.
    assert counts[0] == counts[1] == LIST_STATEMENTS
