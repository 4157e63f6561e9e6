"""The exceptions services raise.

    ClutchError
    ├── DomainError          an expected failure the client can act on; it becomes a
    │                        typed entry in the mutation payload's ``errors`` list
    │                        (``code`` from the domain's enum, ``message``, ``field``)
    ├── NotAuthenticated     no valid credentials; GraphQL error UNAUTHENTICATED
    └── Forbidden            authenticated but not allowed; GraphQL error FORBIDDEN

Rows of another school are reported exactly like rows that do not exist
(``NOT_FOUND``), so an error message never confirms another tenant's data.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy.exc import DBAPIError


class ClutchError(Exception):
    """Base of every error a service raises on purpose."""


class DomainError(ClutchError):
    def __init__(self, code: StrEnum, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


class NotAuthenticated(ClutchError):
    def __init__(self, message: str = "You must be logged in to do this.") -> None:
        super().__init__(message)
        self.message = message


class Forbidden(ClutchError):
    def __init__(self, message: str = "You are not allowed to do this.") -> None:
        super().__init__(message)
        self.message = message


class CommonErrorCode(StrEnum):
    """Codes every domain's enum repeats, so clients can handle them uniformly."""

    NOT_FOUND = "NOT_FOUND"
    INVALID = "INVALID"
    CONFLICT = "CONFLICT"


# SQLSTATEs the services translate into domain errors.
UNIQUE_VIOLATION = "23505"
CHECK_VIOLATION = "23514"
FOREIGN_KEY_VIOLATION = "23503"
EXCLUSION_VIOLATION = "23P01"
SERIALIZATION_FAILURE = "40001"
DEADLOCK_DETECTED = "40P01"


def sqlstate(exc: DBAPIError) -> str | None:
    """The SQLSTATE behind a SQLAlchemy error raised through asyncpg."""
    cause = exc.orig
    code = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    if code is None and cause is not None:
        code = getattr(cause.__cause__, "sqlstate", None)
    return code


def constraint_name(exc: DBAPIError) -> str | None:
    """The name of the constraint a violation names, if any."""
    cause = exc.orig
    for candidate in (cause, getattr(cause, "__cause__", None)):
        name = getattr(candidate, "constraint_name", None)
        if name:
            return str(name)
    return None
