"""Field permissions: who may resolve a field at all (row-level rules live in services)."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission

from services.actor import Scope


class IsAuthenticated(BasePermission):
    message = "You must be logged in to do this."
    error_extensions = {"code": "UNAUTHENTICATED"}

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return info.context.actor is not None


def has_scope(scope: Scope) -> type[BasePermission]:
    """A permission class requiring ``scope`` (granted by roles and admin flags)."""

    class HasScope(BasePermission):
        message = "You are not allowed to do this."
        error_extensions = {"code": "FORBIDDEN"}

        def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
            actor = info.context.actor  # list IsAuthenticated first for a precise error
            return actor is not None and actor.has(scope)

    HasScope.__name__ = f"HasScope_{scope.name}"
    return HasScope
