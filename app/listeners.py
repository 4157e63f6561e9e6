"""Every module that registers a listener with another domain's hooks, imported once.

Listeners register themselves when their module is imported (``@hooks.when_settled``,
``@achievements.when_recorded``). Importing this module from the runtime, the worker and
the CLI makes sure every process runs the same listeners, whichever GraphQL modules it
happened to import.
"""

from __future__ import annotations

# The order is the order listeners run in: a booking's credit is drawn before the
# deposit listener asks whether a credit paid for it. Each module registers itself
# with another domain's hooks when imported.
from services.community import reputation
from services.packages import booking_credits
from services.payments import deposits, fees, invoices, purchase, refunds

LISTENERS = (reputation, booking_credits, deposits, fees, purchase, invoices, refunds)
