"""The unit of work: one session, one transaction, its events and audit entries.

    async with unit_of_work(db, hub, deps) as uow:
        user = await accounts.register_student(uow, actor, ...)

Leaving the block commits (events are written to the outbox just before the
commit and published after it); an exception rolls everything back and
publishes nothing. Serialization failures and deadlocks are retried a bounded
number of times by ``transact``.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.database import Database
from models.events import AuditEntry
from services.actor import Actor
from services.deps import Deps
from services.errors import (
    DEADLOCK_DETECTED,
    SERIALIZATION_FAILURE,
    UNIQUE_VIOLATION,
    DomainError,
    constraint_name,
    sqlstate,
)
from services.outbox import PendingEvent, write_events
from subscriptions.envelope import Envelope
from subscriptions.hub import EventHub

T = TypeVar("T")


@dataclass
class UnitOfWork:
    session: AsyncSession
    deps: Deps
    events: list[PendingEvent] = field(default_factory=list)
    # Set by a service whose failure must still be recorded (a failed login attempt,
    # a revoked token family): the work is committed and the DomainError re-raised.
    keep_on_error: bool = False
    published: list[Envelope] = field(default_factory=list)

    def emit(
        self,
        type: str,
        *,
        entity_type: str,
        entity_id: uuid.UUID,
        school_id: uuid.UUID | None,
        keys: list[str] | tuple[str, ...],
        data: dict[str, Any] | None = None,
    ) -> None:
        self.events.append(
            PendingEvent(
                type=type,
                entity_type=entity_type,
                entity_id=entity_id,
                school_id=school_id,
                keys=tuple(dict.fromkeys(keys)),
                data=data or {},
            )
        )

    async def flush_unique(self, conflict: Callable[[str | None], DomainError]) -> None:
        """Flush in a savepoint; a unique violation becomes ``conflict(constraint name)``.

        Uniqueness is the database's job (a check in Python would race); this turns the
        violation into the typed error the client sees, leaving the transaction usable.
        """
        try:
            async with self.session.begin_nested():
                await self.session.flush()
        except IntegrityError as exc:
            if sqlstate(exc) == UNIQUE_VIOLATION:
                raise conflict(constraint_name(exc)) from None
            raise

    def audit(
        self,
        actor: Actor | None,
        action: str,
        *,
        entity_type: str,
        entity_id: object,
        school_id: uuid.UUID | None,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        client_address: str | None = None,
    ) -> None:
        self.session.add(
            AuditEntry(
                school_id=school_id,
                actor_id=actor.user_id if actor else None,
                action=action,
                entity_type=entity_type,
                entity_id=str(entity_id) if entity_id is not None else None,
                before=before,
                after=after,
                client_address=client_address or (actor.client_address if actor else None),
            )
        )


@asynccontextmanager
async def unit_of_work(db: Database, hub: EventHub | None, deps: Deps) -> AsyncIterator[UnitOfWork]:
    notify = hub is not None and hub.notifies_in_transaction
    async with db.writer() as session:
        uow = UnitOfWork(session, deps)
        await session.begin()
        try:
            yield uow
        except DomainError:
            if not uow.keep_on_error:
                await session.rollback()
                raise
            await _commit(uow, hub, notify)
            raise
        except BaseException:
            await session.rollback()
            raise
        await _commit(uow, hub, notify)


async def _commit(uow: UnitOfWork, hub: EventHub | None, notify: bool) -> None:
    await uow.session.flush()
    uow.published = await write_events(uow.session, uow.events, notify=notify)
    await uow.session.commit()
    if hub is not None and not notify:
        # Other backends are told after the commit (the hub's publish never raises).
        for envelope in uow.published:
            await hub.publish(envelope)


async def transact(
    db: Database,
    hub: EventHub | None,
    deps: Deps,
    work: Callable[[UnitOfWork], Awaitable[T]],
    *,
    attempts: int = 4,
) -> T:
    """Run ``work`` in a unit of work, retrying serialization failures and deadlocks."""
    for attempt in range(1, attempts + 1):
        try:
            async with unit_of_work(db, hub, deps) as uow:
                return await work(uow)
        except DBAPIError as exc:
            if (
                sqlstate(exc) not in (SERIALIZATION_FAILURE, DEADLOCK_DETECTED)
                or attempt == attempts
            ):
                raise
            await asyncio.sleep(0.01 * 2**attempt)
    raise AssertionError("unreachable")
