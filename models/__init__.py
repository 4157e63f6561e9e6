"""SQLAlchemy models, one module per domain. Importing this package registers them all."""

from models import (
    accounts,
    achievements,
    assignments,
    events,
    idempotency,
    notifications,
    scheduling,
    schools,
    series,
)
from models.base import Base

__all__ = [
    "Base",
    "accounts",
    "achievements",
    "assignments",
    "events",
    "idempotency",
    "notifications",
    "scheduling",
    "schools",
    "series",
]
