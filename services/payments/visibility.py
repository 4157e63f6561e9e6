"""Who may see which payments and bank deposits.

A student sees their own payments; a school admin with ``FINANCES_MANAGE`` sees the
school's; a platform admin sees every school's. Instructors and admins without the scope
see none (not even by ``node(id:)``): a student's money is not their business.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, true

from models.payments import BankDeposit, Payment, Refund
from services.actor import Actor, Role, Scope


def is_finance_admin(actor: Actor) -> bool:
    return actor.is_platform_admin or (
        actor.role is Role.SCHOOL_ADMIN and actor.has(Scope.FINANCES_MANAGE)
    )


def visible_payments(actor: Actor) -> ColumnElement[bool]:
    if actor.is_platform_admin:
        return true()
    if is_finance_admin(actor):
        return Payment.school_id == actor.school_id
    if actor.role is Role.STUDENT:
        return Payment.student_id == actor.user_id
    return false()


def can_see_payment(actor: Actor, payment: Payment) -> bool:
    if actor.is_platform_admin:
        return True
    if is_finance_admin(actor):
        return payment.school_id == actor.school_id
    return actor.role is Role.STUDENT and payment.student_id == actor.user_id


def may_see_provider_reference(actor: Actor, payment: Payment | Refund) -> bool:
    """The card provider's references (a PaymentIntent's, a refund's): finance admins of
    the school only; the student sees the payment and its refunds, not these."""
    return is_finance_admin(actor) and actor.can_see_school(payment.school_id)


def visible_deposits(actor: Actor) -> ColumnElement[bool]:
    if actor.is_platform_admin:
        return true()
    if is_finance_admin(actor):
        return BankDeposit.school_id == actor.school_id
    return false()
