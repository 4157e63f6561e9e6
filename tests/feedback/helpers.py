"""Completed lessons to give feedback on and record progress against (shared by the
feedback, Driver's Record and calendar tests)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

from sqlalchemy import update

from models.accounts import User
from models.scheduling import Booking
from resolvers.context import AppState
from services.scheduling import bookings
from services.uow import unit_of_work
from tests.scheduling.helpers import Diary, book, days_ahead, local, shift


def hour_ago(hours: int) -> datetime:
    """A whole hour in the past (so staged lessons never overlap one another)."""
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=hours)


@dataclass
class Lessons:
    """Stages lessons in a diary: booked through the service (as an admin), moved into the
    past where needed, and completed through the service."""

    state: AppState
    diary: Diary
    _slots: Any = field(default_factory=lambda: count(1))

    async def upcoming(
        self, *, student: User | None = None, instructor: User | None = None
    ) -> Booking:
        """A confirmed lesson, a whole number of hours after tomorrow's midnight."""
        starts = local(days_ahead(1), 0) + timedelta(hours=next(self._slots))
        return await book(
            self.state,
            self.diary.admin_actor,
            self.diary,
            starts,
            student=student,
            instructor=instructor,
        )

    async def completed(
        self,
        *,
        student: User | None = None,
        instructor: User | None = None,
        hours_ago: int | None = None,
    ) -> Booking:
        """A completed lesson that started ``hours_ago``; by default each lesson staged is
        more recent than the one before (within the last 25 days)."""
        booking = await self.upcoming(student=student, instructor=instructor)
        await shift(self.state, booking.id, hour_ago(hours_ago or 600 - 2 * next(self._slots)))
        state = self.state
        async with unit_of_work(state.db, state.hub, state.deps) as uow:
            return await bookings.complete_lesson(uow, self.diary.admin_actor, booking.id)

    async def set_columns(self, model: Any, row_id: Any, **values: Any) -> None:
        """Stage what no mutation may do (a lesson completed weeks ago, say)."""
        async with self.state.db.transaction() as session:
            await session.execute(update(model).where(model.id == row_id).values(**values))
