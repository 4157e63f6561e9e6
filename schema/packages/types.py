"""Packages as clients see them: the catalogue, promo codes, what students hold, their
credit statement and their account."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from models import packages as models
from models.accounts import User as UserModel
from resolvers import packages as resolvers
from resolvers.accounts import UserByIdLoader
from resolvers.context import Info
from resolvers.scheduling import BookingByIdLoader, LessonTypeByIdLoader
from schema.accounts.types import User, user_or_none
from schema.common.connection import AFTER_DESCRIPTION, FIRST_DESCRIPTION, Connection
from schema.common.errors import UserError
from schema.common.node import Node, register_node
from services.packages import catalogue
from services.packages.errors import PackageErrorCode

if TYPE_CHECKING:
    from schema.scheduling.types import Booking, LessonType

PackageErrorCodeEnum = strawberry.enum(
    PackageErrorCode, description="Why a packages request failed."
)


@strawberry.type(description="A failed packages request.")
class PackageError(UserError):
    code: PackageErrorCodeEnum = strawberry.field(description="Machine-readable reason.")  # type: ignore[valid-type]


@strawberry.enum(description="Who a package is offered to.")
class PackageAudience(Enum):
    ALL = "all"
    NEW_STUDENTS = "new_students"
    EXISTING_STUDENTS = "existing_students"


@strawberry.enum(description="How a new booking is paid for.")
class LessonPayment(Enum):
    AUTO = "auto"
    CREDIT = "credit"
    PAY_AS_YOU_GO = "pay_as_you_go"


@strawberry.enum(description="How a lesson's deposit is paid.")
class DepositMethod(Enum):
    CARD = "card"
    BANK = "bank"


@strawberry.enum(description="A percentage or a fixed amount off.")
class PromoKind(Enum):
    PERCENTAGE = "percentage"
    FIXED = "fixed"


@strawberry.enum(description="Where a student's package stands.")
class StudentPackageStatus(Enum):
    PENDING_PAYMENT = "pending_payment"
    ACTIVE = "active"
    EXHAUSTED = "exhausted"
    EXPIRED = "expired"
    REFUNDED = "refunded"
    CANCELLED = "cancelled"


@strawberry.enum(description="Why credits moved.")
class CreditReason(Enum):
    PURCHASE = "purchase"
    BOOKING = "booking"
    RETURNED = "returned"
    EXPIRED = "expired"
    REFUNDED = "refunded"
    ADJUSTMENT = "adjustment"


async def _user(info: Info, user_id: Any) -> User | None:
    if user_id is None:
        return None
    return user_or_none(await info.context.loaders[UserByIdLoader].load(user_id))


async def _lesson_type(
    info: Info, lesson_type_id: Any
) -> Annotated[LessonType, strawberry.lazy("schema.scheduling.types")] | None:
    from schema.scheduling.types import LessonType

    if lesson_type_id is None:
        return None
    model = await info.context.loaders[LessonTypeByIdLoader].load(lesson_type_id)
    return LessonType(model=model) if model else None


@strawberry.type(description="A bundle of lessons a school sells.")
class LessonPackage(Node):
    model: strawberry.Private[models.LessonPackage]

    @strawberry.field(description="Name shown to students.")
    def name(self) -> str:
        return self.model.name

    @strawberry.field(description="Longer description.")
    def description(self) -> str | None:
        return self.model.description

    @strawberry.field(description="The only lesson type its credits pay for (null: any type).")
    async def lesson_type(
        self, info: Info
    ) -> Annotated[LessonType, strawberry.lazy("schema.scheduling.types")] | None:
        return await _lesson_type(info, self.model.lesson_type_id)

    @strawberry.field(description="How many lessons (credits) it holds.")
    def lessons_count(self) -> int:
        return self.model.lessons_count

    @strawberry.field(description="Length of each lesson in minutes.")
    def lesson_duration_minutes(self) -> int:
        return self.model.lesson_duration_minutes

    @strawberry.field(description="Price before the package's discount, in minor units.")
    def price_minor(self) -> int:
        return self.model.price_minor

    @strawberry.field(description="The package's own discount, in percent (0–90).")
    def discount_percent(self) -> int:
        return self.model.discount_percent

    @strawberry.field(description="Price after the package's discount, in minor units.")
    def price_after_discount_minor(self) -> int:
        return catalogue.price_after_discount(self.model)

    @strawberry.field(description="ISO 4217 currency of the prices (the school's).")
    def currency(self) -> str:
        return self.model.currency

    @strawberry.field(description="Days the credits stay valid after purchase.")
    def validity_days(self) -> int:
        return self.model.validity_days

    @strawberry.field(description="Who it is offered to.")
    def audience(self) -> PackageAudience:
        return PackageAudience(self.model.audience)

    @strawberry.field(description="The only instructor its credits can be used with (null: any).")
    async def instructor(self, info: Info) -> User | None:
        return await _user(info, self.model.instructor_id)

    @strawberry.field(description="Whether it is on sale.")
    def is_active(self) -> bool:
        return self.model.is_active

    @strawberry.field(description="When it was created.")
    def created_at(self) -> datetime:
        return self.model.created_at


@strawberry.type(description="A discount code (school admins).")
class PromoCode(Node):
    model: strawberry.Private[models.PromoCode]

    @strawberry.field(description="The code students type, upper-case.")
    def code(self) -> str:
        return self.model.code

    @strawberry.field(description="Admin note on the code.")
    def description(self) -> str | None:
        return self.model.description

    @strawberry.field(description="A percentage or a fixed amount off.")
    def kind(self) -> PromoKind:
        return PromoKind(self.model.kind)

    @strawberry.field(description="Percent (1–100) or minor units off, by `kind`.")
    def value(self) -> int:
        return self.model.value

    @strawberry.field(description="How often it may be used in all (null: no limit).")
    def usage_limit(self) -> int | None:
        return self.model.usage_limit

    @strawberry.field(description="How often one student may use it (null: no limit).")
    def per_user_limit(self) -> int | None:
        return self.model.per_user_limit

    @strawberry.field(description="How often it has been used.")
    def times_used(self) -> int:
        return self.model.times_used

    @strawberry.field(description="Valid from (null: at once).")
    def starts_at(self) -> datetime | None:
        return self.model.starts_at

    @strawberry.field(description="Valid until (null: no end).")
    def ends_at(self) -> datetime | None:
        return self.model.ends_at

    @strawberry.field(description="Smallest purchase it applies to, in minor units.")
    def min_amount_minor(self) -> int:
        return self.model.min_amount_minor

    @strawberry.field(description="Whether it can be used.")
    def is_active(self) -> bool:
        return self.model.is_active

    @strawberry.field(description="The packages it applies to; empty: every package.")
    async def packages(self, info: Info) -> list[LessonPackage]:
        ids = await info.context.loaders[resolvers.PromoPackageIdsLoader].load(self.model.id)
        rows = await info.context.loaders[resolvers.LessonPackageByIdLoader].load_many(ids)
        return [LessonPackage(model=r) for r in rows if r is not None]

    @strawberry.field(description="When it was created.")
    def created_at(self) -> datetime:
        return self.model.created_at


@strawberry.type(description="A package a student holds: its credits, expiry and what was paid.")
class StudentPackage(Node):
    model: strawberry.Private[models.StudentPackage]

    @strawberry.field(description="The package's name at purchase.")
    def name(self) -> str:
        return self.model.name

    @strawberry.field(description="The student who holds it.")
    async def student(self, info: Info) -> User | None:
        return await _user(info, self.model.student_id)

    @strawberry.field(description="Lessons bought.")
    def lessons_total(self) -> int:
        return self.model.lessons_total

    @strawberry.field(description="Lessons (credits) left.")
    def lessons_remaining(self) -> int:
        return self.model.lessons_remaining

    @strawberry.field(description="Length of each lesson in minutes.")
    def lesson_duration_minutes(self) -> int:
        return self.model.lesson_duration_minutes

    @strawberry.field(description="When the credits expire (null until paid).")
    def expires_at(self) -> datetime | None:
        return self.model.expires_at

    @strawberry.field(description="When it was paid for (null until paid).")
    def purchased_at(self) -> datetime | None:
        return self.model.purchased_at

    @strawberry.field(description="What was paid, in minor units.")
    def amount_paid_minor(self) -> int:
        return self.model.amount_paid_minor

    @strawberry.field(description="Discount given at purchase, in minor units.")
    def discount_minor(self) -> int:
        return self.model.discount_minor

    @strawberry.field(description="ISO 4217 currency of the amounts.")
    def currency(self) -> str:
        return self.model.currency

    @strawberry.field(description="Where the package stands.")
    def status(self) -> StudentPackageStatus:
        return StudentPackageStatus(self.model.status)

    @strawberry.field(description="The only instructor its credits can be used with (null: any).")
    async def instructor(self, info: Info) -> User | None:
        return await _user(info, self.model.instructor_id)

    @strawberry.field(description="The only lesson type its credits pay for (null: any type).")
    async def lesson_type(
        self, info: Info
    ) -> Annotated[LessonType, strawberry.lazy("schema.scheduling.types")] | None:
        return await _lesson_type(info, self.model.lesson_type_id)


@strawberry.type(description="One credit movement of a student's statement (append-only).")
class CreditEntry:
    model: strawberry.Private[models.CreditEntry]

    @strawberry.field(description="Credits added (positive) or taken (negative).")
    def delta(self) -> int:
        return self.model.delta

    @strawberry.field(description="The package's credits after this movement.")
    def balance_after(self) -> int:
        return self.model.balance_after

    @strawberry.field(description="Why the credits moved.")
    def reason(self) -> CreditReason:
        return CreditReason(self.model.reason)

    @strawberry.field(description="The package the credits moved in.")
    async def student_package(self, info: Info) -> StudentPackage | None:
        row = await info.context.loaders[resolvers.StudentPackageByIdLoader].load(
            self.model.student_package_id
        )
        return StudentPackage(model=row) if row else None

    @strawberry.field(description="The booking that drew or got back the credit, if any.")
    async def booking(
        self, info: Info
    ) -> Annotated[Booking, strawberry.lazy("schema.scheduling.types")] | None:
        from schema.scheduling.types import Booking

        if self.model.booking_id is None:
            return None
        row = await info.context.loaders[BookingByIdLoader].load(self.model.booking_id)
        return Booking(model=row) if row else None

    @strawberry.field(description="A note on the movement.")
    def note(self) -> str | None:
        return self.model.note

    @strawberry.field(description="When it happened.")
    def created_at(self) -> datetime:
        return self.model.created_at


@strawberry.type(description="A student's lesson credits and packages.")
class Account:
    holder: strawberry.Private[UserModel]

    @strawberry.field(description="The student.")
    def student(self) -> User:
        return User(model=self.holder)

    @strawberry.field(description="Credits the student can still book with (active, unexpired).")
    async def credit_balance(self, info: Info) -> int:
        return await info.context.loaders[resolvers.CreditBalanceLoader].load(self.holder.id)

    @strawberry.field(description="The student's packages, newest first.")
    async def packages(
        self,
        info: Info,
        status: Annotated[
            StudentPackageStatus | None, strawberry.argument(description="Only this status.")
        ] = None,
    ) -> list[StudentPackage]:
        rows = await info.context.loaders[resolvers.PackagesByStudentLoader].load(
            (self.holder.id, status.value if status else None)
        )
        return [StudentPackage(model=r) for r in rows]

    @strawberry.field(description="The credit statement, newest movement first.")
    async def ledger(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=FIRST_DESCRIPTION)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> Connection[CreditEntry]:
        page = await resolvers.credit_entries(info, self.holder.id, first=first, after=after)
        return Connection[CreditEntry].from_page(page, lambda m: CreditEntry(model=m))


@strawberry.enum(description="What changed in an account.")
class AccountChange(Enum):
    CREDITS = "credits"
    PAYMENT = "payment"


@strawberry.type(description="A live change to your account.")
class AccountEvent:
    event_id: str = strawberry.field(
        description="Pass it as `after` when you reconnect to receive what you missed."
    )
    type: AccountChange = strawberry.field(description="What changed.")
    account: Account = strawberry.field(description="The account as it is now.")


def change_of(entity_type: str) -> AccountChange:
    return AccountChange.PAYMENT if entity_type == "Payment" else AccountChange.CREDITS


def package_or_none(model: models.LessonPackage | None) -> LessonPackage | None:
    return LessonPackage(model=model) if model is not None else None


async def _fetch_package(info: Info, pk: uuid.UUID) -> LessonPackage | None:
    if info.context.actor is None:
        return None
    return package_or_none(await resolvers.lesson_package(info, pk))


async def _fetch_student_package(info: Info, pk: uuid.UUID) -> StudentPackage | None:
    if info.context.actor is None:
        return None
    row = await resolvers.student_package(info, pk)
    return StudentPackage(model=row) if row else None


async def _fetch_promo(info: Info, pk: uuid.UUID) -> PromoCode | None:
    if info.context.actor is None:
        return None
    row = await resolvers.promo_code(info, pk)
    return PromoCode(model=row) if row else None


async def student_package_of(info: Info, pk: uuid.UUID | None) -> StudentPackage | None:
    if pk is None:
        return None
    row = await info.context.loaders[resolvers.StudentPackageByIdLoader].load(pk)
    return StudentPackage(model=row) if row else None


register_node("LessonPackage", _fetch_package)
register_node("StudentPackage", _fetch_student_package)
register_node("PromoCode", _fetch_promo)
