"""Refunds: full and partial, with a reason; credits follow; only finance admins of the
payment's school; idempotent; the provider refunds card payments."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text

from models.events import AuditEntry, OutboxEvent
from resolvers.context import AppState
from services.packages import ledger
from services.uow import unit_of_work
from subscriptions.envelope import user_key
from tests.billing.helpers import (
    REFUND,
    REFUNDS,
    fetch_package,
    fetch_payment,
    ledger_entries,
    ledger_sum,
    package_payment,
    refund_rows,
)
from tests.support import Factory, GraphQLClient, SchoolWorld, gid


def refund_input(payment_id: Any, **fields: Any) -> dict[str, Any]:
    return {"input": {"paymentId": gid("Payment", payment_id), "reason": "Changed mind", **fields}}


async def balance(state: AppState, student_id: object) -> int:
    async with unit_of_work(state.db, state.hub, state.deps) as uow:
        return await ledger.balance(uow, student_id, at=datetime.now(UTC))  # type: ignore[arg-type]


async def account_events(state: AppState, payment_id: Any) -> list[OutboxEvent]:
    async with state.db.session() as session:
        rows = await session.scalars(
            select(OutboxEvent)
            .where(
                OutboxEvent.event_type == ledger.ACCOUNT_CHANGED,
                OutboxEvent.entity_id == payment_id,
            )
            .order_by(OutboxEvent.id)
        )
        return list(rows)


async def test_a_full_refund_of_a_package_takes_its_unused_credits(
    gql: GraphQLClient, factory: Factory, world: SchoolWorld, state: AppState
) -> None:
    # Given a paid package of 5 credits
    paid = await package_payment(factory, world, lessons=5, price_minor=20000)
    assert paid.student_package is not None
    assert await balance(state, world.student.id) == 5
    token = await gql.login(world.admin.email)
    before_refund = await account_events(state, paid.payment.id)

    # When the admin refunds it in full (no amount: the rest)
    data = await gql.data(REFUND, refund_input(paid.payment.id), token=token)

    # Then the money is back, the credits are gone and the package is refunded
    payload = data["refundPayment"]
    assert payload["errors"] == []
    refund = payload["refund"]
    assert refund["amountMinor"] == 20000
    assert refund["currency"] == "GBP"
    assert refund["creditsRevoked"] == 5
    assert refund["providerReference"] is None  # cash: paid out by the admin
    assert refund["refundedBy"]["id"] == gid("User", world.admin.id)
    assert refund["payment"] == {
        "id": gid("Payment", paid.payment.id),
        "status": "REFUNDED",
        "refundedMinor": 20000,
    }
    payment = await fetch_payment(state, paid.payment.id)
    assert (payment.status, payment.refunded_minor) == ("refunded", 20000)
    package = await fetch_package(state, paid.student_package.id)
    assert (package.status, package.lessons_remaining) == ("refunded", 0)
    assert await balance(state, world.student.id) == 0
    assert await ledger_sum(state, package.id) == 0
    entries = await ledger_entries(state, package.id)
    assert [(e.reason, e.delta, e.balance_after) for e in entries] == [
        ("purchase", 5, 5),
        ("refunded", -5, 0),
    ]
    async with state.db.session() as session:
        audit = (
            await session.scalars(
                select(AuditEntry).where(
                    AuditEntry.action == "payment.refunded",
                    AuditEntry.entity_id == str(payment.id),
                )
            )
        ).all()
    assert len(audit) == 1
    assert (audit[0].after or {})["refund_minor"] == 20000

    # And the student's account feed is told (myAccountChanged)
    after_refund = await account_events(state, payment.id)
    assert len(after_refund) == len(before_refund) + 1
    assert user_key(world.student.id) in after_refund[-1].channel_keys

    # And a second refund is refused: nothing is left
    again = await gql.data(REFUND, refund_input(paid.payment.id), token=token)
    assert again["refundPayment"]["errors"][0]["code"] == "NOT_REFUNDABLE"
    assert len(await refund_rows(state, paid.payment.id)) == 1


async def test_a_partial_refund_revokes_the_credits_asked_for_and_the_rest_takes_all(
    gql: GraphQLClient, factory: Factory, world: SchoolWorld, state: AppState
) -> None:
    paid = await package_payment(factory, world, lessons=5, price_minor=20000)
    assert paid.student_package is not None
    token = await gql.login(world.admin.email)

    # A partial refund without revokeCredits keeps every credit
    first = await gql.data(REFUND, refund_input(paid.payment.id, amountMinor=2000), token=token)
    assert first["refundPayment"]["errors"] == []
    assert first["refundPayment"]["refund"]["creditsRevoked"] == 0
    assert first["refundPayment"]["refund"]["payment"]["status"] == "PARTIALLY_REFUNDED"
    assert first["refundPayment"]["refund"]["payment"]["refundedMinor"] == 2000
    assert (await fetch_package(state, paid.student_package.id)).lessons_remaining == 5

    # Revoking more credits than are unused is refused, and nothing changes
    too_many = await gql.data(
        REFUND, refund_input(paid.payment.id, amountMinor=8000, revokeCredits=6), token=token
    )
    assert too_many["refundPayment"]["errors"][0]["code"] == "INVALID"
    assert too_many["refundPayment"]["errors"][0]["field"] == "revokeCredits"
    assert (await fetch_payment(state, paid.payment.id)).refunded_minor == 2000

    # A partial refund revoking two credits takes exactly two
    second = await gql.data(
        REFUND, refund_input(paid.payment.id, amountMinor=8000, revokeCredits=2), token=token
    )
    assert second["refundPayment"]["errors"] == []
    assert second["refundPayment"]["refund"]["creditsRevoked"] == 2
    payment = await fetch_payment(state, paid.payment.id)
    assert (payment.status, payment.refunded_minor) == ("partially_refunded", 10000)
    package = await fetch_package(state, paid.student_package.id)
    assert (package.status, package.lessons_remaining) == ("active", 3)
    assert await balance(state, world.student.id) == 3

    # More than what is left is refused
    over = await gql.data(REFUND, refund_input(paid.payment.id, amountMinor=10001), token=token)
    assert over["refundPayment"]["errors"][0]["code"] == "REFUND_EXCEEDS_PAYMENT"

    # The rest refunds in full: the remaining credits go, the package is refunded
    rest = await gql.data(REFUND, refund_input(paid.payment.id), token=token)
    assert rest["refundPayment"]["refund"]["amountMinor"] == 10000
    assert rest["refundPayment"]["refund"]["creditsRevoked"] == 3
    assert rest["refundPayment"]["refund"]["payment"]["status"] == "REFUNDED"
    package = await fetch_package(state, paid.student_package.id)
    assert (package.status, package.lessons_remaining) == ("refunded", 0)
    assert (await fetch_payment(state, paid.payment.id)).status == "refunded"
    assert await ledger_sum(state, package.id) == 0
    rows = await refund_rows(state, paid.payment.id)
    assert sorted(r.amount_minor for r in rows) == [2000, 8000, 10000]

    # The refunds are listed for the admin and for the payment's student only
    listed = await gql.data(REFUNDS, {"paymentId": gid("Payment", paid.payment.id)}, token=token)
    assert [r["amountMinor"] for r in listed["refunds"]] == [2000, 8000, 10000]
    student = await gql.login(world.student.email)
    mine = await gql.data(REFUNDS, {"paymentId": gid("Payment", paid.payment.id)}, token=student)
    assert len(mine["refunds"]) == 3
    other = await gql.login(world.other_student.email)
    theirs = await gql.data(REFUNDS, {"paymentId": gid("Payment", paid.payment.id)}, token=other)
    assert theirs["refunds"] == []

    # node(id:) authorises like the list
    refund_id = rest["refundPayment"]["refund"]["id"]
    node = "query N($id: ID!) { node(id: $id) { ... on Refund { amountMinor } } }"
    assert (await gql.data(node, {"id": refund_id}, token=token))["node"] == {"amountMinor": 10000}
    assert (await gql.data(node, {"id": refund_id}, token=student))["node"] is not None
    assert (await gql.data(node, {"id": refund_id}, token=other))["node"] is None


async def test_only_finance_admins_of_the_payments_school_may_refund(
    gql: GraphQLClient,
    factory: Factory,
    world: SchoolWorld,
    other_world: SchoolWorld,
    state: AppState,
) -> None:
    paid = await package_payment(factory, world)

    # A student, an instructor: FORBIDDEN
    for user in (world.student, world.instructor):
        token = await gql.login(user.email)
        body = await gql.execute(REFUND, refund_input(paid.payment.id), token=token)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body

    # Another school's finance admin: NOT_FOUND, as if the payment did not exist
    token = await gql.login(other_world.admin.email)
    data = await gql.data(REFUND, refund_input(paid.payment.id), token=token)
    assert data["refundPayment"]["errors"][0]["code"] == "NOT_FOUND"

    # An admin of the school without the finances permission: FORBIDDEN
    async with state.db.transaction() as session:
        await session.execute(
            text("UPDATE admin_profiles SET can_manage_finances = false WHERE user_id = :id"),
            {"id": world.admin.id},
        )
    token = await gql.login(world.admin.email)
    body = await gql.execute(REFUND, refund_input(paid.payment.id), token=token)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body

    assert await refund_rows(state, paid.payment.id) == []
    assert (await fetch_payment(state, paid.payment.id)).refunded_minor == 0


async def test_the_same_idempotency_key_refunds_once(
    gql: GraphQLClient, factory: Factory, world: SchoolWorld, state: AppState
) -> None:
    paid = await package_payment(factory, world, price_minor=20000)
    token = await gql.login(world.admin.email)
    variables = refund_input(paid.payment.id, amountMinor=5000, idempotencyKey="refund-1")

    first = await gql.data(REFUND, variables, token=token)
    second = await gql.data(REFUND, variables, token=token)

    assert first["refundPayment"]["errors"] == []
    assert second["refundPayment"]["refund"]["id"] == first["refundPayment"]["refund"]["id"]
    assert len(await refund_rows(state, paid.payment.id)) == 1
    assert (await fetch_payment(state, paid.payment.id)).refunded_minor == 5000

    # The same key for another amount is refused
    reused = await gql.data(
        REFUND,
        refund_input(paid.payment.id, amountMinor=6000, idempotencyKey="refund-1"),
        token=token,
    )
    assert reused["refundPayment"]["errors"][0]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert (await fetch_payment(state, paid.payment.id)).refunded_minor == 5000


async def test_bad_input_is_a_typed_error_and_changes_nothing(
    gql: GraphQLClient, factory: Factory, world: SchoolWorld, state: AppState
) -> None:
    paid = await package_payment(factory, world, price_minor=20000)
    token = await gql.login(world.admin.email)
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"amountMinor": 0}, "INVALID", "amountMinor"),
        ({"amountMinor": -5}, "INVALID", "amountMinor"),
        ({"amountMinor": 20001}, "REFUND_EXCEEDS_PAYMENT", "amountMinor"),
        ({"reason": "   "}, "INVALID", "reason"),
        ({"reason": "x" * 501}, "INVALID", "reason"),
        ({"revokeCredits": -1}, "INVALID", "revokeCredits"),
        ({"paymentId": gid("Invoice", paid.payment.id)}, "NOT_FOUND", "paymentId"),
    ]
    for fields, code, field in cases:
        data = await gql.data(REFUND, refund_input(paid.payment.id, **fields), token=token)
        errors = data["refundPayment"]["errors"]
        assert (errors[0]["code"], errors[0]["field"]) == (code, field), fields
    assert await refund_rows(state, paid.payment.id) == []
    assert (await fetch_payment(state, paid.payment.id)).status == "succeeded"


async def test_a_card_refund_goes_through_the_provider_and_its_failure_changes_nothing(
    gql: GraphQLClient, factory: Factory, world: SchoolWorld, state: AppState
) -> None:
    paid = await package_payment(factory, world, price_minor=20000, method="card")
    assert paid.student_package is not None
    reference = paid.payment.provider_reference
    assert reference is not None
    provider: object = state.deps.payments
    charges = provider.charges  # type: ignore[attr-defined]
    token = await gql.login(world.admin.email)

    data = await gql.data(REFUND, refund_input(paid.payment.id, amountMinor=5000), token=token)
    assert data["refundPayment"]["errors"] == []
    assert data["refundPayment"]["refund"]["providerReference"].startswith("lre_")
    assert charges[reference]["refunded"] == 5000

    # When the provider refuses, the whole refund is rolled back
    charges[reference]["refunded"] = 20000
    failed = await gql.data(
        REFUND, refund_input(paid.payment.id, amountMinor=5000, revokeCredits=1), token=token
    )
    assert failed["refundPayment"]["errors"][0]["code"] == "PROVIDER_UNAVAILABLE"
    payment = await fetch_payment(state, paid.payment.id)
    assert (payment.status, payment.refunded_minor) == ("partially_refunded", 5000)
    assert len(await refund_rows(state, paid.payment.id)) == 1
    assert (await fetch_package(state, paid.student_package.id)).lessons_remaining == 5
