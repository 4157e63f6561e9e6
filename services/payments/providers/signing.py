"""Stripe's webhook signature scheme, as documented (stripe.com/docs/webhooks#verify-manually).

The ``Stripe-Signature`` header is ``t=<unix time>,v1=<hex>[,v1=<hex>…]``; each ``v1``
is HMAC-SHA256 of ``"<t>.<raw body>"`` under the endpoint's signing secret. A request is
genuine when one ``v1`` matches (compared in constant time) and ``t`` lies within the
tolerance of now (300 s by default), which limits replays; replayed event ids within the
window are refused by ``webhook_events``. The local provider signs the same way, so one
code path is tested for real.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from services.payments.providers.base import WebhookRejected

DEFAULT_TOLERANCE_SECONDS = 300


def sign(payload: bytes, secret: str, timestamp: int) -> str:
    """The ``v1`` signature of ``payload`` at ``timestamp``."""
    signed = f"{timestamp}.".encode() + payload
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def header(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """A complete ``Stripe-Signature`` header, as Stripe sends it."""
    t = int(time.time()) if timestamp is None else timestamp
    return f"t={t},v1={sign(payload, secret, t)}"


def verify(
    payload: bytes,
    signature_header: str | None,
    secret: str,
    *,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> int:
    """Check ``signature_header`` for ``payload``; return its timestamp, or raise
    ``WebhookRejected`` saying why it is not genuine."""
    if not signature_header or len(signature_header) > 2_000:
        raise WebhookRejected("missing signature header")
    timestamp: int | None = None
    candidates: list[str] = []
    for part in signature_header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit() and len(value) <= 12:
            timestamp = int(value)
        elif key == "v1" and value:
            candidates.append(value)
    if timestamp is None or not candidates:
        raise WebhookRejected("malformed signature header")
    expected = sign(payload, secret, timestamp)
    if not any(hmac.compare_digest(expected, c) for c in candidates):
        raise WebhookRejected("signature does not match")
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise WebhookRejected("timestamp outside the tolerance window")
    return timestamp
