"""The worker's housekeeping: old outbox events and login attempts are deleted, recent
ones kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select

from models.accounts import LoginAttempt
from models.events import OutboxEvent
from resolvers.context import AppState
from services import maintenance
from services.uow import transact
from tests.support import SchoolWorld


async def _count(state: AppState, model: type) -> int:
    async with state.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_old_outbox_events_and_login_attempts_are_pruned(
    state: AppState, world: SchoolWorld
) -> None:
    now = datetime.now(UTC)
    async with state.db.transaction() as session:
        await session.execute(
            insert(OutboxEvent),
            [
                {
                    "school_id": world.school.id,
                    "channel_keys": ["test"],
                    "event_type": "test.old" if age > 7 else "test.recent",
                    "entity_type": "Test",
                    "entity_id": world.student.id,
                    "data": {},
                    "created_at": now - timedelta(days=age),
                }
                for age in (1, 6, 8, 30)
            ],
        )
        await session.execute(
            insert(LoginAttempt),
            [
                {
                    "email_lower": "someone@example.test",
                    "client_address": "203.0.113.9",
                    "succeeded": False,
                    "attempted_at": now - timedelta(days=age),
                }
                for age in (1, 29, 31)
            ],
        )
    events_before = await _count(state, OutboxEvent)
    attempts_before = await _count(state, LoginAttempt)

    outbox = await transact(
        state.db, state.hub, state.deps, lambda uow: maintenance.prune_outbox(uow, now)
    )
    attempts = await transact(
        state.db, state.hub, state.deps, lambda uow: maintenance.prune_login_attempts(uow, now)
    )

    assert (outbox, attempts) == (2, 1)
    assert await _count(state, OutboxEvent) == events_before - 2
    assert await _count(state, LoginAttempt) == attempts_before - 1
    async with state.db.session() as session:
        kinds = set(await session.scalars(select(OutboxEvent.event_type)))
    assert "test.old" not in kinds
    assert "test.recent" in kinds
