"""GraphQL subscriptions over WebSocket: the `graphql-transport-ws` protocol only.

The access token travels in the ``connection_init`` payload (``{"token": "…"}``, or
``{"Authorization": "Bearer …"}``); without a valid one the socket closes with 4403.
Once accepted, a watchdog closes the socket with 4401 when the token expires, and
with 4403 as soon as the session is revoked or the user suspended, rejected or
deleted. The watchdog follows the user's events through the outbox feed, so a
burst of events cannot make it miss the one that ends the session.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketState
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from app.auth import bearer_token, client_address
from app.settings import Settings
from resolvers.context import Context
from services.auth import authenticate
from services.security import InvalidToken
from subscriptions.envelope import user_key
from subscriptions.feeds import follow

log = logging.getLogger(__name__)

SESSION_ENDING_EVENTS = {"session.revoked", "user.suspended", "user.deleted", "user.rejected"}


def _token_from(params: Any) -> str | None:
    if not isinstance(params, dict):
        return None
    token = params.get("token")
    if isinstance(token, str) and token:
        return token
    header = params.get("Authorization") or params.get("authorization")
    return bearer_token(header) if isinstance(header, str) else None


class GraphQLWebSocket(GraphQL):  # type: ignore[type-arg]
    def __init__(self, schema: Any, settings: Settings) -> None:
        super().__init__(
            schema,
            graphql_ide=None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=timedelta(seconds=10),
            max_subscriptions_per_connection=settings.max_subscriptions_per_socket,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        websocket = WebSocket(scope, receive=receive, send=send)
        try:
            await self.run(websocket)
        finally:
            watchdog: asyncio.Task[None] | None = getattr(websocket.state, "watchdog", None)
            if watchdog is not None:
                watchdog.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watchdog

    async def get_context(self, request: Any, response: Any) -> Context:  # type: ignore[override]
        state = request.app.state.runtime.state
        return Context(
            state,
            request=request,
            response=response,
            actor=None,
            client_address=client_address(request),
        )

    async def on_ws_connect(self, context: Context) -> None:  # type: ignore[override]
        token = _token_from(context.connection_params)
        if token is None:
            raise ConnectionRejectionError()
        state = context.state
        # The watchdog replays every event after this point, so a session ended between
        # the check below and the watchdog's start still closes the socket.
        since = state.hub.high_water
        try:
            actor = await authenticate(state.db, state.deps.tokens, token, context.client_address)
        except InvalidToken:
            raise ConnectionRejectionError() from None
        context.actor = actor
        websocket: WebSocket = context.request
        websocket.state.watchdog = asyncio.create_task(
            self._watch(context, websocket, token, since), name="websocket-watchdog"
        )

    async def _watch(self, context: Context, websocket: WebSocket, token: str, since: int) -> None:
        actor = context.actor
        assert actor is not None
        assert actor.expires_at is not None
        state = context.state
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (actor.expires_at - datetime.now(UTC)).total_seconds()
        try:
            async with (
                asyncio.timeout_at(deadline),
                contextlib.aclosing(
                    follow(state.hub, state.db, {user_key(actor.user_id)}, since)
                ) as events,
            ):
                async for envelope in events:
                    if envelope.type not in SESSION_ENDING_EVENTS:
                        continue
                    ended = envelope.data.get("session")
                    if envelope.type == "session.revoked" and ended not in (
                        "*",
                        str(actor.session_id),
                        None,
                    ):
                        continue  # another of the user's sessions
                    # The database decides: the event may be stale (a reinstatement since).
                    if not await self._still_valid(context, token):
                        await self._close(websocket, 4403, "Session ended")
                        return
        except TimeoutError:
            await self._close(websocket, 4401, "Access token expired")

    @staticmethod
    async def _still_valid(context: Context, token: str) -> bool:
        state = context.state
        try:
            await authenticate(state.db, state.deps.tokens, token, context.client_address)
        except InvalidToken:
            return False
        return True

    @staticmethod
    async def _close(websocket: WebSocket, code: int, reason: str) -> None:
        if websocket.application_state == WebSocketState.CONNECTED:
            with contextlib.suppress(Exception):
                await websocket.close(code=code, reason=reason)
