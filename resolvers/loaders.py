"""Request-scoped DataLoaders.

Every loader is built per request (and per subscription event) with the actor it
serves, so authorisation filters apply inside the batch query itself. Each batch
opens its own short session (see app/database.py for the session rule).

    user = await info.context.loaders[UserByIdLoader].load(user_id)
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, Generic, TypeVar

from aiodataloader import DataLoader
from sqlalchemy.ext.asyncio import AsyncSession

from app.database import Database
from services.actor import Actor

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
L = TypeVar("L", bound="SessionLoader[Any, Any]")


class SessionLoader(DataLoader[K, V], Generic[K, V]):
    def __init__(self, db: Database, actor: Actor | None) -> None:
        super().__init__()
        self.db = db
        self.actor = actor

    async def batch_load_fn(self, keys: Sequence[K]) -> list[V]:  # type: ignore[override]
        async with self.db.session() as session:
            return await self.load_batch(session, list(keys))

    async def load_batch(self, session: AsyncSession, keys: list[K]) -> list[V]:
        raise NotImplementedError


class Loaders:
    """One instance of each loader class, made on first use."""

    def __init__(self, db: Database, actor: Actor | None) -> None:
        self.db = db
        self.actor = actor
        self._instances: dict[type[Any], Any] = {}

    def __getitem__(self, loader_class: type[L]) -> L:
        instance = self._instances.get(loader_class)
        if instance is None:
            instance = loader_class(self.db, self.actor)
            self._instances[loader_class] = instance
        return instance  # type: ignore[no-any-return]
