"""Buying a lesson package: price, promo code, a pending student package, its payment,
and the credits once the payment settles (SPEC §3).

    purchase = await purchase.purchase_package(uow, actor, PurchaseRequest(...))

1. The buyer is a student buying for themself (card or bank), or a school admin with
   ``FINANCES_MANAGE`` buying for a student of the school (card, bank or cash).
2. The package must be active, of the student's school, and for the student's audience
   (``new_students``: no completed lesson yet; ``existing_students``: at least one).
3. Price: the list price, less the package's ``discount_percent``, less the promo code's
   discount (``promo_redemption.reserve``, which locks and counts the code).
4. A ``pending_payment`` student package copies the package's terms; its payment is
   created through the payments core. When the payment settles (at once for cash and the
   local provider, by webhook or bank deposit otherwise) the listener below grants the
   credits (``ledger.grant``); when it fails the package is cancelled and the promo code's
   use given back. A package that costs nothing after discounts has no payment (a payment
   is for at least 1 minor unit): it is granted at once.

The idempotency key (``services/idempotency``, operation ``purchasePackage``) makes a
retried request return the first request's package and payment: one charge, one package.
The provider is given a key derived from the buyer and their key, so a retry is one
charge at Stripe too.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.accounts import User
from models.packages import LessonPackage, StudentPackage
from models.payments import Payment
from models.scheduling import Booking
from services import idempotency
from services.actor import Actor, Role, Scope
from services.errors import DomainError, Forbidden
from services.money import percent
from services.packages import ledger
from services.payments import core, hooks, promo_redemption
from services.payments.errors import PaymentErrorCode as E
from services.payments.providers.base import ProviderError
from services.uow import UnitOfWork

OPERATION = "purchasePackage"
STUDENT_METHODS = ("card", "bank")
ADMIN_METHODS = ("card", "bank", "cash")


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class PurchaseRequest:
    package_id: uuid.UUID
    method: str  # card, bank, cash
    promo_code: str | None = None
    student_id: uuid.UUID | None = None  # the buyer themself when None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class Quote:
    """What a package costs a student now, with a promo code's discount if it applies."""

    list_price_minor: int
    package_discount_minor: int
    promo_discount_minor: int
    total_minor: int
    currency: str
    promo_error: DomainError | None = None


@dataclass
class Purchase:
    student_package: StudentPackage
    payment: Payment | None
    client_secret: str | None
    replayed: bool = False


def provider_key(actor: Actor, operation: str, key: str | None) -> str | None:
    """The key the card provider sees: one per buyer and client key, at most 100 characters."""
    if key is None:
        return None
    digest = hashlib.sha256(f"{actor.user_id}:{operation}:{key}".encode()).hexdigest()
    return f"clutch-{operation}-{digest[:48]}"


async def client_secret(uow: UnitOfWork, payment: Payment | None) -> str | None:
    """The secret a client confirms a pending card payment with. Asked of the provider again
    under the payment's own idempotency key, which returns the same charge (Stripe answers
    a repeated key with the first response), so a replayed request gets the same secret."""
    if (
        payment is None
        or payment.method != "card"
        or payment.status != "pending"
        or payment.provider != uow.deps.payments.name
    ):
        return None
    try:
        charge = await uow.deps.payments.create_charge(
            amount_minor=payment.amount_minor,
            currency=payment.currency,
            description=payment.description or payment.kind,
            metadata={"payment_id": str(payment.id), "school_id": str(payment.school_id)},
            idempotency_key=payment.idempotency_key or f"payment-{payment.id}",
        )
    except ProviderError:
        return None
    return charge.client_secret


async def resolve_student(
    session: AsyncSession, actor: Actor, student_id: uuid.UUID | None
) -> User:
    """Whom a purchase is for: the student themself, or a student of an admin's school."""
    if actor.role is Role.STUDENT:
        if student_id is not None and student_id != actor.user_id:
            raise DomainError(E.NOT_FOUND, "No such student.", "studentId")
        actor.require_active()
        user = await session.get(User, actor.user_id)
        if user is None or user.deleted_at is not None:
            raise DomainError(E.NOT_FOUND, "No such student.", "studentId")
        return user
    if not (actor.is_platform_admin or actor.role is Role.SCHOOL_ADMIN):
        raise Forbidden()
    actor.require(Scope.FINANCES_MANAGE)
    if student_id is None:
        raise DomainError(E.INVALID, "Name the student the package is for.", "studentId")
    user = await session.get(User, student_id)
    if (
        user is None
        or user.deleted_at is not None
        or user.role != Role.STUDENT.value
        or not actor.can_see_school(user.school_id)
    ):
        raise DomainError(E.NOT_FOUND, "No such student.", "studentId")
    return user


async def _package_for(
    session: AsyncSession, student: User, package_id: uuid.UUID, *, lock: bool = False
) -> LessonPackage:
    package = await session.get(LessonPackage, package_id)
    if package is None or package.school_id != student.school_id:
        raise DomainError(E.NOT_FOUND, "No such package.", "packageId")
    if not package.is_active:
        raise DomainError(E.PACKAGE_INACTIVE, "This package is no longer sold.", "packageId")
    if package.audience != "all":
        completed = await session.scalar(
            select(func.count())
            .select_from(Booking)
            .where(
                Booking.student_id == student.id,
                Booking.status == "completed",
                Booking.deleted_at.is_(None),
            )
        )
        is_new = not completed
        if (package.audience == "new_students") != is_new:
            who = "new" if package.audience == "new_students" else "existing"
            raise DomainError(
                E.NOT_FOR_YOU, f"This package is for {who} students only.", "packageId"
            )
    return package


def _prices(package: LessonPackage) -> tuple[int, int]:
    """(list price, the package's own discount)."""
    return package.price_minor, percent(package.price_minor, package.discount_percent)


async def quote(
    session: AsyncSession,
    actor: Actor,
    *,
    package_id: uuid.UUID,
    promo_code: str | None,
    student_id: uuid.UUID | None = None,
) -> Quote:
    """The price of a purchase, with nothing written and nothing locked. A promo code that
    does not apply is reported in ``promo_error`` (the quote is then without it)."""
    student = await resolve_student(session, actor, student_id)
    package = await _package_for(session, student, package_id)
    listed, own_discount = _prices(package)
    after = listed - own_discount
    promo_discount = 0
    promo_error = None
    if promo_code:
        try:
            promo_discount = await promo_redemption.evaluate(
                session,
                school_id=package.school_id,
                code=promo_code,
                package_id=package.id,
                student_id=student.id,
                price_minor=after,
                at=now(),
            )
        except DomainError as exc:
            promo_error = exc
    return Quote(
        list_price_minor=listed,
        package_discount_minor=own_discount,
        promo_discount_minor=promo_discount,
        total_minor=after - promo_discount,
        currency=package.currency,
        promo_error=promo_error,
    )


async def _replay(uow: UnitOfWork, student: User, package_id: uuid.UUID) -> Purchase:
    held = await uow.session.get(StudentPackage, package_id)
    if held is None or held.student_id != student.id:
        raise DomainError(E.NOT_FOUND, "No such purchase.", "idempotencyKey")
    payment = await uow.session.scalar(
        select(Payment)
        .where(Payment.student_package_id == held.id, Payment.kind == "package")
        .order_by(Payment.created_at)
        .limit(1)
    )
    return Purchase(held, payment, await client_secret(uow, payment), replayed=True)


async def purchase_package(uow: UnitOfWork, actor: Actor, request: PurchaseRequest) -> Purchase:
    student = await resolve_student(uow.session, actor, request.student_id)
    method = request.method
    allowed = STUDENT_METHODS if actor.role is Role.STUDENT else ADMIN_METHODS
    if method not in allowed:
        raise DomainError(
            E.METHOD_NOT_ALLOWED,
            "Cash is recorded by the school; pay by card or bank transfer.",
            "paymentMethod",
        )
    claim = await idempotency.claim(
        uow,
        actor,
        request.idempotency_key,
        OPERATION,
        {
            "packageId": str(request.package_id),
            "promoCode": promo_redemption.normalise(request.promo_code)
            if request.promo_code
            else None,
            "paymentMethod": method,
            "studentId": str(student.id),
        },
        E.IDEMPOTENCY_KEY_REUSED,
    )
    if claim.replay is not None:
        return await _replay(uow, student, claim.replay)

    package = await _package_for(uow.session, student, request.package_id)
    at = now()
    listed, own_discount = _prices(package)
    after = listed - own_discount
    offer = None
    if request.promo_code:
        offer = await promo_redemption.reserve(
            uow,
            school_id=package.school_id,
            code=request.promo_code,
            package_id=package.id,
            student_id=student.id,
            price_minor=after,
            at=at,
        )
    total = after - (offer.discount_minor if offer else 0)
    held = StudentPackage(
        id=uuid.uuid4(),
        school_id=package.school_id,
        student_id=student.id,
        package_id=package.id,
        name=package.name,
        lesson_type_id=package.lesson_type_id,
        lesson_duration_minutes=package.lesson_duration_minutes,
        instructor_id=package.instructor_id,
        lessons_total=package.lessons_count,
        lessons_remaining=0,
        amount_paid_minor=total,
        discount_minor=own_discount + (offer.discount_minor if offer else 0),
        currency=package.currency,
        status="pending_payment",
        promo_code_id=offer.promo_id if offer else None,
        bought_by_id=actor.user_id,
    )
    uow.session.add(held)
    await uow.session.flush()
    if offer is not None:
        promo_redemption.record(uow, offer, student_package_id=held.id)
    uow.audit(
        actor,
        "package.purchased",
        entity_type="StudentPackage",
        entity_id=held.id,
        school_id=held.school_id,
        after={
            "package_id": str(package.id),
            "student_id": str(student.id),
            "list_price_minor": listed,
            "discount_minor": held.discount_minor,
            "amount_minor": total,
            "currency": held.currency,
            "promo_code": offer.code if offer else None,
            "method": method,
        },
    )
    payment = None
    secret = None
    if total == 0:
        await activate(uow, held.id, actor)
    else:
        payment, charge = await core.start_payment(
            uow,
            actor,
            core.PaymentRequest(
                school_id=held.school_id,
                student_id=student.id,
                kind="package",
                method=method,
                amount_minor=total,
                currency=held.currency,
                description=f"Lesson package: {package.name}",
                student_package_id=held.id,
                idempotency_key=provider_key(actor, OPERATION, request.idempotency_key),
            ),
        )
        if charge is not None and payment.status == "pending":
            secret = charge.client_secret
    claim.record(held.id)
    await uow.session.flush()
    await uow.session.refresh(held)
    return Purchase(held, payment, secret)


async def activate(uow: UnitOfWork, student_package_id: uuid.UUID, actor: Actor | None) -> bool:
    """A paid (or free) package gets its credits, valid for the catalogue package's days
    from now; False when it was not waiting for payment."""
    validity = await uow.session.scalar(
        select(LessonPackage.validity_days)
        .join(StudentPackage, StudentPackage.package_id == LessonPackage.id)
        .where(StudentPackage.id == student_package_id)
    )
    if validity is None:
        return False
    movement = await ledger.grant(
        uow,
        student_package_id,
        now=now(),
        validity_days=validity,
        actor_id=actor.user_id if actor else None,
    )
    if movement is None:
        return False
    held = await uow.session.get(StudentPackage, student_package_id)
    uow.audit(
        actor,
        "package.activated",
        entity_type="StudentPackage",
        entity_id=student_package_id,
        school_id=held.school_id if held else None,
        after={"credits": movement.balance_after, "validity_days": validity},
    )
    return True


@hooks.when_settled
async def activate_paid_package(uow: UnitOfWork, payment: Payment, actor: Actor | None) -> None:
    if payment.kind == "package" and payment.student_package_id is not None:
        await activate(uow, payment.student_package_id, actor)


@hooks.when_failed
async def cancel_unpaid_package(uow: UnitOfWork, payment: Payment, actor: Actor | None) -> None:
    if payment.kind != "package" or payment.student_package_id is None:
        return
    cancelled = await uow.session.scalar(
        update(StudentPackage)
        .where(
            StudentPackage.id == payment.student_package_id,
            StudentPackage.status == "pending_payment",
        )
        .values(status="cancelled")
        .returning(StudentPackage.id)
        .execution_options(synchronize_session=False)
    )
    if cancelled is None:
        return
    released = await promo_redemption.release(uow, payment.student_package_id)
    uow.audit(
        actor,
        "package.cancelled",
        entity_type="StudentPackage",
        entity_id=payment.student_package_id,
        school_id=payment.school_id,
        after={"reason": "payment failed", "promo_released": released},
    )
    ledger.emit_account_changed(
        uow,
        student_id=payment.student_id,
        school_id=payment.school_id,
        entity="StudentPackage",
        entity_id=payment.student_package_id,
    )
