"""Reading the audit log: school admins see their school's entries, platform admins all."""

from __future__ import annotations

from sqlalchemy import ColumnElement, true

from models.events import AuditEntry
from services.actor import Actor, Scope
from services.errors import Forbidden


def visible_entries(actor: Actor) -> ColumnElement[bool]:
    if not actor.has(Scope.AUDIT_READ):
        raise Forbidden()
    if actor.is_platform_admin:
        return true()
    return AuditEntry.school_id == actor.school_id
