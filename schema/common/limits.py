"""Validation rules that refuse expensive or abusive documents before anything runs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import (
    FieldNode,
    GraphQLError,
    OperationDefinitionNode,
    ValidationContext,
    ValidationRule,
)
from strawberry.extensions import AddValidationRules, MaxTokensLimiter, SchemaExtension
from strawberry.extensions.max_aliases import create_validator as alias_validator
from strawberry.extensions.query_depth_limiter import IgnoreContext
from strawberry.extensions.query_depth_limiter import create_validator as depth_validator

# Fields that spend a secret or count an attempt: at most one of each per document, so
# aliases or repeated operations cannot multiply password guesses or token spends.
ONCE_PER_DOCUMENT = frozenset(
    {
        "login",
        "refreshToken",
        "resetPassword",
        "requestPasswordReset",
        "verifyEmail",
        "verifyPhone",
        "requestPhoneVerification",
        "registerStudent",
        "changePassword",
    }
)


class OncePerDocument(ValidationRule):
    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self.seen: set[str] = set()

    def enter_field(self, node: FieldNode, *_args: Any) -> None:
        name = node.name.value
        # Only root mutation fields: `AuthTokens.refreshToken` is not the mutation.
        if (
            name in ONCE_PER_DOCUMENT
            and self.context.get_parent_type() is self.context.schema.mutation_type
        ):
            if name in self.seen:
                self.report_error(
                    GraphQLError(
                        f"`{name}` may appear only once per request.",
                        node,
                        extensions={"code": "TOO_MANY_ATTEMPTS"},
                    )
                )
            self.seen.add(name)


class _OperationNameMissing(ValidationRule):
    def enter_document(self, *_args: Any) -> None:
        self.report_error(
            GraphQLError(
                "The document has several operations: say which to run with `operationName`.",
                extensions={"code": "OPERATION_NAME_REQUIRED"},
            )
        )


class OperationNameRequired(SchemaExtension):
    """GraphQL's GetOperation: a document with several operations needs `operationName`.

    Strawberry would otherwise run the first one. Adding a rule that fails validation
    makes it a request error over HTTP and WebSocket alike, before anything runs.
    """

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        # Strawberry exposes only a derived operation name; the one the client sent is private.
        if document is not None and getattr(context, "_provided_operation_name", None) is None:
            operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
            if len(operations) > 1:
                context.validation_rules = (*context.validation_rules, _OperationNameMissing)
        yield


def _is_introspection(context: IgnoreContext) -> bool:
    return context.field_name.startswith("__")


def limit_extensions(*, max_depth: int, max_aliases: int, max_tokens: int) -> list[Any]:
    """Extension factories enforcing the limits, each request getting fresh instances.

    The rule classes are made once, here: `ValidationCache` keys its cache on them, and a
    new class per request (what `QueryDepthLimiter(...)` builds) would never hit.
    """
    rules = [
        depth_validator(max_depth, _is_introspection),
        alias_validator(max_aliases),
        OncePerDocument,
    ]
    return [
        lambda: MaxTokensLimiter(max_token_count=max_tokens),
        lambda: AddValidationRules(rules),
        OperationNameRequired,
    ]
