"""broadcaster backends as the hub uses them.

``postgres://`` gets a subclass of broadcaster's LISTEN/NOTIFY backend that names its
connection (``application_name`` = ``clutch-event-hub``, so operators can find it in
``pg_stat_activity``) and tells the hub at once when the server drops it: asyncpg calls
termination listeners when the socket closes, and broadcaster alone would just wait
forever on a dead connection. ``redis://`` gets a backend of our own (see
RedisPubSubBackend for why), ``memory://`` broadcaster's. The hub's heartbeat notices
when any of them goes quiet.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import asyncpg
from broadcaster import BroadcastBackend, Event
from broadcaster._backends.postgres import PostgresBackend

APPLICATION_NAME = "clutch-event-hub"

# Sent through the listen queue when the connection dies. PostgreSQL text cannot hold a
# NUL character, so no NOTIFY payload can ever equal it.
CONNECTION_LOST = "\x00connection-lost"


def is_postgres_url(url: str) -> bool:
    return urlsplit(url).scheme in ("postgres", "postgresql")


class SupervisedPostgresBackend(PostgresBackend):
    async def connect(self) -> None:
        self._channels: set[str] = set()
        self._listen_queue: asyncio.Queue[Event] = asyncio.Queue()
        self._conn = await asyncpg.connect(
            self._url, server_settings={"application_name": APPLICATION_NAME}
        )
        self._conn.add_termination_listener(self._terminated)

    async def subscribe(self, channel: str) -> None:
        await super().subscribe(channel)
        self._channels.add(channel)

    async def disconnect(self) -> None:
        self._conn.remove_termination_listener(self._terminated)
        await self._conn.close(timeout=5)

    def abort(self) -> None:
        """Drop a connection that failed; a graceful close could wait on a dead peer."""
        self._conn.remove_termination_listener(self._terminated)
        self._conn.terminate()

    def _terminated(self, _connection: object) -> None:
        for channel in self._channels:
            self._listen_queue.put_nowait(Event(channel=channel, message=CONNECTION_LOST))


SCHEMES = ("postgres", "postgresql", "redis", "rediss", "memory")


def check_url(url: str) -> None:
    scheme = urlsplit(url).scheme
    if scheme not in SCHEMES:
        raise ValueError(
            f"BROADCAST_URL: unsupported scheme {scheme!r} (use postgres://, redis:// or memory://)"
        )


class RedisPubSubBackend(BroadcastBackend):
    """Redis publish/subscribe through redis-py, reading the subscription directly.

    broadcaster 0.3.1's own Redis backend starts its reader when SUBSCRIBE is sent;
    the reader finds no confirmed subscription yet, stops, and never reads again, so
    not one message arrives (seen with redis-py 8).
    """

    def __init__(self, url: str) -> None:
        self._url = url

    async def connect(self) -> None:
        from redis.asyncio import Redis

        self._client = Redis.from_url(self._url)
        self._pubsub = self._client.pubsub(ignore_subscribe_messages=True)

    async def disconnect(self) -> None:
        try:
            await self._pubsub.aclose()
        finally:
            await self._client.aclose()

    async def subscribe(self, channel: str) -> None:
        await self._pubsub.subscribe(channel)

    async def unsubscribe(self, channel: str) -> None:
        await self._pubsub.unsubscribe(channel)

    async def publish(self, channel: str, message: str) -> None:
        await self._client.publish(channel, message)

    async def next_published(self) -> Event:
        while True:
            message = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=None)
            if message is not None and message["type"] == "message":
                return Event(channel=message["channel"].decode(), message=message["data"].decode())


def make_backend(url: str) -> BroadcastBackend:
    check_url(url)
    if is_postgres_url(url):
        return SupervisedPostgresBackend(url)
    if urlsplit(url).scheme == "memory":
        from broadcaster._backends.memory import MemoryBackend

        return MemoryBackend(url)
    return RedisPubSubBackend(url)
