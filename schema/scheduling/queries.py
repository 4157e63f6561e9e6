"""Queries and live feeds of the scheduling domain."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import strawberry
from strawberry.permission import BasePermission

from resolvers import scheduling as resolvers
from resolvers.context import Info
from resolvers.schools import SchoolByIdLoader
from schema.common.connection import AFTER_DESCRIPTION, FIRST_DESCRIPTION, Connection
from schema.common.events import AFTER_EVENT, parse_event_id, resumable
from schema.common.node import decode_id, decode_optional_id
from schema.common.permissions import IsAuthenticated
from schema.scheduling.types import (
    AvailabilityException,
    AvailableSlot,
    Booking,
    BookingChange,
    BookingChangeKind,
    BookingEvent,
    BookingStatus,
    CancellationPolicy,
    CancellationTier,
    LessonType,
    RescheduleRequest,
    SlotOffer,
    TierOutcome,
    WaitlistEntry,
    WorkingHoursInterval,
)
from services.scheduling.errors import SchedulingErrorCode as E
from services.scheduling.policy import Tier

AUTHENTICATED: list[type[BasePermission]] = [IsAuthenticated]
INSTRUCTOR = strawberry.argument(description="The instructor.")
FROM = strawberry.argument(description="Start of the range, with its UTC offset.", name="from")
TO = strawberry.argument(description="End of the range (exclusive); at most 62 days after `from`.")
TO_366 = strawberry.argument(
    description="End of the range (exclusive); at most 366 days after `from`."
)
SCHOOL = strawberry.argument(description="Platform admins: the school. Others: omit (your school).")


def policy_type(tiers: list[Tier], is_custom: bool) -> CancellationPolicy:
    return CancellationPolicy(
        tiers=[
            CancellationTier(
                min_notice_hours=t.min_notice_hours,
                outcome=TierOutcome(t.outcome.value),
                fee_percent=t.fee_percent,
            )
            for t in tiers
        ],
        is_custom=is_custom,
    )


def _user_id(value: strawberry.ID | None, field: str, code: E = E.NOT_FOUND) -> Any:
    return decode_optional_id(value, "User", code, field)


@strawberry.type
class SchedulingQuery:
    @strawberry.field(description="A school's lesson types.", permission_classes=AUTHENTICATED)
    async def lesson_types(
        self,
        info: Info,
        include_inactive: Annotated[
            bool, strawberry.argument(description="Include retired lesson types.")
        ] = False,
        school_id: Annotated[strawberry.ID | None, SCHOOL] = None,
    ) -> list[LessonType]:
        rows = await resolvers.lesson_types_of(
            info, decode_optional_id(school_id, "School", E.NOT_FOUND, "schoolId"), include_inactive
        )
        return [LessonType(model=r) for r in rows]

    @strawberry.field(
        description="An instructor's weekly working hours.", permission_classes=AUTHENTICATED
    )
    async def working_hours(
        self, info: Info, instructor_id: Annotated[strawberry.ID, INSTRUCTOR]
    ) -> list[WorkingHoursInterval]:
        rows = await resolvers.working_hours(
            info, decode_id(instructor_id, "User", E.INSTRUCTOR_NOT_FOUND, "instructorId")
        )
        return [WorkingHoursInterval(model=r) for r in rows]

    @strawberry.field(
        description="An instructor's time off and extra hours that overlap a range (≤ 366 days).",
        permission_classes=AUTHENTICATED,
    )
    async def availability_exceptions(
        self,
        info: Info,
        instructor_id: Annotated[strawberry.ID, INSTRUCTOR],
        from_: Annotated[datetime, FROM],
        to: Annotated[datetime, TO_366],
    ) -> list[AvailabilityException]:
        rows = await resolvers.exceptions(
            info,
            decode_id(instructor_id, "User", E.INSTRUCTOR_NOT_FOUND, "instructorId"),
            from_,
            to,
        )
        return [AvailabilityException(model=r) for r in rows]

    @strawberry.field(
        description="Free start times for a lesson with an instructor, honouring working hours, "
        "exceptions, buffers, existing bookings, the weekly-hours cap, the booking horizon and "
        "the school's slot grid. Students see only times they are free too.",
        permission_classes=AUTHENTICATED,
    )
    async def available_slots(
        self,
        info: Info,
        instructor_id: Annotated[strawberry.ID, INSTRUCTOR],
        lesson_type_id: Annotated[
            strawberry.ID, strawberry.argument(description="The lesson type.")
        ],
        from_: Annotated[datetime, FROM],
        to: Annotated[datetime, TO],
        student_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Staff: also leave out times this student is busy."),
        ] = None,
    ) -> list[AvailableSlot]:
        instructor = decode_id(instructor_id, "User", E.INSTRUCTOR_NOT_FOUND, "instructorId")
        starts = await resolvers.available_slots(
            info,
            instructor_id=instructor,
            lesson_type_id=decode_id(
                lesson_type_id, "LessonType", E.LESSON_TYPE_NOT_FOUND, "lessonTypeId"
            ),
            start=from_,
            end=to,
            student_id=_user_id(student_id, "studentId", E.STUDENT_NOT_FOUND),
        )
        lesson_type = await info.context.loaders[resolvers.LessonTypeByIdLoader].load(
            decode_id(lesson_type_id, "LessonType", E.LESSON_TYPE_NOT_FOUND, "lessonTypeId")
        )
        assert lesson_type is not None
        school = await info.context.loaders[SchoolByIdLoader].load(lesson_type.school_id)
        zone = ZoneInfo(school.time_zone if school else "UTC")
        length = timedelta(minutes=lesson_type.duration_minutes)
        return [
            AvailableSlot(
                starts_at=s,
                ends_at=s + length,
                local_start=s.astimezone(zone).replace(tzinfo=None).isoformat(),
            )
            for s in starts
        ]

    @strawberry.field(
        description="An instructor's lessons starting in a range (at most 62 days), in order: "
        "the diary view.",
        permission_classes=AUTHENTICATED,
    )
    async def diary(
        self,
        info: Info,
        instructor_id: Annotated[strawberry.ID, INSTRUCTOR],
        from_: Annotated[datetime, FROM],
        to: Annotated[datetime, TO],
        include_cancelled: Annotated[
            bool, strawberry.argument(description="Include cancelled lessons.")
        ] = False,
    ) -> list[Booking]:
        rows = await resolvers.diary(
            info,
            decode_id(instructor_id, "User", E.INSTRUCTOR_NOT_FOUND, "instructorId"),
            from_,
            to,
            include_cancelled,
        )
        return [Booking(model=r) for r in rows]

    @strawberry.field(
        description="Bookings you may see, by start time (students: theirs; instructors: their "
        "diary; admins: the school's).",
        permission_classes=AUTHENTICATED,
    )
    async def bookings(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=FIRST_DESCRIPTION)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
        student_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this student's.")
        ] = None,
        instructor_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this instructor's.")
        ] = None,
        from_: Annotated[
            datetime | None,
            strawberry.argument(description="Only lessons starting at or after this.", name="from"),
        ] = None,
        statuses: Annotated[
            list[BookingStatus] | None, strawberry.argument(description="Only these statuses.")
        ] = None,
    ) -> Connection[Booking]:
        page = await resolvers.list_bookings(
            info,
            first=first,
            after=after,
            student_id=_user_id(student_id, "studentId"),
            instructor_id=_user_id(instructor_id, "instructorId"),
            start=from_,
            statuses=[s.value for s in statuses] if statuses else None,
        )
        return Connection[Booking].from_page(page, lambda m: Booking(model=m))

    @strawberry.field(
        description="A school's cancellation policy.", permission_classes=AUTHENTICATED
    )
    async def cancellation_policy(
        self, info: Info, school_id: Annotated[strawberry.ID | None, SCHOOL] = None
    ) -> CancellationPolicy:
        tiers, custom = await resolvers.cancellation_policy(
            info, decode_optional_id(school_id, "School", E.NOT_FOUND, "schoolId")
        )
        return policy_type(tiers, custom)

    @strawberry.field(
        description="Pending reschedule requests on lessons you may see.",
        permission_classes=AUTHENTICATED,
    )
    async def pending_reschedule_requests(self, info: Info) -> list[RescheduleRequest]:
        return [RescheduleRequest(model=r) for r in await resolvers.my_reschedule_requests(info)]

    @strawberry.field(
        description="Active waiting-list entries: a student's own, an instructor's, or (admins) "
        "the school's.",
        permission_classes=AUTHENTICATED,
    )
    async def waiting_list(
        self,
        info: Info,
        instructor_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this instructor's.")
        ] = None,
    ) -> list[WaitlistEntry]:
        rows = await resolvers.waiting_list(info, _user_id(instructor_id, "instructorId"))
        return [WaitlistEntry(model=r) for r in rows]

    @strawberry.field(
        description="Freed slots offered to you that are still open.",
        permission_classes=AUTHENTICATED,
    )
    async def my_slot_offers(self, info: Info) -> list[SlotOffer]:
        return [SlotOffer(model=r) for r in await resolvers.my_slot_offers(info)]


def _event(item: tuple[int, str, Any, Any]) -> BookingEvent:
    event_id, change, booking, entry = item
    return BookingEvent(
        event_id=str(event_id),
        change=BookingChangeKind(change),
        booking=Booking(model=booking),
        history_entry=BookingChange(model=entry) if entry else None,
    )


@strawberry.type
class SchedulingSubscription:
    @strawberry.subscription(
        description="Every change in an instructor's diary — created, moved, status changed, "
        "cancelled — as it commits (the instructor, or the school's admins). Pass the last "
        "`eventId` as `after` to receive what you missed.",
        permission_classes=AUTHENTICATED,
    )
    async def instructor_diary(
        self,
        info: Info,
        instructor_id: Annotated[strawberry.ID, INSTRUCTOR],
        after: Annotated[str | None, AFTER_EVENT] = None,
    ) -> AsyncGenerator[BookingEvent, None]:
        instructor = decode_id(instructor_id, "User", E.INSTRUCTOR_NOT_FOUND, "instructorId")
        async for item in resumable(
            resolvers.instructor_diary_events(info, instructor, parse_event_id(after))
        ):
            yield _event(item)

    @strawberry.subscription(
        description="Every change to your own lessons (students; instructors get their diary).",
        permission_classes=AUTHENTICATED,
    )
    async def my_bookings(
        self, info: Info, after: Annotated[str | None, AFTER_EVENT] = None
    ) -> AsyncGenerator[BookingEvent, None]:
        async for item in resumable(resolvers.my_booking_events(info, parse_event_id(after))):
            yield _event(item)

    @strawberry.subscription(
        description="Every change to one booking you may see.", permission_classes=AUTHENTICATED
    )
    async def booking_updated(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The booking.")],
        after: Annotated[str | None, AFTER_EVENT] = None,
    ) -> AsyncGenerator[BookingEvent, None]:
        booking_id = decode_id(id, "Booking", E.NOT_FOUND, "id")
        async for item in resumable(
            resolvers.booking_updated_events(info, booking_id, parse_event_id(after))
        ):
            yield _event(item)
