"""Ending login sessions, and telling open sockets that they ended."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import update

from models.accounts import AuthSession
from services.uow import UnitOfWork
from subscriptions.envelope import user_key


async def revoke_sessions(
    uow: UnitOfWork,
    *,
    user_id: uuid.UUID,
    school_id: uuid.UUID | None,
    reason: str,
    only: uuid.UUID | None = None,
    keep: uuid.UUID | None = None,
) -> None:
    """Revoke the user's live sessions (just ``only``, or all but ``keep``).

    The `session.revoked` event makes every WebSocket of an ended session close at once
    instead of at token expiry; a socket re-checks its own session before closing, so
    "*" is safe even when one session is kept.
    """
    stmt = update(AuthSession).where(
        AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None)
    )
    if only is not None:
        stmt = stmt.where(AuthSession.id == only)
    if keep is not None:
        stmt = stmt.where(AuthSession.id != keep)
    await uow.session.execute(stmt.values(revoked_at=datetime.now(UTC), revoked_reason=reason))
    uow.emit(
        "session.revoked",
        entity_type="User",
        entity_id=user_id,
        school_id=school_id,
        keys=[user_key(user_id)],
        data={"session": str(only) if only is not None else "*"},
    )
