"""SQLAlchemy models, one module per domain. Importing this package registers them all."""

from models import (
    accounts,
    achievements,
    assignments,
    calendar,
    community,
    events,
    feedback,
    idempotency,
    notifications,
    packages,
    payments,
    progress,
    scheduling,
    schools,
    series,
    theory,
)
from models.base import Base

__all__ = [
    "Base",
    "accounts",
    "achievements",
    "assignments",
    "calendar",
    "community",
    "events",
    "feedback",
    "idempotency",
    "notifications",
    "packages",
    "payments",
    "progress",
    "scheduling",
    "schools",
    "series",
    "theory",
]
