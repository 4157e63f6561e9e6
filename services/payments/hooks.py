"""What other code does when a payment settles, fails or is refunded.

Packages activate when their payment settles, held bookings are confirmed when their
deposit is paid, invoices are issued: each registers a listener here, and the listener
runs in the transaction that changes the payment, so either all of it happens or none.
The payments core never imports those domains.

    @hooks.when_settled
    async def activate(uow: UnitOfWork, payment: Payment, actor: Actor | None) -> None: ...

``app/listeners.py`` imports every module that registers, so the server, the worker and
the CLI all run the same listeners.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from models.payments import Payment, Refund
from services.actor import Actor
from services.uow import UnitOfWork

PaymentListener = Callable[[UnitOfWork, Payment, Actor | None], Awaitable[None]]
RefundListener = Callable[[UnitOfWork, Payment, Refund, Actor | None], Awaitable[None]]
P = TypeVar("P", bound=PaymentListener)
R = TypeVar("R", bound=RefundListener)

_settled: list[PaymentListener] = []
_failed: list[PaymentListener] = []
_refunded: list[RefundListener] = []


def when_settled(listener: P) -> P:
    """Call ``listener(uow, payment, actor)`` when a payment first succeeds."""
    if listener not in _settled:
        _settled.append(listener)
    return listener


def when_failed(listener: P) -> P:
    """Call ``listener(uow, payment, actor)`` when a pending payment fails."""
    if listener not in _failed:
        _failed.append(listener)
    return listener


def when_refunded(listener: R) -> R:
    """Call ``listener(uow, payment, refund, actor)`` after a refund succeeds."""
    if listener not in _refunded:
        _refunded.append(listener)
    return listener


async def settled(uow: UnitOfWork, payment: Payment, actor: Actor | None) -> None:
    for listener in _settled:
        await listener(uow, payment, actor)


async def failed(uow: UnitOfWork, payment: Payment, actor: Actor | None) -> None:
    for listener in _failed:
        await listener(uow, payment, actor)


async def refunded(uow: UnitOfWork, payment: Payment, refund: Refund, actor: Actor | None) -> None:
    for listener in _refunded:
        await listener(uow, payment, refund, actor)
