"""The WebSocket endpoint speaks graphql-transport-ws only, admits a socket only with a
valid access token in `connection_init`, and caps the subscriptions on one socket."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import websockets

from tests.conftest import RunningServer
from tests.support import GraphQLClient, SchoolWorld, WSClient
from tests.websocket.helpers import (
    ASSIGNMENTS_CHANGED,
    close_code,
    connect,
    subscribe_live,
    wait_until,
)

ME = "{ me { email } }"


async def test_the_legacy_graphql_ws_subprotocol_is_refused(server: RunningServer) -> None:
    connection = await websockets.connect(server.ws_url, subprotocols=["graphql-ws"])  # type: ignore[list-item]

    ws = WSClient(connection)
    assert connection.subprotocol is None
    assert await close_code(ws) == 4406


async def test_graphql_transport_ws_is_negotiated_when_offered_beside_the_legacy_one(
    server: RunningServer,
) -> None:
    connection = await websockets.connect(
        server.ws_url,
        subprotocols=["graphql-ws", "graphql-transport-ws"],  # type: ignore[list-item]
    )

    assert connection.subprotocol == "graphql-transport-ws"
    await connection.close()


async def test_connection_init_without_a_token_is_closed_with_4403(server: RunningServer) -> None:
    ws = await WSClient.connect(server.ws_url, {}, ack=False)

    assert await close_code(ws) == 4403


async def test_connection_init_with_a_malformed_token_is_closed_with_4403(
    server: RunningServer,
) -> None:
    ws = await WSClient.connect(server.ws_url, {"token": "not-a-jwt"}, ack=False)

    assert await close_code(ws) == 4403


async def test_connection_init_with_an_expired_token_is_closed_with_4403(
    server: RunningServer, gql: GraphQLClient, world: SchoolWorld
) -> None:
    tokens = server.state.deps.tokens
    live = tokens.decode(await gql.login(world.student.email))
    expired, _ = tokens.issue(
        live.user_id, live.session_id, now=datetime.now(UTC) - timedelta(hours=1)
    )

    ws = await WSClient.connect(server.ws_url, {"token": expired}, ack=False)

    assert await close_code(ws) == 4403


async def test_connection_init_with_a_revoked_session_is_closed_with_4403(
    server: RunningServer, gql: GraphQLClient, world: SchoolWorld
) -> None:
    token = await gql.login(world.student.email)
    await gql.data("mutation { logout { ok errors { code } } }", token=token)

    ws = await WSClient.connect(server.ws_url, {"token": token}, ack=False)

    assert await close_code(ws) == 4403


async def test_a_valid_token_is_acknowledged_in_either_payload_form(
    server: RunningServer, gql: GraphQLClient, world: SchoolWorld
) -> None:
    token = await gql.login(world.student.email)

    as_token = await WSClient.connect(server.ws_url, {"token": token})
    as_header = await WSClient.connect(server.ws_url, {"Authorization": f"Bearer {token}"})

    # connect() asserted connection_ack; the socket then serves operations as the user.
    for ws in (as_token, as_header):
        op_id = await ws.subscribe(ME)
        assert (await ws.next_data(op_id))["data"]["me"]["email"] == world.student.email
        await ws.close()


async def test_subscribing_before_connection_init_is_closed_with_4401(
    server: RunningServer,
) -> None:
    connection = await websockets.connect(server.ws_url, subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
    ws = WSClient(connection)

    await ws.subscribe(ASSIGNMENTS_CHANGED)

    assert await close_code(ws) == 4401


async def test_subscriptions_per_socket_are_capped_and_a_freed_place_can_be_reused(
    server: RunningServer, gql: GraphQLClient, world: SchoolWorld
) -> None:
    limit = 20  # max_subscriptions_per_socket's default, which the test server keeps
    hub = server.state.hub
    ws = await connect(server.ws_url, await gql.login(world.student.email))
    full = hub.subscriber_count + limit
    op_ids = [await subscribe_live(ws, server.state) for _ in range(limit)]

    refused = await ws.subscribe(ASSIGNMENTS_CHANGED)

    message = await ws.receive()
    assert message == {
        "id": refused,
        "type": "error",
        "payload": [{"message": "Subscription limit reached"}],
    }
    await ws.send({"id": op_ids[0], "type": "complete"})
    await wait_until(lambda: hub.subscriber_count == full - 1, what="the completed feed to stop")
    await subscribe_live(ws, server.state)  # the freed place takes a new subscription
    await ws.close()


async def test_closing_a_socket_releases_its_hub_subscriptions(
    server: RunningServer, gql: GraphQLClient, world: SchoolWorld
) -> None:
    hub = server.state.hub
    baseline = hub.subscriber_count
    ws = await connect(server.ws_url, await gql.login(world.student.email))
    for _ in range(3):
        await subscribe_live(ws, server.state)
    assert hub.subscriber_count == baseline + 4  # three feeds and the session watchdog

    await ws.close()

    await wait_until(lambda: hub.subscriber_count == baseline, what="subscriptions released")
