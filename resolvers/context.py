"""The per-request (per-socket for WebSocket) GraphQL context."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from strawberry.types import Info as StrawberryInfo

from app.database import Database
from resolvers.loaders import Loaders
from services.actor import Actor
from services.deps import Deps
from services.errors import NotAuthenticated
from services.uow import UnitOfWork, transact, unit_of_work
from subscriptions.hub import EventHub

T = TypeVar("T")

# A subscription re-reads each event's entities through loaders made for that event.
_event_loaders: ContextVar[Loaders | None] = ContextVar("event_loaders", default=None)


@dataclass
class AppState:
    """What the running application shares with every request."""

    db: Database
    hub: EventHub
    deps: Deps
    max_page_size: int = 100


class Context:
    def __init__(
        self,
        state: AppState,
        *,
        request: Any,
        response: Any,
        actor: Actor | None,
        client_address: str,
    ) -> None:
        self.state = state
        self.request = request
        self.response = response
        self.actor = actor
        self.client_address = client_address
        self.connection_params: dict[str, Any] | None = None
        self.execution_started = False
        self._loaders: Loaders | None = None

    @property
    def loaders(self) -> Loaders:
        event_loaders = _event_loaders.get()
        if event_loaders is not None:
            return event_loaders
        if self._loaders is None or self._loaders.actor is not self.actor:
            self._loaders = Loaders(self.state.db, self.actor)
        return self._loaders

    def fresh_loaders_for_event(self) -> None:
        """Called by subscription generators before yielding each event."""
        _event_loaders.set(Loaders(self.state.db, self.actor))

    def require_actor(self) -> Actor:
        if self.actor is None:
            raise NotAuthenticated()
        return self.actor

    async def transact(self, work: Callable[[UnitOfWork], Awaitable[T]]) -> T:
        """Run ``work`` in a unit of work, retried (bounded) after a deadlock or a
        serialization failure, so lock-order races never reach the client as a fault."""
        try:
            return await transact(self.state.db, self.state.hub, self.state.deps, work)
        finally:
            self._loaders = None

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[UnitOfWork]:
        async with unit_of_work(self.state.db, self.state.hub, self.state.deps) as uow:
            yield uow
        # What a mutation changed must not be served stale from this request's loaders.
        self._loaders = None


Info = StrawberryInfo[Context, None]
