"""Opaque cursors of the community's own keyset orders (base64url of a JSON list).

* a reply tree page: the last reply's path (reply numbers from the top-level reply down);
* a page of direct replies: the last reply's number;
* a forum's posts: (pinned, last activity, id) of the last post.

Anything a client did not get from us is a typed ``INVALID`` error on ``after``.
"""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime
from typing import Any

import orjson

from models.community import MAX_REPLY_DEPTH
from resolvers.pagination import InvalidPageRequest
from services.errors import CommonErrorCode

INT_MAX = 2**31 - 1


def _encode(value: Any) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(value)).decode().rstrip("=")


def _decode(cursor: str) -> Any:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return orjson.loads(base64.urlsafe_b64decode(padded.encode()))
    except ValueError:
        raise invalid() from None


def invalid() -> InvalidPageRequest:
    return InvalidPageRequest(CommonErrorCode.INVALID, "The `after` cursor is not valid.", "after")


def _number(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= INT_MAX:
        raise invalid()
    return value


def encode_path(path: list[int]) -> str:
    return _encode(["p", *path])


def decode_path(cursor: str) -> list[int]:
    value = _decode(cursor)
    if not isinstance(value, list) or not value or value[0] != "p":
        raise invalid()
    path = [_number(part) for part in value[1:]]
    if not 1 <= len(path) <= MAX_REPLY_DEPTH:
        raise invalid()
    return path


def encode_number(number: int) -> str:
    return _encode(["n", number])


def decode_number(cursor: str | None) -> int:
    if cursor is None:
        return 0
    value = _decode(cursor)
    if not isinstance(value, list) or len(value) != 2 or value[0] != "n":
        raise invalid()
    return _number(value[1])


def encode_listing(pinned: bool, last_activity: datetime, post_id: uuid.UUID) -> str:
    return _encode(["l", pinned, last_activity.isoformat(), str(post_id)])


def decode_listing(cursor: str | None) -> tuple[bool, datetime, uuid.UUID] | None:
    if cursor is None:
        return None
    value = _decode(cursor)
    try:
        tag, pinned, instant, post_id = value
        if tag != "l" or not isinstance(pinned, bool) or not isinstance(instant, str):
            raise TypeError("not a listing cursor")
        moment = datetime.fromisoformat(instant)
        if moment.tzinfo is None:
            raise ValueError("naive instant")
        return pinned, moment.astimezone(UTC), uuid.UUID(str(post_id))
    except (TypeError, ValueError, OverflowError):
        raise invalid() from None
