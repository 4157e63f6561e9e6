"""Recording milestones (SPEC §5): the one call every domain makes when a user reaches one.

    await achievements.record_milestone(
        uow, user_id=student.id, school_id=student.school_id,
        kind="theory.first_mock_pass", source_type="MockTest", source_id=test.id,
    )

Idempotent under concurrency: the unique index on (user, kind) decides, so a
milestone reported twice, or by two requests at once, is recorded and announced
once. The community's badges and reputation build on these rows: the community
registers itself with ``when_recorded`` and rewards each new milestone in the same
transaction, without the recording domain knowing the community exists.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.dialects.postgresql import insert

from models.achievements import Milestone
from services.uow import UnitOfWork
from subscriptions.envelope import user_key

MILESTONE_REACHED = "milestone.reached"
KIND = re.compile(r"^[a-z][a-z_]*(\.[a-z0-9_]+)+$")

Listener = Callable[[UnitOfWork, uuid.UUID], Awaitable[object]]
L = TypeVar("L", bound=Listener)
_listeners: list[Listener] = []


def when_recorded(listener: L) -> L:
    """Call ``listener(uow, user_id)`` in the transaction that records a new milestone."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


async def record_milestone(
    uow: UnitOfWork,
    *,
    user_id: uuid.UUID,
    school_id: uuid.UUID,
    kind: str,
    source_type: str | None = None,
    source_id: uuid.UUID | None = None,
) -> bool:
    """Record that ``user_id`` reached ``kind``; True when this call recorded it first."""
    if not KIND.fullmatch(kind):
        raise ValueError(f"milestone kinds look like 'domain.name', not {kind!r}")
    milestone_id = await uow.session.scalar(
        insert(Milestone)
        .values(
            school_id=school_id,
            user_id=user_id,
            kind=kind,
            source_type=source_type,
            source_id=source_id,
        )
        .on_conflict_do_nothing(index_elements=[Milestone.user_id, Milestone.kind])
        .returning(Milestone.id)
    )
    if milestone_id is None:
        return False
    uow.emit(
        MILESTONE_REACHED,
        entity_type="Milestone",
        entity_id=milestone_id,
        school_id=school_id,
        keys=[user_key(user_id)],
        data={"kind": kind},
    )
    for listener in _listeners:
        await listener(uow, user_id)
    return True
