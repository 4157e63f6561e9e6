"""Stripe as the card provider, over its REST API (https://docs.stripe.com/api).

* ``create_charge`` → ``POST /v1/payment_intents`` (form-encoded: ``amount`` in minor
  units, lower-case ``currency``, ``description``, ``metadata[…]``,
  ``automatic_payment_methods[enabled]=true``). The intent's ``client_secret`` goes to the
  client, which confirms the card with Stripe.js; Stripe then tells us by webhook.
* ``refund`` → ``POST /v1/refunds`` (``payment_intent``, ``amount``).
* Every call carries ``Authorization: Bearer <secret key>``, a pinned ``Stripe-Version``
  and Clutch's ``Idempotency-Key``, so a retried request is one charge or refund at
  Stripe (Stripe answers a repeated key with the first response).
* ``verify_webhook`` checks ``Stripe-Signature`` as Stripe documents it (``signing``).

Network failures, timeouts, 5xx answers and Stripe's error objects all become
``ProviderError``; the caller turns that into ``PROVIDER_UNAVAILABLE`` and rolls back.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

import httpx

from services.payments.providers import signing
from services.payments.providers.base import (
    Charge,
    ChargeStatus,
    ProviderError,
    ProviderEvent,
    ProviderRefund,
)
from services.payments.providers.local import parse_event

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.stripe.com"
STRIPE_VERSION = "2024-06-20"
TIMEOUT_SECONDS = 15.0


def _status(intent_status: object) -> ChargeStatus:
    if intent_status == "succeeded":
        return "succeeded"
    if intent_status == "canceled":
        return "failed"
    return "pending"  # requires_payment_method, requires_confirmation, requires_action, processing


class StripeProvider:
    name = "stripe"

    def __init__(
        self,
        api_key: str,
        webhook_secret: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = TIMEOUT_SECONDS,
        tolerance_seconds: int = signing.DEFAULT_TOLERANCE_SECONDS,
    ) -> None:
        if not api_key or not webhook_secret:
            raise ValueError("Stripe needs a secret API key and a webhook signing secret")
        self._api_key = api_key
        self.webhook_secret = webhook_secret
        self.tolerance_seconds = tolerance_seconds
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/") + "/v1/",
            timeout=timeout,
            transport=transport,
            headers={
                "Authorization": f"Bearer {api_key}",
                "Stripe-Version": STRIPE_VERSION,
                "User-Agent": "Clutch (+https://github.com/)",
            },
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _post(self, path: str, form: dict[str, str], idempotency_key: str) -> dict[str, Any]:
        return await self._request("POST", path, form, {"Idempotency-Key": idempotency_key})

    async def _get(self, path: str) -> dict[str, Any]:
        return await self._request("GET", path, None, {})

    async def _request(
        self, method: str, path: str, form: dict[str, str] | None, headers: dict[str, str]
    ) -> dict[str, Any]:
        try:
            response = await self._client.request(method, path, data=form, headers=headers)
        except httpx.HTTPError as exc:
            log.warning("Stripe %s unreachable: %s", path, type(exc).__name__)
            raise ProviderError(f"Stripe could not be reached ({type(exc).__name__})") from exc
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise ProviderError(f"Stripe answered {response.status_code} without a JSON object")
        if response.status_code >= 400 or "error" in body:
            raw = body.get("error")
            error: dict[str, Any] = raw if isinstance(raw, dict) else {}
            code = error.get("code") or error.get("type") or response.status_code
            log.warning("Stripe %s refused: %s", path, code)
            raise ProviderError(f"Stripe refused the request: {code}")
        return body

    async def create_charge(
        self,
        *,
        amount_minor: int,
        currency: str,
        description: str,
        metadata: dict[str, str],
        idempotency_key: str,
    ) -> Charge:
        form = {
            "amount": str(amount_minor),
            "currency": currency.lower(),
            "description": description,
            "automatic_payment_methods[enabled]": "true",
        }
        for key, value in metadata.items():
            form[f"metadata[{key}]"] = value
        intent = await self._post("payment_intents", form, idempotency_key)
        reference = intent.get("id")
        if not isinstance(reference, str):
            raise ProviderError("Stripe answered without a PaymentIntent id")
        error = intent.get("last_payment_error")
        failure = error.get("code") if isinstance(error, dict) else None
        secret = intent.get("client_secret")
        return Charge(
            reference=reference,
            status=_status(intent.get("status")),
            client_secret=secret if isinstance(secret, str) else None,
            failure_reason=failure if isinstance(failure, str) else None,
        )

    async def refund(
        self, *, charge_reference: str, amount_minor: int, idempotency_key: str
    ) -> ProviderRefund:
        refund = await self._post(
            "refunds",
            {"payment_intent": charge_reference, "amount": str(amount_minor)},
            idempotency_key,
        )
        reference = refund.get("id")
        if not isinstance(reference, str):
            raise ProviderError("Stripe answered without a refund id")
        # "pending" refunds are accepted by Stripe and complete on their own.
        failed = refund.get("status") in ("failed", "canceled")
        return ProviderRefund(reference=reference, status="failed" if failed else "succeeded")

    async def cancel_charge(self, *, charge_reference: str, idempotency_key: str) -> ChargeStatus:
        path = f"payment_intents/{quote(charge_reference, safe='')}"
        try:
            intent = await self._post(
                f"{path}/cancel", {"cancellation_reason": "abandoned"}, idempotency_key
            )
        except ProviderError:
            # Refused when the intent can no longer be cancelled (it succeeded, or is
            # processing): read where it stands instead.
            intent = await self._get(path)
        return _status(intent.get("status"))

    def verify_webhook(self, *, payload: bytes, signature_header: str | None) -> ProviderEvent:
        signing.verify(
            payload, signature_header, self.webhook_secret, tolerance=self.tolerance_seconds
        )
        return parse_event(payload)
