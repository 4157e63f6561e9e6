"""Every module that registers a listener with another domain's hooks, imported once.

Listeners register themselves when their module is imported (``@hooks.when_settled``,
``@achievements.when_recorded``). Importing this module from the runtime, the worker and
the CLI makes sure every process runs the same listeners, whichever GraphQL modules it
happened to import.
"""

from __future__ import annotations

import services.community.reputation
import services.payments.purchase  # noqa: F401  (packages activate on payment, cancel on failure)
