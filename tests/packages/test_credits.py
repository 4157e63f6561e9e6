"""Credits at booking time (SPEC §3): a booking draws one credit from a matching active
package; the last credit is never taken twice; a free cancellation or a waiver returns it
once; a forfeit keeps it spent; expired and other students' packages give nothing."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from models.packages import CreditEntry
from models.scheduling import Booking
from resolvers.context import AppState
from services.actor import Role
from tests.packages.helpers import (
    BOOK,
    CANCEL,
    WAIVE,
    assert_ledger_agrees,
    expire_now,
    give_package,
    package_row,
)
from tests.scheduling.helpers import days_ahead, iso, local, make_diary, shift
from tests.support import Factory, GraphQLClient, gid


def outcome(response: Any) -> str:
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    payload = body["data"]["bookLesson"]
    return payload["errors"][0]["code"] if payload["errors"] else "OK"


async def test_three_credits_and_thirty_concurrent_bookings_make_exactly_three(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a student holding one package of 3 credits
    diary = await make_diary(factory)
    package_id = await give_package(state, diary, diary.world.student, lessons=3)
    token = await gql.login(diary.world.student.email)
    day = days_ahead(3)
    slots = [local(day + timedelta(days=n // 15), 2 + n % 15) for n in range(30)]

    # When 30 bookings in 30 different slots, each paid with a credit, arrive at once
    responses = await asyncio.gather(
        *(
            gql.post(
                BOOK,
                {"input": {**diary.ids(), "startsAt": iso(slot), "payWith": "CREDIT"}},
                token=token,
            )
            for slot in slots
        )
    )

    # Then exactly three are booked, each with a credit, and 27 are told NO_CREDITS
    assert Counter(outcome(r) for r in responses) == Counter({"OK": 3, "NO_CREDITS": 27})
    booked = [r.json()["data"]["bookLesson"]["booking"] for r in responses]
    booked = [b for b in booked if b]
    assert all(b["paidWithCredit"] for b in booked)
    assert {b["studentPackage"]["id"] for b in booked} == {gid("StudentPackage", package_id)}
    # And the balance is 0, never went negative, and the ledger agrees with the package
    package = await package_row(state, package_id)
    assert package.lessons_remaining == 0
    assert package.status == "exhausted"
    rows = await assert_ledger_agrees(state, package_id)
    assert [r.reason for r in rows] == ["purchase", "booking", "booking", "booking"]
    assert sorted(r.balance_after for r in rows[1:]) == [0, 1, 2]
    async with state.db.session() as session:
        kept = await session.scalar(
            select(func.count()).where(Booking.student_package_id == package_id)
        )
        assert kept == 3
        assert await session.scalar(select(func.count()).select_from(Booking)) is not None


async def test_auto_uses_a_credit_when_there_is_one_and_pay_as_you_go_otherwise(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    diary = await make_diary(factory)
    token = await gql.login(diary.world.student.email)
    day = days_ahead(4)

    # Without a package, AUTO books pay as you go and CREDIT is refused
    plain = await gql.data(
        BOOK, {"input": {**diary.ids(), "startsAt": iso(local(day, 9))}}, token=token
    )
    assert plain["bookLesson"]["errors"] == []
    assert plain["bookLesson"]["booking"]["paidWithCredit"] is False
    refused = await gql.data(
        BOOK,
        {"input": {**diary.ids(), "startsAt": iso(local(day, 11)), "payWith": "CREDIT"}},
        token=token,
    )
    assert [e["code"] for e in refused["bookLesson"]["errors"]] == ["NO_CREDITS"]

    # With one, AUTO draws it, and PAY_AS_YOU_GO leaves it alone
    package_id = await give_package(state, diary, diary.world.student, lessons=2)
    auto = await gql.data(
        BOOK, {"input": {**diary.ids(), "startsAt": iso(local(day, 13))}}, token=token
    )
    assert auto["bookLesson"]["booking"]["paidWithCredit"] is True
    assert auto["bookLesson"]["booking"]["studentPackage"]["lessonsRemaining"] == 1
    payg = await gql.data(
        BOOK,
        {"input": {**diary.ids(), "startsAt": iso(local(day, 15)), "payWith": "PAY_AS_YOU_GO"}},
        token=token,
    )
    assert payg["bookLesson"]["booking"]["paidWithCredit"] is False
    assert (await package_row(state, package_id)).lessons_remaining == 1


async def test_a_package_for_another_instructor_or_length_gives_no_credit(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    diary = await make_diary(factory)
    student = diary.world.student
    other = await give_package(state, diary, student, instructor_id=diary.world.other_instructor.id)
    longer = await give_package(state, diary, student, duration=90)
    token = await gql.login(student.email)
    day = days_ahead(4)
    body = await gql.data(
        BOOK,
        {"input": {**diary.ids(), "startsAt": iso(local(day, 9)), "payWith": "CREDIT"}},
        token=token,
    )
    assert [e["code"] for e in body["bookLesson"]["errors"]] == ["NO_CREDITS"]
    named = await gql.data(
        BOOK,
        {
            "input": {
                **diary.ids(),
                "startsAt": iso(local(day, 9)),
                "payWith": "CREDIT",
                "studentPackageId": gid("StudentPackage", other),
            }
        },
        token=token,
    )
    assert [e["code"] for e in named["bookLesson"]["errors"]] == ["PACKAGE_NOT_USABLE"]
    assert (await package_row(state, other)).lessons_remaining == 3
    assert (await package_row(state, longer)).lessons_remaining == 3


async def test_a_named_package_is_the_one_drawn_from(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    diary = await make_diary(factory)
    student = diary.world.student
    first = await give_package(state, diary, student, validity_days=10)
    second = await give_package(state, diary, student, validity_days=60)
    token = await gql.login(student.email)
    day = days_ahead(4)
    # Unnamed: the package expiring first; named: that one
    await gql.data(BOOK, {"input": {**diary.ids(), "startsAt": iso(local(day, 9))}}, token=token)
    await gql.data(
        BOOK,
        {
            "input": {
                **diary.ids(),
                "startsAt": iso(local(day, 11)),
                "studentPackageId": gid("StudentPackage", second),
            }
        },
        token=token,
    )
    assert (await package_row(state, first)).lessons_remaining == 2
    assert (await package_row(state, second)).lessons_remaining == 2


async def test_an_expired_package_gives_no_credit(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    diary = await make_diary(factory)
    package_id = await give_package(state, diary, diary.world.student)
    await expire_now(state, package_id)
    token = await gql.login(diary.world.student.email)
    body = await gql.data(
        BOOK,
        {"input": {**diary.ids(), "startsAt": iso(local(days_ahead(3), 9)), "payWith": "CREDIT"}},
        token=token,
    )
    assert [e["code"] for e in body["bookLesson"]["errors"]] == ["NO_CREDITS"]
    assert (await package_row(state, package_id)).lessons_remaining == 3


async def test_a_package_ending_before_the_lesson_gives_no_credit(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    diary = await make_diary(factory)
    await give_package(state, diary, diary.world.student, validity_days=2)
    token = await gql.login(diary.world.student.email)
    body = await gql.data(
        BOOK,
        {"input": {**diary.ids(), "startsAt": iso(local(days_ahead(5), 9)), "payWith": "CREDIT"}},
        token=token,
    )
    assert [e["code"] for e in body["bookLesson"]["errors"]] == ["NO_CREDITS"]


async def test_a_student_cannot_draw_another_students_package(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given another student of the school holding a package
    diary = await make_diary(factory)
    theirs = await give_package(state, diary, diary.world.other_student)
    token = await gql.login(diary.world.student.email)
    # When the student names it, with CREDIT or AUTO
    for pay_with in ("CREDIT", "AUTO"):
        body = await gql.data(
            BOOK,
            {
                "input": {
                    **diary.ids(),
                    "startsAt": iso(local(days_ahead(3), 9)),
                    "payWith": pay_with,
                    "studentPackageId": gid("StudentPackage", theirs),
                }
            },
            token=token,
        )
        # Then the booking is refused and the package keeps its credits
        assert [e["code"] for e in body["bookLesson"]["errors"]] == ["PACKAGE_NOT_USABLE"]
    # Nor can an admin book one student's lesson on another student's package
    admin = await gql.login(diary.world.admin.email)
    body = await gql.data(
        BOOK,
        {
            "input": {
                **diary.ids(student=diary.world.student),
                "startsAt": iso(local(days_ahead(3), 9)),
                "studentPackageId": gid("StudentPackage", theirs),
            }
        },
        token=admin,
    )
    assert [e["code"] for e in body["bookLesson"]["errors"]] == ["PACKAGE_NOT_USABLE"]
    assert (await package_row(state, theirs)).lessons_remaining == 3
    # And a malformed package id is the same typed error, not a 500
    body = await gql.data(
        BOOK,
        {
            "input": {
                **diary.ids(),
                "startsAt": iso(local(days_ahead(3), 9)),
                "studentPackageId": "nonsense",
            }
        },
        token=token,
    )
    assert [e["code"] for e in body["bookLesson"]["errors"]] == ["PACKAGE_NOT_USABLE"]


async def _book_with_credit(
    gql: GraphQLClient, token: str, diary: Any, starts_at: datetime, **extra: Any
) -> str:
    body = await gql.data(
        BOOK,
        {"input": {**diary.ids(**extra), "startsAt": iso(starts_at), "payWith": "CREDIT"}},
        token=token,
    )
    assert body["bookLesson"]["errors"] == [], body
    return body["bookLesson"]["booking"]["id"]  # type: ignore[no-any-return]


async def test_a_free_cancellation_returns_the_credit_once_under_concurrent_cancels(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a confirmed lesson paid with a credit, well ahead of the notice period
    diary = await make_diary(factory)
    package_id = await give_package(state, diary, diary.world.student, lessons=2)
    admin = await gql.login(diary.world.admin.email)
    student = await gql.login(diary.world.student.email)
    booking_id = await _book_with_credit(
        gql, admin, diary, local(days_ahead(6), 10), student=diary.world.student
    )
    assert (await package_row(state, package_id)).lessons_remaining == 1

    # When the student and an admin cancel it at the same moment
    responses = await asyncio.gather(
        gql.post(CANCEL, {"input": {"bookingId": booking_id}}, token=student),
        gql.post(CANCEL, {"input": {"bookingId": booking_id}}, token=admin),
    )

    # Then one cancellation wins, the credit comes back once
    codes = [r.json()["data"]["cancelBooking"]["errors"] for r in responses]
    assert sorted(len(c) for c in codes) == [0, 1]
    assert (await package_row(state, package_id)).lessons_remaining == 2
    rows = await assert_ledger_agrees(state, package_id)
    assert [r.reason for r in rows] == ["purchase", "booking", "returned"]


async def _late_cancelled(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> tuple[Any, Any, str, str]:
    """A confirmed credit lesson three hours away, cancelled late by the student under a
    24-hour forfeit policy."""
    diary = await make_diary(
        factory, cancellation_notice_hours=24, late_cancellation_rule="forfeit"
    )
    package_id = await give_package(state, diary, diary.world.student, lessons=2)
    admin = await gql.login(diary.world.admin.email)
    student = await gql.login(diary.world.student.email)
    booking_id = await _book_with_credit(
        gql, admin, diary, local(days_ahead(6), 10), student=diary.world.student
    )
    from schema.common.node import parse_global_id

    parsed = parse_global_id(booking_id)
    assert parsed is not None
    soon = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(hours=3)
    await shift(state, parsed[1], soon)
    body = await gql.data(CANCEL, {"input": {"bookingId": booking_id}}, token=student)
    assert body["cancelBooking"]["booking"]["policyOutcome"] == "FORFEITED"
    return diary, package_id, booking_id, admin


async def test_a_late_forfeited_cancellation_keeps_the_credit_spent(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    _, package_id, _, _ = await _late_cancelled(gql, factory, state)
    assert (await package_row(state, package_id)).lessons_remaining == 1
    rows = await assert_ledger_agrees(state, package_id)
    assert [r.reason for r in rows] == ["purchase", "booking"]


async def test_a_waiver_returns_the_credit_once_even_when_sent_twice_at_once(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    _, package_id, booking_id, admin = await _late_cancelled(gql, factory, state)
    responses = await asyncio.gather(
        *(
            gql.post(
                WAIVE, {"input": {"bookingId": booking_id, "reason": "Flat tyre"}}, token=admin
            )
            for _ in range(2)
        )
    )
    results = [r.json()["data"]["waiveCancellationFee"]["errors"] for r in responses]
    assert sorted(len(e) for e in results) == [0, 1]
    assert (await package_row(state, package_id)).lessons_remaining == 2
    rows = await assert_ledger_agrees(state, package_id)
    assert [r.reason for r in rows] == ["purchase", "booking", "returned"]


async def test_rescheduling_keeps_the_credit_and_no_show_or_completion_consume_it(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    diary = await make_diary(factory)
    package_id = await give_package(state, diary, diary.world.student, lessons=3)
    admin = await gql.login(diary.world.admin.email)
    booking_id = await _book_with_credit(
        gql, admin, diary, local(days_ahead(6), 10), student=diary.world.student
    )
    moved = await gql.data(
        """mutation M($input: RescheduleBookingInput!) {
             rescheduleBooking(input: $input) { booking { paidWithCredit } errors { code } }
           }""",
        {"input": {"bookingId": booking_id, "startsAt": iso(local(days_ahead(7), 12))}},
        token=admin,
    )
    assert moved["rescheduleBooking"]["errors"] == []
    assert moved["rescheduleBooking"]["booking"]["paidWithCredit"] is True
    assert (await package_row(state, package_id)).lessons_remaining == 2
    async with state.db.session() as session:
        moves = await session.scalar(
            select(func.count()).where(CreditEntry.student_package_id == package_id)
        )
    assert moves == 2  # the purchase and the one draw: a move is not a movement


async def test_an_instructor_booking_for_an_unassigned_students_package_is_refused(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    diary = await make_diary(factory)
    stranger = await factory.user(diary.school, Role.STUDENT)
    theirs = await give_package(state, diary, stranger)
    instructor = await gql.login(diary.world.instructor.email)
    body = await gql.data(
        BOOK,
        {
            "input": {
                **diary.ids(student=diary.world.student),
                "startsAt": iso(local(days_ahead(3), 9)),
                "studentPackageId": gid("StudentPackage", theirs),
            }
        },
        token=instructor,
    )
    assert [e["code"] for e in body["bookLesson"]["errors"]] == ["PACKAGE_NOT_USABLE"]


async def test_a_retried_booking_draws_once_and_a_changed_payment_choice_is_refused(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    diary = await make_diary(factory)
    package_id = await give_package(state, diary, diary.world.student, lessons=3)
    token = await gql.login(diary.world.student.email)
    request = {
        **diary.ids(),
        "startsAt": iso(local(days_ahead(3), 9)),
        "payWith": "CREDIT",
        "idempotencyKey": "book-once",
    }
    responses = await asyncio.gather(
        *(gql.post(BOOK, {"input": request}, token=token) for _ in range(5))
    )
    assert {outcome(r) for r in responses} == {"OK"}
    assert len({r.json()["data"]["bookLesson"]["booking"]["id"] for r in responses}) == 1
    assert (await package_row(state, package_id)).lessons_remaining == 2
    changed = await gql.data(BOOK, {"input": {**request, "payWith": "PAY_AS_YOU_GO"}}, token=token)
    assert [e["code"] for e in changed["bookLesson"]["errors"]] == ["IDEMPOTENCY_KEY_REUSED"]


async def test_student_packages_resolve_by_node_only_for_those_who_may_see_them(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    diary = await make_diary(factory)
    other_school = await make_diary(factory)
    package_id = await give_package(state, diary, diary.world.student)
    query = "query N($id: ID!) { node(id: $id) { id ... on StudentPackage { lessonsRemaining } } }"
    variables = {"id": gid("StudentPackage", package_id)}
    for user, visible in (
        (diary.world.student, True),
        (diary.world.admin, True),
        (diary.world.instructor, True),
        (diary.world.other_student, False),
        (diary.world.other_instructor, False),
        (other_school.world.admin, False),
    ):
        token = await gql.login(user.email)
        node = (await gql.data(query, variables, token=token))["node"]
        assert (node is not None) is visible, user.role
