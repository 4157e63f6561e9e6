"""Reschedule requests (SPEC §2): the instructor proposes a new time, the student
accepts — the booking moves, after every placement check — or declines. One pending
request per booking (a partial unique index); moving or cancelling the booking
withdraws it, and it lapses once either time has passed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import or_, select, update

from models.scheduling import Booking, RescheduleRequest
from services.actor import Actor
from services.errors import DomainError, Forbidden
from services.scheduling import bookings
from services.scheduling.availability import require_aware
from services.scheduling.errors import SchedulingErrorCode as E
from services.scheduling.placement import check_time
from services.scheduling.visibility import can_see, is_admin_of
from services.uow import UnitOfWork
from services.validation import clean_text
from subscriptions.envelope import user_key

REQUEST_EVENTS = ("reschedule_request.created", "reschedule_request.answered")


def _emit(uow: UnitOfWork, request: RescheduleRequest, kind: str, *people: uuid.UUID) -> None:
    uow.emit(
        kind,
        entity_type="RescheduleRequest",
        entity_id=request.id,
        school_id=request.school_id,
        keys=[user_key(p) for p in people],
    )


async def request_reschedule(
    uow: UnitOfWork,
    actor: Actor,
    booking_id: uuid.UUID,
    *,
    proposed_starts_at: datetime,
    message: str | None,
) -> RescheduleRequest:
    booking = await bookings.get_booking(uow, actor, booking_id)
    if not (actor.user_id == booking.instructor_id or is_admin_of(actor, booking.school_id)):
        raise Forbidden("Only the instructor or an admin can propose a new time.")
    if booking.status not in bookings.ACTIVE:
        raise DomainError(E.INVALID_STATUS, "This lesson can no longer move.", "bookingId")
    proposed = require_aware(proposed_starts_at, "proposedStartsAt")
    if proposed == booking.starts_at:
        raise DomainError(E.INVALID, "That is the lesson's current time.", "proposedStartsAt")
    placement = await bookings.placement_for(uow, booking, proposed)
    check_time(placement, bookings.now(), "proposedStartsAt")
    request = RescheduleRequest(
        school_id=booking.school_id,
        booking_id=booking.id,
        requested_by_id=actor.user_id,
        proposed_starts_at=proposed,
        message=clean_text(message, E.INVALID, "message", max_length=500),
    )
    uow.session.add(request)
    await uow.flush_unique(
        lambda _: DomainError(
            E.REQUEST_PENDING, "This lesson already has a pending request.", "bookingId"
        )
    )
    _emit(uow, request, REQUEST_EVENTS[0], booking.student_id, booking.instructor_id)
    return request


async def _request_of(
    uow: UnitOfWork, actor: Actor, request_id: uuid.UUID, *, party: str
) -> tuple[RescheduleRequest, Booking]:
    """The request and its booking, both locked (the booking first, as every booking change
    locks it), if the actor is the request's ``party``: the "student" who answers, or the
    "staff" (instructor or admin) who may withdraw. Anything else is NOT_FOUND."""
    missing = DomainError(E.NOT_FOUND, "No such request.", "requestId")
    request = await uow.session.get(RescheduleRequest, request_id)
    if request is None:
        raise missing
    booking = await uow.session.get(Booking, request.booking_id, with_for_update=True)
    if booking is None or not can_see(actor, booking):
        raise missing
    is_student = actor.user_id == booking.student_id
    if (party == "student") != is_student:
        raise missing
    await uow.session.refresh(request, with_for_update=True)
    if request.status != "pending":
        raise DomainError(E.INVALID_STATUS, "This request has been answered.", "requestId")
    return request, booking


async def respond(
    uow: UnitOfWork, actor: Actor, request_id: uuid.UUID, *, accept: bool, note: str | None
) -> RescheduleRequest:
    """The student's answer; accepting moves the lesson if the time is still free."""
    request, booking = await _request_of(uow, actor, request_id, party="student")
    current = datetime.now(UTC)
    if min(request.proposed_starts_at, booking.starts_at) <= current:
        request.status = "expired"
        request.responded_at = current
        uow.keep_on_error = True  # the request has lapsed whatever the answer: record it
        raise DomainError(E.TOO_LATE, "This request has lapsed.", "requestId")
    request.response_note = clean_text(note, E.INVALID, "note", max_length=500)
    request.responded_at = current
    if accept:
        await bookings.move(
            uow,
            actor,
            booking,
            request.proposed_starts_at,
            reason=request.message or "instructor's request",
            field="requestId",
        )
        request.status = "accepted"  # move() withdrew pending requests; this one was accepted
    else:
        request.status = "declined"
    _emit(uow, request, REQUEST_EVENTS[1], booking.student_id, booking.instructor_id)
    return request


async def withdraw(uow: UnitOfWork, actor: Actor, request_id: uuid.UUID) -> RescheduleRequest:
    request, booking = await _request_of(uow, actor, request_id, party="staff")
    request.status = "withdrawn"
    request.responded_at = datetime.now(UTC)
    _emit(uow, request, REQUEST_EVENTS[1], booking.student_id, booking.instructor_id)
    return request


async def expire_lapsed(uow: UnitOfWork, now: datetime) -> int:
    """Periodic: pending requests lapse once the proposed time or the lesson's has passed."""
    lesson_started = select(Booking.id).where(
        Booking.id == RescheduleRequest.booking_id, Booking.starts_at <= now
    )
    result = await uow.session.execute(
        update(RescheduleRequest)
        .where(
            RescheduleRequest.status == "pending",
            or_(RescheduleRequest.proposed_starts_at <= now, lesson_started.exists()),
        )
        .values(status="expired", responded_at=now)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
