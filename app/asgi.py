"""The ASGI application: lifespan, routes, middleware."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route, WebSocketRoute

from app.calendar_feed import calendar_feed, redact_feed_tokens_in_access_log
from app.graphql_http import GraphQLHTTP
from app.rate_limit import RateLimit
from app.runtime import Runtime
from app.settings import Settings, load_settings
from app.webhooks import stripe_webhook
from app.websocket import GraphQLWebSocket
from schema import build_schema

ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def create_app(settings: Settings | None = None, *, seed_demo: bool = False) -> Starlette:
    settings = settings or load_settings()
    schema = build_schema(
        max_depth=settings.max_query_depth,
        max_aliases=settings.max_aliases,
        max_tokens=settings.max_tokens,
        introspection=settings.introspection,
    )
    http = GraphQLHTTP(schema, settings)
    websocket = GraphQLWebSocket(schema, settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        runtime = await Runtime.start(settings)
        if seed_demo:
            from app.demo import seed_if_empty

            await seed_if_empty(runtime.state)
        app.state.runtime = runtime
        try:
            yield
        finally:
            await runtime.stop()

    async def health(request: Request) -> Response:
        async with request.app.state.runtime.state.db.session() as session:
            await session.execute(text("SELECT 1"))
        return JSONResponse({"status": "ok"})

    async def root(request: Request) -> Response:
        return RedirectResponse("/graphql")

    app = Starlette(
        routes=[
            Route("/graphql", http.endpoint, methods=ALL_METHODS),
            WebSocketRoute("/graphql", websocket),
            Route("/calendar/{token}.ics", calendar_feed, methods=["GET"]),
            Route("/webhooks/stripe", stripe_webhook, methods=["POST"]),
            Route("/healthz", health),
            Route("/", root),
        ],
        lifespan=lifespan,
    )
    redact_feed_tokens_in_access_log()
    app.add_middleware(
        RateLimit,  # type: ignore[arg-type]
        per_minute=settings.requests_per_minute,
        paths=("/graphql", "/calendar/"),
    )
    return app
