"""A subscription socket lives no longer than the session it was opened with: it closes
with 4401 when the access token expires and with 4403 when the session is ended
(logout, logout everywhere, suspension); events that end nothing leave it open."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from tests.conftest import RunningServer, make_settings, start_server
from tests.support import GraphQLClient, SchoolWorld, gid
from tests.websocket.helpers import (
    close_code,
    connect,
    event_of,
    subscribe_live,
    update_priority,
    wait_until,
)

LOGOUT = "mutation { logout { ok errors { code message } } }"
LOGOUT_EVERYWHERE = "mutation { logoutEverywhere { ok errors { code message } } }"
SUSPEND = """
mutation Suspend($input: UserActionInput!) {
  suspendUser(input: $input) { user { status } errors { code message } }
}
"""
REINSTATE = """
mutation Reinstate($input: UserActionInput!) {
  reinstateUser(input: $input) { user { status } errors { code message } }
}
"""


async def test_the_socket_closes_with_4401_when_the_access_token_expires(
    database_url: str, tmp_path: Path, world: SchoolWorld
) -> None:
    # given a server issuing three-second access tokens, and a socket opened with one
    running = await start_server(make_settings(database_url, tmp_path, access_token_minutes=0.05))
    try:
        async with httpx.AsyncClient(base_url=running.base_url) as http:
            token = await GraphQLClient(http).login(world.student.email)
        expires_at = running.state.deps.tokens.decode(token).expires_at.timestamp()
        ws = await connect(running.ws_url, token)
        await subscribe_live(ws, running.state)

        # when the token's lifetime runs out, then the server closes the socket
        assert await close_code(ws, timeout=10) == 4401
        assert time.time() >= expires_at - 0.05  # not before the token expired
        await wait_until(
            lambda: running.state.hub.subscriber_count == 0, what="the feed and watchdog to stop"
        )
    finally:
        await running.stop()


async def test_logout_of_the_session_closes_its_socket_with_4403(
    server: RunningServer, gql: GraphQLClient, world: SchoolWorld
) -> None:
    token = await gql.login(world.student.email)
    ws = await connect(server.ws_url, token)
    await subscribe_live(ws, server.state)

    assert (await gql.data(LOGOUT, token=token))["logout"]["ok"] is True

    assert await close_code(ws) == 4403


async def test_logout_everywhere_closes_every_socket_of_the_user_with_4403(
    server: RunningServer, gql: GraphQLClient, world: SchoolWorld
) -> None:
    phone = await connect(server.ws_url, await gql.login(world.student.email))
    laptop_token = await gql.login(world.student.email)
    laptop = await connect(server.ws_url, laptop_token)

    assert (await gql.data(LOGOUT_EVERYWHERE, token=laptop_token))["logoutEverywhere"]["ok"]

    assert await close_code(phone) == 4403
    assert await close_code(laptop) == 4403


async def test_suspension_by_an_admin_closes_the_users_socket_with_4403(
    server: RunningServer, gql: GraphQLClient, world: SchoolWorld
) -> None:
    ws = await connect(server.ws_url, await gql.login(world.student.email))
    await subscribe_live(ws, server.state)
    admin = await gql.login(world.admin.email)

    suspended = await gql.data(
        SUSPEND, {"input": {"userId": gid("User", world.student.id)}}, token=admin
    )

    assert suspended["suspendUser"]["errors"] == []
    assert await close_code(ws) == 4403


async def test_events_that_end_nothing_leave_the_socket_open(
    server: RunningServer, gql: GraphQLClient, world: SchoolWorld
) -> None:
    # given a student's socket with a live feed
    admin = await gql.login(world.admin.email)
    ws = await connect(server.ws_url, await gql.login(world.student.email))
    op_id = await subscribe_live(ws, server.state)
    other_device = await gql.login(world.student.email)

    # when another of the student's sessions logs out, a schoolmate is suspended and
    # reinstated, and the student's own assignment changes
    assert (await gql.data(LOGOUT, token=other_device))["logout"]["ok"] is True
    schoolmate = {"input": {"userId": gid("User", world.other_student.id)}}
    assert (await gql.data(SUSPEND, schoolmate, token=admin))["suspendUser"]["errors"] == []
    assert (await gql.data(REINSTATE, schoolmate, token=admin))["reinstateUser"]["errors"] == []
    await update_priority(gql, admin, gid("Assignment", world.assignment.id), 6)

    # then the socket stays open and keeps delivering
    assert event_of(await ws.next_data(op_id))["change"] == "UPDATED"
    await ws.expect_silence(0.5)
    await update_priority(gql, admin, gid("Assignment", world.assignment.id), 7)
    assert event_of(await ws.next_data(op_id))["change"] == "UPDATED"
    await ws.close()
