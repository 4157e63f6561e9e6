"""Who sees which series: its student, its instructor, their school's admins (platform
admins: every school's) — the same rule as for the bookings it makes."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, true

from models.series import LessonSeries
from services.actor import Actor, Role


def visible_series(actor: Actor) -> ColumnElement[bool]:
    if actor.is_platform_admin:
        return true()
    same_school = LessonSeries.school_id == actor.school_id
    if actor.role is Role.SCHOOL_ADMIN:
        return same_school
    if actor.role is Role.INSTRUCTOR:
        return and_(same_school, LessonSeries.instructor_id == actor.user_id)
    return and_(same_school, LessonSeries.student_id == actor.user_id)


def can_see(actor: Actor, series: LessonSeries) -> bool:
    if not actor.can_see_school(series.school_id):
        return False
    if actor.is_platform_admin or actor.role is Role.SCHOOL_ADMIN:
        return True
    return actor.user_id in (series.student_id, series.instructor_id)
