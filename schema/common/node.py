"""Relay's Node interface, opaque global IDs, and the registry behind `node(id:)`."""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Any

import strawberry

from resolvers.context import Info
from services.errors import DomainError

NodeFetcher = Callable[[Info, uuid.UUID], Awaitable[Any]]
_FETCHERS: dict[str, NodeFetcher] = {}


def to_global_id(type_name: str, pk: uuid.UUID) -> strawberry.ID:
    raw = f"{type_name}:{pk}".encode()
    return strawberry.ID(base64.urlsafe_b64encode(raw).decode().rstrip("="))


def parse_global_id(global_id: str) -> tuple[str, uuid.UUID] | None:
    """(type name, primary key), or None when the ID is malformed."""
    try:
        padded = global_id + "=" * (-len(global_id) % 4)
        type_name, _, pk = base64.urlsafe_b64decode(padded.encode()).decode().partition(":")
        return type_name, uuid.UUID(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None


def decode_id(global_id: str | None, type_name: str, code: StrEnum, field: str) -> uuid.UUID:
    """The primary key behind a global ID of the expected type, else a typed input error."""
    parsed = parse_global_id(global_id) if global_id else None
    if parsed is None or parsed[0] != type_name:
        raise DomainError(code, f"`{field}` is not a valid {type_name} ID.", field)
    return parsed[1]


def decode_optional_id(
    global_id: str | None, type_name: str, code: StrEnum, field: str
) -> uuid.UUID | None:
    return None if global_id is None else decode_id(global_id, type_name, code, field)


def register_node(type_name: str, fetch: NodeFetcher) -> None:
    _FETCHERS[type_name] = fetch


async def resolve_node(info: Info, global_id: str) -> Any:
    parsed = parse_global_id(global_id)
    if parsed is None or parsed[0] not in _FETCHERS:
        return None
    return await _FETCHERS[parsed[0]](info, parsed[1])


@strawberry.interface(description="An object with a globally unique, opaque ID (Relay Node).")
class Node:
    model: strawberry.Private[Any]

    @strawberry.field(
        description="Opaque global ID; pass it to `node(id:)` to fetch this object again."
    )
    def id(self) -> strawberry.ID:
        return to_global_id(type(self).__strawberry_definition__.name, self.model.id)  # type: ignore[attr-defined]
