"""The waiting list (SPEC §2): a student asks for an earlier lesson with an instructor;
freed slots are offered (offers.py) and the first student to accept gets the slot.

"Never two" is the exclusion constraint's doing: accepting places (or moves) a booking
through the same checks as any other, under the instructor's lock, so a second
acceptance of the same slot finds it taken and is told ``OFFER_TAKEN``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from models.accounts import InstructorProfile
from models.scheduling import Booking, SlotOffer, WaitlistEntry
from models.schools import School
from services.actor import Actor, Role
from services.errors import DomainError, Forbidden
from services.scheduling import bookings
from services.scheduling.availability import instructor_in_scope, require_aware
from services.scheduling.errors import SchedulingErrorCode as E
from services.scheduling.placement import require_assignment
from services.uow import UnitOfWork
from subscriptions.envelope import user_key

OFFER_TAKEN_EVENT = "slot_offer.taken"


def _student(actor: Actor) -> None:
    if actor.role is not Role.STUDENT:
        raise Forbidden("Only students join waiting lists.")
    actor.require_active()


async def join(
    uow: UnitOfWork,
    actor: Actor,
    *,
    instructor_id: uuid.UUID,
    lesson_type_id: uuid.UUID,
    not_before: datetime | None,
    not_after: datetime,
    booking_id: uuid.UUID | None,
) -> WaitlistEntry:
    """Wait for a slot between ``not_before`` (default now) and ``not_after``; with
    ``booking_id``, an accepted slot moves that later lesson instead of adding one."""
    _student(actor)
    instructor = await instructor_in_scope(uow.session, actor, instructor_id, manage=False)
    assert instructor.school_id is not None
    lesson_type = await bookings.lesson_type_for(uow, instructor.school_id, lesson_type_id)
    current = datetime.now(UTC)
    start = require_aware(not_before, "notBefore") if not_before else current
    end = require_aware(not_after, "notAfter")
    if end <= max(start, current):
        raise DomainError(E.INVALID_TIME_RANGE, "The window must end in the future.", "notAfter")
    school = await uow.session.get(School, instructor.school_id)
    assert school is not None
    if end > current + timedelta(days=school.booking_horizon_days):
        raise DomainError(E.BEYOND_HORIZON, "That is beyond the booking horizon.", "notAfter")
    if booking_id is not None:
        booking = await bookings.get_booking(uow, actor, booking_id)
        if booking.instructor_id != instructor.id or booking.status not in bookings.ACTIVE:
            raise DomainError(E.NOT_FOUND, "No such lesson with this instructor.", "bookingId")
        if end > booking.starts_at:
            raise DomainError(
                E.INVALID_TIME_RANGE,
                "The window must end before the lesson you want to bring forward.",
                "notAfter",
            )
    student = await bookings.student_for(uow, actor, instructor.school_id, actor.user_id)
    await require_assignment(uow, student.id, instructor.id, current.date())
    entry = WaitlistEntry(
        school_id=instructor.school_id,
        student_id=student.id,
        instructor_id=instructor.id,
        lesson_type_id=lesson_type.id,
        not_before=start,
        not_after=end,
        booking_id=booking_id,
    )
    uow.session.add(entry)
    await uow.flush_unique(
        lambda _: DomainError(
            E.ALREADY_WAITING, "You are already waiting for this instructor.", "instructorId"
        )
    )
    return entry


async def _own_entry(uow: UnitOfWork, actor: Actor, entry_id: uuid.UUID) -> WaitlistEntry:
    entry = await uow.session.get(WaitlistEntry, entry_id, with_for_update=True)
    if entry is None or entry.student_id != actor.user_id:
        raise DomainError(E.NOT_FOUND, "No such waiting-list entry.", "entryId")
    return entry


async def leave(uow: UnitOfWork, actor: Actor, entry_id: uuid.UUID) -> WaitlistEntry:
    entry = await _own_entry(uow, actor, entry_id)
    if entry.status != "active":
        raise DomainError(E.INVALID_STATUS, "You are no longer waiting.", "entryId")
    entry.status = "cancelled"
    await uow.session.execute(
        update(SlotOffer)
        .where(SlotOffer.entry_id == entry.id, SlotOffer.status == "open")
        .values(status="declined")
    )
    return entry


async def _own_open_offer(
    uow: UnitOfWork, actor: Actor, offer_id: uuid.UUID, *, lock_instructor: bool = False
) -> SlotOffer:
    """The actor's open offer, locked. With ``lock_instructor``, the instructor's profile is
    locked first: every placement takes that lock before any offer row, so an acceptance
    must too, or two acceptances of one slot deadlock (one holds its offer and waits for
    the instructor; the other holds the instructor and marks the first's offer taken)."""
    offer = await uow.session.get(SlotOffer, offer_id)
    if offer is None or offer.student_id != actor.user_id:
        raise DomainError(E.NOT_FOUND, "No such offer.", "offerId")
    if lock_instructor:
        await uow.session.get(InstructorProfile, offer.instructor_id, with_for_update=True)
    await uow.session.refresh(offer, with_for_update=True)
    if offer.status == "taken":
        raise DomainError(E.OFFER_TAKEN, "Someone else took this slot first.", "offerId")
    if offer.status != "open":
        raise DomainError(E.INVALID_STATUS, "This offer is closed.", "offerId")
    if offer.expires_at <= datetime.now(UTC):
        raise DomainError(E.OFFER_EXPIRED, "This offer has expired.", "offerId")
    return offer


async def accept(uow: UnitOfWork, actor: Actor, offer_id: uuid.UUID) -> SlotOffer:
    """Take the offered slot: book it, or move the entry's later lesson into it."""
    _student(actor)
    offer = await _own_open_offer(uow, actor, offer_id, lock_instructor=True)
    entry = await uow.session.get(WaitlistEntry, offer.entry_id, with_for_update=True)
    assert entry is not None
    try:
        if entry.booking_id is not None:
            booking = await bookings.get_booking(uow, actor, entry.booking_id)
            booking = await bookings.move(
                uow, actor, booking, offer.starts_at, reason="waiting list", field="offerId"
            )
        else:
            booking = await _book(uow, actor, entry, offer)
    except DomainError as error:
        if error.code is E.SLOT_UNAVAILABLE:
            raise DomainError(
                E.OFFER_TAKEN, "Someone else took this slot first.", "offerId"
            ) from None
        raise
    offer.status = "accepted"
    offer.booking_id = booking.id
    entry.status = "fulfilled"
    others = await uow.session.scalars(
        update(SlotOffer)
        .where(
            SlotOffer.instructor_id == offer.instructor_id,
            SlotOffer.starts_at == offer.starts_at,
            SlotOffer.status == "open",
            SlotOffer.id != offer.id,
        )
        .values(status="taken")
        .returning(SlotOffer)
    )
    for other in others:
        uow.emit(
            OFFER_TAKEN_EVENT,
            entity_type="SlotOffer",
            entity_id=other.id,
            school_id=other.school_id,
            keys=[user_key(other.student_id)],
        )
    return offer


async def _book(uow: UnitOfWork, actor: Actor, entry: WaitlistEntry, offer: SlotOffer) -> Booking:
    await bookings.lesson_type_for(uow, entry.school_id, entry.lesson_type_id)  # still offered
    placement = await bookings.load_placement(
        uow,
        school_id=entry.school_id,
        student_id=entry.student_id,
        instructor_id=entry.instructor_id,
        lesson_type_id=entry.lesson_type_id,
        starts_at=offer.starts_at,
    )
    return await bookings.place(uow, actor, placement, status="pending", field="offerId")


async def decline(uow: UnitOfWork, actor: Actor, offer_id: uuid.UUID) -> SlotOffer:
    offer = await _own_open_offer(uow, actor, offer_id)
    offer.status = "declined"
    return offer
