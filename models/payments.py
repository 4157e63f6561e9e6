"""Payments: money in (payments), money back (refunds), paper (invoices), money out to
instructors (payouts), and the provider's word (webhook events, bank deposits) (SPEC §3).

Money is integer minor units plus an ISO-4217 code, never a float. The invariants that
concurrent requests could break are PostgreSQL's job:

* the sum of a payment's refunds never exceeds what was captured
  (``ck_payments_refunds_within_amount``; refunds add to ``refunded_minor`` with a
  conditional ``UPDATE``);
* a provider's event is processed once (``webhook_events`` keyed by provider and event id);
* a provider reference and a bank reference name one payment each;
* invoice numbers are per school, unique (``uq_invoices_school_number``) and gap-free:
  the next number comes from ``invoice_counters`` in the invoice's own transaction, so a
  rolled-back invoice gives its number back;
* one payout per instructor and period.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from models.base import (
    UUIDPK,
    Base,
    CreatedAt,
    JSONObject,
    Timestamp,
    TimestampMixin,
    school_fk,
    user_fk,
)

PAYMENT_KINDS = ("package", "lesson", "deposit", "fee")
PAYMENT_METHODS = ("card", "bank", "cash")
PAYMENT_STATUSES = ("pending", "succeeded", "failed", "refunded", "partially_refunded")
INVOICE_STATUSES = ("draft", "issued", "paid", "void")
PAYOUT_STATUSES = ("pending", "paid")
BANK_DEPOSIT_STATUSES = ("matched", "unmatched")


class Payment(TimestampMixin, Base):
    """Money a student pays the school: for a package, a lesson, a deposit or a fee."""

    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint(f"kind IN {PAYMENT_KINDS}", name="kind_values"),
        CheckConstraint(f"method IN {PAYMENT_METHODS}", name="method_values"),
        CheckConstraint(f"status IN {PAYMENT_STATUSES}", name="status_values"),
        CheckConstraint("amount_minor BETWEEN 1 AND 100000000", name="amount_range"),
        CheckConstraint("refunded_minor BETWEEN 0 AND amount_minor", name="refunds_within_amount"),
        CheckConstraint("currency ~ '^[A-Z]{3}$'", name="currency_iso4217"),
        CheckConstraint(
            "(kind = 'package') = (student_package_id IS NOT NULL)",
            name="package_payments_name_the_package",
        ),
        CheckConstraint(
            "kind NOT IN ('lesson', 'deposit', 'fee') OR booking_id IS NOT NULL",
            name="lesson_payments_name_the_booking",
        ),
        Index(
            "uq_payments_provider_reference",
            "provider",
            "provider_reference",
            unique=True,
            postgresql_where=text("provider_reference IS NOT NULL"),
        ),
        Index(
            "uq_payments_bank_reference",
            "bank_reference",
            unique=True,
            postgresql_where=text("bank_reference IS NOT NULL"),
        ),
        Index("ix_payments_student_created", "student_id", "created_at"),
        Index("ix_payments_school_created", "school_id", "created_at"),
        Index("ix_payments_booking_id", "booking_id"),
        Index("ix_payments_student_package_id", "student_package_id"),
    )

    id: Mapped[UUIDPK]
    school_id: Mapped[uuid.UUID] = school_fk(index=False)
    student_id: Mapped[uuid.UUID] = user_fk(index=False)
    kind: Mapped[str] = mapped_column(String(10))
    method: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), server_default=text("'pending'"))
    amount_minor: Mapped[int] = mapped_column(Integer)
    refunded_minor: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    currency: Mapped[str] = mapped_column(String(3))
    description: Mapped[str | None] = mapped_column(String(300))
    provider: Mapped[str] = mapped_column(String(20))
    provider_reference: Mapped[str | None] = mapped_column(String(255))
    bank_reference: Mapped[str | None] = mapped_column(String(20))
    student_package_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("student_packages.id", ondelete="RESTRICT")
    )
    booking_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("bookings.id", ondelete="RESTRICT")
    )
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    failure_reason: Mapped[str | None] = mapped_column(String(300))
    recorded_by_id: Mapped[uuid.UUID | None] = user_fk(
        nullable=True, index=False, ondelete="SET NULL"
    )
    succeeded_at: Mapped[Timestamp | None]
    failed_at: Mapped[Timestamp | None]


class Refund(Base):
    """Money given back on a payment, full or partial, with the reason."""

    __tablename__ = "refunds"
    __table_args__ = (
        CheckConstraint("amount_minor >= 1", name="amount_positive"),
        CheckConstraint("credits_revoked >= 0", name="credits_revoked_non_negative"),
        CheckConstraint("status IN ('succeeded', 'failed')", name="status_values"),
    )

    id: Mapped[UUIDPK]
    school_id: Mapped[uuid.UUID] = school_fk(index=False)
    payment_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("payments.id", ondelete="RESTRICT"), index=True
    )
    amount_minor: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(10), server_default=text("'succeeded'"))
    provider_reference: Mapped[str | None] = mapped_column(String(255))
    credits_revoked: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    actor_id: Mapped[uuid.UUID | None] = user_fk(nullable=True, index=False, ondelete="SET NULL")
    created_at: Mapped[CreatedAt]


class WebhookEvent(Base):
    """A provider event already processed: a replayed event id changes nothing."""

    __tablename__ = "webhook_events"

    provider: Mapped[str] = mapped_column(String(20), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(100))
    payment_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("payments.id", ondelete="SET NULL")
    )
    received_at: Mapped[CreatedAt]


class BankDeposit(Base):
    """A line of the school's bank statement: matched by reference to a pending bank
    payment of the same amount, or kept as unmatched for an admin to look at."""

    __tablename__ = "bank_deposits"
    __table_args__ = (
        CheckConstraint(f"status IN {BANK_DEPOSIT_STATUSES}", name="status_values"),
        CheckConstraint("amount_minor >= 1", name="amount_positive"),
        CheckConstraint("currency ~ '^[A-Z]{3}$'", name="currency_iso4217"),
        Index("ix_bank_deposits_school_received", "school_id", "received_on"),
    )

    id: Mapped[UUIDPK]
    school_id: Mapped[uuid.UUID] = school_fk(index=False)
    reference: Mapped[str] = mapped_column(String(100))
    amount_minor: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    received_on: Mapped[date] = mapped_column(Date)
    payer_name: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10))
    payment_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("payments.id", ondelete="RESTRICT"), unique=True
    )
    recorded_by_id: Mapped[uuid.UUID | None] = user_fk(
        nullable=True, index=False, ondelete="SET NULL"
    )
    created_at: Mapped[CreatedAt]


class InvoiceCounter(Base):
    """The last invoice number a school used; bumped in the invoice's own transaction."""

    __tablename__ = "invoice_counters"

    school_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("schools.id", ondelete="RESTRICT"), primary_key=True
    )
    last_number: Mapped[int] = mapped_column(Integer)


class Invoice(TimestampMixin, Base):
    """A numbered invoice: items, discount, tax and total, due and paid dates."""

    __tablename__ = "invoices"
    __table_args__ = (
        CheckConstraint(f"status IN {INVOICE_STATUSES}", name="status_values"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint("subtotal_minor >= 0", name="subtotal_non_negative"),
        CheckConstraint("discount_minor BETWEEN 0 AND subtotal_minor", name="discount_range"),
        CheckConstraint("tax_minor >= 0", name="tax_non_negative"),
        CheckConstraint(
            "total_minor = subtotal_minor - discount_minor + tax_minor", name="total_adds_up"
        ),
        CheckConstraint("tax_rate_bps BETWEEN 0 AND 10000", name="tax_rate_range"),
        CheckConstraint("currency ~ '^[A-Z]{3}$'", name="currency_iso4217"),
        Index("uq_invoices_school_number", "school_id", "number", unique=True),
        Index(
            "uq_invoices_payment_id",
            "payment_id",
            unique=True,
            postgresql_where=text("payment_id IS NOT NULL"),
        ),
        Index("ix_invoices_student_id", "student_id"),
    )

    id: Mapped[UUIDPK]
    school_id: Mapped[uuid.UUID] = school_fk(index=False)
    number: Mapped[int] = mapped_column(Integer)
    student_id: Mapped[uuid.UUID] = user_fk(index=False)
    payment_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("payments.id", ondelete="RESTRICT")
    )
    status: Mapped[str] = mapped_column(String(10))
    currency: Mapped[str] = mapped_column(String(3))
    subtotal_minor: Mapped[int] = mapped_column(Integer)
    discount_minor: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    tax_rate_bps: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    tax_minor: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    total_minor: Mapped[int] = mapped_column(Integer)
    notes: Mapped[str | None] = mapped_column(Text)
    issued_at: Mapped[Timestamp | None]
    due_on: Mapped[date | None] = mapped_column(Date)
    paid_at: Mapped[Timestamp | None]
    voided_at: Mapped[Timestamp | None]
    created_by_id: Mapped[uuid.UUID | None] = user_fk(
        nullable=True, index=False, ondelete="SET NULL"
    )


class InvoiceItem(Base):
    """One line of an invoice."""

    __tablename__ = "invoice_items"
    __table_args__ = (
        CheckConstraint("quantity BETWEEN 1 AND 1000", name="quantity_range"),
        CheckConstraint("unit_minor >= 0", name="unit_non_negative"),
        CheckConstraint("amount_minor = quantity * unit_minor", name="amount_adds_up"),
    )

    id: Mapped[UUIDPK]
    invoice_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_minor: Mapped[int] = mapped_column(Integer)
    amount_minor: Mapped[int] = mapped_column(Integer)


class Payout(TimestampMixin, Base):
    """What the school owes an instructor for a period, frozen when an admin creates it,
    and whether it has been paid."""

    __tablename__ = "payouts"
    __table_args__ = (
        CheckConstraint(f"status IN {PAYOUT_STATUSES}", name="status_values"),
        CheckConstraint("period_end >= period_start", name="period_ordered"),
        CheckConstraint("net_minor = gross_minor - refunds_minor - fee_minor", name="net_adds_up"),
        CheckConstraint("currency ~ '^[A-Z]{3}$'", name="currency_iso4217"),
        Index(
            "uq_payouts_instructor_period",
            "instructor_id",
            "period_start",
            "period_end",
            unique=True,
        ),
    )

    id: Mapped[UUIDPK]
    school_id: Mapped[uuid.UUID] = school_fk(index=False)
    instructor_id: Mapped[uuid.UUID] = user_fk(index=False)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    lessons_completed: Mapped[int] = mapped_column(Integer)
    gross_minor: Mapped[int] = mapped_column(Integer)
    refunds_minor: Mapped[int] = mapped_column(Integer)
    fee_minor: Mapped[int] = mapped_column(Integer)
    net_minor: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(10), server_default=text("'pending'"))
    paid_at: Mapped[Timestamp | None]
    reference: Mapped[str | None] = mapped_column(String(100))
    breakdown: Mapped[JSONObject]
    created_by_id: Mapped[uuid.UUID | None] = user_fk(
        nullable=True, index=False, ondelete="SET NULL"
    )
