"""Why a payments request failed: the codes clients see in `PaymentError.code`."""

from __future__ import annotations

from enum import StrEnum


class PaymentErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    INVALID = "INVALID"
    INVALID_STATUS = "INVALID_STATUS"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    CURRENCY_MISMATCH = "CURRENCY_MISMATCH"
    PAYMENT_DECLINED = "PAYMENT_DECLINED"
    PROVIDER_UNAVAILABLE = "PROVIDER_UNAVAILABLE"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    # Bank deposits
    NO_MATCH = "NO_MATCH"
    # Refunds
    REFUND_EXCEEDS_PAYMENT = "REFUND_EXCEEDS_PAYMENT"
    NOT_REFUNDABLE = "NOT_REFUNDABLE"
    # Invoices
    INVOICE_NOT_EDITABLE = "INVOICE_NOT_EDITABLE"
    # Earnings and payouts
    INVALID_PERIOD = "INVALID_PERIOD"
    PAYOUT_EXISTS = "PAYOUT_EXISTS"
