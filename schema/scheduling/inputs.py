"""Inputs of the scheduling domain."""

from __future__ import annotations

from datetime import date, datetime, time

import strawberry

from schema.packages.types import DepositMethod, LessonPayment
from schema.scheduling.types import ExceptionKind, TierOutcome, Weekday

IDEMPOTENCY_KEY = (
    "Any string up to 100 characters, unique per request you mean: a retry with the same key "
    "and the same input returns the first result instead of acting twice."
)


@strawberry.input(description="A new lesson type (school admins).")
class CreateLessonTypeInput:
    name: str = strawberry.field(description="Name, unique in the school (1–100 characters).")
    duration_minutes: int = strawberry.field(description="Length in minutes (15–600).")
    price_minor: int = strawberry.field(
        description="Price in minor units of the school's currency."
    )
    deposit_minor: int = strawberry.field(
        default=0, description="Deposit due before confirmation, in minor units (0: none)."
    )
    description: str | None = strawberry.field(default=None, description="Longer description.")
    school_id: strawberry.ID | None = strawberry.field(
        default=None, description="Platform admins: the school. Others: omit (your school)."
    )


@strawberry.input(description="Change a lesson type; omitted fields stay as they are.")
class UpdateLessonTypeInput:
    lesson_type_id: strawberry.ID = strawberry.field(description="The lesson type.")
    name: str | None = strawberry.field(default=None, description="New name.")
    description: str | None = strawberry.field(default=None, description="New description.")
    duration_minutes: int | None = strawberry.field(default=None, description="New length.")
    price_minor: int | None = strawberry.field(
        default=None, description="New price (booked lessons keep theirs)."
    )
    deposit_minor: int | None = strawberry.field(default=None, description="New deposit.")
    is_active: bool | None = strawberry.field(
        default=None, description="False stops new bookings of this type."
    )


@strawberry.input(description="One interval of weekly working hours, in the school's local time.")
class WorkingHoursInput:
    weekday: Weekday = strawberry.field(description="The weekday.")
    start: time = strawberry.field(description="Start, e.g. 09:00.")
    end: time = strawberry.field(description="End, e.g. 17:30; 00:00 means midnight.")


@strawberry.input(description="Replace an instructor's whole weekly working hours.")
class SetWorkingHoursInput:
    instructor_id: strawberry.ID = strawberry.field(
        description="The instructor (yourself, or any of your school's as an admin)."
    )
    hours: list[WorkingHoursInput] = strawberry.field(
        description="Every interval of the week (up to 70); intervals of one day may not overlap."
    )


@strawberry.input(
    description="Time off or extra hours on dates, in the school's local time. Without times "
    "it covers whole days from `startDate` to `endDate`."
)
class AddAvailabilityExceptionInput:
    instructor_id: strawberry.ID = strawberry.field(description="The instructor.")
    kind: ExceptionKind = strawberry.field(description="Time off or extra hours.")
    start_date: date = strawberry.field(description="First local date.")
    end_date: date | None = strawberry.field(
        default=None, description="Last local date (defaults to `startDate`)."
    )
    start_time: time | None = strawberry.field(
        default=None, description="Local start time on `startDate` (with `endTime`)."
    )
    end_time: time | None = strawberry.field(
        default=None, description="Local end time on the last date (with `startTime`)."
    )
    reason: str | None = strawberry.field(default=None, description="Why (up to 300 characters).")


@strawberry.input(description="Remove an availability exception.")
class RemoveAvailabilityExceptionInput:
    exception_id: strawberry.ID = strawberry.field(description="The exception.")


@strawberry.input(description="One tier of a cancellation policy.")
class CancellationTierInput:
    min_notice_hours: int = strawberry.field(
        description="At least this many hours' notice (0–720)."
    )
    outcome: TierOutcome = strawberry.field(description="What happens to the credit or price.")
    fee_percent: int | None = strawberry.field(
        default=None, description="For a fee: 1–100 percent of the lesson's price."
    )


@strawberry.input(description="Set a school's cancellation tiers (school admins).")
class SetCancellationPolicyInput:
    tiers: list[CancellationTierInput] | None = strawberry.field(
        description="1–6 tiers, one of them at 0 hours; null returns to the simple policy."
    )
    school_id: strawberry.ID | None = strawberry.field(
        default=None, description="Platform admins: the school. Others: omit."
    )


@strawberry.input(description="Book a lesson.")
class BookLessonInput:
    instructor_id: strawberry.ID = strawberry.field(
        description="An instructor assigned to the student."
    )
    lesson_type_id: strawberry.ID = strawberry.field(
        description="An active lesson type of the school."
    )
    starts_at: datetime = strawberry.field(
        description="Start, with its UTC offset, on the school's slot grid (see `availableSlots`)."
    )
    student_id: strawberry.ID | None = strawberry.field(
        default=None, description="Instructors and admins: the student. Students: omit."
    )
    location: str | None = strawberry.field(default=None, description="Where to meet.")
    notes: str | None = strawberry.field(default=None, description="Notes for the lesson.")
    override_working_hours: bool = strawberry.field(
        default=False, description="Admins only: book outside the instructor's working hours."
    )
    pay_with: LessonPayment = strawberry.field(
        default=LessonPayment.AUTO,
        description="AUTO: a matching lesson credit if the student holds one, else pay as you "
        "go; CREDIT: a credit or the booking is refused (NO_CREDITS); PAY_AS_YOU_GO: no credit.",
    )
    student_package_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The student package to draw the credit from (omit: the matching one "
        "that expires first).",
    )
    deposit_method: DepositMethod = strawberry.field(
        default=DepositMethod.CARD,
        description="How the lesson type's deposit is paid, when it asks for one and no "
        "credit pays for the lesson.",
    )
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY)


@strawberry.input(description="Act on one booking.")
class BookingActionInput:
    booking_id: strawberry.ID = strawberry.field(description="The booking.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY)


@strawberry.input(description="Cancel a lesson.")
class CancelBookingInput:
    booking_id: strawberry.ID = strawberry.field(description="The booking.")
    reason: str | None = strawberry.field(default=None, description="Why (up to 500 characters).")
    waive_fee: bool = strawberry.field(
        default=False, description="Admins only: return the credit whatever the notice."
    )
    waiver_reason: str | None = strawberry.field(
        default=None, description="Required with `waiveFee`: why the fee is waived."
    )
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY)


@strawberry.input(
    description="Move a lesson (students and admins; instructors use `requestReschedule`)."
)
class RescheduleBookingInput:
    booking_id: strawberry.ID = strawberry.field(description="The booking.")
    starts_at: datetime = strawberry.field(description="The new start, with its UTC offset.")
    reason: str | None = strawberry.field(default=None, description="Why.")
    override_working_hours: bool = strawberry.field(
        default=False, description="Admins only: move outside working hours."
    )
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY)


@strawberry.input(description="Waive a late cancellation's or no-show's outcome (admins).")
class WaiveCancellationFeeInput:
    booking_id: strawberry.ID = strawberry.field(description="The booking.")
    reason: str = strawberry.field(description="Why (kept on the booking and in the audit log).")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY)


@strawberry.input(description="Change a booking's location or notes.")
class UpdateBookingDetailsInput:
    booking_id: strawberry.ID = strawberry.field(description="The booking.")
    location: str | None = strawberry.field(default=None, description="New location.")
    notes: str | None = strawberry.field(default=None, description="New notes.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY)


@strawberry.input(description="Start a lesson with the code the student received.")
class StartLessonInput:
    booking_id: strawberry.ID = strawberry.field(description="The booking.")
    code: str = strawberry.field(description="The six digits texted to the student.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY)


@strawberry.input(description="Propose a new time for a lesson (instructors and admins).")
class RequestRescheduleInput:
    booking_id: strawberry.ID = strawberry.field(description="The booking.")
    proposed_starts_at: datetime = strawberry.field(description="The proposed start.")
    message: str | None = strawberry.field(default=None, description="A note for the student.")


@strawberry.input(description="Answer a reschedule request (the student).")
class RespondToRescheduleRequestInput:
    request_id: strawberry.ID = strawberry.field(description="The request.")
    accept: bool = strawberry.field(description="True moves the lesson; false declines.")
    note: str | None = strawberry.field(default=None, description="A note for the instructor.")


@strawberry.input(description="Withdraw a pending reschedule request.")
class WithdrawRescheduleRequestInput:
    request_id: strawberry.ID = strawberry.field(description="The request.")


@strawberry.input(description="Ask for an earlier lesson with an instructor (students).")
class JoinWaitingListInput:
    instructor_id: strawberry.ID = strawberry.field(description="An instructor assigned to you.")
    lesson_type_id: strawberry.ID = strawberry.field(description="The kind of lesson.")
    not_after: datetime = strawberry.field(description="The latest start you would take.")
    not_before: datetime | None = strawberry.field(
        default=None, description="The earliest start you would take (default: now)."
    )
    booking_id: strawberry.ID | None = strawberry.field(
        default=None, description="A later lesson of yours to bring forward instead of adding one."
    )


@strawberry.input(description="Leave a waiting list.")
class LeaveWaitingListInput:
    entry_id: strawberry.ID = strawberry.field(description="The waiting-list entry.")


@strawberry.input(description="Accept or decline a slot offer.")
class SlotOfferInput:
    offer_id: strawberry.ID = strawberry.field(description="The offer.")
