"""Mutations of the scheduling domain."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import strawberry
from strawberry.permission import BasePermission

from resolvers import scheduling as resolvers
from resolvers.context import Info
from schema.common.arguments import INPUT
from schema.common.errors import attempt, user_errors
from schema.common.node import decode_id, decode_optional_id
from schema.common.permissions import IsAuthenticated
from schema.scheduling.inputs import (
    AddAvailabilityExceptionInput,
    BookingActionInput,
    BookLessonInput,
    CancelBookingInput,
    CreateLessonTypeInput,
    JoinWaitingListInput,
    LeaveWaitingListInput,
    RemoveAvailabilityExceptionInput,
    RequestRescheduleInput,
    RescheduleBookingInput,
    RespondToRescheduleRequestInput,
    SetCancellationPolicyInput,
    SetWorkingHoursInput,
    SlotOfferInput,
    StartLessonInput,
    UpdateBookingDetailsInput,
    UpdateLessonTypeInput,
    WaiveCancellationFeeInput,
    WithdrawRescheduleRequestInput,
)
from schema.scheduling.queries import policy_type
from schema.scheduling.types import (
    AvailabilityException,
    Booking,
    CancellationPolicy,
    LessonType,
    RescheduleRequest,
    SchedulingError,
    SlotOffer,
    WaitlistEntry,
    WorkingHoursInterval,
)
from services.errors import DomainError
from services.scheduling.availability import ExceptionKind, HoursInput
from services.scheduling.errors import SchedulingErrorCode as E
from services.scheduling.hooks import PaymentChoice, PayWith
from services.scheduling.policy import Outcome, Tier

AUTHENTICATED: list[type[BasePermission]] = [IsAuthenticated]


def _errors(errors: list[DomainError]) -> list[SchedulingError]:
    return user_errors(SchedulingError, E, errors)


def _wrap(cls: Any, model: Any) -> Any:
    return cls(model=model) if model is not None else None


@strawberry.type(description="Result of a lesson-type mutation.")
class LessonTypePayload:
    lesson_type: LessonType | None = strawberry.field(description="The lesson type, on success.")
    errors: list[SchedulingError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="Result of setting working hours.")
class WorkingHoursPayload:
    hours: list[WorkingHoursInterval] | None = strawberry.field(
        description="The week's intervals, on success."
    )
    errors: list[SchedulingError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="Result of an availability-exception mutation.")
class AvailabilityExceptionPayload:
    exception: AvailabilityException | None = strawberry.field(
        description="The exception, on success."
    )
    errors: list[SchedulingError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="Result of setting a cancellation policy.")
class CancellationPolicyPayload:
    policy: CancellationPolicy | None = strawberry.field(description="The policy now in force.")
    errors: list[SchedulingError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="Result of a booking mutation.")
class BookingPayload:
    booking: Booking | None = strawberry.field(description="The booking as it is now, on success.")
    errors: list[SchedulingError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="Result of a reschedule-request mutation.")
class RescheduleRequestPayload:
    request: RescheduleRequest | None = strawberry.field(description="The request, on success.")
    errors: list[SchedulingError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="Result of a waiting-list mutation.")
class WaitlistEntryPayload:
    entry: WaitlistEntry | None = strawberry.field(description="The entry, on success.")
    errors: list[SchedulingError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="Result of answering a slot offer.")
class SlotOfferPayload:
    offer: SlotOffer | None = strawberry.field(description="The offer, on success.")
    errors: list[SchedulingError] = strawberry.field(description="Why it failed; empty on success.")


def _id(value: strawberry.ID, type_name: str, field: str, code: E = E.NOT_FOUND) -> Any:
    return decode_id(value, type_name, code, field)


async def _booking(work: Callable[[], Awaitable[Any]]) -> BookingPayload:
    model, errors = await attempt(work())
    return BookingPayload(booking=_wrap(Booking, model), errors=_errors(errors))


@strawberry.type
class SchedulingMutation:
    @strawberry.mutation(
        description="Create a lesson type (school admins).", permission_classes=AUTHENTICATED
    )
    async def create_lesson_type(
        self, info: Info, input: Annotated[CreateLessonTypeInput, INPUT]
    ) -> LessonTypePayload:
        async def work() -> Any:
            return await resolvers.create_lesson_type(
                info,
                decode_optional_id(input.school_id, "School", E.NOT_FOUND, "schoolId"),
                name=input.name,
                description=input.description,
                duration_minutes=input.duration_minutes,
                price_minor=input.price_minor,
                deposit_minor=input.deposit_minor,
            )

        model, errors = await attempt(work())
        return LessonTypePayload(lesson_type=_wrap(LessonType, model), errors=_errors(errors))

    @strawberry.mutation(
        description="Change or retire a lesson type (school admins).",
        permission_classes=AUTHENTICATED,
    )
    async def update_lesson_type(
        self, info: Info, input: Annotated[UpdateLessonTypeInput, INPUT]
    ) -> LessonTypePayload:
        async def work() -> Any:
            return await resolvers.update_lesson_type(
                info,
                _id(input.lesson_type_id, "LessonType", "lessonTypeId", E.LESSON_TYPE_NOT_FOUND),
                {
                    "name": input.name,
                    "description": input.description,
                    "duration_minutes": input.duration_minutes,
                    "price_minor": input.price_minor,
                    "deposit_minor": input.deposit_minor,
                    "is_active": input.is_active,
                },
            )

        model, errors = await attempt(work())
        return LessonTypePayload(lesson_type=_wrap(LessonType, model), errors=_errors(errors))

    @strawberry.mutation(
        description="Replace an instructor's weekly working hours (the instructor, or an admin).",
        permission_classes=AUTHENTICATED,
    )
    async def set_working_hours(
        self, info: Info, input: Annotated[SetWorkingHoursInput, INPUT]
    ) -> WorkingHoursPayload:
        async def work() -> Any:
            return await resolvers.set_working_hours(
                info,
                _id(input.instructor_id, "User", "instructorId", E.INSTRUCTOR_NOT_FOUND),
                [HoursInput(h.weekday.value, h.start, h.end) for h in input.hours],
            )

        rows, errors = await attempt(work())
        hours = [WorkingHoursInterval(model=r) for r in rows] if rows is not None else None
        return WorkingHoursPayload(hours=hours, errors=_errors(errors))

    @strawberry.mutation(
        description="Add time off or extra hours (the instructor, or an admin).",
        permission_classes=AUTHENTICATED,
    )
    async def add_availability_exception(
        self, info: Info, input: Annotated[AddAvailabilityExceptionInput, INPUT]
    ) -> AvailabilityExceptionPayload:
        async def work() -> Any:
            return await resolvers.add_exception(
                info,
                _id(input.instructor_id, "User", "instructorId", E.INSTRUCTOR_NOT_FOUND),
                kind=ExceptionKind(input.kind.value),
                start_date=input.start_date,
                start_time=input.start_time,
                end_date=input.end_date,
                end_time=input.end_time,
                reason=input.reason,
            )

        model, errors = await attempt(work())
        return AvailabilityExceptionPayload(
            exception=_wrap(AvailabilityException, model), errors=_errors(errors)
        )

    @strawberry.mutation(
        description="Remove an availability exception.", permission_classes=AUTHENTICATED
    )
    async def remove_availability_exception(
        self, info: Info, input: Annotated[RemoveAvailabilityExceptionInput, INPUT]
    ) -> AvailabilityExceptionPayload:
        async def work() -> Any:
            return await resolvers.remove_exception(
                info, _id(input.exception_id, "AvailabilityException", "exceptionId")
            )

        model, errors = await attempt(work())
        return AvailabilityExceptionPayload(
            exception=_wrap(AvailabilityException, model), errors=_errors(errors)
        )

    @strawberry.mutation(
        description="Set the school's cancellation tiers (school admins).",
        permission_classes=AUTHENTICATED,
    )
    async def set_cancellation_policy(
        self, info: Info, input: Annotated[SetCancellationPolicyInput, INPUT]
    ) -> CancellationPolicyPayload:
        async def work() -> Any:
            school_id = decode_optional_id(input.school_id, "School", E.NOT_FOUND, "schoolId")
            tiers = (
                [
                    Tier(t.min_notice_hours, Outcome(t.outcome.value), t.fee_percent)
                    for t in input.tiers
                ]
                if input.tiers is not None
                else None
            )
            await resolvers.set_cancellation_policy(info, school_id, tiers)
            return await resolvers.cancellation_policy(info, school_id)

        result, errors = await attempt(work())
        return CancellationPolicyPayload(
            policy=policy_type(*result) if result else None, errors=_errors(errors)
        )

    @strawberry.mutation(
        description="Book a lesson. Students book for themselves with an assigned instructor "
        "(pending until confirmed); instructors in their own diary and admins for any student "
        "(confirmed at once).",
        permission_classes=AUTHENTICATED,
    )
    async def book_lesson(
        self, info: Info, input: Annotated[BookLessonInput, INPUT]
    ) -> BookingPayload:
        async def work() -> Any:
            return await resolvers.book_lesson(
                info,
                input.idempotency_key,
                instructor_id=_id(
                    input.instructor_id, "User", "instructorId", E.INSTRUCTOR_NOT_FOUND
                ),
                student_id=decode_optional_id(
                    input.student_id, "User", E.STUDENT_NOT_FOUND, "studentId"
                ),
                lesson_type_id=_id(
                    input.lesson_type_id, "LessonType", "lessonTypeId", E.LESSON_TYPE_NOT_FOUND
                ),
                starts_at=_aware(input.starts_at, "startsAt"),
                location=input.location,
                notes=input.notes,
                override_working_hours=input.override_working_hours,
                payment=PaymentChoice(
                    pay_with=PayWith(input.pay_with.value),
                    student_package_id=decode_optional_id(
                        input.student_package_id,
                        "StudentPackage",
                        E.PACKAGE_NOT_USABLE,
                        "studentPackageId",
                    ),
                    deposit_method=input.deposit_method.value,
                ),
            )

        return await _booking(work)

    @strawberry.mutation(
        description="Confirm a pending booking (its instructor or an admin).",
        permission_classes=AUTHENTICATED,
    )
    async def confirm_booking(
        self, info: Info, input: Annotated[BookingActionInput, INPUT]
    ) -> BookingPayload:
        return await _action(info, "confirmBooking", input.booking_id, input.idempotency_key)

    @strawberry.mutation(
        description="Cancel a lesson. The school's policy decides what happens to its credit; "
        "an instructor's cancellation always returns it.",
        permission_classes=AUTHENTICATED,
    )
    async def cancel_booking(
        self, info: Info, input: Annotated[CancelBookingInput, INPUT]
    ) -> BookingPayload:
        return await _action(
            info,
            "cancelBooking",
            input.booking_id,
            input.idempotency_key,
            reason=input.reason,
            waive_fee=input.waive_fee,
            waiver_reason=input.waiver_reason,
        )

    @strawberry.mutation(
        description="Move a lesson to a new time (students: their own, with enough notice; "
        "admins: any).",
        permission_classes=AUTHENTICATED,
    )
    async def reschedule_booking(
        self, info: Info, input: Annotated[RescheduleBookingInput, INPUT]
    ) -> BookingPayload:
        return await _action(
            info,
            "rescheduleBooking",
            input.booking_id,
            input.idempotency_key,
            starts_at=_aware(input.starts_at, "startsAt"),
            reason=input.reason,
            override_working_hours=input.override_working_hours,
        )

    @strawberry.mutation(
        description="Record that the student did not turn up (the instructor or an admin, "
        "after the start).",
        permission_classes=AUTHENTICATED,
    )
    async def mark_no_show(
        self, info: Info, input: Annotated[BookingActionInput, INPUT]
    ) -> BookingPayload:
        return await _action(info, "markNoShow", input.booking_id, input.idempotency_key)

    @strawberry.mutation(
        description="Complete a lesson that has started (the instructor, or an admin).",
        permission_classes=AUTHENTICATED,
    )
    async def complete_lesson(
        self, info: Info, input: Annotated[BookingActionInput, INPUT]
    ) -> BookingPayload:
        return await _action(info, "completeLesson", input.booking_id, input.idempotency_key)

    @strawberry.mutation(
        description="Waive a late cancellation's fee or forfeit, or a no-show (admins).",
        permission_classes=AUTHENTICATED,
    )
    async def waive_cancellation_fee(
        self, info: Info, input: Annotated[WaiveCancellationFeeInput, INPUT]
    ) -> BookingPayload:
        return await _action(
            info,
            "waiveCancellationFee",
            input.booking_id,
            input.idempotency_key,
            reason=input.reason,
        )

    @strawberry.mutation(
        description="Change a booking's location or notes.", permission_classes=AUTHENTICATED
    )
    async def update_booking_details(
        self, info: Info, input: Annotated[UpdateBookingDetailsInput, INPUT]
    ) -> BookingPayload:
        return await _action(
            info,
            "updateBookingDetails",
            input.booking_id,
            input.idempotency_key,
            location=input.location,
            notes=input.notes,
        )

    @strawberry.mutation(
        description="Text the student a code to start the lesson (the lesson's instructor, from "
        "15 minutes before the start).",
        permission_classes=AUTHENTICATED,
    )
    async def request_lesson_start(
        self, info: Info, input: Annotated[BookingActionInput, INPUT]
    ) -> BookingPayload:
        return await _action(info, "requestLessonStart", input.booking_id, input.idempotency_key)

    @strawberry.mutation(
        description="Start the lesson with the student's code (10 minutes, 5 tries).",
        permission_classes=AUTHENTICATED,
    )
    async def start_lesson(
        self, info: Info, input: Annotated[StartLessonInput, INPUT]
    ) -> BookingPayload:
        return await _action(
            info, "startLesson", input.booking_id, input.idempotency_key, code=input.code
        )

    @strawberry.mutation(
        description="Propose a new time for a lesson; the student accepts or declines.",
        permission_classes=AUTHENTICATED,
    )
    async def request_reschedule(
        self, info: Info, input: Annotated[RequestRescheduleInput, INPUT]
    ) -> RescheduleRequestPayload:
        async def work() -> Any:
            return await resolvers.request_reschedule(
                info,
                _id(input.booking_id, "Booking", "bookingId"),
                proposed_starts_at=_aware(input.proposed_starts_at, "proposedStartsAt"),
                message=input.message,
            )

        model, errors = await attempt(work())
        return RescheduleRequestPayload(
            request=_wrap(RescheduleRequest, model), errors=_errors(errors)
        )

    @strawberry.mutation(
        description="Accept (the lesson moves) or decline a reschedule request (the student).",
        permission_classes=AUTHENTICATED,
    )
    async def respond_to_reschedule_request(
        self, info: Info, input: Annotated[RespondToRescheduleRequestInput, INPUT]
    ) -> RescheduleRequestPayload:
        async def work() -> Any:
            return await resolvers.respond_to_request(
                info,
                _id(input.request_id, "RescheduleRequest", "requestId"),
                accept=input.accept,
                note=input.note,
            )

        model, errors = await attempt(work())
        return RescheduleRequestPayload(
            request=_wrap(RescheduleRequest, model), errors=_errors(errors)
        )

    @strawberry.mutation(
        description="Withdraw your pending reschedule request.", permission_classes=AUTHENTICATED
    )
    async def withdraw_reschedule_request(
        self, info: Info, input: Annotated[WithdrawRescheduleRequestInput, INPUT]
    ) -> RescheduleRequestPayload:
        async def work() -> Any:
            return await resolvers.withdraw_request(
                info, _id(input.request_id, "RescheduleRequest", "requestId")
            )

        model, errors = await attempt(work())
        return RescheduleRequestPayload(
            request=_wrap(RescheduleRequest, model), errors=_errors(errors)
        )

    @strawberry.mutation(
        description="Ask for an earlier lesson with an instructor (students); freed slots are "
        "offered to you.",
        permission_classes=AUTHENTICATED,
    )
    async def join_waiting_list(
        self, info: Info, input: Annotated[JoinWaitingListInput, INPUT]
    ) -> WaitlistEntryPayload:
        async def work() -> Any:
            return await resolvers.join_waiting_list(
                info,
                instructor_id=_id(
                    input.instructor_id, "User", "instructorId", E.INSTRUCTOR_NOT_FOUND
                ),
                lesson_type_id=_id(
                    input.lesson_type_id, "LessonType", "lessonTypeId", E.LESSON_TYPE_NOT_FOUND
                ),
                not_before=input.not_before,
                not_after=input.not_after,
                booking_id=decode_optional_id(
                    input.booking_id, "Booking", E.NOT_FOUND, "bookingId"
                ),
            )

        model, errors = await attempt(work())
        return WaitlistEntryPayload(entry=_wrap(WaitlistEntry, model), errors=_errors(errors))

    @strawberry.mutation(description="Leave a waiting list.", permission_classes=AUTHENTICATED)
    async def leave_waiting_list(
        self, info: Info, input: Annotated[LeaveWaitingListInput, INPUT]
    ) -> WaitlistEntryPayload:
        async def work() -> Any:
            return await resolvers.leave_waiting_list(
                info, _id(input.entry_id, "WaitlistEntry", "entryId")
            )

        model, errors = await attempt(work())
        return WaitlistEntryPayload(entry=_wrap(WaitlistEntry, model), errors=_errors(errors))

    @strawberry.mutation(
        description="Take a freed slot you were offered; the first to accept gets it.",
        permission_classes=AUTHENTICATED,
    )
    async def accept_slot_offer(
        self, info: Info, input: Annotated[SlotOfferInput, INPUT]
    ) -> SlotOfferPayload:
        async def work() -> Any:
            return await resolvers.accept_offer(info, _id(input.offer_id, "SlotOffer", "offerId"))

        model, errors = await attempt(work())
        return SlotOfferPayload(offer=_wrap(SlotOffer, model), errors=_errors(errors))

    @strawberry.mutation(description="Decline a slot offer.", permission_classes=AUTHENTICATED)
    async def decline_slot_offer(
        self, info: Info, input: Annotated[SlotOfferInput, INPUT]
    ) -> SlotOfferPayload:
        async def work() -> Any:
            return await resolvers.decline_offer(info, _id(input.offer_id, "SlotOffer", "offerId"))

        model, errors = await attempt(work())
        return SlotOfferPayload(offer=_wrap(SlotOffer, model), errors=_errors(errors))


def _aware(value: Any, field: str) -> Any:
    from services.scheduling.availability import require_aware

    return require_aware(value, field)


async def _action(
    info: Info, operation: str, booking_id: strawberry.ID, key: str | None, **fields: Any
) -> BookingPayload:
    async def work() -> Any:
        return await resolvers.booking_action(
            info,
            key,
            operation,
            _id(booking_id, "Booking", "bookingId"),
            resolvers.ACTIONS[operation],
            **fields,
        )

    return await _booking(work)
