"""The card provider interface: what Clutch asks of Stripe (or of the local stand-in).

A provider creates charges and refunds and turns a signed webhook request into an event.
Everything money-related it returns is integer minor units. Calls carry Clutch's own
idempotency key, so a retried request never charges twice at the provider either.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

ChargeStatus = Literal["pending", "succeeded", "failed"]


class ProviderError(Exception):
    """The provider could not be reached or refused the call for a reason of its own."""


@dataclass(frozen=True)
class Charge:
    """A charge the provider created: its reference, the secret the client confirms it
    with (a Stripe PaymentIntent's ``client_secret``), and where it stands."""

    reference: str
    status: ChargeStatus
    client_secret: str | None = None
    failure_reason: str | None = None


@dataclass(frozen=True)
class ProviderRefund:
    reference: str
    status: Literal["succeeded", "failed"]


@dataclass(frozen=True)
class ProviderEvent:
    """A verified webhook event: its id (processed once), type and the charge it is about."""

    id: str
    type: str
    charge_reference: str | None
    status: ChargeStatus | None
    failure_reason: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


class PaymentProvider(Protocol):
    name: str

    async def create_charge(
        self,
        *,
        amount_minor: int,
        currency: str,
        description: str,
        metadata: dict[str, str],
        idempotency_key: str,
    ) -> Charge: ...

    async def refund(
        self, *, charge_reference: str, amount_minor: int, idempotency_key: str
    ) -> ProviderRefund: ...

    async def cancel_charge(self, *, charge_reference: str, idempotency_key: str) -> ChargeStatus:
        """Cancel a charge nobody completed; where it stands afterwards: ``failed`` once
        cancelled, ``succeeded`` if it was paid meanwhile, ``pending`` if it is being
        processed and cannot be cancelled now."""
        ...

    def verify_webhook(self, *, payload: bytes, signature_header: str | None) -> ProviderEvent:
        """Check the signature and freshness of a webhook request and parse it; raises
        ``WebhookRejected`` when it is not genuine."""
        ...


class WebhookRejected(Exception):
    """A webhook request that is not genuine: bad signature, stale timestamp, bad body."""
