"""Errors as clients see them.

* Expected failures are data: each domain's payload carries ``errors: [<Domain>Error!]!``
  whose ``code`` is that domain's enum (Shopify/Saleor convention).
* Auth failures are GraphQL errors with ``extensions.code`` ``UNAUTHENTICATED`` or
  ``FORBIDDEN``; a bad argument outside a payload is ``BAD_USER_INPUT``.
* Anything unexpected is logged with its traceback and reaches the client only as
  "Unexpected error." with ``extensions.code`` ``INTERNAL_SERVER_ERROR``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator
from enum import StrEnum
from typing import Any, TypeVar

import strawberry
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from services.errors import DomainError, Forbidden, NotAuthenticated

log = logging.getLogger("clutch.graphql")
T = TypeVar("T")


@strawberry.interface(description="An expected failure of a mutation, for the user to act on.")
class UserError:
    message: str = strawberry.field(description="What went wrong, in words fit for the user.")
    field: str | None = strawberry.field(
        description="The input field at fault (camelCase), or null when no single field is."
    )


async def attempt(work: Awaitable[T]) -> tuple[T | None, list[DomainError]]:
    """Run a mutation's work; a DomainError becomes the payload's error list."""
    try:
        return await work, []
    except DomainError as exc:
        return None, [exc]


E = TypeVar("E")


def user_errors(
    error_type: Callable[..., E], codes: type[StrEnum], errors: list[DomainError]
) -> list[E]:
    """Domain errors as the payload's typed error list (codes outside the enum become INVALID)."""
    known = {member.value for member in codes}
    return [
        error_type(
            code=codes(str(e.code)) if str(e.code) in known else codes("INVALID"),
            message=e.message,
            field=e.field,
        )
        for e in errors
    ]


def _with_code(
    error: GraphQLError, code: str, message: str | None = None, **extra: Any
) -> GraphQLError:
    return GraphQLError(
        message=message or error.message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
        extensions={**(error.extensions or {}), "code": code, **extra},
    )


def present_error(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    if original is None or (error.path is None and error.nodes):
        # Syntax, validation and limit errors, and variable coercion (where a scalar's
        # parse failure keeps its exception as the cause): they point at the client's
        # own document and are already safe and precise.
        return error
    if isinstance(original, NotAuthenticated):
        return _with_code(error, "UNAUTHENTICATED", original.message)
    if isinstance(original, Forbidden):
        return _with_code(error, "FORBIDDEN", original.message)
    if isinstance(original, DomainError):
        return _with_code(error, "BAD_USER_INPUT", original.message, reason=str(original.code))
    if isinstance(original, GraphQLError):
        return error  # raised on purpose (permission classes, argument coercion)
    log.error("unexpected error in %s", ".".join(map(str, error.path or [])), exc_info=original)
    return _with_code(error, "INTERNAL_SERVER_ERROR", "Unexpected error.")


class ErrorPolicy(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            result.errors = [present_error(e) for e in result.errors]

    def on_stream_result(self, result: Any) -> Iterator[None]:
        """Subscription events do not pass through `on_operation`; present their errors here."""
        if getattr(result, "errors", None):
            result.errors = [present_error(e) for e in result.errors]
        yield


class ExecutionMarker(SchemaExtension):
    """Marks the context once execution starts, so the HTTP layer can tell a request
    error (parse/validation: 400 with graphql-response+json) from a field error (200)."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context.context
        if context is not None and hasattr(context, "execution_started"):
            context.execution_started = True
        yield
