"""Money as clients see it: integer minor units with an ISO 4217 currency (SPEC §0)."""

from __future__ import annotations

import strawberry


@strawberry.type(
    description="An amount of money in minor units (pence) with its currency. Never a float."
)
class Money:
    amount_minor: int = strawberry.field(description="Amount in minor units, e.g. 3500 = £35.00.")
    currency: str = strawberry.field(description="ISO 4217 currency code.")
