"""What every resumable subscription shares: the `after` argument and its errors.

async for item in resumable(resolvers.diary_events(info, parse_event_id(after))):
    yield ...
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TypeVar

import strawberry

from services.errors import CommonErrorCode, DomainError
from subscriptions.feeds import UnknownEventId

T = TypeVar("T")

AFTER_EVENT = strawberry.argument(
    description="The last `eventId` you received: what you missed is replayed first."
)


def bad_event_id() -> DomainError:
    return DomainError(
        CommonErrorCode.INVALID, "`after` must be an event id you received.", "after"
    )


def parse_event_id(after: str | None) -> int | None:
    """An `after` argument as an event id (its existence is checked by the feed)."""
    if after is None:
        return None
    if not after.isascii() or not after.isdigit() or len(after) > 18:
        raise bad_event_id()
    return int(after)


async def resumable(events: AsyncIterator[T]) -> AsyncIterator[T]:
    """Pass a feed's items through; an `after` the outbox never issued is a typed error."""
    try:
        async for item in events:
            yield item
    except UnknownEventId:
        raise bad_event_id() from None
