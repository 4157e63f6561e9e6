"""Starting a lesson with a one-time code (SPEC §2).

The instructor asks to start; the student's phone receives six digits (from the CSPRNG,
stored only as a salted SHA-256, valid ten minutes, single use); the instructor types
them in. Five wrong tries spend the code — counted under the code's row lock, so
concurrent guesses cannot exceed five — and the comparison runs in constant time. The
text goes through the notification sender, whose log (``outbound_messages``, channel
``sms``) is the SMS log. Five codes per lesson at most, which also caps SMS cost.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from models.accounts import User
from models.scheduling import Booking, LessonStartCode
from services.actor import Actor
from services.errors import DomainError, Forbidden
from services.notifications import Message
from services.scheduling import bookings
from services.scheduling.changes import record_change
from services.scheduling.errors import SchedulingErrorCode as E
from services.security import constant_time_equal, new_numeric_code, salted_code_digest
from services.uow import UnitOfWork

CODE_LIFETIME = timedelta(minutes=10)
CODE_ATTEMPTS = 5
CODES_PER_LESSON = 5
# A lesson can be started from this long before its start time until its end.
EARLY_START = timedelta(minutes=15)


async def _startable(uow: UnitOfWork, actor: Actor, booking_id: uuid.UUID) -> Booking:
    booking = await bookings.get_booking(uow, actor, booking_id)
    if actor.user_id != booking.instructor_id:
        raise Forbidden("Only the lesson's instructor can start it.")
    if booking.status != "confirmed":
        raise DomainError(E.INVALID_STATUS, "Only a confirmed lesson can start.", "bookingId")
    current = datetime.now(UTC)
    if current < booking.starts_at - EARLY_START:
        raise DomainError(E.TOO_EARLY, "A lesson can start at most 15 minutes early.", "bookingId")
    if current >= booking.ends_at:
        raise DomainError(E.TOO_LATE, "This lesson's time is over.", "bookingId")
    return booking


async def request_start(uow: UnitOfWork, actor: Actor, booking_id: uuid.UUID) -> Booking:
    """Text a fresh code to the student (earlier codes for the lesson stop working)."""
    booking = await _startable(uow, actor, booking_id)
    student = await uow.session.get(User, booking.student_id)
    if student is None or student.phone is None:
        raise DomainError(E.NO_PHONE, "The student has no phone number on file.", "bookingId")
    sent = await uow.session.scalar(
        select(func.count()).where(LessonStartCode.booking_id == booking.id)
    )
    if (sent or 0) >= CODES_PER_LESSON:
        raise DomainError(E.TOO_MANY_ATTEMPTS, "Too many codes for this lesson.", "bookingId")
    current = datetime.now(UTC)
    await uow.session.execute(
        update(LessonStartCode)
        .where(LessonStartCode.booking_id == booking.id, LessonStartCode.used_at.is_(None))
        .values(used_at=current)
    )
    code = new_numeric_code()
    uow.session.add(
        LessonStartCode(
            school_id=booking.school_id,
            booking_id=booking.id,
            code_hash=salted_code_digest(booking.id, code),
            expires_at=current + CODE_LIFETIME,
        )
    )
    await uow.deps.sender.send(
        uow.session,
        Message(
            channel="sms",
            recipient=student.phone,
            template="lesson_start_code",
            subject=None,
            body=f"Your instructor is ready to start your lesson. Your code is {code}. "
            "It expires in 10 minutes. Only give it to your instructor in person.",
            user_id=student.id,
            school_id=booking.school_id,
            data={"booking_id": str(booking.id), "code": code},
        ),
    )
    return booking


async def start(uow: UnitOfWork, actor: Actor, booking_id: uuid.UUID, code: str) -> Booking:
    booking = await _startable(uow, actor, booking_id)
    row = await uow.session.scalar(
        select(LessonStartCode)
        .where(LessonStartCode.booking_id == booking.id, LessonStartCode.used_at.is_(None))
        .order_by(LessonStartCode.created_at.desc())
        .limit(1)
        .with_for_update()
    )
    if row is None:
        raise DomainError(E.CODE_INVALID, "There is no code to check; send one.", "code")
    if row.expires_at <= datetime.now(UTC):
        raise DomainError(E.CODE_EXPIRED, "This code has expired; send a new one.", "code")
    if row.attempts >= CODE_ATTEMPTS:
        raise DomainError(E.TOO_MANY_ATTEMPTS, "Too many wrong codes; send a new one.", "code")
    if not constant_time_equal(row.code_hash, salted_code_digest(booking.id, code.strip())):
        row.attempts += 1
        uow.keep_on_error = True  # the wrong try must count
        raise DomainError(E.CODE_INVALID, "That code is not right.", "code")
    row.used_at = datetime.now(UTC)
    booking.status = "in_progress"
    booking.started_at = row.used_at
    await record_change(uow, actor, booking, "started", from_status="confirmed")
    return booking
