"""Inputs of the Driver's Record."""

from __future__ import annotations

import strawberry

from schema.progress.types import SkillLevel


@strawberry.input(description="The level shown in one skill.")
class SkillEntryInput:
    skill_code: str = strawberry.field(description="The skill's code (see `driverRecordSyllabus`).")
    level: SkillLevel = strawberry.field(description="The level the learner showed.")
    notes: str | None = strawberry.field(
        default=None, description="Notes on this skill (up to 1,000 characters)."
    )


@strawberry.input(description="Record progress after a completed lesson.")
class RecordDriverProgressInput:
    booking_id: strawberry.ID = strawberry.field(description="The completed lesson.")
    entries: list[SkillEntryInput] = strawberry.field(
        description="One entry per skill practised (each skill at most once per lesson)."
    )
