"""Who sees which payments: the student their own, finance admins their school's, nobody
else — through lists, node(id:) and the sensitive fields."""

from __future__ import annotations

from sqlalchemy import update

from models.accounts import AdminProfile
from resolvers.context import AppState
from tests.payments.helpers import PURCHASE, make_package, purchase_input
from tests.support import GraphQLClient, SchoolWorld

NODE = """
query Node($id: ID!) {
  node(id: $id) { ... on Payment { id amountMinor bankReference providerReference } }
}
"""

MINE = """
query { myPayments(first: 10) { edges { node { id kind status } } } }
"""

SCHOOL = """
query School($filter: PaymentFilter) {
  payments(filter: $filter, first: 10) {
    edges { node { id status method student { id } } }
    pageInfo { hasNextPage }
  }
}
"""


async def test_payments_are_seen_by_their_student_and_the_schools_finance_admins(
    gql: GraphQLClient, world: SchoolWorld, other_world: SchoolWorld, state: AppState
) -> None:
    package = await make_package(state, world.school)
    student = await gql.login(world.student.email)
    card = (await gql.data(PURCHASE, purchase_input(package), token=student))["purchasePackage"]
    bank = (await gql.data(PURCHASE, purchase_input(package, "BANK"), token=student))[
        "purchasePackage"
    ]
    card_id, bank_id = card["payment"]["id"], bank["payment"]["id"]
    tokens = {
        "student": student,
        "other_student": await gql.login(world.other_student.email),
        "instructor": await gql.login(world.instructor.email),
        "admin": await gql.login(world.admin.email),
        "foreign_admin": await gql.login(other_world.admin.email),
    }

    seen = {
        who: (await gql.data(NODE, {"id": bank_id}, token=token))["node"]
        for who, token in tokens.items()
    }
    assert seen["other_student"] is None
    assert seen["instructor"] is None
    assert seen["foreign_admin"] is None
    assert seen["student"]["bankReference"] == bank["payment"]["bankReference"]
    assert seen["student"]["providerReference"] is None
    assert seen["admin"]["bankReference"] == bank["payment"]["bankReference"]
    admin_card = (await gql.data(NODE, {"id": card_id}, token=tokens["admin"]))["node"]
    assert admin_card["providerReference"].startswith("lp_")

    mine = await gql.data(MINE, token=student)
    assert {e["node"]["id"] for e in mine["myPayments"]["edges"]} == {card_id, bank_id}
    assert (await gql.data(MINE, token=tokens["other_student"]))["myPayments"]["edges"] == []

    school = await gql.data(SCHOOL, {"filter": {"status": "PENDING"}}, token=tokens["admin"])
    assert [e["node"]["id"] for e in school["payments"]["edges"]] == [bank_id]
    foreign = await gql.data(SCHOOL, token=tokens["foreign_admin"])
    assert foreign["payments"]["edges"] == []
    for who in ("student", "instructor"):
        body = await gql.execute(SCHOOL, token=tokens[who])
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", who


async def test_an_admin_without_the_finances_flag_sees_no_payments(
    gql: GraphQLClient, world: SchoolWorld, state: AppState
) -> None:
    package = await make_package(state, world.school)
    student = await gql.login(world.student.email)
    bought = (await gql.data(PURCHASE, purchase_input(package), token=student))["purchasePackage"]
    async with state.db.transaction() as session:
        await session.execute(
            update(AdminProfile)
            .where(AdminProfile.user_id == world.admin.id)
            .values(can_manage_finances=False)
        )
    admin = await gql.login(world.admin.email)

    node = await gql.data(NODE, {"id": bought["payment"]["id"]}, token=admin)
    listed = await gql.execute(SCHOOL, token=admin)

    assert node["node"] is None
    assert listed["errors"][0]["extensions"]["code"] == "FORBIDDEN"
