"""A test month for earnings: October 2025 at a London school (BST until the 26th, GMT
after), with package lessons (credits drawn through the ledger), pay-as-you-go lessons
(one partly refunded), lessons that must not count, and lessons just outside the month.

The expected figures are written out by hand below, so a test compares the API with
arithmetic done independently of the code under test."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import text, update

from models.accounts import User
from models.payments import Refund
from models.scheduling import Booking
from models.schools import School
from resolvers.context import AppState
from services.packages import ledger
from services.payments import core
from tests.packages.helpers import give_package
from tests.scheduling.helpers import Diary, local
from tests.support import Factory

MONTH_START = date(2025, 10, 1)
MONTH_END = date(2025, 10, 31)
FEE_BPS = 1250  # 12.5 %

EARNINGS = """
query Earnings($instructorId: ID!, $start: Date!, $end: Date!, $first: Int = 20) {
  instructorEarnings(instructorId: $instructorId, periodStart: $start, periodEnd: $end) {
    instructor { id }
    periodStart periodEnd currency
    lessonsCompleted packageLessons payAsYouGoLessons
    grossMinor packageMinor payAsYouGoMinor refundsMinor
    platformFeeBps platformFeeMinor netMinor payoutStatus
    payout { id status }
    lessons(first: $first) {
      edges { node { booking { id } startsAt valueMinor source refundedMinor currency } }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""


@dataclass
class Month:
    diary: Diary
    instructor: User
    counted: list[uuid.UUID] = field(default_factory=list)
    credit_bookings: list[uuid.UUID] = field(default_factory=list)
    not_counted: list[uuid.UUID] = field(default_factory=list)
    refunded_payment: uuid.UUID | None = None
    payg_bookings: dict[uuid.UUID, int] = field(default_factory=dict)


# What the month must add up to, worked out by hand:
#   package A: 3 lessons for £100.00 → credits worth 3334, 3333, 3333
#   package B: 5 lessons for £123.46 → the first two credits worth 2470, 2469
#   pay-as-you-go: 4000 (1500 refunded), 3500, 4250
PACKAGE_MINOR = 3334 + 3333 + 3333 + 2470 + 2469  # 14,939
PAYG_MINOR = 4000 + 3500 + 4250  # 11,750
GROSS = PACKAGE_MINOR + PAYG_MINOR  # 26,689
REFUNDS = 1500
# (26,689 - 1,500) x 12.5 % = 3,148.625 → 3,149 (half up; any fraction ≥ .5 goes up)
FEE = 3149
NET = GROSS - REFUNDS - FEE  # 22,040


async def past_lesson(
    state: AppState,
    diary: Diary,
    starts_at: datetime,
    *,
    status: str,
    student: User,
    instructor: User,
    price: int = 4000,
    package_id: uuid.UUID | None = None,
) -> Booking:
    """A lesson written directly (a past, completed lesson no mutation may create)."""
    async with state.db.transaction() as session:
        booking = Booking(
            school_id=diary.school.id,
            student_id=student.id,
            instructor_id=instructor.id,
            lesson_type_id=diary.lesson_type.id,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=1),
            blocked_until=starts_at + timedelta(hours=1),
            status=status,
            price_minor=price,
            currency="GBP",
            booked_by_id=diary.world.admin.id,
            student_package_id=package_id,
            completed_at=starts_at + timedelta(hours=1) if status == "completed" else None,
            cancelled_at=starts_at - timedelta(days=3) if status == "cancelled" else None,
        )
        session.add(booking)
    return booking


async def bought_package(
    state: AppState, diary: Diary, student: User, *, lessons: int, price: int
) -> uuid.UUID:
    """A package bought on 1 September 2025: a pending_payment row, then ``ledger.grant``."""
    return await give_package(
        state,
        diary,
        student,
        lessons=lessons,
        amount_minor=price,
        validity_days=365,
        granted_at=datetime(2025, 9, 1, tzinfo=UTC),
    )


def _uow(state: AppState):  # type: ignore[no-untyped-def]
    from services.uow import unit_of_work

    return unit_of_work(state.db, state.hub, state.deps)


async def credit_lesson(
    state: AppState,
    diary: Diary,
    starts_at: datetime,
    package_id: uuid.UUID,
    *,
    student: User,
    instructor: User,
) -> Booking:
    booking = await past_lesson(
        state,
        diary,
        starts_at,
        status="completed",
        student=student,
        instructor=instructor,
        package_id=package_id,
    )
    async with _uow(state) as uow:
        drawn = await ledger.draw(
            uow,
            ledger.Want(
                school_id=diary.school.id,
                student_id=student.id,
                instructor_id=instructor.id,
                lesson_type_id=diary.lesson_type.id,
                duration_minutes=60,
                starts_at=starts_at,
            ),
            booking_id=booking.id,
            actor_id=None,
            package_id=package_id,
        )
        assert drawn is not None
    return booking


async def pay_cash(state: AppState, diary: Diary, booking: Booking) -> uuid.UUID:
    """The lesson paid in cash, recorded by the school's admin (settles at once)."""
    from services.accounts import actor_for

    admin = actor_for(diary.world.admin)
    async with _uow(state) as uow:
        payment = await core.create_payment(
            uow,
            admin,
            core.PaymentRequest(
                school_id=diary.school.id,
                student_id=booking.student_id,
                kind="lesson",
                method="cash",
                amount_minor=booking.price_minor,
                currency="GBP",
                description="Lesson",
                booking_id=booking.id,
            ),
        )
    return payment.id


async def refund(state: AppState, school_id: uuid.UUID, payment_id: uuid.UUID, amount: int) -> None:
    """A partial refund as the refunds service records it: a row and the payment's total."""
    async with state.db.transaction() as session:
        session.add(
            Refund(
                school_id=school_id,
                payment_id=payment_id,
                amount_minor=amount,
                currency="GBP",
                reason="Lesson cut short",
                status="succeeded",
            )
        )
        await session.execute(
            text(
                "UPDATE payments SET refunded_minor = refunded_minor + :amount, "
                "status = 'partially_refunded' WHERE id = :id"
            ),
            {"amount": amount, "id": payment_id},
        )


async def build_month(state: AppState, factory: Factory, diary: Diary) -> Month:
    """The October 2025 of ``diary``'s instructor (see the module docstring)."""
    async with state.db.transaction() as session:
        await session.execute(
            update(School).where(School.id == diary.school.id).values(platform_fee_bps=FEE_BPS)
        )
    world = diary.world
    me, other = world.instructor, world.other_instructor
    student, second = world.student, world.other_student
    month = Month(diary, me)
    package_a = await bought_package(state, diary, student, lessons=3, price=10000)
    package_b = await bought_package(state, diary, second, lessons=5, price=12346)

    # Credit lessons. 00:30 on 1 October (BST) is 23:30 UTC on 30 September: inside.
    for starts_at, package, who in (
        (local(date(2025, 10, 1), 0, 30), package_a, student),
        (local(date(2025, 10, 6), 10), package_a, student),
        (local(date(2025, 10, 13), 10), package_a, student),
        (local(date(2025, 10, 20), 10), package_b, second),
        (local(date(2025, 10, 27), 10), package_b, second),  # GMT from the 26th
    ):
        booking = await credit_lesson(state, diary, starts_at, package, student=who, instructor=me)
        month.counted.append(booking.id)
        month.credit_bookings.append(booking.id)

    # Pay-as-you-go lessons; 23:00 on 31 October (GMT) is still October.
    for starts_at, price in (
        (local(date(2025, 10, 8), 10), 4000),
        (local(date(2025, 10, 15), 10), 3500),
        (local(date(2025, 10, 31), 23), 4250),
    ):
        booking = await past_lesson(
            state, diary, starts_at, status="completed", student=student, instructor=me, price=price
        )
        month.counted.append(booking.id)
        month.payg_bookings[booking.id] = price
        payment = await pay_cash(state, diary, booking)
        if price == 4000:
            month.refunded_payment = payment
            await refund(state, diary.school.id, payment, REFUNDS)

    # Lessons that must not count.
    for starts_at, status, instructor in (
        (local(date(2025, 10, 10), 10), "cancelled", me),
        (local(date(2025, 10, 22), 10), "no_show", me),
        (local(date(2025, 10, 29), 10), "confirmed", me),  # never completed
        (local(date(2025, 9, 30), 23, 30), "completed", me),  # 22:30 UTC, BST: September
        (local(date(2025, 11, 1), 0, 30), "completed", me),  # 00:30 UTC, GMT: November
        (local(date(2025, 10, 9), 10), "completed", other),  # someone else's lesson
    ):
        booking = await past_lesson(
            state, diary, starts_at, status=status, student=second, instructor=instructor
        )
        month.not_counted.append(booking.id)
        if status in ("cancelled", "no_show"):
            await pay_cash(state, diary, booking)
    return month
