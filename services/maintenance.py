"""Housekeeping the worker runs on a schedule: old rows that only grow.

* The outbox keeps a week of events. A subscriber resuming with an older ``after``
  receives what is left (the last week) — a client away for longer reloads its data.
* Login attempts are kept for 30 days: long past every lockout window, long enough for
  an admin looking into a break-in attempt.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete

from models.accounts import LoginAttempt
from models.events import OutboxEvent
from services.uow import UnitOfWork

OUTBOX_RETENTION = timedelta(days=7)
LOGIN_ATTEMPT_RETENTION = timedelta(days=30)


async def prune_outbox(uow: UnitOfWork, now: datetime) -> int:
    result = await uow.session.execute(
        delete(OutboxEvent).where(OutboxEvent.created_at < now - OUTBOX_RETENTION)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def prune_login_attempts(uow: UnitOfWork, now: datetime) -> int:
    result = await uow.session.execute(
        delete(LoginAttempt).where(LoginAttempt.attempted_at < now - LOGIN_ATTEMPT_RETENTION)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
