"""Scheduling: loaders, thin resolvers and the live diary feeds."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from models.scheduling import (
    AvailabilityException,
    Booking,
    BookingChange,
    LessonType,
    RescheduleRequest,
    SlotOffer,
    WaitlistEntry,
    WorkingHours,
)
from models.schools import School
from resolvers.context import Info
from resolvers.loaders import SessionLoader
from resolvers.pagination import Page, paginate
from services import idempotency
from services.actor import Actor, Role
from services.errors import DomainError
from services.scheduling import (
    availability,
    bookings,
    lesson_start,
    lesson_types,
    policy,
    requests,
    waitlist,
)
from services.scheduling.changes import EVENT_PREFIX, booking_key, diary_key
from services.scheduling.errors import SchedulingErrorCode as E
from services.scheduling.visibility import can_see, is_admin_of, visible_bookings
from services.uow import UnitOfWork
from subscriptions.envelope import user_key
from subscriptions.feeds import follow

# -- loaders -------------------------------------------------------------------------------------


def in_school_of(actor: Actor, school_column: Any) -> ColumnElement[bool]:
    """Rows of the actor's school (platform admins: every school's)."""
    return true() if actor.is_platform_admin else school_column == actor.school_id


class BookingByIdLoader(SessionLoader[uuid.UUID, Booking | None]):
    """Bookings the actor may see."""

    async def load_batch(
        self, session: AsyncSession, keys: list[uuid.UUID]
    ) -> list[Booking | None]:
        if self.actor is None:
            return [None] * len(keys)
        rows = await session.scalars(
            select(Booking).where(Booking.id.in_(keys), visible_bookings(self.actor))
        )
        found = {row.id: row for row in rows}
        return [found.get(key) for key in keys]


class LessonTypeByIdLoader(SessionLoader[uuid.UUID, LessonType | None]):
    """Lesson types of the actor's school (platform admins: any)."""

    async def load_batch(
        self, session: AsyncSession, keys: list[uuid.UUID]
    ) -> list[LessonType | None]:
        if self.actor is None:
            return [None] * len(keys)
        rows = await session.scalars(
            select(LessonType).where(
                LessonType.id.in_(keys), in_school_of(self.actor, LessonType.school_id)
            )
        )
        found = {row.id: row for row in rows}
        return [found.get(key) for key in keys]


class BookingHistoryLoader(SessionLoader[uuid.UUID, list[BookingChange]]):
    """A booking's changes, oldest first (the booking itself was authorised by its loader)."""

    async def load_batch(
        self, session: AsyncSession, keys: list[uuid.UUID]
    ) -> list[list[BookingChange]]:
        rows = await session.scalars(
            select(BookingChange)
            .where(BookingChange.booking_id.in_(keys))
            .order_by(BookingChange.created_at, BookingChange.id)
        )
        grouped: dict[uuid.UUID, list[BookingChange]] = defaultdict(list)
        for row in rows:
            grouped[row.booking_id].append(row)
        return [grouped.get(key, []) for key in keys]


class BookingChangeByIdLoader(SessionLoader[uuid.UUID, BookingChange | None]):
    async def load_batch(
        self, session: AsyncSession, keys: list[uuid.UUID]
    ) -> list[BookingChange | None]:
        rows = await session.scalars(select(BookingChange).where(BookingChange.id.in_(keys)))
        found = {row.id: row for row in rows}
        return [found.get(key) for key in keys]


class PendingRescheduleRequestLoader(SessionLoader[uuid.UUID, RescheduleRequest | None]):
    """A booking's pending reschedule request, by booking id."""

    async def load_batch(
        self, session: AsyncSession, keys: list[uuid.UUID]
    ) -> list[RescheduleRequest | None]:
        rows = await session.scalars(
            select(RescheduleRequest).where(
                RescheduleRequest.booking_id.in_(keys), RescheduleRequest.status == "pending"
            )
        )
        found = {row.booking_id: row for row in rows}
        return [found.get(key) for key in keys]


class WorkingHoursByInstructorLoader(SessionLoader[uuid.UUID, list[WorkingHours]]):
    async def load_batch(
        self, session: AsyncSession, keys: list[uuid.UUID]
    ) -> list[list[WorkingHours]]:
        if self.actor is None:
            return [[] for _ in keys]
        rows = await session.scalars(
            select(WorkingHours)
            .where(
                WorkingHours.instructor_id.in_(keys),
                in_school_of(self.actor, WorkingHours.school_id),
            )
            .order_by(WorkingHours.weekday, WorkingHours.start_minute)
        )
        grouped: dict[uuid.UUID, list[WorkingHours]] = defaultdict(list)
        for row in rows:
            grouped[row.instructor_id].append(row)
        return [grouped.get(key, []) for key in keys]


def _by_id_loader(
    model: Any, visible: Callable[[Actor], ColumnElement[bool]]
) -> type[SessionLoader[Any, Any]]:
    class ByIdLoader(SessionLoader[uuid.UUID, Any]):
        async def load_batch(self, session: AsyncSession, keys: list[uuid.UUID]) -> list[Any]:
            if self.actor is None:
                return [None] * len(keys)
            rows = await session.scalars(
                select(model).where(model.id.in_(keys), visible(self.actor))
            )
            found = {r.id: r for r in rows}
            return [found.get(key) for key in keys]

    ByIdLoader.__name__ = f"{model.__name__}ByIdLoader"
    return ByIdLoader


def _student_rows(model: Any) -> Callable[[Actor], ColumnElement[bool]]:
    """Waiting-list rows: the student, the instructor, the school's admins."""

    def visible(actor: Actor) -> ColumnElement[bool]:
        if actor.is_platform_admin:
            return true()
        same_school = model.school_id == actor.school_id
        if actor.role is Role.SCHOOL_ADMIN:
            return same_school
        return and_(
            same_school,
            or_(model.student_id == actor.user_id, model.instructor_id == actor.user_id),
        )

    return visible


WaitlistEntryByIdLoader = _by_id_loader(WaitlistEntry, _student_rows(WaitlistEntry))
SlotOfferByIdLoader = _by_id_loader(SlotOffer, _student_rows(SlotOffer))
AvailabilityExceptionByIdLoader = _by_id_loader(
    AvailabilityException,
    lambda actor: in_school_of(actor, AvailabilityException.school_id),
)


class RescheduleRequestByIdLoader(SessionLoader[uuid.UUID, RescheduleRequest | None]):
    """Requests on bookings the actor may see."""

    async def load_batch(
        self, session: AsyncSession, keys: list[uuid.UUID]
    ) -> list[RescheduleRequest | None]:
        if self.actor is None:
            return [None] * len(keys)
        rows = await session.scalars(
            select(RescheduleRequest)
            .join(Booking, Booking.id == RescheduleRequest.booking_id)
            .where(RescheduleRequest.id.in_(keys), visible_bookings(self.actor))
        )
        found = {row.id: row for row in rows}
        return [found.get(key) for key in keys]


# -- queries -------------------------------------------------------------------------------------


def _school_for(actor: Actor, school_id: uuid.UUID | None) -> uuid.UUID:
    chosen = school_id or actor.school_id
    if chosen is None or not actor.can_see_school(chosen):
        raise DomainError(E.NOT_FOUND, "No such school.", "schoolId")
    return chosen


async def lesson_types_of(
    info: Info, school_id: uuid.UUID | None, include_inactive: bool
) -> list[LessonType]:
    actor = info.context.require_actor()
    chosen = _school_for(actor, school_id)
    stmt = select(LessonType).where(LessonType.school_id == chosen)
    if not include_inactive:
        stmt = stmt.where(LessonType.is_active.is_(True))
    async with info.context.state.db.session() as session:
        return list(await session.scalars(stmt.order_by(LessonType.name, LessonType.id)))


async def working_hours(info: Info, instructor_id: uuid.UUID) -> list[WorkingHours]:
    actor = info.context.require_actor()
    async with info.context.state.db.session() as session:
        await availability.instructor_in_scope(
            session, actor, instructor_id, manage=False, reading=True
        )
    return await info.context.loaders[WorkingHoursByInstructorLoader].load(instructor_id)


async def exceptions(
    info: Info, instructor_id: uuid.UUID, start: datetime, end: datetime
) -> list[AvailabilityException]:
    actor = info.context.require_actor()
    start = availability.require_aware(start, "from")
    end = availability.require_aware(end, "to")
    availability.check_range(start, end, availability.EXCEPTION_MAX_LENGTH)
    async with info.context.state.db.session() as session:
        await availability.instructor_in_scope(
            session, actor, instructor_id, manage=False, reading=True
        )
        return list(
            await session.scalars(
                select(AvailabilityException)
                .where(
                    AvailabilityException.instructor_id == instructor_id,
                    AvailabilityException.starts_at < end,
                    AvailabilityException.ends_at > start,
                )
                .order_by(AvailabilityException.starts_at)
            )
        )


async def available_slots(
    info: Info,
    *,
    instructor_id: uuid.UUID,
    lesson_type_id: uuid.UUID,
    start: datetime,
    end: datetime,
    student_id: uuid.UUID | None,
) -> list[datetime]:
    actor = info.context.require_actor()
    if actor.role is Role.STUDENT:
        student_id = actor.user_id  # a student sees the times they are free too
    lesson_type = await info.context.loaders[LessonTypeByIdLoader].load(lesson_type_id)
    if lesson_type is None:
        raise DomainError(E.LESSON_TYPE_NOT_FOUND, "No such lesson type.", "lessonTypeId")
    async with info.context.state.db.session() as session:
        instructor = await availability.instructor_in_scope(
            session, actor, instructor_id, manage=False, reading=True
        )
        if lesson_type.school_id != instructor.school_id:
            raise DomainError(E.LESSON_TYPE_NOT_FOUND, "No such lesson type.", "lessonTypeId")
        return await availability.available_slots(
            session,
            actor,
            instructor_id=instructor_id,
            lesson_type_duration=lesson_type.duration_minutes,
            start=start,
            end=end,
            student_id=student_id,
            now=datetime.now(UTC),
        )


async def diary(
    info: Info,
    instructor_id: uuid.UUID,
    start: datetime,
    end: datetime,
    include_cancelled: bool,
) -> list[Booking]:
    """The instructor's lessons that start in [start, end) (at most 62 days)."""
    actor = info.context.require_actor()
    start = availability.require_aware(start, "from")
    end = availability.require_aware(end, "to")
    availability.check_range(start, end)
    async with info.context.state.db.session() as session:
        await availability.instructor_in_scope(
            session, actor, instructor_id, manage=False, reading=True
        )
        stmt = select(Booking).where(
            Booking.instructor_id == instructor_id,
            Booking.starts_at >= start,
            Booking.starts_at < end,
            visible_bookings(actor),
        )
        if not include_cancelled:
            stmt = stmt.where(Booking.status != "cancelled")
        return list(await session.scalars(stmt.order_by(Booking.starts_at, Booking.id)))


async def list_bookings(
    info: Info,
    *,
    first: int,
    after: str | None,
    student_id: uuid.UUID | None,
    instructor_id: uuid.UUID | None,
    start: datetime | None,
    statuses: list[str] | None,
) -> Page[Booking]:
    actor = info.context.require_actor()
    stmt = select(Booking).where(visible_bookings(actor))
    if student_id is not None:
        stmt = stmt.where(Booking.student_id == student_id)
    if instructor_id is not None:
        stmt = stmt.where(Booking.instructor_id == instructor_id)
    if start is not None:
        stmt = stmt.where(Booking.starts_at >= availability.require_aware(start, "from"))
    if statuses:
        stmt = stmt.where(Booking.status.in_(statuses))
    async with info.context.state.db.session() as session:
        return await paginate(
            session,
            stmt,
            sort=Booking.starts_at,
            id_column=Booking.id,
            first=first,
            after=after,
            max_page_size=info.context.state.max_page_size,
        )


async def booking(info: Info, booking_id: uuid.UUID) -> Booking | None:
    info.context.require_actor()
    return await info.context.loaders[BookingByIdLoader].load(booking_id)


async def cancellation_policy(
    info: Info, school_id: uuid.UUID | None
) -> tuple[list[policy.Tier], bool]:
    actor = info.context.require_actor()
    chosen = _school_for(actor, school_id)
    async with info.context.state.db.session() as session:
        school = await session.get(School, chosen)
        if school is None:
            raise DomainError(E.NOT_FOUND, "No such school.", "schoolId")
        return await policy.policy_of(session, school)


async def my_reschedule_requests(info: Info) -> list[RescheduleRequest]:
    """Pending requests on the actor's bookings (admins: their school's)."""
    actor = info.context.require_actor()
    async with info.context.state.db.session() as session:
        return list(
            await session.scalars(
                select(RescheduleRequest)
                .join(Booking, Booking.id == RescheduleRequest.booking_id)
                .where(RescheduleRequest.status == "pending", visible_bookings(actor))
                .order_by(RescheduleRequest.created_at)
            )
        )


async def waiting_list(info: Info, instructor_id: uuid.UUID | None) -> list[WaitlistEntry]:
    """Active entries: a student's own; an instructor's (or, for admins, any instructor's)."""
    actor = info.context.require_actor()
    stmt = select(WaitlistEntry).where(WaitlistEntry.status == "active")
    if actor.role is Role.STUDENT:
        stmt = stmt.where(WaitlistEntry.student_id == actor.user_id)
    elif actor.role is Role.INSTRUCTOR:
        stmt = stmt.where(WaitlistEntry.instructor_id == actor.user_id)
    elif not actor.is_platform_admin:
        stmt = stmt.where(WaitlistEntry.school_id == actor.school_id)
    if instructor_id is not None:
        stmt = stmt.where(WaitlistEntry.instructor_id == instructor_id)
    async with info.context.state.db.session() as session:
        return list(await session.scalars(stmt.order_by(WaitlistEntry.created_at)))


async def my_slot_offers(info: Info) -> list[SlotOffer]:
    actor = info.context.require_actor()
    async with info.context.state.db.session() as session:
        return list(
            await session.scalars(
                select(SlotOffer)
                .where(
                    SlotOffer.student_id == actor.user_id,
                    SlotOffer.status == "open",
                    SlotOffer.expires_at > datetime.now(UTC),
                )
                .order_by(SlotOffer.starts_at)
            )
        )


# -- mutations -----------------------------------------------------------------------------------


async def run(info: Info, work: Callable[[UnitOfWork, Actor], Awaitable[Any]]) -> Any:
    actor = info.context.require_actor()
    return await info.context.transact(lambda uow: work(uow, actor))


async def run_once(
    info: Info,
    *,
    key: str | None,
    operation: str,
    request: dict[str, Any],
    work: Callable[[UnitOfWork, Actor], Awaitable[Booking]],
) -> Booking:
    """A booking mutation under an idempotency key: a replay returns the booking as it
    is now, without doing the work again."""
    actor = info.context.require_actor()

    async def once(uow: UnitOfWork) -> Booking:
        claim = await idempotency.claim(
            uow, actor, key, operation, request, E.IDEMPOTENCY_KEY_REUSED
        )
        if claim.replay is not None:
            replayed = await uow.session.get(Booking, claim.replay)
            if replayed is None or not can_see(actor, replayed):
                raise DomainError(E.NOT_FOUND, "No such booking.", "idempotencyKey")
            return replayed
        try:
            result = await work(uow, actor)
        except DomainError:
            await claim.release(uow.session)
            raise
        claim.record(result.id)
        return result

    return await info.context.transact(once)


async def book_lesson(info: Info, key: str | None, **fields: Any) -> Booking:
    return await run_once(
        info,
        key=key,
        operation="bookLesson",
        request=fields,
        work=lambda uow, actor: bookings.book_lesson(uow, actor, **fields),
    )


async def booking_action(
    info: Info,
    key: str | None,
    operation: str,
    booking_id: uuid.UUID,
    action: Callable[..., Awaitable[Booking]],
    **fields: Any,
) -> Booking:
    return await run_once(
        info,
        key=key,
        operation=operation,
        request={"booking_id": booking_id, **fields},
        work=lambda uow, actor: action(uow, actor, booking_id, **fields),
    )


ACTIONS: dict[str, Callable[..., Awaitable[Booking]]] = {
    "confirmBooking": bookings.confirm_booking,
    "cancelBooking": bookings.cancel_booking,
    "rescheduleBooking": bookings.reschedule_booking,
    "markNoShow": bookings.mark_no_show,
    "completeLesson": bookings.complete_lesson,
    "waiveCancellationFee": bookings.waive_fee,
    "updateBookingDetails": bookings.update_details,
    "requestLessonStart": lesson_start.request_start,
    "startLesson": lesson_start.start,
}


async def create_lesson_type(info: Info, school_id: uuid.UUID | None, **fields: Any) -> LessonType:
    chosen = _school_for(info.context.require_actor(), school_id)
    return await run(
        info, lambda uow, actor: lesson_types.create(uow, actor, school_id=chosen, **fields)
    )


async def update_lesson_type(
    info: Info, lesson_type_id: uuid.UUID, changes: dict[str, Any]
) -> LessonType:
    return await run(
        info, lambda uow, actor: lesson_types.update(uow, actor, lesson_type_id, changes)
    )


async def set_working_hours(
    info: Info, instructor_id: uuid.UUID, hours: list[availability.HoursInput]
) -> list[WorkingHours]:
    return await run(
        info, lambda uow, actor: availability.set_working_hours(uow, actor, instructor_id, hours)
    )


async def add_exception(
    info: Info, instructor_id: uuid.UUID, **fields: Any
) -> AvailabilityException:
    return await run(
        info, lambda uow, actor: availability.add_exception(uow, actor, instructor_id, **fields)
    )


async def remove_exception(info: Info, exception_id: uuid.UUID) -> AvailabilityException:
    return await run(
        info, lambda uow, actor: availability.remove_exception(uow, actor, exception_id)
    )


async def set_cancellation_policy(
    info: Info, school_id: uuid.UUID | None, tiers: list[policy.Tier] | None
) -> School:
    actor = info.context.require_actor()
    chosen = _school_for(actor, school_id)
    return await run(info, lambda uow, actor: policy.set_policy(uow, actor, chosen, tiers))


async def request_reschedule(info: Info, booking_id: uuid.UUID, **fields: Any) -> RescheduleRequest:
    return await run(
        info, lambda uow, actor: requests.request_reschedule(uow, actor, booking_id, **fields)
    )


async def respond_to_request(
    info: Info, request_id: uuid.UUID, *, accept: bool, note: str | None
) -> RescheduleRequest:
    return await run(
        info,
        lambda uow, actor: requests.respond(uow, actor, request_id, accept=accept, note=note),
    )


async def withdraw_request(info: Info, request_id: uuid.UUID) -> RescheduleRequest:
    return await run(info, lambda uow, actor: requests.withdraw(uow, actor, request_id))


async def join_waiting_list(info: Info, **fields: Any) -> WaitlistEntry:
    return await run(info, lambda uow, actor: waitlist.join(uow, actor, **fields))


async def leave_waiting_list(info: Info, entry_id: uuid.UUID) -> WaitlistEntry:
    return await run(info, lambda uow, actor: waitlist.leave(uow, actor, entry_id))


async def accept_offer(info: Info, offer_id: uuid.UUID) -> SlotOffer:
    return await run(info, lambda uow, actor: waitlist.accept(uow, actor, offer_id))


async def decline_offer(info: Info, offer_id: uuid.UUID) -> SlotOffer:
    return await run(info, lambda uow, actor: waitlist.decline(uow, actor, offer_id))


# -- live feeds ----------------------------------------------------------------------------------


async def booking_events(
    info: Info, keys: set[str], after: int | None, accept: Callable[[Booking], bool]
) -> AsyncIterator[tuple[int, str, Booking, BookingChange | None]]:
    """(event id, change kind, booking as it is now, the change) for booking events on
    ``keys`` that the subscriber may see and ``accept``s."""
    context = info.context
    async for envelope in follow(context.state.hub, context.state.db, keys, after):
        if not envelope.type.startswith(EVENT_PREFIX):
            continue
        context.fresh_loaders_for_event()
        current = await context.loaders[BookingByIdLoader].load(envelope.entity_id)
        if current is None or not accept(current):
            continue
        change_id = envelope.data.get("change_id")
        change = (
            await context.loaders[BookingChangeByIdLoader].load(uuid.UUID(change_id))
            if change_id
            else None
        )
        yield envelope.id, envelope.type.removeprefix(EVENT_PREFIX), current, change


async def instructor_diary_events(
    info: Info, instructor_id: uuid.UUID, after: int | None
) -> AsyncIterator[tuple[int, str, Booking, BookingChange | None]]:
    actor = info.context.require_actor()
    async with info.context.state.db.session() as session:
        instructor = await availability.instructor_in_scope(
            session, actor, instructor_id, manage=False
        )
    if not (actor.user_id == instructor.id or is_admin_of(actor, instructor.school_id)):
        raise DomainError(E.INSTRUCTOR_NOT_FOUND, "No such instructor.", "instructorId")
    async for item in booking_events(
        info, {diary_key(instructor.id)}, after, lambda b: b.instructor_id == instructor.id
    ):
        yield item


async def my_booking_events(
    info: Info, after: int | None
) -> AsyncIterator[tuple[int, str, Booking, BookingChange | None]]:
    actor = info.context.require_actor()
    async for item in booking_events(
        info,
        {user_key(actor.user_id)},
        after,
        lambda b: actor.user_id in (b.student_id, b.instructor_id),
    ):
        yield item


async def booking_updated_events(
    info: Info, booking_id: uuid.UUID, after: int | None
) -> AsyncIterator[tuple[int, str, Booking, BookingChange | None]]:
    if await booking(info, booking_id) is None:
        raise DomainError(E.NOT_FOUND, "No such booking.", "id")
    async for item in booking_events(
        info, {booking_key(booking_id)}, after, lambda b: b.id == booking_id
    ):
        yield item
