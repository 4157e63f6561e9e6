"""Freed slots offered to the waiting list (SPEC §2).

When a lesson is cancelled or moved away, its start is offered to every student waiting
for an earlier lesson with that instructor whose window holds it and whose lesson fits
the freed time. Each is told; the first to accept gets the slot (see waitlist.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from models.accounts import User
from models.scheduling import Booking, LessonType, SlotOffer, WaitlistEntry
from models.schools import School
from services.notifications import Message
from services.uow import UnitOfWork
from subscriptions.envelope import user_key

OFFER_EVENT = "slot_offer.created"


async def offer_freed_slot(
    uow: UnitOfWork, freed: Booking, starts_at: datetime, ends_at: datetime
) -> list[SlotOffer]:
    """Offer [starts_at, ends_at) of ``freed``'s instructor to matching waiting students."""
    if starts_at <= datetime.now(UTC):
        return []
    length = ends_at - starts_at
    rows = await uow.session.execute(
        select(WaitlistEntry, LessonType.duration_minutes, User)
        .join(LessonType, LessonType.id == WaitlistEntry.lesson_type_id)
        .join(User, User.id == WaitlistEntry.student_id)
        .where(
            WaitlistEntry.instructor_id == freed.instructor_id,
            WaitlistEntry.status == "active",
            WaitlistEntry.student_id != freed.student_id,
            WaitlistEntry.not_before <= starts_at,
            WaitlistEntry.not_after > starts_at,
            User.deleted_at.is_(None),
        )
        .order_by(WaitlistEntry.created_at)
    )
    school = await uow.session.get(School, freed.school_id)
    assert school is not None
    local = starts_at.astimezone(ZoneInfo(school.time_zone))
    made: list[SlotOffer] = []
    for entry, duration, student in rows:
        if timedelta(minutes=duration) > length:
            continue
        offer_id = await uow.session.scalar(
            insert(SlotOffer)
            .values(
                school_id=entry.school_id,
                entry_id=entry.id,
                student_id=entry.student_id,
                instructor_id=entry.instructor_id,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=duration),
                expires_at=starts_at,
            )
            .on_conflict_do_nothing(index_elements=[SlotOffer.entry_id, SlotOffer.starts_at])
            .returning(SlotOffer.id)
        )
        if offer_id is None:
            continue
        offer = await uow.session.get(SlotOffer, offer_id)
        assert offer is not None
        made.append(offer)
        uow.emit(
            OFFER_EVENT,
            entity_type="SlotOffer",
            entity_id=offer.id,
            school_id=offer.school_id,
            keys=[user_key(offer.student_id)],
        )
        await uow.deps.sender.send(
            uow.session,
            Message(
                channel="email",
                recipient=student.email,
                template="waitlist.slot_offer",
                subject="An earlier lesson is free",
                body=f"A lesson on {local:%A %d %B at %H:%M} is free. The first to accept gets it.",
                user_id=student.id,
                school_id=student.school_id,
                data={"offer_id": str(offer.id)},
            ),
        )
    return made
