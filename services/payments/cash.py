"""Cash handed to the school, recorded by a finance admin (SPEC §3).

``record_cash_payment`` settles a pending payment of the admin's school as cash: its
method becomes ``cash`` and the admin is recorded as who took it. A pending *card*
payment is refused: its charge is still open at the provider, and a student completing
it after the cash was taken would pay twice; the admin records cash on a bank or cash
payment, or buys with ``paymentMethod: CASH`` in the first place.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from models.payments import Payment
from services.actor import Actor, Scope
from services.errors import DomainError
from services.payments import core
from services.payments.errors import PaymentErrorCode as E
from services.uow import UnitOfWork


async def record_cash_payment(
    uow: UnitOfWork, actor: Actor, payment_id: uuid.UUID, note: str | None
) -> Payment:
    actor.require(Scope.FINANCES_MANAGE)
    if note is not None and (len(note) > 500 or not note.replace("\n", " ").isprintable()):
        raise DomainError(E.INVALID, "A note is at most 500 printable characters.", "note")
    payment = await uow.session.scalar(
        select(Payment)
        .where(Payment.id == payment_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if payment is None or not actor.can_see_school(payment.school_id):
        raise DomainError(E.NOT_FOUND, "No such payment.", "paymentId")
    if payment.status != "pending":
        raise DomainError(E.INVALID_STATUS, "Only a pending payment can be paid.", "paymentId")
    if payment.method == "card":
        raise DomainError(
            E.METHOD_NOT_ALLOWED,
            "This card payment is still open at the card provider; it cannot be paid in cash.",
            "paymentId",
        )
    before = payment.method
    payment.method = "cash"
    payment.recorded_by_id = actor.user_id
    await uow.session.flush()
    uow.audit(
        actor,
        "payment.cash_recorded",
        entity_type="Payment",
        entity_id=payment.id,
        school_id=payment.school_id,
        before={"method": before},
        after={"method": "cash", "note": note, "amount_minor": payment.amount_minor},
    )
    await core.settle(uow, payment, actor)
    return payment
