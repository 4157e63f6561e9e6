"""Outbound messages (email, SMS) behind one interface.

``NotificationSender`` is what services call. ``RecordingSender`` is the
development sender: it records every message in ``outbound_messages`` (inside
the caller's transaction, so a rolled-back change sends nothing) and logs that
it did, without the body: bodies carry one-time tokens, and secrets are never
logged. SMTP and an SMS gateway implement the same interface (SPEC §6).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from models.notifications import OutboundMessage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    channel: str  # "email" | "sms"
    recipient: str
    template: str
    subject: str | None
    body: str
    user_id: uuid.UUID | None = None
    school_id: uuid.UUID | None = None
    data: dict[str, Any] = field(default_factory=dict)


class NotificationSender(Protocol):
    async def send(self, session: AsyncSession, message: Message) -> None: ...


def mask_recipient(recipient: str) -> str:
    if "@" in recipient:
        name, _, domain = recipient.partition("@")
        return f"{name[:1]}***@{domain}"
    return f"***{recipient[-3:]}"


class RecordingSender:
    async def send(self, session: AsyncSession, message: Message) -> None:
        session.add(
            OutboundMessage(
                school_id=message.school_id,
                user_id=message.user_id,
                channel=message.channel,
                recipient=message.recipient,
                template=message.template,
                subject=message.subject,
                body=message.body,
                data=message.data,
                status="recorded",
            )
        )
        log.info(
            "recorded %s %s to %s",
            message.channel,
            message.template,
            mask_recipient(message.recipient),
        )
