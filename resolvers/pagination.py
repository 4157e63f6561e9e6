"""Keyset (cursor) pagination over ``(sort column, id)``.

Cursors are opaque to clients: base64url of a JSON pair. Offsets are never used,
so a page costs the same at row 10 as at row 10,000 and rows inserted meanwhile
do not shift pages.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import orjson
from sqlalchemy import BigInteger, Integer, Select, SmallInteger, String, and_, or_
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.types import TypeEngine

from services.errors import CommonErrorCode as E
from services.errors import DomainError

T = TypeVar("T")


class InvalidPageRequest(DomainError):
    pass


INTEGER_BITS = {SmallInteger: 16, Integer: 32, BigInteger: 64}


@dataclass
class Page(Generic[T]):
    items: list[tuple[str, T]]  # (cursor, row)
    has_next_page: bool
    has_previous_page: bool


def encode_cursor(sort_value: Any, row_id: uuid.UUID | int) -> str:
    value = sort_value.isoformat() if isinstance(sort_value, datetime) else sort_value
    raw = orjson.dumps([value, str(row_id)])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(
    cursor: str, *, sort_is_time: bool, id_is_int: bool, sort_type: TypeEngine[Any] | None = None
) -> tuple[Any, Any]:
    """The (sort value, id) pair of a cursor this module made; anything else is a typed error.

    With ``sort_type`` (the sorted column's type) the sort value must be one that column
    holds: text compared with an integer column, or an integer beyond its range, is an
    error in PostgreSQL, not an empty page."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value, row_id = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(row_id, str):
            raise TypeError("the id part of a cursor is a string")
        if sort_is_time:
            if not isinstance(value, str):
                raise TypeError("the sort part of a time cursor is an ISO 8601 string")
            value = datetime.fromisoformat(value)
            if value.tzinfo is None:
                raise ValueError("cursors carry aware timestamps")
            value = value.astimezone(UTC)  # out-of-range instants fail here, not in the driver
        elif isinstance(value, bool) or not isinstance(value, str | int | float):
            raise TypeError("the sort part of a cursor is a scalar")
        elif isinstance(sort_type, Integer):
            bits = INTEGER_BITS.get(type(sort_type), 32)
            if not isinstance(value, int) or not -(2 ** (bits - 1)) <= value < 2 ** (bits - 1):
                raise TypeError("the sort part of this cursor is an integer of the column's size")
        elif isinstance(sort_type, String) and not isinstance(value, str):
            raise TypeError("the sort part of this cursor is text")
        if not id_is_int:
            return value, uuid.UUID(row_id)
        if not -(2**63) <= (pk := int(row_id)) < 2**63:
            raise OverflowError("ids are bigints")
        return value, pk
    except (ValueError, TypeError, OverflowError):  # binascii and orjson errors are ValueErrors
        raise InvalidPageRequest(E.INVALID, "The `after` cursor is not valid.", "after") from None


def check_first(first: int, max_page_size: int) -> None:
    if not 1 <= first <= max_page_size:
        raise InvalidPageRequest(
            E.INVALID, f"`first` must be between 1 and {max_page_size}.", "first"
        )


async def paginate(
    session: Any,
    stmt: Select[Any],
    *,
    sort: InstrumentedAttribute[Any],
    id_column: InstrumentedAttribute[Any],
    first: int,
    after: str | None,
    max_page_size: int,
    descending: bool = False,
) -> Page[Any]:
    check_first(first, max_page_size)
    sort_is_time = getattr(sort.type, "python_type", None) is datetime
    id_is_int = getattr(id_column.type, "python_type", None) is int
    if after:
        value, row_id = decode_cursor(
            after, sort_is_time=sort_is_time, id_is_int=id_is_int, sort_type=sort.type
        )
        if descending:
            stmt = stmt.where(or_(sort < value, and_(sort == value, id_column < row_id)))
        else:
            stmt = stmt.where(or_(sort > value, and_(sort == value, id_column > row_id)))
    order = (sort.desc(), id_column.desc()) if descending else (sort.asc(), id_column.asc())
    rows = list((await session.scalars(stmt.order_by(*order).limit(first + 1))).all())
    has_next = len(rows) > first
    rows = rows[:first]
    items = [(encode_cursor(getattr(r, sort.key), getattr(r, id_column.key)), r) for r in rows]
    return Page(items=items, has_next_page=has_next, has_previous_page=after is not None)
