"""Mutations of the Driver's Record."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from resolvers import progress as resolvers
from resolvers.context import Info
from schema.common.arguments import INPUT
from schema.common.errors import attempt, user_errors
from schema.common.node import decode_id
from schema.common.permissions import IsAuthenticated
from schema.progress.inputs import RecordDriverProgressInput
from schema.progress.types import ProgressError, SkillEntry, level_number
from services.errors import DomainError
from services.progress import EntryInput
from services.progress import ProgressErrorCode as E


@strawberry.type(description="Result of recording progress.")
class RecordDriverProgressPayload:
    entries: list[SkillEntry] | None = strawberry.field(
        description="The entries recorded, on success."
    )
    errors: list[ProgressError] = strawberry.field(description="Why it failed; empty on success.")


def _payload(rows: Any, errors: list[DomainError]) -> RecordDriverProgressPayload:
    return RecordDriverProgressPayload(
        entries=[SkillEntry(model=r) for r in rows] if rows is not None else None,
        errors=user_errors(ProgressError, E, errors),
    )


@strawberry.type
class ProgressMutation:
    @strawberry.mutation(
        description="Record the levels a learner showed in a completed lesson (its instructor or "
        "an admin). Progress is recorded after the lesson, never while supervising one. Each "
        "skill once per lesson; entries are never changed, the next lesson's entry supersedes.",
        permission_classes=[IsAuthenticated],
    )
    async def record_driver_progress(
        self, info: Info, input: Annotated[RecordDriverProgressInput, INPUT]
    ) -> RecordDriverProgressPayload:
        async def work() -> Any:
            return await resolvers.record_progress(
                info,
                decode_id(input.booking_id, "Booking", E.NOT_FOUND, "bookingId"),
                [EntryInput(e.skill_code, level_number(e.level), e.notes) for e in input.entries],
            )

        return _payload(*await attempt(work()))
