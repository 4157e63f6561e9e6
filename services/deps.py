"""What services need from the outside world, bundled once at start-up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from services.notifications import NotificationSender
from services.payments.providers.base import PaymentProvider
from services.security import AccessTokens, PasswordHashing


@dataclass(frozen=True)
class AccountPolicy:
    refresh_token_lifetime: timedelta = timedelta(days=30)
    email_token_lifetime: timedelta = timedelta(hours=48)
    password_reset_lifetime: timedelta = timedelta(minutes=60)
    max_failures_per_account: int = 5
    max_failures_per_address: int = 20
    lockout: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class Deps:
    policy: AccountPolicy
    passwords: PasswordHashing
    tokens: AccessTokens
    sender: NotificationSender
    public_url: str
    payments: PaymentProvider
