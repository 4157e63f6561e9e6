"""Who may see and act on which bookings.

Admins see their school's bookings (platform admins every school's); an instructor sees
their own diary; a student sees their own lessons. The same rule serves lists, loaders,
``node(id:)`` and every live event.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_

from models.scheduling import Booking
from services.actor import Actor, Role


def visible_bookings(actor: Actor) -> ColumnElement[bool]:
    if actor.is_platform_admin:
        return Booking.deleted_at.is_(None)
    same_school = and_(Booking.school_id == actor.school_id, Booking.deleted_at.is_(None))
    if actor.role is Role.SCHOOL_ADMIN:
        return same_school
    if actor.role is Role.INSTRUCTOR:
        return and_(same_school, Booking.instructor_id == actor.user_id)
    return and_(same_school, Booking.student_id == actor.user_id)


def can_see(actor: Actor, booking: Booking) -> bool:
    if booking.deleted_at is not None or not actor.can_see_school(booking.school_id):
        return False
    if actor.is_platform_admin or actor.role is Role.SCHOOL_ADMIN:
        return True
    return actor.user_id in (booking.instructor_id, booking.student_id)


def is_admin_of(actor: Actor, school_id: object) -> bool:
    return actor.is_platform_admin or (
        actor.role is Role.SCHOOL_ADMIN and actor.school_id == school_id
    )
