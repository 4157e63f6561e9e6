"""Inputs of the earnings domain."""

from __future__ import annotations

from datetime import date

import strawberry


@strawberry.input(description="Freeze an instructor's earnings for an ended period.")
class CreatePayoutInput:
    instructor_id: strawberry.ID = strawberry.field(description="The instructor (a User ID).")
    period_start: date = strawberry.field(description="First local date of the period.")
    period_end: date = strawberry.field(
        description="Last local date of the period (included; before today, at most 366 days "
        "after the start)."
    )


@strawberry.input(description="Record that a payout was paid.")
class MarkPayoutPaidInput:
    payout_id: strawberry.ID = strawberry.field(description="The payout.")
    reference: str = strawberry.field(
        description="The transfer's reference (1 to 100 characters); sending the same one "
        "again changes nothing."
    )
