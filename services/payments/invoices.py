"""Invoices: numbered per school, with items, discount, tax, status, due and paid dates.

    invoice = await invoices.create_invoice(uow, actor, InvoiceRequest(...))

**Numbers** are per school, unique and gap-free under concurrency. The next number is
taken in the invoice's own transaction with

    INSERT INTO invoice_counters (school_id, last_number) VALUES (:s, 1)
    ON CONFLICT (school_id) DO UPDATE SET last_number = invoice_counters.last_number + 1
    RETURNING last_number

which locks the school's counter row until the transaction ends: concurrent invoices of a
school queue there, and a transaction that rolls back gives its number back (the next
one takes it). Drafts take their number at creation; an invoice is never deleted, only
voided, and a voided invoice keeps its number — so the sequence has no gaps. Shown as
``INV-000042``.

**Tax**: ``tax = basis_points(subtotal - discount, school.tax_rate_bps)`` and
``total = subtotal - discount + tax``. An invoice issued for a settled payment (the
``when_settled`` listener) is tax-inclusive: the student paid ``amount``, of which
``tax = amount - round(amount * 10000 / (10000 + rate_bps))`` (integer arithmetic, half
up); its single line and subtotal are the net amount, so the total is what was paid.

**Statuses**: ``draft → issued → paid``; a draft or an issued invoice can be voided. A
paid or void invoice is final (``INVOICE_NOT_EDITABLE``); any other wrong transition is
``INVALID_STATUS``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import ColumnElement, and_, false, select, text, true

from models.accounts import User
from models.payments import Invoice, InvoiceItem, Payment
from models.schools import School
from services.actor import Actor, Role, Scope
from services.errors import DomainError, Forbidden
from services.money import basis_points
from services.payments import hooks
from services.payments.errors import PaymentErrorCode as E
from services.uow import UnitOfWork
from services.validation import clean_text, require_instant

MAX_ITEMS = 50
MAX_QUANTITY = 1000
MAX_UNIT_MINOR = 10_000_000
MAX_TOTAL_MINOR = 100_000_000
DISPLAY_PREFIX = "INV-"


def display_number(number: int) -> str:
    return f"{DISPLAY_PREFIX}{number:06d}"


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ItemRequest:
    description: str
    quantity: int
    unit_minor: int


@dataclass(frozen=True)
class InvoiceRequest:
    student_id: uuid.UUID
    items: list[ItemRequest]
    discount_minor: int = 0
    due_on: date | None = None
    notes: str | None = None
    issue: bool = False


def inclusive_tax(gross_minor: int, rate_bps: int) -> int:
    """The tax inside a tax-inclusive amount: ``gross - round(gross / (1 + rate))``, with
    integer arithmetic rounding half up."""
    divisor = 10_000 + rate_bps
    net = (2 * gross_minor * 10_000 + divisor) // (2 * divisor)
    return gross_minor - net


async def next_number(uow: UnitOfWork, school_id: uuid.UUID) -> int:
    """The school's next invoice number, taken in (and locked by) this transaction."""
    number = await uow.session.scalar(
        text(
            "INSERT INTO invoice_counters (school_id, last_number) VALUES (:s, 1) "
            "ON CONFLICT (school_id) DO UPDATE "
            "SET last_number = invoice_counters.last_number + 1 RETURNING last_number"
        ),
        {"s": school_id},
    )
    assert number is not None
    return int(number)


def _require_finance(actor: Actor) -> None:
    actor.require_active()
    if not actor.has(Scope.FINANCES_MANAGE):
        raise Forbidden("Only a school admin who manages finances can do this.")


def _may_manage(actor: Actor, school_id: uuid.UUID) -> bool:
    return actor.has(Scope.FINANCES_MANAGE) and actor.can_see_school(school_id)


def visible(actor: Actor) -> ColumnElement[bool]:
    """Invoices an actor may see: finance admins their school's, students their own
    (drafts excepted); nobody else any."""
    if actor.is_platform_admin:
        return true()
    if actor.role is Role.SCHOOL_ADMIN and actor.has(Scope.FINANCES_MANAGE):
        return Invoice.school_id == actor.school_id
    if actor.role is Role.STUDENT:
        return and_(Invoice.student_id == actor.user_id, Invoice.status != "draft")
    return false()


async def create_invoice(uow: UnitOfWork, actor: Actor, request: InvoiceRequest) -> Invoice:
    _require_finance(actor)
    student = await uow.session.get(User, request.student_id)
    if (
        student is None
        or student.deleted_at is not None
        or student.role != Role.STUDENT.value
        or student.school_id is None
        or not actor.can_see_school(student.school_id)
    ):
        raise DomainError(E.NOT_FOUND, "No such student.", "studentId")
    if not 1 <= len(request.items) <= MAX_ITEMS:
        raise DomainError(E.INVALID, f"An invoice has 1 to {MAX_ITEMS} items.", "items")
    lines: list[tuple[str, int, int]] = []
    for item in request.items:
        description = clean_text(
            item.description, E.INVALID, "items.description", max_length=300, required=True
        )
        assert description is not None
        if not 1 <= item.quantity <= MAX_QUANTITY:
            raise DomainError(E.INVALID, f"A quantity is 1 to {MAX_QUANTITY}.", "items.quantity")
        if not 0 <= item.unit_minor <= MAX_UNIT_MINOR:
            raise DomainError(
                E.INVALID, f"A unit price is 0 to {MAX_UNIT_MINOR} minor units.", "items.unitMinor"
            )
        lines.append((description, item.quantity, item.unit_minor))
    subtotal = sum(q * u for _, q, u in lines)
    if subtotal > MAX_TOTAL_MINOR:
        raise DomainError(E.INVALID, "The invoice's total is too large.", "items")
    if not 0 <= request.discount_minor <= subtotal:
        raise DomainError(E.INVALID, "The discount is between 0 and the subtotal.", "discountMinor")
    notes = clean_text(request.notes, E.INVALID, "notes", max_length=2000)
    school = await uow.session.get(School, student.school_id)
    assert school is not None
    taxable = subtotal - request.discount_minor
    tax = basis_points(taxable, school.tax_rate_bps)
    at = now()
    invoice = Invoice(
        id=uuid.uuid4(),
        school_id=school.id,
        # Last, so the counter's row lock is held for as short a time as possible.
        number=await next_number(uow, school.id),
        student_id=student.id,
        status="issued" if request.issue else "draft",
        currency=school.currency,
        subtotal_minor=subtotal,
        discount_minor=request.discount_minor,
        tax_rate_bps=school.tax_rate_bps,
        tax_minor=tax,
        total_minor=taxable + tax,
        notes=notes,
        issued_at=at if request.issue else None,
        due_on=request.due_on,
        created_by_id=actor.user_id,
    )
    uow.session.add(invoice)
    for position, (description, quantity, unit) in enumerate(lines, start=1):
        uow.session.add(
            InvoiceItem(
                invoice_id=invoice.id,
                position=position,
                description=description,
                quantity=quantity,
                unit_minor=unit,
                amount_minor=quantity * unit,
            )
        )
    await uow.session.flush()
    _audit(uow, actor, invoice, "invoice.created")
    return invoice


async def _editable(uow: UnitOfWork, actor: Actor, invoice_id: uuid.UUID) -> Invoice:
    _require_finance(actor)
    invoice = await uow.session.scalar(
        select(Invoice).where(Invoice.id == invoice_id).with_for_update()
    )
    if invoice is None or not _may_manage(actor, invoice.school_id):
        raise DomainError(E.NOT_FOUND, "No such invoice.", "invoiceId")
    if invoice.status in ("paid", "void"):
        raise DomainError(
            E.INVOICE_NOT_EDITABLE, f"This invoice is {invoice.status}: it is final.", "invoiceId"
        )
    return invoice


async def issue_invoice(uow: UnitOfWork, actor: Actor, invoice_id: uuid.UUID) -> Invoice:
    invoice = await _editable(uow, actor, invoice_id)
    if invoice.status != "draft":
        raise DomainError(E.INVALID_STATUS, "Only a draft can be issued.", "invoiceId")
    invoice.status = "issued"
    invoice.issued_at = now()
    await uow.session.flush()
    _audit(uow, actor, invoice, "invoice.issued")
    return invoice


async def mark_paid(
    uow: UnitOfWork, actor: Actor, invoice_id: uuid.UUID, paid_at: datetime | None
) -> Invoice:
    invoice = await _editable(uow, actor, invoice_id)
    if invoice.status != "issued":
        raise DomainError(
            E.INVALID_STATUS, "Only an issued invoice can be marked paid.", "invoiceId"
        )
    at = now()
    paid_at = paid_at or at
    paid_at = require_instant(paid_at, E.INVALID, "paidAt")
    if paid_at > at:
        raise DomainError(E.INVALID, "paidAt cannot be in the future.", "paidAt")
    invoice.status = "paid"
    invoice.paid_at = paid_at
    await uow.session.flush()
    _audit(uow, actor, invoice, "invoice.paid")
    return invoice


async def void_invoice(
    uow: UnitOfWork, actor: Actor, invoice_id: uuid.UUID, reason: str | None
) -> Invoice:
    reason = clean_text(reason, E.INVALID, "reason", max_length=500, required=True)
    invoice = await _editable(uow, actor, invoice_id)
    invoice.status = "void"
    invoice.voided_at = now()
    await uow.session.flush()
    _audit(uow, actor, invoice, "invoice.voided", reason=reason)
    return invoice


def _audit(
    uow: UnitOfWork, actor: Actor | None, invoice: Invoice, action: str, **extra: object
) -> None:
    uow.audit(
        actor,
        action,
        entity_type="Invoice",
        entity_id=invoice.id,
        school_id=invoice.school_id,
        after={
            "number": invoice.number,
            "status": invoice.status,
            "student_id": str(invoice.student_id),
            "total_minor": invoice.total_minor,
            "tax_minor": invoice.tax_minor,
            "currency": invoice.currency,
            **extra,
        },
    )


@hooks.when_settled
async def _invoice_settled_payment(uow: UnitOfWork, payment: Payment, actor: Actor | None) -> None:
    """Every settled payment gets a paid, tax-inclusive invoice (one per payment)."""
    exists = await uow.session.scalar(select(Invoice.id).where(Invoice.payment_id == payment.id))
    if exists is not None:
        return
    rate = await uow.session.scalar(
        select(School.tax_rate_bps).where(School.id == payment.school_id)
    )
    rate = int(rate or 0)
    tax = inclusive_tax(payment.amount_minor, rate)
    net = payment.amount_minor - tax
    at = payment.succeeded_at or now()
    invoice = Invoice(
        id=uuid.uuid4(),
        school_id=payment.school_id,
        number=await next_number(uow, payment.school_id),
        student_id=payment.student_id,
        payment_id=payment.id,
        status="paid",
        currency=payment.currency,
        subtotal_minor=net,
        discount_minor=0,
        tax_rate_bps=rate,
        tax_minor=tax,
        total_minor=payment.amount_minor,
        issued_at=at,
        paid_at=at,
        due_on=at.date(),
        created_by_id=actor.user_id if actor else None,
    )
    uow.session.add(invoice)
    uow.session.add(
        InvoiceItem(
            invoice_id=invoice.id,
            position=1,
            description=(payment.description or f"{payment.kind.title()} payment")[:300],
            quantity=1,
            unit_minor=net,
            amount_minor=net,
        )
    )
    await uow.session.flush()
    _audit(uow, actor, invoice, "invoice.created", payment_id=str(payment.id))
