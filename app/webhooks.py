"""``POST /webhooks/stripe``: the card provider tells Clutch a payment succeeded or failed.

The raw body (capped at ``CLUTCH_PAYMENT_WEBHOOK_MAX_BYTES``) and its ``Stripe-Signature``
header are checked by the configured provider (``Deps.payments.verify_webhook``): a bad or
stale signature or a body that is not an event is answered 400 with a one-line reason and
changes nothing. A genuine event is processed in one transaction with its event id
(``services/payments/webhooks.py``), so a replayed id is answered 200 and changes nothing.
Anything unexpected is logged and answered 500 without details, and Stripe retries.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from resolvers.context import AppState
from services.payments import webhooks
from services.payments.providers.base import WebhookRejected
from services.uow import UnitOfWork, transact

log = logging.getLogger(__name__)


class TooLarge(Exception):
    pass


async def _read_capped(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise TooLarge
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise TooLarge
    return bytes(body)


async def stripe_webhook(request: Request) -> Response:
    state: AppState = request.app.state.runtime.state
    limit: int = request.app.state.runtime.settings.payment_webhook_max_bytes
    try:
        payload = await _read_capped(request, limit)
    except TooLarge:
        return JSONResponse({"error": "body too large"}, status_code=413)
    provider = state.deps.payments
    try:
        event = provider.verify_webhook(
            payload=payload, signature_header=request.headers.get("stripe-signature")
        )
    except WebhookRejected as exc:
        log.info("webhook rejected: %s", exc)
        return JSONResponse({"error": str(exc)}, status_code=400)

    async def work(uow: UnitOfWork) -> webhooks.Outcome:
        return await webhooks.process(uow, provider.name, event)

    try:
        outcome = await transact(state.db, state.hub, state.deps, work)
    except Exception:
        log.exception("webhook %s (%s) could not be processed", event.id, event.type)
        return JSONResponse({"error": "not processed; retry later"}, status_code=500)
    return JSONResponse({"received": True, "result": outcome.result})
