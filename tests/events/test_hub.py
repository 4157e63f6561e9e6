"""The event hub survives its backend: a killed LISTEN connection is replaced, events
committed while the hub was cut off reach existing subscribers from the outbox, a
silent (black-holed) connection is caught by the heartbeat; the memory:// and
redis:// backends carry events too."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from sqlalchemy import text

from models.accounts import User
from services.uow import unit_of_work
from subscriptions.backends import APPLICATION_NAME
from subscriptions.envelope import user_key
from subscriptions.hub import BroadcastMisconfigured, EventHub
from tests.conftest import RunningServer, make_settings, start_server
from tests.events.proxy import PostgresProxy
from tests.support import GraphQLClient, SchoolWorld, gid
from tests.websocket.helpers import (
    assign,
    close_code,
    connect,
    event_of,
    subscribe_live,
    update_priority,
    wait_until,
)

FAST_HEARTBEAT = 0.3
LOGOUT = "mutation { logout { ok } }"
SLOW = 60.0  # a heartbeat (and so a catch-up) that cannot happen during a test
REDIS_URL = os.environ.get("CLUTCH_TEST_REDIS_URL")
needs_redis = pytest.mark.skipif(
    not REDIS_URL, reason="set CLUTCH_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/0) to test it"
)


async def _terminate_hub_connections(server: RunningServer) -> int:
    async with server.state.db.session() as session:
        killed = await session.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = :name AND datname = current_database()"
            ),
            {"name": APPLICATION_NAME},
        )
    return int(killed or 0)


async def test_a_killed_listen_connection_is_replaced_and_no_event_is_lost(
    server: RunningServer, gql: GraphQLClient, world: SchoolWorld
) -> None:
    # given a subscriber, and the hub's LISTEN connection killed by the database
    hub = server.state.hub
    admin = await gql.login(world.admin.email)
    ws = await connect(server.ws_url, await gql.login(world.student.email))
    op_id = await subscribe_live(ws, server.state)
    reconnects = hub.reconnects
    assert await _terminate_hub_connections(server) == 1

    # when an event is committed at once, while the hub may still be reconnecting
    assignment = gid("Assignment", world.assignment.id)
    await update_priority(gql, admin, assignment, 2)

    # then the hub reconnects and the event arrives, as does the next one, live
    await wait_until(lambda: hub.reconnects > reconnects, what="the hub to reconnect")
    assert event_of(await ws.next_data(op_id))["assignment"]["priority"] == 2
    await update_priority(gql, admin, assignment, 3)
    assert event_of(await ws.next_data(op_id))["assignment"]["priority"] == 3
    await ws.expect_silence(0.3)
    await ws.close()


@pytest.fixture
async def proxy(database_url: str) -> AsyncIterator[PostgresProxy]:
    running = await PostgresProxy(database_url).start()
    yield running
    await running.stop()


@pytest.fixture
async def proxied_server(
    database_url: str, tmp_path: Path, proxy: PostgresProxy
) -> AsyncIterator[RunningServer]:
    """A second server whose hub reaches PostgreSQL only through the proxy."""
    running = await start_server(
        make_settings(
            database_url,
            tmp_path,
            broadcast_url=proxy.url,
            event_heartbeat_seconds=FAST_HEARTBEAT,
        )
    )
    yield running
    await running.stop()


async def test_events_committed_while_the_hub_is_cut_off_arrive_after_it_reconnects(
    proxied_server: RunningServer,
    proxy: PostgresProxy,
    gql: GraphQLClient,
    world: SchoolWorld,
) -> None:
    # given a subscriber on a server whose hub then loses its backend and cannot reconnect
    hub = proxied_server.state.hub
    admin = await gql.login(world.admin.email)
    ws = await connect(proxied_server.ws_url, await gql.login(world.student.email))
    op_id = await subscribe_live(ws, proxied_server.state)
    reconnects = hub.reconnects
    proxy.refuse = True
    assert proxy.cut() >= 1
    await wait_until(lambda: not hub.connected, what="the hub to notice")

    # when changes are committed (through the other server) while it is down
    created = await assign(gql, admin, world.student.id, world.other_instructor.id)
    await update_priority(gql, admin, created["assignment"]["id"], 8)
    await ws.expect_silence(0.5)

    # then, once the backend is reachable again, the hub catches up from the outbox
    proxy.refuse = False
    events = [event_of(await ws.next_data(op_id, timeout=15)) for _ in range(2)]
    assert [e["change"] for e in events] == ["CREATED", "UPDATED"]
    assert hub.reconnects == reconnects + 1
    await ws.expect_silence(0.3)
    await ws.close()


async def test_a_session_ended_behind_a_flood_of_events_still_closes_the_socket(
    proxied_server: RunningServer,
    proxy: PostgresProxy,
    server: RunningServer,
    gql: GraphQLClient,
    world: SchoolWorld,
) -> None:
    # given a student's socket on a server whose hub is cut off
    hub = proxied_server.state.hub
    token = await gql.login(world.student.email)
    ws = await connect(proxied_server.ws_url, token)
    proxy.refuse = True
    proxy.cut()
    await wait_until(lambda: not hub.connected, what="the hub to notice")

    # when, meanwhile, more events pile up for the student than a subscriber queue
    # holds, and then the student logs out
    state = server.state
    for _ in range(3):
        async with unit_of_work(state.db, state.hub, state.deps) as uow:
            for _ in range(100):
                uow.emit(
                    "test.tick",
                    entity_type="Test",
                    entity_id=uuid.uuid4(),
                    school_id=None,
                    keys=[user_key(world.student.id)],
                )
    assert (await gql.data(LOGOUT, token=token))["logout"]["ok"] is True

    # then, the hub back, the catch-up overflows the watchdog's queue, and the watchdog
    # replays from the outbox: it finds the logout and closes the socket
    slow_consumers = hub.slow_consumers
    proxy.refuse = False
    assert await close_code(ws, timeout=15) == 4403
    assert hub.slow_consumers > slow_consumers


async def test_a_black_holed_connection_is_caught_by_the_heartbeat(
    proxied_server: RunningServer,
    proxy: PostgresProxy,
    gql: GraphQLClient,
    world: SchoolWorld,
) -> None:
    # given a hub whose connection stays open but stops carrying anything
    hub = proxied_server.state.hub
    admin = await gql.login(world.admin.email)
    ws = await connect(proxied_server.ws_url, await gql.login(world.student.email))
    op_id = await subscribe_live(ws, proxied_server.state)
    reconnects = hub.reconnects
    assert proxy.freeze() >= 1

    # when a change is committed meanwhile
    await update_priority(gql, admin, gid("Assignment", world.assignment.id), 4)

    # then the heartbeat notices, the hub reconnects, and the event is delivered
    await wait_until(lambda: hub.reconnects > reconnects, timeout=10, what="the hub to reconnect")
    assert event_of(await ws.next_data(op_id))["assignment"]["priority"] == 4
    await ws.close()


async def test_a_postgres_broadcast_url_naming_another_database_is_refused(
    server: RunningServer,
) -> None:
    own = urlsplit(server.state.db.url)
    other = urlunsplit(own._replace(path="/postgres"))  # exists on every PostgreSQL server
    hub = EventHub(other, server.state.db)

    with pytest.raises(BroadcastMisconfigured, match="application's own database"):
        await hub.start()


async def _feed_through_one_server(
    running: RunningServer, student: User, instructor: User, admin: User
) -> list[dict[str, Any]]:
    """Subscribe and change an assignment through ``running`` alone; the events received."""
    async with httpx.AsyncClient(base_url=running.base_url, timeout=30) as http:
        gql = GraphQLClient(http)
        admin_token = await gql.login(admin.email)
        ws = await connect(running.ws_url, await gql.login(student.email))
        op_id = await subscribe_live(ws, running.state)
        created = await assign(gql, admin_token, student.id, instructor.id)
        await update_priority(gql, admin_token, created["assignment"]["id"], 5)
        events = [event_of(await ws.next_data(op_id)) for _ in range(2)]
        await ws.expect_silence(0.3)
        await ws.close()
    return events


async def test_the_memory_backend_delivers_events_after_commit(
    database_url: str, tmp_path: Path, world: SchoolWorld
) -> None:
    # given a server on memory:// whose heartbeat catch-up is too slow to matter here
    running = await start_server(
        make_settings(
            database_url, tmp_path, broadcast_url="memory://", event_heartbeat_seconds=SLOW
        )
    )
    try:
        assert not running.state.hub.notifies_in_transaction

        # when changes are committed through it, then its subscriber is told, in order
        events = await _feed_through_one_server(
            running, world.student, world.other_instructor, world.admin
        )

        assert [e["change"] for e in events] == ["CREATED", "UPDATED"]
        assert int(events[0]["eventId"]) < int(events[1]["eventId"])
    finally:
        await running.stop()


@needs_redis
async def test_the_redis_backend_carries_events_between_servers(
    database_url: str, tmp_path: Path, world: SchoolWorld
) -> None:
    # given two servers sharing one Redis (heartbeat catch-up too slow to matter here)
    first, second = [
        await start_server(
            make_settings(
                database_url,
                tmp_path / name,
                broadcast_url=REDIS_URL,
                event_heartbeat_seconds=SLOW,
            )
        )
        for name in ("a", "b")
    ]
    try:
        assert first.state.hub.channel == second.state.hub.channel  # same database, same channel
        async with httpx.AsyncClient(base_url=second.base_url, timeout=30) as http:
            gql = GraphQLClient(http)
            admin = await gql.login(world.admin.email)
            ws = await connect(first.ws_url, await gql.login(world.student.email))
            op_id = await subscribe_live(ws, first.state)

            # when an admin changes an assignment through the second
            created = await assign(gql, admin, world.student.id, world.other_instructor.id)
            await update_priority(gql, admin, created["assignment"]["id"], 5)

            # then the first server's subscriber is told, in order
            events = [event_of(await ws.next_data(op_id)) for _ in range(2)]
            assert [e["change"] for e in events] == ["CREATED", "UPDATED"]
            await ws.close()

        # and a server's own changes reach its own subscribers through Redis as well
        events = await _feed_through_one_server(
            first, world.other_student, world.instructor, world.admin
        )
        assert [e["change"] for e in events] == ["CREATED", "UPDATED"]
    finally:
        await first.stop()
        await second.stop()
