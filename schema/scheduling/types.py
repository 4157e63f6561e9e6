"""Scheduling as clients see it: lesson types, availability, bookings and their events."""

from __future__ import annotations

from datetime import datetime, time
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo

import strawberry

from models import scheduling as models
from resolvers import scheduling as resolvers
from resolvers.accounts import UserByIdLoader
from resolvers.context import Info
from resolvers.schools import SchoolByIdLoader
from schema.accounts.types import User, user_or_none
from schema.common.errors import UserError
from schema.common.node import Node, register_node
from services.scheduling.errors import SchedulingErrorCode
from services.scheduling.localtime import wall_time
from services.scheduling.visibility import is_admin_of

if TYPE_CHECKING:
    from schema.packages.types import StudentPackage
    from schema.series.types import LessonSeries

SchedulingErrorCodeEnum = strawberry.enum(
    SchedulingErrorCode, description="Why a scheduling request failed."
)


@strawberry.type(description="A failed scheduling request.")
class SchedulingError(UserError):
    code: SchedulingErrorCodeEnum = strawberry.field(description="Machine-readable reason.")  # type: ignore[valid-type]


async def _zone(info: Info, school_id: Any) -> ZoneInfo:
    school = await info.context.loaders[SchoolByIdLoader].load(school_id)
    return ZoneInfo(school.time_zone if school else "UTC")


async def _user(info: Info, user_id: Any) -> User | None:
    if user_id is None:
        return None
    return user_or_none(await info.context.loaders[UserByIdLoader].load(user_id))


async def _lesson_type(info: Info, lesson_type_id: Any) -> LessonType | None:
    model = await info.context.loaders[resolvers.LessonTypeByIdLoader].load(lesson_type_id)
    return LessonType(model=model) if model else None


async def _booking(info: Info, booking_id: Any) -> Booking | None:
    if booking_id is None:
        return None
    model = await info.context.loaders[resolvers.BookingByIdLoader].load(booking_id)
    return Booking(model=model) if model else None


@strawberry.type(description="A kind of lesson a school sells: its length, price and deposit.")
class LessonType(Node):
    model: strawberry.Private[models.LessonType]

    @strawberry.field(description="Name shown to students, e.g. “Standard lesson (1 h)”.")
    def name(self) -> str:
        return self.model.name

    @strawberry.field(description="Longer description.")
    def description(self) -> str | None:
        return self.model.description

    @strawberry.field(description="Length in minutes.")
    def duration_minutes(self) -> int:
        return self.model.duration_minutes

    @strawberry.field(description="Price of one lesson, in minor units of `currency`.")
    def price_minor(self) -> int:
        return self.model.price_minor

    @strawberry.field(
        description="Deposit due before a lesson is confirmed, in minor units (0 when none)."
    )
    def deposit_minor(self) -> int:
        return self.model.deposit_minor

    @strawberry.field(description="ISO 4217 code of the price and deposit.")
    def currency(self) -> str:
        return self.model.currency

    @strawberry.field(description="Whether the lesson type can be booked.")
    def is_active(self) -> bool:
        return self.model.is_active


@strawberry.enum(description="A day of the week.")
class Weekday(Enum):
    MONDAY = 0
    TUESDAY = 1
    WEDNESDAY = 2
    THURSDAY = 3
    FRIDAY = 4
    SATURDAY = 5
    SUNDAY = 6


@strawberry.type(description="One interval of an instructor's weekly working hours (local time).")
class WorkingHoursInterval:
    model: strawberry.Private[models.WorkingHours]

    @strawberry.field(description="The weekday.")
    def weekday(self) -> Weekday:
        return Weekday(self.model.weekday)

    @strawberry.field(description="Start, in the school's local time.")
    def start(self) -> time:
        return wall_time(self.model.start_minute)

    @strawberry.field(description="End, in the school's local time; 00:00 means midnight.")
    def end(self) -> time:
        return wall_time(self.model.end_minute % 1440)


@strawberry.enum(description="What a dated availability exception does.")
class ExceptionKind(Enum):
    TIME_OFF = "time_off"
    EXTRA_HOURS = "extra_hours"


@strawberry.type(description="Time off, or extra hours, on particular dates.")
class AvailabilityException(Node):
    model: strawberry.Private[models.AvailabilityException]

    @strawberry.field(description="Time off or extra hours.")
    def kind(self) -> ExceptionKind:
        return ExceptionKind(self.model.kind)

    @strawberry.field(description="When it starts.")
    def starts_at(self) -> datetime:
        return self.model.starts_at

    @strawberry.field(description="When it ends.")
    def ends_at(self) -> datetime:
        return self.model.ends_at

    @strawberry.field(description="Why: for the instructor and the school's admins only.")
    def reason(self, info: Info) -> str | None:
        actor = info.context.actor
        if actor is None:
            return None
        if actor.user_id == self.model.instructor_id or is_admin_of(actor, self.model.school_id):
            return self.model.reason
        return None


@strawberry.type(description="A free start time for a lesson.")
class AvailableSlot:
    starts_at: datetime = strawberry.field(description="When the lesson would start (UTC).")
    ends_at: datetime = strawberry.field(description="When it would end.")
    local_start: str = strawberry.field(
        description="The start in the school's local time, ISO 8601 without offset."
    )


@strawberry.enum(description="Where a booking is in its life.")
class BookingStatus(Enum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


@strawberry.enum(
    description="What the school's cancellation policy decided for a lesson's credit or price."
)
class PolicyOutcome(Enum):
    CONSUMED = "consumed"
    RETURNED = "returned"
    FEE = "fee"
    FORFEITED = "forfeited"
    WAIVED = "waived"


@strawberry.enum(description="A kind of change in a booking's history.")
class BookingChangeKind(Enum):
    CREATED = "created"
    MOVED = "moved"
    CONFIRMED = "confirmed"
    STARTED = "started"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"
    UPDATED = "updated"
    FEE_WAIVED = "fee_waived"


@strawberry.type(description="One entry of a booking's history.")
class BookingChange:
    model: strawberry.Private[models.BookingChange]

    @strawberry.field(description="What happened.")
    def kind(self) -> BookingChangeKind:
        return BookingChangeKind(self.model.kind)

    @strawberry.field(description="Who did it (null for the system).")
    async def actor(self, info: Info) -> User | None:
        return await _user(info, self.model.actor_id)

    @strawberry.field(description="Where a moved lesson was before.")
    def from_starts_at(self) -> datetime | None:
        return self.model.from_starts_at

    @strawberry.field(description="Where a created or moved lesson went.")
    def to_starts_at(self) -> datetime | None:
        return self.model.to_starts_at

    @strawberry.field(description="Status before a status change.")
    def from_status(self) -> BookingStatus | None:
        return BookingStatus(self.model.from_status) if self.model.from_status else None

    @strawberry.field(description="Status after a status change.")
    def to_status(self) -> BookingStatus | None:
        return BookingStatus(self.model.to_status) if self.model.to_status else None

    @strawberry.field(description="Why, when someone said.")
    def reason(self) -> str | None:
        return self.model.reason

    @strawberry.field(description="When.")
    def at(self) -> datetime:
        return self.model.created_at


@strawberry.type(description="How and why a lesson was cancelled.")
class Cancellation:
    model: strawberry.Private[models.Booking]

    @strawberry.field(description="When.")
    def at(self) -> datetime:
        assert self.model.cancelled_at is not None
        return self.model.cancelled_at

    @strawberry.field(description="Who cancelled.")
    async def by(self, info: Info) -> User | None:
        return await _user(info, self.model.cancelled_by_id)

    @strawberry.field(description="Their role: student, instructor or school_admin.")
    def by_role(self) -> str | None:
        return self.model.cancelled_by_role

    @strawberry.field(description="The reason given.")
    def reason(self) -> str | None:
        return self.model.cancellation_reason

    @strawberry.field(description="Whether it came with less notice than the policy's free tier.")
    def late(self) -> bool:
        return self.model.is_late_cancellation

    @strawberry.field(description="Who waived the outcome, if an admin did.")
    async def waived_by(self, info: Info) -> User | None:
        return await _user(info, self.model.fee_waived_by_id)

    @strawberry.field(description="Why it was waived.")
    def waiver_reason(self) -> str | None:
        return self.model.fee_waiver_reason


@strawberry.type(description="A lesson between a student and an instructor.")
class Booking(Node):
    model: strawberry.Private[models.Booking]

    @strawberry.field(description="The student.")
    async def student(self, info: Info) -> User | None:
        return await _user(info, self.model.student_id)

    @strawberry.field(description="The instructor.")
    async def instructor(self, info: Info) -> User | None:
        return await _user(info, self.model.instructor_id)

    @strawberry.field(description="The kind of lesson.")
    async def lesson_type(self, info: Info) -> LessonType | None:
        return await _lesson_type(info, self.model.lesson_type_id)

    @strawberry.field(description="When the lesson starts (UTC).")
    def starts_at(self) -> datetime:
        return self.model.starts_at

    @strawberry.field(description="When it ends.")
    def ends_at(self) -> datetime:
        return self.model.ends_at

    @strawberry.field(description="The start in the school's local time, ISO 8601 without offset.")
    async def local_start(self, info: Info) -> str:
        zone = await _zone(info, self.model.school_id)
        return self.model.starts_at.astimezone(zone).replace(tzinfo=None).isoformat()

    @strawberry.field(description="Where the booking is in its life.")
    def status(self) -> BookingStatus:
        return BookingStatus(self.model.status)

    @strawberry.field(description="Where to meet (free text).")
    def location(self) -> str | None:
        return self.model.location

    @strawberry.field(description="Notes shared by the student, the instructor and admins.")
    def notes(self) -> str | None:
        return self.model.notes

    @strawberry.field(
        description="The lesson's price when it was booked, in minor units of `currency`."
    )
    def price_minor(self) -> int:
        return self.model.price_minor

    @strawberry.field(description="ISO 4217 code of the price and fee.")
    def currency(self) -> str:
        return self.model.currency

    @strawberry.field(description="Who booked it.")
    async def booked_by(self, info: Info) -> User | None:
        return await _user(info, self.model.booked_by_id)

    @strawberry.field(description="True when an admin placed it outside working hours.")
    def outside_working_hours(self) -> bool:
        return self.model.outside_working_hours

    @strawberry.field(description="When it was confirmed.")
    def confirmed_at(self) -> datetime | None:
        return self.model.confirmed_at

    @strawberry.field(description="When the lesson started (the start code was accepted).")
    def started_at(self) -> datetime | None:
        return self.model.started_at

    @strawberry.field(description="When the lesson was completed.")
    def completed_at(self) -> datetime | None:
        return self.model.completed_at

    @strawberry.field(description="The cancellation, for a cancelled lesson.")
    def cancellation(self) -> Cancellation | None:
        return Cancellation(model=self.model) if self.model.cancelled_at else None

    @strawberry.field(
        description="What the school's policy decided for the lesson's credit or price "
        "(null while the lesson is ahead)."
    )
    def policy_outcome(self) -> PolicyOutcome | None:
        outcome = self.model.policy_outcome
        return PolicyOutcome(outcome) if outcome else None

    @strawberry.field(
        description="The late-cancellation fee charged, in minor units (zero when none); "
        "what is owed appears as a FEE payment."
    )
    def fee_minor(self) -> int:
        return self.model.fee_minor

    @strawberry.field(description="Every change to the booking, oldest first.")
    async def history(self, info: Info) -> list[BookingChange]:
        rows = await info.context.loaders[resolvers.BookingHistoryLoader].load(self.model.id)
        return [BookingChange(model=r) for r in rows]

    @strawberry.field(description="The instructor's pending proposal to move the lesson.")
    async def pending_reschedule_request(self, info: Info) -> RescheduleRequest | None:
        row = await info.context.loaders[resolvers.PendingRescheduleRequestLoader].load(
            self.model.id
        )
        return RescheduleRequest(model=row) if row else None

    @strawberry.field(description="The recurring series the lesson came from, if any.")
    async def series(
        self, info: Info
    ) -> Annotated[LessonSeries, strawberry.lazy("schema.series.types")] | None:
        from schema.series.types import series_of

        return await series_of(info, self.model.series_id)

    @strawberry.field(description="The package whose credit pays for the lesson, if one does.")
    async def student_package(
        self, info: Info
    ) -> Annotated[StudentPackage, strawberry.lazy("schema.packages.types")] | None:
        from schema.packages.types import student_package_of

        return await student_package_of(info, self.model.student_package_id)

    @strawberry.field(description="True when a lesson credit pays for the lesson.")
    def paid_with_credit(self) -> bool:
        return self.model.student_package_id is not None

    @strawberry.field(
        description="Until when a booking held for its deposit waits for payment (null when "
        "nothing is due); unpaid by then, it is cancelled."
    )
    def payment_due_at(self) -> datetime | None:
        return self.model.payment_due_at

    @strawberry.field(description="When it was booked.")
    def created_at(self) -> datetime:
        return self.model.created_at

    @strawberry.field(description="When it last changed.")
    def updated_at(self) -> datetime:
        return self.model.updated_at


@strawberry.enum(description="Where a reschedule request stands.")
class RescheduleRequestStatus(Enum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


@strawberry.type(
    description="An instructor's proposal to move a lesson, for the student to answer."
)
class RescheduleRequest(Node):
    model: strawberry.Private[models.RescheduleRequest]

    @strawberry.field(description="The lesson to move.")
    async def booking(self, info: Info) -> Booking | None:
        return await _booking(info, self.model.booking_id)

    @strawberry.field(description="Who proposed it.")
    async def requested_by(self, info: Info) -> User | None:
        return await _user(info, self.model.requested_by_id)

    @strawberry.field(description="The proposed new start.")
    def proposed_starts_at(self) -> datetime:
        return self.model.proposed_starts_at

    @strawberry.field(description="The instructor's message.")
    def message(self) -> str | None:
        return self.model.message

    @strawberry.field(description="Pending, accepted, declined, withdrawn or expired.")
    def status(self) -> RescheduleRequestStatus:
        return RescheduleRequestStatus(self.model.status)

    @strawberry.field(description="The student's note with their answer.")
    def response_note(self) -> str | None:
        return self.model.response_note

    @strawberry.field(description="When it was answered.")
    def responded_at(self) -> datetime | None:
        return self.model.responded_at

    @strawberry.field(description="When it was made.")
    def created_at(self) -> datetime:
        return self.model.created_at


@strawberry.type(description="A student waiting for an earlier lesson with an instructor.")
class WaitlistEntry(Node):
    model: strawberry.Private[models.WaitlistEntry]

    @strawberry.field(description="The student.")
    async def student(self, info: Info) -> User | None:
        return await _user(info, self.model.student_id)

    @strawberry.field(description="The instructor.")
    async def instructor(self, info: Info) -> User | None:
        return await _user(info, self.model.instructor_id)

    @strawberry.field(description="The kind of lesson wanted.")
    async def lesson_type(self, info: Info) -> LessonType | None:
        return await _lesson_type(info, self.model.lesson_type_id)

    @strawberry.field(description="Earliest acceptable start.")
    def not_before(self) -> datetime:
        return self.model.not_before

    @strawberry.field(description="Latest acceptable start.")
    def not_after(self) -> datetime:
        return self.model.not_after

    @strawberry.field(description="The later lesson an accepted slot would move (if any).")
    async def booking(self, info: Info) -> Booking | None:
        return await _booking(info, self.model.booking_id)

    @strawberry.field(description="active, fulfilled or cancelled.")
    def status(self) -> str:
        return self.model.status


@strawberry.enum(description="Where a slot offer stands.")
class SlotOfferStatus(Enum):
    OPEN = "open"
    ACCEPTED = "accepted"
    TAKEN = "taken"
    DECLINED = "declined"
    EXPIRED = "expired"


@strawberry.type(description="A freed slot offered to a waiting student; the first to accept wins.")
class SlotOffer(Node):
    model: strawberry.Private[models.SlotOffer]

    @strawberry.field(description="The instructor.")
    async def instructor(self, info: Info) -> User | None:
        return await _user(info, self.model.instructor_id)

    @strawberry.field(description="When the offered lesson would start.")
    def starts_at(self) -> datetime:
        return self.model.starts_at

    @strawberry.field(description="When it would end.")
    def ends_at(self) -> datetime:
        return self.model.ends_at

    @strawberry.field(description="Open, accepted, taken (by someone else), declined or expired.")
    def status(self) -> SlotOfferStatus:
        return SlotOfferStatus(self.model.status)

    @strawberry.field(description="Until when it can be accepted.")
    def expires_at(self) -> datetime:
        return self.model.expires_at

    @strawberry.field(description="The lesson booked or moved by accepting.")
    async def booking(self, info: Info) -> Booking | None:
        return await _booking(info, self.model.booking_id)


@strawberry.enum(description="What a cancellation tier does with the lesson's credit or price.")
class TierOutcome(Enum):
    RETURNED = "returned"
    FEE = "fee"
    FORFEITED = "forfeited"


@strawberry.type(
    description="With at least this much notice, a student's cancellation has this outcome."
)
class CancellationTier:
    min_notice_hours: int = strawberry.field(description="Hours of notice, at least.")
    outcome: TierOutcome = strawberry.field(description="Credit returned, a fee, or forfeited.")
    fee_percent: int | None = strawberry.field(
        description="For a fee: the percentage of the lesson's price charged."
    )


@strawberry.type(description="A school's cancellation policy.")
class CancellationPolicy:
    tiers: list[CancellationTier] = strawberry.field(description="Most notice first.")
    is_custom: bool = strawberry.field(
        description="False: the simple policy of the school's notice and late-cancellation "
        "settings; true: tiers the school set."
    )


@strawberry.type(description="A live change to a booking.")
class BookingEvent:
    event_id: str = strawberry.field(
        description="Pass it as `after` when you reconnect to receive what you missed."
    )
    change: BookingChangeKind = strawberry.field(description="What happened.")
    booking: Booking = strawberry.field(description="The booking as it is now.")
    history_entry: BookingChange | None = strawberry.field(
        description="The history entry this event announced (where from, who, why)."
    )


def booking_or_none(model: models.Booking | None) -> Booking | None:
    return Booking(model=model) if model is not None else None


async def _fetch_booking(info: Info, pk: Any) -> Booking | None:
    return booking_or_none(await resolvers.booking(info, pk))


async def _fetch_with(loader: Any, wrap: Any, info: Info, pk: Any) -> Any:
    if info.context.actor is None:
        return None
    row = await info.context.loaders[loader].load(pk)
    return wrap(model=row) if row else None


register_node("Booking", _fetch_booking)
register_node(
    "LessonType", lambda info, pk: _fetch_with(resolvers.LessonTypeByIdLoader, LessonType, info, pk)
)
register_node(
    "RescheduleRequest",
    lambda info, pk: _fetch_with(
        resolvers.RescheduleRequestByIdLoader, RescheduleRequest, info, pk
    ),
)
register_node(
    "WaitlistEntry",
    lambda info, pk: _fetch_with(resolvers.WaitlistEntryByIdLoader, WaitlistEntry, info, pk),
)
register_node(
    "SlotOffer", lambda info, pk: _fetch_with(resolvers.SlotOfferByIdLoader, SlotOffer, info, pk)
)
register_node(
    "AvailabilityException",
    lambda info, pk: _fetch_with(
        resolvers.AvailabilityExceptionByIdLoader, AvailabilityException, info, pk
    ),
)
