"""A student's account (SPEC §3): balance, packages and credit statement for the student,
read only for the school's money admins and the student's instructors; package expiry."""

from __future__ import annotations

from datetime import UTC, datetime

from resolvers.context import AppState
from services.actor import Role
from services.packages import expiry
from services.uow import unit_of_work
from tests.packages.helpers import (
    BOOK,
    assert_ledger_agrees,
    expire_now,
    give_package,
    package_row,
)
from tests.scheduling.helpers import days_ahead, iso, local, make_diary
from tests.support import Factory, GraphQLClient, gid

ACCOUNT_FIELDS = """
  creditBalance
  student { id }
  packages {
    id name lessonsTotal lessonsRemaining expiresAt purchasedAt amountPaidMinor currency status
    instructor { id fullName } lessonType { id name }
  }
  ledger(first: 10) {
    edges { node { delta balanceAfter reason note createdAt booking { id } studentPackage { id } } }
    pageInfo { hasNextPage endCursor }
  }
"""

MY_ACCOUNT = f"query {{ myAccount {{ {ACCOUNT_FIELDS} }} }}"
STUDENT_ACCOUNT = f"query S($id: ID!) {{ studentAccount(studentId: $id) {{ {ACCOUNT_FIELDS} }} }}"
ACTIVE_ONLY = "query { myAccount { packages(status: ACTIVE) { id } } }"


async def test_my_account_shows_balance_packages_and_the_statement(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    diary = await make_diary(factory)
    student = diary.world.student
    first = await give_package(state, diary, student, lessons=3, amount_minor=10_000)
    await give_package(
        state,
        diary,
        student,
        lessons=2,
        instructor_id=diary.world.instructor.id,
        lesson_type_id=diary.lesson_type.id,
    )
    token = await gql.login(student.email)
    booked = await gql.data(
        BOOK,
        {
            "input": {
                **diary.ids(),
                "startsAt": iso(local(days_ahead(3), 9)),
                "studentPackageId": gid("StudentPackage", first),
            }
        },
        token=token,
    )
    booking_id = booked["bookLesson"]["booking"]["id"]

    account = (await gql.data(MY_ACCOUNT, token=token))["myAccount"]
    assert account["creditBalance"] == 4
    assert account["student"]["id"] == gid("User", student.id)
    by_id = {p["id"]: p for p in account["packages"]}
    mine = by_id[gid("StudentPackage", first)]
    assert (mine["lessonsTotal"], mine["lessonsRemaining"], mine["status"]) == (3, 2, "ACTIVE")
    assert (mine["amountPaidMinor"], mine["currency"]) == (10_000, "GBP")
    assert mine["expiresAt"]
    assert mine["purchasedAt"]
    tied = next(p for p in account["packages"] if p["instructor"])
    assert tied["lessonType"]["name"] == "Standard lesson"
    statement = [e["node"] for e in account["ledger"]["edges"]]
    assert statement[0]["reason"] == "BOOKING"
    assert statement[0]["delta"] == -1
    assert statement[0]["booking"]["id"] == booking_id
    assert sorted(e["reason"] for e in statement) == ["BOOKING", "PURCHASE", "PURCHASE"]

    # Students only have their own account; others get none
    other = await gql.login(diary.world.other_student.email)
    assert (await gql.data(MY_ACCOUNT, token=other))["myAccount"]["creditBalance"] == 0
    nothing = await gql.data(STUDENT_ACCOUNT, {"id": gid("User", student.id)}, token=other)
    assert nothing["studentAccount"] is None


async def test_admins_and_assigned_instructors_read_a_students_account(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    diary = await make_diary(factory)
    stranger_school = await make_diary(factory)
    await give_package(state, diary, diary.world.student, lessons=5)
    variables = {"id": gid("User", diary.world.student.id)}

    for reader in (diary.world.admin, diary.world.instructor):
        token = await gql.login(reader.email)
        account = (await gql.data(STUDENT_ACCOUNT, variables, token=token))["studentAccount"]
        assert account["creditBalance"] == 5, reader.role
        assert len(account["packages"]) == 1

    for outsider in (diary.world.other_instructor, stranger_school.world.admin):
        token = await gql.login(outsider.email)
        assert (await gql.data(STUDENT_ACCOUNT, variables, token=token))["studentAccount"] is None

    # Admins have no account of their own
    admin = await gql.login(diary.world.admin.email)
    body = await gql.execute(MY_ACCOUNT, token=admin)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_expired_packages_leave_the_balance_and_the_ledger_says_why(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    diary = await make_diary(factory)
    package_id = await give_package(state, diary, diary.world.student, lessons=4)
    kept = await give_package(state, diary, diary.world.student, lessons=1)
    await expire_now(state, package_id)

    async with unit_of_work(state.db, state.hub, state.deps) as uow:
        handled = await expiry.expire_packages(uow, datetime.now(UTC))
    async with unit_of_work(state.db, state.hub, state.deps) as uow:
        again = await expiry.expire_packages(uow, datetime.now(UTC))

    assert (handled, again) == (1, 0)
    row = await package_row(state, package_id)
    assert (row.status, row.lessons_remaining) == ("expired", 0)
    rows = await assert_ledger_agrees(state, package_id)
    assert [(r.reason, r.delta) for r in rows] == [("purchase", 4), ("expired", -4)]
    token = await gql.login(diary.world.student.email)
    account = (await gql.data(MY_ACCOUNT, token=token))["myAccount"]
    assert account["creditBalance"] == 1
    active = (await gql.data(ACTIVE_ONLY, token=token))["myAccount"]["packages"]
    assert active == [{"id": gid("StudentPackage", kept)}]


async def test_my_account_costs_the_same_for_2_and_20_packages(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    counts = []
    for how_many in (2, 20):
        diary = await make_diary(factory)
        student = await factory.user(diary.school, Role.STUDENT)
        for n in range(how_many):
            await give_package(
                state,
                diary,
                student,
                lessons=2,
                instructor_id=diary.world.instructor.id if n % 2 else None,
                lesson_type_id=diary.lesson_type.id if n % 3 else None,
            )
        token = await gql.login(student.email)
        body = await gql.execute(MY_ACCOUNT, token=token)
        assert "errors" not in body, body
        assert len(body["data"]["myAccount"]["packages"]) == how_many
        counts.append(body["extensions"]["sqlStatements"])
    assert counts[0] == counts[1], counts
