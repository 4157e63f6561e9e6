"""One process's connection to the event stream, wrapped around broadcaster.

broadcaster 0.3 is alpha and does not notice a dead backend connection, so the
hub supervises it:

* one broadcaster channel (``clutch_events``) subscribed once; envelopes are
  routed to local subscribers by channel key;
* a heartbeat publishes a ping every ``heartbeat_seconds``; a ping that does not
  come back, or a listener that dies, makes the hub reconnect with back-off;
* after every (re)connect, and whenever an envelope arrives with a gap in the
  ids, the hub reads the missed events from the outbox, so a committed event is
  never lost to a dropped connection and events are dispatched in id order;
* each subscriber has a bounded queue. A slow consumer whose queue is full is
  marked *lagged* instead of blocking everyone: its feed replays from the outbox
  (see subscriptions/feeds.py), so it loses nothing and slows nobody.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from broadcaster import Broadcast
from sqlalchemy import func, select

from app.database import Database, plain_url
from models.events import OutboxEvent
from subscriptions.envelope import BROADCAST_CHANNEL, Envelope

log = logging.getLogger(__name__)

CATCH_UP_BATCH = 500


@dataclass(eq=False)
class LocalSubscription:
    keys: frozenset[str]
    queue: asyncio.Queue[Envelope] = field(default_factory=lambda: asyncio.Queue(256))
    lagged: bool = False

    def offer(self, envelope: Envelope) -> None:
        try:
            self.queue.put_nowait(envelope)
        except asyncio.QueueFull:
            self.lagged = True

    def take_lag(self) -> bool:
        """True once after the queue overflowed; the queue is emptied for a replay."""
        if not self.lagged:
            return False
        self.lagged = False
        while not self.queue.empty():
            self.queue.get_nowait()
        return True


def envelope_from_row(row: OutboxEvent) -> Envelope:
    return Envelope(
        id=row.id,
        keys=tuple(row.channel_keys),
        type=row.event_type,
        entity_type=row.entity_type,
        entity_id=row.entity_id,
        school_id=row.school_id,
        data=row.data,
    )


class EventHub:
    def __init__(
        self,
        broadcast_url: str,
        db: Database,
        *,
        heartbeat_seconds: float = 5.0,
        queue_size: int = 256,
    ) -> None:
        self._url = self._resolve_url(broadcast_url, db)
        self._db = db
        self._heartbeat_seconds = heartbeat_seconds
        self._queue_size = queue_size
        self._subscriptions: dict[str, set[LocalSubscription]] = {}
        self._dispatch_lock = asyncio.Lock()
        self._broadcast: Broadcast | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._pending_pings: dict[str, asyncio.Future[None]] = {}
        self._connected = asyncio.Event()
        self.high_water = 0
        self.reconnects = 0

    @staticmethod
    @staticmethod
    def _resolve_url(url: str, db: Database) -> str:
        parts = urlsplit(url)
        if parts.scheme not in ("postgres", "postgresql"):
            return url
        if not parts.netloc and not parts.path.strip("/"):
            return db.url  # "postgres://" alone means: the application's own database
        return plain_url(url)

    @property
    def notifies_in_transaction(self) -> bool:
        """With PostgreSQL, NOTIFY is issued inside the change's transaction (see uow.py)."""
        return urlsplit(self._url).scheme in ("postgres", "postgresql")

    async def start(self) -> None:
        async with self._db.session() as session:
            self.high_water = (await session.scalar(select(func.max(OutboxEvent.id)))) or 0
        self._supervisor = asyncio.create_task(self._supervise(), name="event-hub")
        await asyncio.wait_for(self._connected.wait(), timeout=30)

    async def stop(self) -> None:
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
        await self._close_broadcast()

    async def publish(self, envelope: Envelope) -> None:
        """Publish after commit (backends other than PostgreSQL)."""
        if self._broadcast is None:
            log.warning(
                "event %s not published: broadcast backend down; catch-up will", envelope.id
            )
            return
        try:
            await self._broadcast.publish(BROADCAST_CHANNEL, envelope.encode())
        except Exception:
            log.warning("event %s publish failed; subscribers will catch up", envelope.id)

    @contextlib.contextmanager
    def subscribe(self, keys: set[str] | frozenset[str]) -> Iterator[LocalSubscription]:
        sub = LocalSubscription(frozenset(keys), asyncio.Queue(self._queue_size))
        for key in sub.keys:
            self._subscriptions.setdefault(key, set()).add(sub)
        try:
            yield sub
        finally:
            for key in sub.keys:
                subs = self._subscriptions.get(key)
                if subs is not None:
                    subs.discard(sub)
                    if not subs:
                        del self._subscriptions[key]

    @property
    def subscriber_count(self) -> int:
        return len({sub for subs in self._subscriptions.values() for sub in subs})

    # -- supervision -----------------------------------------------------------------

    async def _supervise(self) -> None:
        delay = 0.2
        while True:
            try:
                await self._run_connection()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("event hub connection lost (%s); reconnecting", type(exc).__name__)
            self._connected.clear()
            await self._close_broadcast()
            self.reconnects += 1
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)

    async def _run_connection(self) -> None:
        broadcast = Broadcast(self._url)
        await broadcast.connect()
        self._broadcast = broadcast
        async with broadcast.subscribe(BROADCAST_CHANNEL) as subscriber:
            await self._catch_up()
            self._connected.set()
            listener = asyncio.create_task(self._listen(subscriber))
            try:
                while True:
                    done, _ = await asyncio.wait({listener}, timeout=self._heartbeat_seconds)
                    if done:
                        listener.result()
                        raise ConnectionError("listener stopped")
                    await self._ping(broadcast)
                    await self._catch_up()
            finally:
                listener.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await listener

    async def _listen(self, subscriber: object) -> None:
        async for event in subscriber:  # type: ignore[attr-defined]
            if event is None:
                return
            message = event.message
            if message.startswith('{"ping":'):
                nonce = message[9:-2]
                future = self._pending_pings.pop(nonce, None)
                if future is not None and not future.done():
                    future.set_result(None)
                continue
            try:
                envelope = Envelope.decode(message)
            except Exception:
                log.warning("ignoring malformed event envelope")
                continue
            await self._receive(envelope)

    async def _ping(self, broadcast: Broadcast) -> None:
        nonce = secrets.token_hex(8)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending_pings[nonce] = future
        try:
            await asyncio.wait_for(
                broadcast.publish(BROADCAST_CHANNEL, f'{{"ping":"{nonce}"}}'),
                self._heartbeat_seconds,
            )
            await asyncio.wait_for(future, timeout=self._heartbeat_seconds)
        except TimeoutError as exc:
            raise ConnectionError("heartbeat lost") from exc
        finally:
            self._pending_pings.pop(nonce, None)

    async def _close_broadcast(self) -> None:
        broadcast, self._broadcast = self._broadcast, None
        if broadcast is not None:
            with contextlib.suppress(Exception):
                await broadcast.disconnect()

    # -- dispatch ---------------------------------------------------------------------

    async def _receive(self, envelope: Envelope) -> None:
        async with self._dispatch_lock:
            if envelope.id <= self.high_water:
                return
            if envelope.id > self.high_water + 1:
                await self._catch_up_locked(until=envelope.id)
            self._dispatch(envelope)

    async def _catch_up(self) -> None:
        async with self._dispatch_lock:
            await self._catch_up_locked()

    async def _catch_up_locked(self, until: int | None = None) -> None:
        while True:
            stmt = (
                select(OutboxEvent)
                .where(OutboxEvent.id > self.high_water)
                .order_by(OutboxEvent.id)
                .limit(CATCH_UP_BATCH)
            )
            if until is not None:
                stmt = stmt.where(OutboxEvent.id < until)
            async with self._db.session() as session:
                rows = list(await session.scalars(stmt))
            for row in rows:
                self._dispatch(envelope_from_row(row))
            if len(rows) < CATCH_UP_BATCH:
                return

    def _dispatch(self, envelope: Envelope) -> None:
        self.high_water = max(self.high_water, envelope.id)
        targets: set[LocalSubscription] = set()
        for key in envelope.keys:
            targets.update(self._subscriptions.get(key, ()))
        for sub in targets:
            sub.offer(envelope)
