"""Inputs of the schools domain."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.scalars import JSON

from schema.schools.types import LateCancellationRule


@strawberry.input(description="Policy settings to change; omitted fields stay as they are.")
class SchoolSettingsInput:
    booking_horizon_days: int | None = strawberry.field(default=None, description="1 to 730 days.")
    slot_granularity_minutes: int | None = strawberry.field(
        default=None, description="5, 10, 15, 20, 30 or 60."
    )
    cancellation_notice_hours: int | None = strawberry.field(
        default=None, description="0 to 336 hours."
    )
    late_cancellation_rule: LateCancellationRule | None = strawberry.field(
        default=None, description="What a late cancellation costs."
    )
    deposit_required: bool | None = strawberry.field(default=None, description="Require deposits.")
    unpaid_hold_minutes: int | None = strawberry.field(
        default=None, description="0 to 10080 minutes."
    )
    platform_fee_bps: int | None = strawberry.field(
        default=None, description="Platform fee in basis points (platform admins only)."
    )

    def changes(self) -> dict[str, Any]:
        values = strawberry.asdict(self)
        if self.late_cancellation_rule is not None:
            values["late_cancellation_rule"] = self.late_cancellation_rule.value
        return values


@strawberry.input(description="A new school (platform admins only).")
class CreateSchoolInput:
    name: str = strawberry.field(description="The school's name.")
    slug: str = strawberry.field(
        description="Unique registration code: lowercase letters, digits, dashes."
    )
    time_zone: str = strawberry.field(description="IANA time zone, e.g. Europe/London.")
    currency: str = strawberry.field(description="ISO 4217 code, e.g. GBP.")
    contact_email: str | None = strawberry.field(default=None, description="Contact email.")
    contact_phone: str | None = strawberry.field(default=None, description="Contact phone.")
    address: str | None = strawberry.field(default=None, description="Postal address.")
    settings: SchoolSettingsInput | None = strawberry.field(
        default=None, description="Policy settings."
    )


@strawberry.input(description="Changes to a school; omitted fields stay as they are.")
class UpdateSchoolInput:
    school_id: strawberry.ID = strawberry.field(description="The school to change.")
    name: str | None = strawberry.field(default=None, description="New name.")
    slug: str | None = strawberry.field(
        default=None, description="New slug (platform admins only)."
    )
    time_zone: str | None = strawberry.field(default=None, description="New IANA time zone.")
    currency: str | None = strawberry.field(default=None, description="New ISO 4217 currency.")
    contact_email: str | None = strawberry.field(default=None, description="New contact email.")
    contact_phone: str | None = strawberry.field(default=None, description="New contact phone.")
    address: str | None = strawberry.field(default=None, description="New address.")
    is_active: bool | None = strawberry.field(
        default=None, description="Open or close (platform admins only)."
    )
    settings: SchoolSettingsInput | None = strawberry.field(
        default=None, description="Policy changes."
    )


@strawberry.input(description="Create or replace a platform setting (platform admins only).")
class SetPlatformSettingInput:
    key: str = strawberry.field(description="Lowercase key with dots and underscores.")
    value: JSON = strawberry.field(description="Any JSON value.")
    is_public: bool = strawberry.field(default=False, description="Readable by anyone.")
    category: str | None = strawberry.field(default=None, description="Grouping for admin screens.")
    description: str | None = strawberry.field(default=None, description="What it controls.")
