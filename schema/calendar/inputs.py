"""Inputs of the calendar feeds."""

from __future__ import annotations

import strawberry


@strawberry.input(description="Create your calendar feed, or rotate it.")
class CreateCalendarFeedInput:
    rotate: bool = strawberry.field(
        default=False,
        description="Replace the feed you have: its old URL stops working at once. Without "
        "it, having a feed already is an error (FEED_EXISTS).",
    )


@strawberry.input(description="Revoke your calendar feed: its URL stops working at once.")
class RevokeCalendarFeedInput:
    feed_id: strawberry.ID = strawberry.field(description="Your live feed.")
