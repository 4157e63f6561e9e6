"""Validation rules that refuse expensive or abusive documents before anything runs."""

from __future__ import annotations

from typing import Any

from graphql import FieldNode, GraphQLError, ValidationContext, ValidationRule
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
)
from strawberry.extensions.query_depth_limiter import IgnoreContext

# Fields that spend a secret or count an attempt: at most one of each per document, so
# aliases or repeated operations cannot multiply password guesses or token spends.
ONCE_PER_DOCUMENT = frozenset(
    {
        "login",
        "refreshToken",
        "resetPassword",
        "requestPasswordReset",
        "verifyEmail",
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
        if name in ONCE_PER_DOCUMENT:
            if name in self.seen:
                self.report_error(
                    GraphQLError(
                        f"`{name}` may appear only once per request.",
                        node,
                        extensions={"code": "TOO_MANY_ATTEMPTS"},
                    )
                )
            self.seen.add(name)


def _is_introspection(context: IgnoreContext) -> bool:
    return context.field_name.startswith("__")


def limit_extensions(*, max_depth: int, max_aliases: int, max_tokens: int) -> list[Any]:
    # Factories, so each request gets fresh extension instances.
    return [
        lambda: MaxTokensLimiter(max_token_count=max_tokens),
        lambda: QueryDepthLimiter(max_depth=max_depth, should_ignore=_is_introspection),
        lambda: MaxAliasesLimiter(max_alias_count=max_aliases),
        lambda: AddValidationRules([OncePerDocument]),
    ]
