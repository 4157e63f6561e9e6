"""payForBooking: a pay-as-you-go lesson's price, less a paid deposit, paid once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import update

from models.payments import Payment
from models.scheduling import Booking
from resolvers.context import AppState
from tests.payments.helpers import PAY_FOR_BOOKING, PURCHASE, make_package, pk_of, purchase_input
from tests.scheduling.helpers import book, days_ahead, local, make_diary
from tests.support import Factory, GraphQLClient, gid


def pay(booking: Booking, method: str = "CARD", **extra: object) -> dict[str, object]:
    return {"input": {"bookingId": gid("Booking", booking.id), "method": method, **extra}}


async def test_a_student_pays_for_a_lesson_once(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a £40 pay-as-you-go lesson
    diary = await make_diary(factory)
    lesson = await book(state, diary.admin_actor, diary, local(days_ahead(3), 10))
    student = await gql.login(diary.world.student.email)
    other = await gql.login(diary.world.other_student.email)
    instructor = await gql.login(diary.world.instructor.email)

    # When others try, the student tries cash, then pays by card (retried with one key)
    stranger = (await gql.data(PAY_FOR_BOOKING, pay(lesson), token=other))["payForBooking"]
    by_instructor = (await gql.data(PAY_FOR_BOOKING, pay(lesson), token=instructor))[
        "payForBooking"
    ]
    cash = (await gql.data(PAY_FOR_BOOKING, pay(lesson, "CASH"), token=student))["payForBooking"]
    paid = (await gql.data(PAY_FOR_BOOKING, pay(lesson, idempotencyKey="p1"), token=student))[
        "payForBooking"
    ]
    retried = (await gql.data(PAY_FOR_BOOKING, pay(lesson, idempotencyKey="p1"), token=student))[
        "payForBooking"
    ]
    twice = (await gql.data(PAY_FOR_BOOKING, pay(lesson, idempotencyKey="p2"), token=student))[
        "payForBooking"
    ]

    # Then only the student's card payment is made, once
    assert stranger["errors"][0]["code"] == "NOT_FOUND"
    assert by_instructor["errors"][0]["code"] == "NOT_FOUND"
    assert cash["errors"][0]["code"] == "METHOD_NOT_ALLOWED"
    assert paid["errors"] == []
    assert paid["payment"]["kind"] == "LESSON"
    assert paid["payment"]["status"] == "SUCCEEDED"
    assert paid["payment"]["amountMinor"] == 4000
    assert paid["payment"]["booking"] == {"id": gid("Booking", lesson.id)}
    assert retried["payment"]["id"] == paid["payment"]["id"]
    assert twice["errors"][0]["code"] == "INVALID_STATUS"


async def test_a_paid_deposit_is_subtracted_and_an_admin_may_take_cash(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    diary = await make_diary(factory)
    lesson = await book(state, diary.admin_actor, diary, local(days_ahead(3), 11))
    async with state.db.transaction() as session:
        session.add(
            Payment(
                id=uuid.uuid4(),
                school_id=diary.school.id,
                student_id=diary.world.student.id,
                kind="deposit",
                method="card",
                status="succeeded",
                amount_minor=1000,
                refunded_minor=0,
                currency="GBP",
                provider="local",
                booking_id=lesson.id,
                succeeded_at=datetime.now(UTC),
            )
        )
    admin = await gql.login(diary.world.admin.email)

    paid = (await gql.data(PAY_FOR_BOOKING, pay(lesson, "CASH"), token=admin))["payForBooking"]

    assert paid["errors"] == []
    assert paid["payment"]["method"] == "CASH"
    assert paid["payment"]["status"] == "SUCCEEDED"
    assert paid["payment"]["amountMinor"] == 3000


async def test_a_lesson_paid_with_a_credit_is_not_paid_again(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    diary = await make_diary(factory)
    lesson = await book(state, diary.admin_actor, diary, local(days_ahead(3), 12))
    student = await gql.login(diary.world.student.email)
    package = await make_package(state, diary.school)
    bought = (await gql.data(PURCHASE, purchase_input(package), token=student))["purchasePackage"]
    async with state.db.transaction() as session:
        await session.execute(
            update(Booking)
            .where(Booking.id == lesson.id)
            .values(student_package_id=pk_of(bought["studentPackage"]["id"]))
        )

    refused = (await gql.data(PAY_FOR_BOOKING, pay(lesson), token=student))["payForBooking"]

    assert refused["errors"][0]["code"] == "INVALID_STATUS"
    assert refused["payment"] is None
