"""Per-client request rate limit (token bucket per address, per process).

A cheap first line against floods; login throttling (services/auth.py) is the
precise, database-backed defence for credentials.
"""

from __future__ import annotations

import math
import time

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

MAX_CLIENTS = 100_000


class RateLimit:
    def __init__(
        self, app: ASGIApp, *, per_minute: int, paths: tuple[str, ...] = ("/graphql",)
    ) -> None:
        """``paths`` are limited exactly, except those ending in "/", which are prefixes."""
        self.app = app
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.paths = tuple(p for p in paths if not p.endswith("/"))
        self.prefixes = tuple(p for p in paths if p.endswith("/"))
        self.buckets: dict[str, tuple[float, float]] = {}

    def _take(self, key: str) -> float:
        """Seconds to wait before a token is available (0 when one was taken)."""
        now = time.monotonic()
        if key not in self.buckets and len(self.buckets) >= MAX_CLIENTS:
            # Bounded memory under a flood of distinct addresses: forget them all (each
            # then starts again with a full bucket, which errs on the side of serving).
            self.buckets.clear()
        tokens, stamp = self.buckets.get(key, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - stamp) * self.rate)
        if tokens >= 1:
            self.buckets[key] = (tokens - 1, now)
            return 0.0
        self.buckets[key] = (tokens, now)
        return (1 - tokens) / self.rate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"] if scope["type"] == "http" else None
        if path is None or (path not in self.paths and not path.startswith(self.prefixes)):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        wait = self._take(client[0] if client else "unknown")
        if wait <= 0:
            await self.app(scope, receive, send)
            return
        body = orjson.dumps(
            {
                "errors": [
                    {
                        "message": "Too many requests; slow down.",
                        "extensions": {"code": "RATE_LIMITED"},
                    }
                ]
            }
        )
        await send(
            {
                "type": "http.response.start",
                "status": 429,
                "headers": [
                    (b"content-type", b"application/json; charset=utf-8"),
                    (b"retry-after", str(max(1, math.ceil(wait))).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
