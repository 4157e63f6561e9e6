"""A small stand-in for Stripe's API on a real socket: it records every request and checks
the wire format Stripe expects (Bearer key, Idempotency-Key, Stripe-Version, form body)."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.conftest import free_port

API_KEY = "sk_test_fake_123"


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    form: dict[str, str]


@dataclass
class FakeStripe:
    base_url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    by_key: dict[str, dict[str, Any]] = field(default_factory=dict)
    intents: dict[str, dict[str, Any]] = field(default_factory=dict)
    fail_next: int | None = None  # an HTTP status to answer the next call with

    async def _refusal(self, request: Request) -> tuple[dict[str, str], Response | None]:
        """Record the request; the error Stripe would answer with, if any."""
        form = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        self.requests.append(Recorded(request.url.path, dict(request.headers), form))
        if request.headers.get("authorization") != f"Bearer {API_KEY}":
            return form, JSONResponse(
                {"error": {"type": "invalid_request_error", "code": "api_key_invalid"}}, 401
            )
        if self.fail_next is not None:
            status, self.fail_next = self.fail_next, None
            return form, JSONResponse({"error": {"type": "api_error", "code": "boom"}}, status)
        return form, None

    async def _handle(self, request: Request, make: Any) -> Response:
        form, refused = await self._refusal(request)
        if refused is not None:
            return refused
        key = request.headers.get("idempotency-key")
        if not key:
            return JSONResponse({"error": {"type": "invalid_request_error"}}, 400)
        if key not in self.by_key:
            self.by_key[key] = make(form)
        return JSONResponse(self.by_key[key])

    async def payment_intents(self, request: Request) -> Response:
        def make(form: dict[str, str]) -> dict[str, Any]:
            pi = f"pi_{secrets.token_hex(8)}"
            self.intents[pi] = {
                "id": pi,
                "object": "payment_intent",
                "amount": int(form["amount"]),
                "currency": form["currency"],
                "client_secret": f"{pi}_secret_{secrets.token_hex(6)}",
                "status": "requires_payment_method",
            }
            return self.intents[pi]

        return await self._handle(request, make)

    async def cancel(self, request: Request) -> Response:
        """POST /v1/payment_intents/{id}/cancel: refused once the intent succeeded."""
        _, refused = await self._refusal(request)
        if refused is not None:
            return refused
        intent = self.intents.get(request.path_params["intent"])
        if intent is None:
            return JSONResponse({"error": {"code": "resource_missing"}}, 404)
        if not request.headers.get("idempotency-key"):
            return JSONResponse({"error": {"type": "invalid_request_error"}}, 400)
        if intent["status"] in ("succeeded", "processing"):
            return JSONResponse({"error": {"code": "payment_intent_unexpected_state"}}, 400)
        intent["status"] = "canceled"
        return JSONResponse(intent)

    async def retrieve(self, request: Request) -> Response:
        """GET /v1/payment_intents/{id}."""
        _, refused = await self._refusal(request)
        if refused is not None:
            return refused
        intent = self.intents.get(request.path_params["intent"])
        if intent is None:
            return JSONResponse({"error": {"code": "resource_missing"}}, 404)
        return JSONResponse(intent)

    async def refunds(self, request: Request) -> Response:
        def make(form: dict[str, str]) -> dict[str, Any]:
            return {"id": f"re_{secrets.token_hex(8)}", "object": "refund", "status": "succeeded"}

        return await self._handle(request, make)


@asynccontextmanager
async def fake_stripe() -> AsyncIterator[FakeStripe]:
    fake = FakeStripe()
    app = Starlette(
        routes=[
            Route("/v1/payment_intents", fake.payment_intents, methods=["POST"]),
            Route("/v1/payment_intents/{intent}/cancel", fake.cancel, methods=["POST"]),
            Route("/v1/payment_intents/{intent}", fake.retrieve, methods=["GET"]),
            Route("/v1/refunds", fake.refunds, methods=["POST"]),
        ]
    )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    fake.base_url = f"http://127.0.0.1:{port}"
    try:
        yield fake
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)
