"""Demo data for packages and payments: the demo school's packages, the WELCOME10 promo
code, and one student who bought a package through the real purchase service.
Idempotent like the rest of the demo seed (looked up by name / code first)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Protocol

from sqlalchemy import select

from models.accounts import User
from models.packages import LessonPackage, PromoCode, StudentPackage
from resolvers.context import AppState
from services import accounts
from services.payments import purchase
from services.uow import unit_of_work

# name, lessons, minutes, price (pence), discount %, validity days, audience, instructor index
PACKAGES = [
    ("10 lessons", 10, 60, 42000, 5, 365, "all", None),
    ("5-lesson intensive", 5, 120, 40000, 0, 60, "all", 1),
    ("First lesson offer", 1, 60, 2500, 0, 30, "new_students", None),
]
PROMO = "WELCOME10"


class Report(Protocol):
    def note(self, made: bool, what: str) -> None: ...


async def seed_payments(
    state: AppState,
    school_id: uuid.UUID,
    instructors: list[User],
    buyer: User,
    report: Report,
    progress: Callable[[str], None],
) -> None:
    db, hub, deps = state.db, state.hub, state.deps
    async with unit_of_work(db, hub, deps) as uow:
        for name, lessons, minutes, price, discount, days, audience, who in PACKAGES:
            existing = await uow.session.scalar(
                select(LessonPackage.id).where(
                    LessonPackage.school_id == school_id, LessonPackage.name == name
                )
            )
            report.note(existing is None, f"{'package':<14} {name}")
            if existing is None:
                uow.session.add(
                    LessonPackage(
                        id=uuid.uuid4(),
                        school_id=school_id,
                        name=name,
                        description=f"{lessons} × {minutes}-minute lessons.",
                        lessons_count=lessons,
                        lesson_duration_minutes=minutes,
                        price_minor=price,
                        discount_percent=discount,
                        currency="GBP",
                        validity_days=days,
                        audience=audience,
                        instructor_id=instructors[who].id if who is not None else None,
                        is_active=True,
                    )
                )
        promo = await uow.session.scalar(
            select(PromoCode.id).where(PromoCode.school_id == school_id, PromoCode.code == PROMO)
        )
        report.note(promo is None, f"{'promo code':<14} {PROMO} (10% off, once per student)")
        if promo is None:
            uow.session.add(
                PromoCode(
                    id=uuid.uuid4(),
                    school_id=school_id,
                    code=PROMO,
                    description="10% off your first package.",
                    kind="percentage",
                    value=10,
                    per_user_limit=1,
                    times_used=0,
                    min_amount_minor=0,
                    is_active=True,
                )
            )
    async with unit_of_work(db, hub, deps) as uow:
        package = await uow.session.scalar(
            select(LessonPackage).where(
                LessonPackage.school_id == school_id, LessonPackage.name == PACKAGES[0][0]
            )
        )
        assert package is not None
        bought = await uow.session.scalar(
            select(StudentPackage.id).where(
                StudentPackage.student_id == buyer.id, StudentPackage.package_id == package.id
            )
        )
        report.note(bought is None, f"{'purchase':<14} {buyer.email}: {package.name}")
        if bought is None:
            # The student buys it themself, by card when the local provider is in use
            # (it settles at once), else by bank transfer (pending until the deposit).
            method = "card" if deps.payments.name == "local" else "bank"
            await purchase.purchase_package(
                uow,
                accounts.actor_for(buyer),
                purchase.PurchaseRequest(
                    package_id=package.id,
                    method=method,
                    promo_code=PROMO,
                    idempotency_key="demo-first-package",
                ),
            )
    progress("  packages and payments ready")
