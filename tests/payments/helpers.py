"""Shared helpers for the payments tests: catalogue rows, queries, counters."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select

from models.packages import (
    LessonPackage,
    PromoCode,
    PromoCodePackage,
    PromoRedemption,
    StudentPackage,
)
from models.payments import Payment
from resolvers.context import AppState
from tests.support import gid, unique

PURCHASE = """
mutation Purchase($input: PurchasePackageInput!) {
  purchasePackage(input: $input) {
    studentPackage { id }
    clientSecret
    payment {
      id kind method status amountMinor refundedMinor currency description
      bankReference providerReference failureReason createdAt succeededAt
      student { id }
      studentPackage { id }
    }
    errors { code message field }
  }
}
"""

QUOTE = """
query Quote($packageId: ID!, $promoCode: String) {
  quotePurchase(packageId: $packageId, promoCode: $promoCode) {
    listPriceMinor packageDiscountMinor promoDiscountMinor totalMinor currency
    promoError { code message field }
  }
}
"""

RECORD_DEPOSIT = """
mutation Deposit($input: RecordBankDepositInput!) {
  recordBankDeposit(input: $input) {
    deposit { id reference amountMinor currency receivedOn payerName status payment { id } }
    payment { id status method }
    errors { code message field }
  }
}
"""

RECORD_CASH = """
mutation Cash($input: RecordCashPaymentInput!) {
  recordCashPayment(input: $input) {
    payment { id status method }
    errors { code message field }
  }
}
"""

PAY_FOR_BOOKING = """
mutation Pay($input: PayForBookingInput!) {
  payForBooking(input: $input) {
    payment { id kind method status amountMinor booking { id } }
    clientSecret
    errors { code message field }
  }
}
"""


async def make_package(state: AppState, school: Any, **fields: Any) -> LessonPackage:
    values: dict[str, Any] = {
        "school_id": school.id,
        "name": unique("Package "),
        "lessons_count": 10,
        "lesson_duration_minutes": 60,
        "price_minor": 40000,
        "discount_percent": 0,
        "currency": "GBP",
        "validity_days": 365,
        "audience": "all",
        "is_active": True,
        **fields,
    }
    async with state.db.transaction() as session:
        package = LessonPackage(id=uuid.uuid4(), **values)
        session.add(package)
    return package


async def make_promo(
    state: AppState,
    school: Any,
    code: str,
    *,
    packages: tuple[Any, ...] = (),
    **fields: Any,
) -> PromoCode:
    values: dict[str, Any] = {
        "school_id": school.id,
        "code": code,
        "kind": "percentage",
        "value": 10,
        "times_used": 0,
        "min_amount_minor": 0,
        "is_active": True,
        **fields,
    }
    async with state.db.transaction() as session:
        promo = PromoCode(id=uuid.uuid4(), **values)
        session.add(promo)
        await session.flush()
        for package in packages:
            session.add(PromoCodePackage(promo_code_id=promo.id, package_id=package.id))
    return promo


def purchase_input(package: Any, method: str = "CARD", **extra: Any) -> dict[str, Any]:
    return {
        "input": {"packageId": gid("LessonPackage", package.id), "paymentMethod": method, **extra}
    }


async def count(state: AppState, model: Any, *where: Any) -> int:
    async with state.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def get(state: AppState, model: Any, pk: Any) -> Any:
    async with state.db.session() as session:
        return await session.get(model, pk)


async def student_packages(state: AppState, student_id: uuid.UUID) -> list[StudentPackage]:
    async with state.db.session() as session:
        return list(
            (
                await session.scalars(
                    select(StudentPackage).where(StudentPackage.student_id == student_id)
                )
            ).all()
        )


async def payments_of(state: AppState, student_id: uuid.UUID) -> list[Payment]:
    async with state.db.session() as session:
        return list(
            (await session.scalars(select(Payment).where(Payment.student_id == student_id))).all()
        )


async def times_used(state: AppState, promo: PromoCode) -> tuple[int, int]:
    """(promo_codes.times_used, redemptions counted)."""
    async with state.db.session() as session:
        used = await session.scalar(select(PromoCode.times_used).where(PromoCode.id == promo.id))
        redeemed = await session.scalar(
            select(func.count())
            .select_from(PromoRedemption)
            .where(PromoRedemption.promo_code_id == promo.id)
        )
    return int(used or 0), int(redeemed or 0)


def pk_of(global_id: str) -> uuid.UUID:
    from schema.common.node import parse_global_id

    parsed = parse_global_id(global_id)
    assert parsed is not None
    return parsed[1]
