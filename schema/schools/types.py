"""Schools and platform settings as clients see them."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.scalars import JSON

from models import schools as models
from resolvers import schools as resolvers
from resolvers.context import Info
from schema.common.errors import UserError
from schema.common.node import Node, register_node
from services.schools import SchoolErrorCode

SchoolErrorCodeEnum = strawberry.enum(SchoolErrorCode, description="Why a school change failed.")


@strawberry.type(description="A failed school or platform-settings change.")
class SchoolError(UserError):
    code: SchoolErrorCodeEnum = strawberry.field(description="Machine-readable reason.")  # type: ignore[valid-type]


@strawberry.enum(description="What happens to a lesson cancelled inside the notice period.")
class LateCancellationRule(Enum):
    FORFEIT = "forfeit"
    HALF_FEE = "half_fee"
    FULL_FEE = "full_fee"
    FREE = "free"


@strawberry.type(description="A school's booking and payment policy.")
class SchoolSettings:
    model: strawberry.Private[models.School]

    @strawberry.field(description="How many days ahead students may book.")
    def booking_horizon_days(self) -> int:
        return self.model.booking_horizon_days

    @strawberry.field(description="Lesson start times fall on multiples of this many minutes.")
    def slot_granularity_minutes(self) -> int:
        return self.model.slot_granularity_minutes

    @strawberry.field(description="Cancellations with less notice than this are late.")
    def cancellation_notice_hours(self) -> int:
        return self.model.cancellation_notice_hours

    @strawberry.field(description="What a late cancellation costs the student.")
    def late_cancellation_rule(self) -> LateCancellationRule:
        return LateCancellationRule(self.model.late_cancellation_rule)

    @strawberry.field(description="Whether lessons need a deposit before they are confirmed.")
    def deposit_required(self) -> bool:
        return self.model.deposit_required

    @strawberry.field(description="How long an unpaid booking is held before it lapses.")
    def unpaid_hold_minutes(self) -> int:
        return self.model.unpaid_hold_minutes

    @strawberry.field(
        description="The platform's fee on lesson revenue, in basis points (100 = 1%)."
    )
    def platform_fee_bps(self) -> int:
        return self.model.platform_fee_bps


@strawberry.type(description="A driving school on the platform.")
class School(Node):
    model: strawberry.Private[models.School]

    @strawberry.field(description="The school's name.")
    def name(self) -> str:
        return self.model.name

    @strawberry.field(description="Short unique code students use to register (e.g. `demo`).")
    def slug(self) -> str:
        return self.model.slug

    @strawberry.field(
        description="IANA time zone of the school's wall-clock times (e.g. Europe/London)."
    )
    def time_zone(self) -> str:
        return self.model.time_zone

    @strawberry.field(description="ISO 4217 currency of the school's prices.")
    def currency(self) -> str:
        return self.model.currency

    @strawberry.field(description="Contact email shown to students.")
    def contact_email(self) -> str | None:
        return self.model.contact_email

    @strawberry.field(description="Contact phone (E.164) shown to students.")
    def contact_phone(self) -> str | None:
        return self.model.contact_phone

    @strawberry.field(description="Postal address.")
    def address(self) -> str | None:
        return self.model.address

    @strawberry.field(description="Inactive schools take no registrations or bookings.")
    def is_active(self) -> bool:
        return self.model.is_active

    @strawberry.field(description="Booking and payment policy.")
    def settings(self) -> SchoolSettings:
        return SchoolSettings(model=self.model)

    @strawberry.field(description="When the school joined the platform.")
    def created_at(self) -> datetime:
        return self.model.created_at


@strawberry.type(description="What anyone may know about a school before registering with it.")
class PublicSchool:
    model: strawberry.Private[models.School]

    @strawberry.field(description="The school's name.")
    def name(self) -> str:
        return self.model.name

    @strawberry.field(description="The code to register with.")
    def slug(self) -> str:
        return self.model.slug

    @strawberry.field(description="IANA time zone.")
    def time_zone(self) -> str:
        return self.model.time_zone

    @strawberry.field(description="ISO 4217 currency.")
    def currency(self) -> str:
        return self.model.currency


@strawberry.type(description="A platform-wide setting. Public ones are readable by anyone.")
class PlatformSetting:
    model: strawberry.Private[models.PlatformSetting]

    @strawberry.field(description="Unique key, e.g. `theory.mock_test.question_count`.")
    def key(self) -> str:
        return self.model.key

    @strawberry.field(description="The value (any JSON).")
    def value(self) -> JSON:
        return self.model.value  # type: ignore[no-any-return]

    @strawberry.field(description="Grouping for admin screens.")
    def category(self) -> str:
        return self.model.category

    @strawberry.field(description="What the setting controls.")
    def description(self) -> str | None:
        return self.model.description

    @strawberry.field(description="Whether anyone (even logged out) may read it.")
    def is_public(self) -> bool:
        return self.model.is_public


def school_or_none(model: models.School | None) -> School | None:
    return School(model=model) if model is not None else None


async def _fetch_school(info: Info, pk: Any) -> School | None:
    return school_or_none(await resolvers.school(info, pk))


register_node("School", _fetch_school)
