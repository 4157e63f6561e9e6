"""purchasePackage end to end: price, promo code, payment, and the credits on settle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from models.events import AuditEntry
from models.packages import CreditEntry, StudentPackage
from models.payments import Payment
from resolvers.context import AppState
from tests.payments.helpers import (
    PURCHASE,
    QUOTE,
    count,
    get,
    make_package,
    make_promo,
    payments_of,
    pk_of,
    purchase_input,
    student_packages,
    times_used,
)
from tests.support import GraphQLClient, SchoolWorld, gid


async def test_a_student_buys_a_package_by_card_and_gets_its_credits(
    gql: GraphQLClient, world: SchoolWorld, state: AppState
) -> None:
    # Given a 10-lesson package at £400 with 10% off, and a 10% promo code
    package = await make_package(state, world.school, discount_percent=10, validity_days=30)
    promo = await make_promo(state, world.school, "WELCOME10", value=10)
    token = await gql.login(world.student.email)

    # When the student buys it by card with the code
    data = await gql.data(
        PURCHASE, purchase_input(package, promoCode="welcome10", idempotencyKey="k1"), token=token
    )

    # Then £400 - £40 - £36 = £324 is charged and the package is active with 10 credits
    result = data["purchasePackage"]
    assert result["errors"] == []
    payment = result["payment"]
    assert payment["status"] == "SUCCEEDED"
    assert (payment["kind"], payment["method"]) == ("PACKAGE", "CARD")
    assert payment["amountMinor"] == 32400
    assert payment["currency"] == "GBP"
    assert payment["providerReference"] is None  # students never see it
    assert payment["studentPackage"]["id"] == result["studentPackage"]["id"]
    held = await get(state, StudentPackage, pk_of(result["studentPackage"]["id"]))
    assert held.status == "active"
    assert (held.lessons_total, held.lessons_remaining) == (10, 10)
    assert held.amount_paid_minor == 32400
    assert held.discount_minor == 4000 + 3600
    assert held.expires_at - held.purchased_at == timedelta(days=30)
    assert await times_used(state, promo) == (1, 1)
    assert await count(state, CreditEntry, CreditEntry.student_package_id == held.id) == 1
    async with state.db.session() as session:
        actions = set(
            (
                await session.scalars(
                    select(AuditEntry.action).where(AuditEntry.school_id == world.school.id)
                )
            ).all()
        )
    assert {
        "package.purchased",
        "payment.created",
        "payment.succeeded",
        "package.activated",
    } <= actions


async def test_quote_prices_without_writing_anything(
    gql: GraphQLClient, world: SchoolWorld, state: AppState
) -> None:
    package = await make_package(state, world.school, price_minor=10000, discount_percent=15)
    promo = await make_promo(state, world.school, "FIVER", kind="fixed", value=500)
    await make_promo(state, world.school, "LATER", starts_at=datetime.now(UTC) + timedelta(days=1))
    token = await gql.login(world.student.email)
    pid = gid("LessonPackage", package.id)

    quoted = (await gql.data(QUOTE, {"packageId": pid, "promoCode": "fiver"}, token=token))[
        "quotePurchase"
    ]
    later = (await gql.data(QUOTE, {"packageId": pid, "promoCode": "LATER"}, token=token))[
        "quotePurchase"
    ]

    assert quoted == {
        "listPriceMinor": 10000,
        "packageDiscountMinor": 1500,
        "promoDiscountMinor": 500,
        "totalMinor": 8000,
        "currency": "GBP",
        "promoError": None,
    }
    assert later["totalMinor"] == 8500
    assert later["promoError"]["code"] == "PROMO_NOT_STARTED"
    assert await times_used(state, promo) == (0, 0)
    assert await count(state, StudentPackage) == 0


async def test_promo_rules_are_typed_errors_and_change_nothing(
    gql: GraphQLClient, world: SchoolWorld, state: AppState
) -> None:
    now = datetime.now(UTC)
    package = await make_package(state, world.school, price_minor=5000)
    other = await make_package(state, world.school)
    await make_promo(
        state,
        world.school,
        "OLD",
        ends_at=now - timedelta(days=1),
        starts_at=now - timedelta(days=9),
    )
    await make_promo(state, world.school, "SOON", starts_at=now + timedelta(days=1))
    await make_promo(state, world.school, "ONLYOTHER", packages=(other,))
    await make_promo(state, world.school, "BIGSPEND", min_amount_minor=10000)
    await make_promo(state, world.school, "OFF", is_active=False)
    await make_promo(state, world.school, "GONE", usage_limit=1, times_used=1)
    token = await gql.login(world.student.email)

    codes = {}
    for code in ("OLD", "SOON", "ONLYOTHER", "BIGSPEND", "OFF", "GONE", "NOPE"):
        data = await gql.data(PURCHASE, purchase_input(package, promoCode=code), token=token)
        result = data["purchasePackage"]
        assert result["payment"] is None
        assert result["studentPackage"] is None
        codes[code] = (result["errors"][0]["code"], result["errors"][0]["field"])

    assert codes == {
        "OLD": ("PROMO_EXPIRED", "promoCode"),
        "SOON": ("PROMO_NOT_STARTED", "promoCode"),
        "ONLYOTHER": ("PROMO_NOT_APPLICABLE", "promoCode"),
        "BIGSPEND": ("PROMO_MINIMUM_NOT_MET", "promoCode"),
        "OFF": ("PROMO_INACTIVE", "promoCode"),
        "GONE": ("PROMO_USED_UP", "promoCode"),
        "NOPE": ("PROMO_NOT_FOUND", "promoCode"),
    }
    assert await count(state, StudentPackage) == 0
    assert await count(state, Payment) == 0


async def test_a_declined_card_cancels_the_package_and_gives_the_promo_back(
    gql: GraphQLClient, world: SchoolWorld, state: AppState
) -> None:
    # Given a price ending in 02 pence, which the local provider declines
    package = await make_package(state, world.school, price_minor=10002)
    promo = await make_promo(state, world.school, "TENNER", kind="fixed", value=1000)
    token = await gql.login(world.student.email)

    data = await gql.data(PURCHASE, purchase_input(package, promoCode="TENNER"), token=token)
    # 100.02 - 10.00 = 90.02: declined
    result = data["purchasePackage"]

    assert result["payment"]["status"] == "FAILED"
    assert result["payment"]["failureReason"] == "card_declined"
    assert [e["code"] for e in result["errors"]] == ["PAYMENT_DECLINED"]
    held = await get(state, StudentPackage, pk_of(result["studentPackage"]["id"]))
    assert (held.status, held.lessons_remaining) == ("cancelled", 0)
    assert await times_used(state, promo) == (0, 0)
    assert await count(state, CreditEntry) == 0


async def test_a_free_package_after_discount_has_no_payment_and_is_granted_at_once(
    gql: GraphQLClient, world: SchoolWorld, state: AppState
) -> None:
    package = await make_package(state, world.school, price_minor=3000, lessons_count=1)
    await make_promo(state, world.school, "FREEBIE", kind="percentage", value=100)
    token = await gql.login(world.student.email)

    result = (await gql.data(PURCHASE, purchase_input(package, promoCode="FREEBIE"), token=token))[
        "purchasePackage"
    ]

    assert result["errors"] == []
    assert result["payment"] is None
    held = await get(state, StudentPackage, pk_of(result["studentPackage"]["id"]))
    assert (held.status, held.lessons_remaining, held.amount_paid_minor) == ("active", 1, 0)
    assert await count(state, Payment) == 0


async def test_who_may_buy_what_and_how(
    gql: GraphQLClient, world: SchoolWorld, other_world: SchoolWorld, state: AppState
) -> None:
    package = await make_package(state, world.school)
    foreign = await make_package(state, other_world.school)
    inactive = await make_package(state, world.school, is_active=False)
    student = await gql.login(world.student.email)
    admin = await gql.login(world.admin.email)
    instructor = await gql.login(world.instructor.email)

    async def code(token: str, variables: dict[str, object]) -> str | None:
        body = await gql.execute(PURCHASE, variables, token=token)
        if body.get("errors"):
            return str(body["errors"][0]["extensions"]["code"])
        errors = body["data"]["purchasePackage"]["errors"]
        return errors[0]["code"] if errors else None

    # Students may not pay "cash"; nobody buys another school's or an inactive package
    assert await code(student, purchase_input(package, "CASH")) == "METHOD_NOT_ALLOWED"
    assert await code(student, purchase_input(foreign)) == "NOT_FOUND"
    assert await code(student, purchase_input(inactive)) == "PACKAGE_INACTIVE"
    # A student cannot buy for someone else; an instructor cannot buy at all
    other = gid("User", world.other_student.id)
    assert await code(student, purchase_input(package, studentId=other)) == "NOT_FOUND"
    assert await code(instructor, purchase_input(package)) == "FORBIDDEN"
    # An admin must name a student of the school
    assert await code(admin, purchase_input(package, "CASH")) == "INVALID"
    foreign_student = gid("User", other_world.student.id)
    assert (
        await code(admin, purchase_input(package, "CASH", studentId=foreign_student)) == "NOT_FOUND"
    )
    assert await count(state, StudentPackage) == 0

    # A finance admin records a cash purchase for a student: settled at once
    assert await code(admin, purchase_input(package, "CASH", studentId=other)) is None
    [held] = await student_packages(state, world.other_student.id)
    [payment] = await payments_of(state, world.other_student.id)
    assert (held.status, held.lessons_remaining, held.bought_by_id) == (
        "active",
        10,
        world.admin.id,
    )
    assert (payment.method, payment.status, payment.recorded_by_id) == (
        "cash",
        "succeeded",
        world.admin.id,
    )


async def test_audience_new_and_existing_students(
    gql: GraphQLClient, world: SchoolWorld, state: AppState
) -> None:
    # Given a student with no completed lesson yet
    newcomers = await make_package(state, world.school, audience="new_students")
    regulars = await make_package(state, world.school, audience="existing_students")
    token = await gql.login(world.student.email)

    first = (await gql.data(PURCHASE, purchase_input(regulars), token=token))["purchasePackage"]
    second = (await gql.data(PURCHASE, purchase_input(newcomers), token=token))["purchasePackage"]

    assert first["errors"][0]["code"] == "NOT_FOR_YOU"
    assert second["errors"] == []


async def test_bad_input_is_a_typed_error_never_a_fault(
    gql: GraphQLClient, world: SchoolWorld, state: AppState
) -> None:
    package = await make_package(state, world.school)
    student = await gql.login(world.student.email)
    admin = await gql.login(world.admin.email)

    cases = [
        purchase_input(package, promoCode="BAD\x00CODE"),
        purchase_input(package, promoCode="x" * 5000),
        purchase_input(package, idempotencyKey="k" * 101),
        {"input": {"packageId": "not-an-id", "paymentMethod": "CARD"}},
        {"input": {"packageId": gid("User", world.student.id), "paymentMethod": "CARD"}},
    ]
    codes = []
    for variables in cases:
        result = (await gql.data(PURCHASE, variables, token=student))["purchasePackage"]
        codes.append(result["errors"][0]["code"])
    deposit = await gql.data(
        """mutation($input: RecordBankDepositInput!) {
             recordBankDeposit(input: $input) { deposit { id } errors { code field } }
           }""",
        {
            "input": {
                "reference": "CL-\x00",
                "amountMinor": 0,
                "currency": "GBP",
                "receivedOn": "2026-01-01",
            }
        },
        token=admin,
    )

    assert codes == ["PROMO_NOT_FOUND", "PROMO_NOT_FOUND", "INVALID", "NOT_FOUND", "NOT_FOUND"]
    assert deposit["recordBankDeposit"]["errors"][0]["code"] == "INVALID"
    assert await count(state, StudentPackage) == 0
