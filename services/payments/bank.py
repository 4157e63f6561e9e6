"""Bank transfers and PayID: deposits matched to payments by reference (SPEC §3).

A bank payment waits with a short reference (``CL-`` and 8 characters, made by the core)
that the student quotes on their transfer. A finance admin records each deposit from the
school's statement (``record_bank_deposit``): the deposit whose reference names a
pending bank payment of the school, for the same amount and currency, settles it (and so
grants the package's credits); anything else is kept as ``unmatched`` for a person to
look at. References are compared without case and whitespace, as people type them.

The payment is locked while it is matched, and settling is the core's conditional
``UPDATE``, so two admins recording the same deposit settle it once; the second deposit
stays unmatched (``bank_deposits.payment_id`` is unique as well).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from models.payments import BankDeposit, Payment
from services.actor import Actor, Scope
from services.errors import DomainError
from services.payments import core
from services.payments.errors import PaymentErrorCode as E
from services.uow import UnitOfWork

_SPACE = re.compile(r"\s+")


def normalise_reference(reference: str) -> str:
    return _SPACE.sub("", reference).upper()


@dataclass(frozen=True)
class DepositLine:
    reference: str
    amount_minor: int
    currency: str
    received_on: date
    payer_name: str | None = None


@dataclass
class Recorded:
    deposit: BankDeposit
    payment: Payment | None

    @property
    def matched(self) -> bool:
        return self.payment is not None


def _validate(line: DepositLine) -> None:
    if not 1 <= len(line.reference.strip()) <= 100 or not line.reference.isprintable():
        raise DomainError(E.INVALID, "A reference is 1 to 100 printable characters.", "reference")
    if not 1 <= line.amount_minor <= 100_000_000:
        raise DomainError(E.INVALID, "A deposit is for a positive amount.", "amountMinor")
    if not re.fullmatch(r"[A-Z]{3}", line.currency):
        raise DomainError(E.INVALID, "A currency is an ISO 4217 code.", "currency")
    if line.payer_name is not None and (
        len(line.payer_name) > 200 or not line.payer_name.isprintable()
    ):
        raise DomainError(
            E.INVALID, "A payer name is at most 200 printable characters.", "payerName"
        )


async def record_bank_deposit(uow: UnitOfWork, actor: Actor, line: DepositLine) -> Recorded:
    actor.require(Scope.FINANCES_MANAGE)
    if actor.school_id is None:
        raise DomainError(E.INVALID, "Deposits are recorded by a school's admins.", "reference")
    line = DepositLine(
        reference=line.reference.strip(),
        amount_minor=line.amount_minor,
        currency=line.currency.strip().upper(),
        received_on=line.received_on,
        payer_name=line.payer_name.strip() if line.payer_name else None,
    )
    _validate(line)
    payment = await uow.session.scalar(
        select(Payment)
        .where(
            Payment.school_id == actor.school_id,
            Payment.bank_reference == normalise_reference(line.reference),
            Payment.method == "bank",
            Payment.status == "pending",
            Payment.amount_minor == line.amount_minor,
            Payment.currency == line.currency,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if payment is not None and payment.status != "pending":
        payment = None
    deposit = BankDeposit(
        id=uuid.uuid4(),
        school_id=actor.school_id,
        reference=line.reference,
        amount_minor=line.amount_minor,
        currency=line.currency,
        received_on=line.received_on,
        payer_name=line.payer_name,
        status="unmatched",
        recorded_by_id=actor.user_id,
    )
    uow.session.add(deposit)
    if payment is not None and await core.settle(uow, payment, actor):
        deposit.status = "matched"
        deposit.payment_id = payment.id
    else:
        payment = None
    await uow.session.flush()
    uow.audit(
        actor,
        "bank_deposit.recorded",
        entity_type="BankDeposit",
        entity_id=deposit.id,
        school_id=deposit.school_id,
        after={
            "reference": deposit.reference,
            "amount_minor": deposit.amount_minor,
            "currency": deposit.currency,
            "status": deposit.status,
            "payment_id": str(deposit.payment_id) if deposit.payment_id else None,
        },
    )
    return Recorded(deposit, payment)
