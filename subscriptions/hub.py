"""One process's connection to the event stream, wrapped around broadcaster.

broadcaster 0.3 is alpha and does not notice a dead backend connection, so the
hub drives broadcaster's backends itself (its ``Broadcast`` front would need
unsubscribing from a dead connection, which can hang) and supervises them:

* one channel subscribed once; envelopes are routed to local
  subscribers by channel key;
* a lost connection is noticed at once where the backend can tell (PostgreSQL,
  see subscriptions/backends.py), otherwise by a heartbeat: a ping published every
  ``heartbeat_seconds`` that does not come back makes the hub reconnect, with
  back-off while the backend stays unreachable;
* after every (re)connect, after every heartbeat, and whenever an envelope arrives
  with a gap in the ids, the hub reads the missed events from the outbox, so a
  committed event is never lost to a dropped connection and events are dispatched
  in id order;
* each subscriber has a bounded queue. A slow consumer whose queue is full is
  marked *lagged* instead of blocking everyone: its feed replays from the outbox
  (see subscriptions/feeds.py), so it loses nothing and slows nobody.

With PostgreSQL the outbox's own transaction issues the NOTIFY (services/uow.py),
so the broadcast URL must name the application's database. Other backends are
published to after commit, on a channel named after the database, so that two
deployments sharing one Redis never hear each other's events.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import asyncpg
from broadcaster import BroadcastBackend
from sqlalchemy import func, select

from app.database import Database, plain_url
from models.events import OutboxEvent
from subscriptions.backends import (
    CONNECTION_LOST,
    SupervisedPostgresBackend,
    check_url,
    is_postgres_url,
    make_backend,
)
from subscriptions.envelope import BROADCAST_CHANNEL, Envelope, decode_message

log = logging.getLogger(__name__)

CATCH_UP_BATCH = 500
FIRST_RETRY_SECONDS = 0.2
MAX_RETRY_SECONDS = 10.0
PUBLISH_TIMEOUT_SECONDS = 2.0
CONNECT_TIMEOUT_SECONDS = 10.0
DISCONNECT_TIMEOUT_SECONDS = 2.0
# What names one database whatever URL reaches it: the cluster's system identifier (or,
# where a managed service hides it, the server's own address) and the database name.
IDENTITY_QUERIES = (
    "SELECT (SELECT system_identifier FROM pg_control_system())::text || '/' || current_database()",
    "SELECT concat_ws('/', inet_server_addr(), inet_server_port(), current_database())",
)


class BroadcastMisconfigured(RuntimeError):
    """The broadcast URL cannot carry this application's events."""


async def database_identity(url: str) -> str:
    conn = await asyncpg.connect(url)
    try:
        for query in IDENTITY_QUERIES:
            try:
                return str(await conn.fetchval(query))
            except asyncpg.PostgresError:
                continue
        raise BroadcastMisconfigured("cannot tell which database this is")
    finally:
        await conn.close()


@dataclass(eq=False)
class LocalSubscription:
    keys: frozenset[str]
    queue: asyncio.Queue[Envelope] = field(default_factory=lambda: asyncio.Queue(256))
    lagged: bool = False

    def offer(self, envelope: Envelope) -> bool:
        """Queue the envelope; False when the queue was full (the subscriber is now lagged)."""
        try:
            self.queue.put_nowait(envelope)
        except asyncio.QueueFull:
            self.lagged = True
            return False
        return True

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
        check_url(self._url)  # refuse an unsupported scheme now, not in the supervisor
        self._db = db
        self._heartbeat_seconds = heartbeat_seconds
        self._queue_size = queue_size
        self._channel = BROADCAST_CHANNEL
        self._subscriptions: dict[str, set[LocalSubscription]] = {}
        self._dispatch_lock = asyncio.Lock()
        self._backend: BroadcastBackend | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._pending_pings: dict[str, asyncio.Future[None]] = {}
        self._ping_publish: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()
        self._ever_connected = False
        self.high_water = 0
        self.reconnects = 0
        self.slow_consumers = 0  # times a subscriber's queue overflowed (it then replays)

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
        return is_postgres_url(self._url)

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    @property
    def channel(self) -> str:
        return self._channel

    async def start(self) -> None:
        async with self._db.session() as session:
            self.high_water = (await session.scalar(select(func.max(OutboxEvent.id)))) or 0
        if self.notifies_in_transaction:
            if self._url != self._db.url:
                await self._check_same_database()
        else:
            identity = await database_identity(self._db.url)
            self._channel = (
                f"{BROADCAST_CHANNEL}.{hashlib.sha256(identity.encode()).hexdigest()[:16]}"
            )
        self._supervisor = asyncio.create_task(self._supervise(), name="event-hub")
        try:
            await asyncio.wait_for(self._connected.wait(), timeout=30)
        except TimeoutError:
            await self.stop()
            raise ConnectionError("the event broadcast backend is unreachable") from None

    async def _check_same_database(self) -> None:
        if await database_identity(self._url) != await database_identity(self._db.url):
            raise BroadcastMisconfigured(
                "BROADCAST_URL: a postgres:// broadcast URL must name the application's own "
                "database (NOTIFY is sent in the change's transaction); use postgres:// alone."
            )

    async def stop(self) -> None:
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
            self._supervisor = None
        await self._close_backend()

    async def publish(self, envelope: Envelope) -> None:
        """Publish after commit (backends other than PostgreSQL).

        Never raises and never waits long: the change is committed and the outbox
        has the event, so a subscriber the publish misses gets it at the next
        catch-up (heartbeat or reconnection).
        """
        backend = self._backend
        if backend is None or not self._connected.is_set():
            log.warning("event %s not published: broadcast backend down", envelope.id)
            return
        try:
            await asyncio.wait_for(
                backend.publish(self._channel, envelope.encode()), PUBLISH_TIMEOUT_SECONDS
            )
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
        delay = FIRST_RETRY_SECONDS
        while True:
            try:
                await self._run_connection()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("event hub connection lost (%s); reconnecting", type(exc).__name__)
            if self._connected.is_set():
                delay = FIRST_RETRY_SECONDS  # it had been up: retry at once
            self._connected.clear()
            await self._close_backend(failed=True)
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_RETRY_SECONDS)

    async def _run_connection(self) -> None:
        backend = make_backend(self._url)
        self._backend = backend
        await asyncio.wait_for(backend.connect(), CONNECT_TIMEOUT_SECONDS)
        await asyncio.wait_for(backend.subscribe(self._channel), CONNECT_TIMEOUT_SECONDS)
        await self._catch_up()
        if self._ever_connected:
            self.reconnects += 1
            log.info("event hub reconnected")
        self._ever_connected = True
        self._connected.set()
        listener = asyncio.create_task(self._listen(backend), name="event-hub-listener")
        try:
            while True:
                done, _ = await asyncio.wait({listener}, timeout=self._heartbeat_seconds)
                if done:
                    listener.result()
                    raise ConnectionError("listener stopped")
                await self._ping(backend)
                await self._catch_up()
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await listener

    async def _listen(self, backend: BroadcastBackend) -> None:
        while True:
            event = await backend.next_published()
            if event.channel != self._channel:
                continue
            message = event.message
            if message == CONNECTION_LOST:
                raise ConnectionError("backend connection terminated")
            if message.startswith('{"ping":'):
                nonce = message[9:-2]
                future = self._pending_pings.pop(nonce, None)
                if future is not None and not future.done():
                    future.set_result(None)
                continue
            try:
                decoded = decode_message(message)
            except Exception:
                log.warning("ignoring malformed event envelope")
                continue
            if isinstance(decoded, int):
                await self._ring(decoded)
            else:
                await self._receive(decoded)

    async def _ping(self, backend: BroadcastBackend) -> None:
        nonce = secrets.token_hex(8)
        pong: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending_pings[nonce] = pong
        # The publish is not cancelled on timeout: cancelling an asyncpg query sends a
        # cancel request and waits for the (dead) peer. The connection is dropped instead,
        # which ends the publish; _close_backend collects it.
        self._ping_publish = asyncio.create_task(
            backend.publish(self._channel, f'{{"ping":"{nonce}"}}')
        )
        try:
            done, _ = await asyncio.wait(
                {self._ping_publish, pong},
                timeout=self._heartbeat_seconds,
                return_when=asyncio.FIRST_EXCEPTION,
            )
            if self._ping_publish in done:
                self._ping_publish.result()  # a failed publish: the connection is gone
            if not pong.done():
                raise ConnectionError("heartbeat lost")
        finally:
            self._pending_pings.pop(nonce, None)

    async def _close_backend(self, *, failed: bool = False) -> None:
        backend, self._backend = self._backend, None
        ping, self._ping_publish = self._ping_publish, None
        self._pending_pings.clear()
        if backend is not None:
            if failed and isinstance(backend, SupervisedPostgresBackend):
                with contextlib.suppress(Exception):
                    backend.abort()
            else:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(backend.disconnect(), DISCONNECT_TIMEOUT_SECONDS)
        if ping is not None:
            ping.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await ping

    # -- dispatch ---------------------------------------------------------------------

    async def _receive(self, envelope: Envelope) -> None:
        async with self._dispatch_lock:
            if envelope.id <= self.high_water:
                return
            if envelope.id > self.high_water + 1:
                await self._catch_up_locked(until=envelope.id)
            self._dispatch(envelope)

    async def _ring(self, event_id: int) -> None:
        """A doorbell: the event (and any before it) is read from the outbox."""
        async with self._dispatch_lock:
            if event_id > self.high_water:
                await self._catch_up_locked(until=event_id + 1)

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
            was_lagged = sub.lagged
            if not sub.offer(envelope) and not was_lagged:
                self.slow_consumers += 1
