"""The server is the clock: every deadline is computed and checked from this instant.

Services take an optional ``now`` so tests can move time without sleeping; callers that
do not pass one get the current UTC time.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def resolve(now: datetime | None) -> datetime:
    """``now`` if given (it must be timezone-aware), else the current UTC time."""
    if now is None:
        return utcnow()
    if now.tzinfo is None:
        raise ValueError("the theory clock works with aware datetimes only")
    return now
