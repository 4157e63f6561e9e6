"""Relay cursor connections (forward keyset pagination, `first` ≤ the configured maximum)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

import strawberry

from resolvers.pagination import Page

T = TypeVar("T")


@strawberry.type(description="Where a page sits in its list (Relay PageInfo).")
class PageInfo:
    has_next_page: bool = strawberry.field(description="True when more items follow `endCursor`.")
    has_previous_page: bool = strawberry.field(
        description="True when this page was fetched with an `after` cursor."
    )
    start_cursor: str | None = strawberry.field(
        description="Cursor of the first edge on this page."
    )
    end_cursor: str | None = strawberry.field(
        description="Cursor of the last edge; pass it as `after` for the next page."
    )


@strawberry.type(description="One item of a connection with its cursor.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Opaque cursor of this item.")
    node: T = strawberry.field(description="The item.")


@strawberry.type(description="A page of items (Relay connection).")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The items on this page, in order.")
    page_info: PageInfo = strawberry.field(description="Pagination details.")

    @classmethod
    def from_page(cls, page: Page[Any], wrap: Callable[[Any], T]) -> Connection[T]:
        edges = [Edge(cursor=cursor, node=wrap(row)) for cursor, row in page.items]
        return cls(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next_page,
                has_previous_page=page.has_previous_page,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )


FIRST_DESCRIPTION = "How many items to return (1 to 100)."
AFTER_DESCRIPTION = "Return items after this cursor (`pageInfo.endCursor` of the previous page)."
