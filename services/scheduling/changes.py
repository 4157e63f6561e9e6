"""A booking's history and its live events, written together.

Every change to a booking appends a ``BookingChange`` and emits one outbox event on the
instructor's diary, the student's feed and the booking's own channel, in the change's
transaction: subscribers see exactly what committed, in commit order.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import update

from models.scheduling import Booking, BookingChange
from models.series import SeriesOccurrence
from services.actor import Actor
from services.uow import UnitOfWork
from subscriptions.envelope import user_key

# Outbox event types, one per kind of change (the feeds filter on the prefix).
EVENT_PREFIX = "booking."
CHANGE_KINDS = (
    "created",
    "moved",
    "confirmed",
    "started",
    "completed",
    "cancelled",
    "no_show",
    "updated",
    "fee_waived",
)


def diary_key(instructor_id: uuid.UUID) -> str:
    return f"instructor-diary:{instructor_id}"


def booking_key(booking_id: uuid.UUID) -> str:
    return f"booking:{booking_id}"


def booking_keys(booking: Booking) -> list[str]:
    return [diary_key(booking.instructor_id), user_key(booking.student_id), booking_key(booking.id)]


async def record_change(
    uow: UnitOfWork,
    actor: Actor | None,
    booking: Booking,
    kind: str,
    *,
    from_starts_at: datetime | None = None,
    from_status: str | None = None,
    reason: str | None = None,
) -> BookingChange:
    """Append the change to the booking's history and announce it."""
    assert kind in CHANGE_KINDS, kind
    change = BookingChange(
        school_id=booking.school_id,
        booking_id=booking.id,
        kind=kind,
        actor_id=actor.user_id if actor else None,
        from_starts_at=from_starts_at,
        to_starts_at=booking.starts_at if kind in ("created", "moved") else None,
        from_status=from_status,
        to_status=booking.status if from_status is not None or kind == "created" else None,
        reason=reason,
    )
    uow.session.add(change)
    await uow.session.flush()
    if booking.series_id is not None and kind in ("moved", "cancelled"):
        await _mark_series_exception(uow, booking, kind)
    uow.emit(
        EVENT_PREFIX + kind,
        entity_type="Booking",
        entity_id=booking.id,
        school_id=booking.school_id,
        keys=booking_keys(booking),
        data={"change_id": str(change.id)},
    )
    return change


async def _mark_series_exception(uow: UnitOfWork, booking: Booking, kind: str) -> None:
    """A series lesson moved or cancelled on its own stays an exception of its series
    (SPEC §2): series-wide changes and generation leave its occurrence as it is."""
    values: dict[str, object] = {"is_exception": True}
    if kind == "cancelled":
        values["status"] = "cancelled"
    await uow.session.execute(
        update(SeriesOccurrence).where(SeriesOccurrence.booking_id == booking.id).values(**values)
    )
