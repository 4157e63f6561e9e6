"""What other domains do when a booking is placed, confirmed, cancelled, waived,
missed or completed.

Packages draw and return credits, payments take deposits and fees: each registers a
listener here, and the listener runs inside the booking's own transaction, so a booking
that cannot be paid for is never written, and a cancellation never returns a credit
without being recorded. Scheduling never imports those domains.

    @hooks.when_placed
    async def draw_credit(uow, actor, booking, choice) -> None: ...

``app/listeners.py`` imports every registering module, so every process runs them.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from models.scheduling import Booking
from services.actor import Actor
from services.uow import UnitOfWork


class PayWith(StrEnum):
    """How a new booking is paid for."""

    AUTO = "auto"  # a matching credit if the student holds one, else pay as you go
    CREDIT = "credit"  # a credit, or the booking is refused (NO_CREDITS)
    PAY_AS_YOU_GO = "pay_as_you_go"  # the lesson's price, with its deposit if it has one


@dataclass(frozen=True)
class PaymentChoice:
    pay_with: PayWith = PayWith.AUTO
    # The package to draw from (CREDIT or AUTO); the one expiring first when None.
    student_package_id: uuid.UUID | None = None
    # How a deposit is paid when the lesson type asks for one: card or bank (cash is
    # recorded by an admin once handed over, never chosen at booking).
    deposit_method: str = "card"
    idempotency_key: str | None = None


DEFAULT_CHOICE = PaymentChoice()

PlacedListener = Callable[[UnitOfWork, Actor | None, Booking, PaymentChoice], Awaitable[None]]
BookingListener = Callable[[UnitOfWork, Actor | None, Booking], Awaitable[None]]
PL = TypeVar("PL", bound=PlacedListener)
BL = TypeVar("BL", bound=BookingListener)

_placed: list[PlacedListener] = []
_confirming: list[BookingListener] = []
_cancelled: list[BookingListener] = []
_waived: list[BookingListener] = []
_no_show: list[BookingListener] = []
_completed: list[BookingListener] = []


def _register(registry: list[BookingListener], listener: BL) -> BL:
    if listener not in registry:
        registry.append(listener)
    return listener


def when_placed(listener: PL) -> PL:
    """``listener(uow, actor, booking, choice)`` after a new booking is written (bookLesson,
    a series occurrence, an accepted waiting-list offer); it may refuse with a
    ``DomainError``, which rolls the booking back."""
    if listener not in _placed:
        _placed.append(listener)
    return listener


def when_confirming(listener: BL) -> BL:
    """Before a pending booking is confirmed; may refuse (an unpaid deposit)."""
    return _register(_confirming, listener)


def when_cancelled(listener: BL) -> BL:
    """After a booking is cancelled; ``booking.policy_outcome`` says what the policy
    decided (returned, fee, forfeited, waived)."""
    return _register(_cancelled, listener)


def when_waived(listener: BL) -> BL:
    """After an admin waives a late cancellation's or a no-show's outcome."""
    return _register(_waived, listener)


def when_no_show(listener: BL) -> BL:
    """After a booking is marked a no-show."""
    return _register(_no_show, listener)


def when_completed(listener: BL) -> BL:
    """After a lesson is completed."""
    return _register(_completed, listener)


async def placed(
    uow: UnitOfWork, actor: Actor | None, booking: Booking, choice: PaymentChoice
) -> None:
    for listener in _placed:
        await listener(uow, actor, booking, choice)


async def _run(
    registry: list[BookingListener], uow: UnitOfWork, actor: Actor | None, booking: Booking
) -> None:
    for listener in registry:
        await listener(uow, actor, booking)


async def confirming(uow: UnitOfWork, actor: Actor | None, booking: Booking) -> None:
    await _run(_confirming, uow, actor, booking)


async def cancelled(uow: UnitOfWork, actor: Actor | None, booking: Booking) -> None:
    await _run(_cancelled, uow, actor, booking)


async def waived(uow: UnitOfWork, actor: Actor | None, booking: Booking) -> None:
    await _run(_waived, uow, actor, booking)


async def no_show(uow: UnitOfWork, actor: Actor | None, booking: Booking) -> None:
    await _run(_no_show, uow, actor, booking)


async def completed(uow: UnitOfWork, actor: Actor | None, booking: Booking) -> None:
    await _run(_completed, uow, actor, booking)
