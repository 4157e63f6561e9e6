"""The Driver's Record as clients see it."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry

from models import progress as models
from resolvers import progress as resolvers
from resolvers.context import Info
from resolvers.scheduling import BookingByIdLoader
from schema.accounts.types import User
from schema.common.errors import UserError
from schema.common.node import Node, register_node
from schema.scheduling.types import Booking, booking_or_none
from services.progress import GROUP_OF, SKILLS, ProgressErrorCode

ProgressErrorCodeEnum = strawberry.enum(
    ProgressErrorCode, description="Why recording progress failed."
)


@strawberry.type(description="A failed Driver's Record request.")
class ProgressError(UserError):
    code: ProgressErrorCodeEnum = strawberry.field(description="Machine-readable reason.")  # type: ignore[valid-type]


@strawberry.enum(description="The five progress levels of the driver's record, lowest first.")
class SkillLevel(Enum):
    INTRODUCED = strawberry.enum_value(
        1, description="1. Introduced: the skill is new; the learner follows instructions."
    )
    HELPED = strawberry.enum_value(
        2, description="2. Helped: improving, but still needs a bit of help."
    )
    PROMPTED = strawberry.enum_value(
        3, description="3. Prompted: sometimes needs prompting, in new or unusual situations."
    )
    INDEPENDENT = strawberry.enum_value(
        4, description="4. Independent: consistent, confident and unaided."
    )
    REFLECTION = strawberry.enum_value(
        5,
        description="5. Reflection: can explain what doing it differently would have changed, "
        "and adapts.",
    )


def level_number(level: SkillLevel) -> int:
    """1 to 5 (the enum's values are its numbers; said this way for the type checker)."""
    return list(SkillLevel).index(level) + 1


async def _user(info: Info, user_id: Any) -> User | None:
    from resolvers.accounts import UserByIdLoader
    from schema.accounts.types import user_or_none

    if user_id is None:
        return None
    return user_or_none(await info.context.loaders[UserByIdLoader].load(user_id))


@strawberry.type(description="A skill of the driver's record.")
class Skill:
    model: strawberry.Private[models.Skill]

    @strawberry.field(description="Stable code, e.g. `roundabouts`; used in inputs.")
    def code(self) -> str:
        return self.model.code

    @strawberry.field(description="Its number on the official record (1 to 27).")
    def number(self) -> int:
        return self.model.number

    @strawberry.field(description="Its name on the official record.")
    def name(self) -> str:
        return self.model.name

    @strawberry.field(description="What the skill covers, in a sentence.")
    def description(self) -> str:
        return self.model.description

    @strawberry.field(description="The group it belongs to.")
    def group_code(self) -> str:
        return GROUP_OF[self.model.code].code


@strawberry.type(description="A group of skills, as the official record groups them.")
class SkillGroup:
    model: strawberry.Private[models.SkillGroup]
    position: int = strawberry.field(description="Its place on the record, from 1.")

    @strawberry.field(description="Stable code, e.g. `manoeuvres`.")
    def code(self) -> str:
        return self.model.code

    @strawberry.field(description="Its name on the official record.")
    def name(self) -> str:
        return self.model.name

    @strawberry.field(description="Its skills, in the record's order.")
    def skills(self) -> list[Skill]:
        return [Skill(model=s) for s in self.model.skills]


@strawberry.type(
    description="The level a learner showed in one skill during one completed lesson. "
    "Entries are never changed: the record's history."
)
class SkillEntry(Node):
    model: strawberry.Private[models.SkillEntry]

    @strawberry.field(description="The skill.")
    def skill(self) -> Skill:
        return Skill(model=SKILLS[self.model.skill_code])

    @strawberry.field(description="The level shown.")
    def level(self) -> SkillLevel:
        return SkillLevel(self.model.level)

    @strawberry.field(description="The learner.")
    async def student(self, info: Info) -> User | None:
        return await _user(info, self.model.student_id)

    @strawberry.field(description="The lesson it was recorded against (null if you cannot see it).")
    async def booking(self, info: Info) -> Booking | None:
        return booking_or_none(
            await info.context.loaders[BookingByIdLoader].load(self.model.booking_id)
        )

    @strawberry.field(description="When that lesson started.")
    def lesson_at(self) -> datetime:
        return self.model.lesson_at

    @strawberry.field(description="The instructor's notes on this skill.")
    def notes(self) -> str | None:
        return self.model.notes

    @strawberry.field(description="Who recorded it.")
    async def recorded_by(self, info: Info) -> User | None:
        return await _user(info, self.model.recorded_by_id)

    @strawberry.field(description="When it was recorded.")
    def recorded_at(self) -> datetime:
        return self.model.created_at


@strawberry.type(description="One skill of a learner's record, with its current level.")
class DriverRecordSkill:
    model: strawberry.Private[models.Skill]
    entry: strawberry.Private[models.SkillEntry | None]

    @strawberry.field(description="The skill.")
    def skill(self) -> Skill:
        return Skill(model=self.model)

    @strawberry.field(description="The level from the latest lesson; null before any entry.")
    def current_level(self) -> SkillLevel | None:
        return SkillLevel(self.entry.level) if self.entry else None

    @strawberry.field(description="The latest entry (its lesson, notes, who recorded it).")
    def current_entry(self) -> SkillEntry | None:
        return SkillEntry(model=self.entry) if self.entry else None


@strawberry.type(description="A group of a learner's record.")
class DriverRecordGroup:
    model: strawberry.Private[models.SkillGroup]
    entries: strawberry.Private[dict[str, models.SkillEntry]]
    position: int = strawberry.field(description="Its place on the record, from 1.")

    @strawberry.field(description="Stable code of the group.")
    def code(self) -> str:
        return self.model.code

    @strawberry.field(description="Its name on the official record.")
    def name(self) -> str:
        return self.model.name

    @strawberry.field(description="Every skill of the group, recorded or not, in order.")
    def skills(self) -> list[DriverRecordSkill]:
        return [
            DriverRecordSkill(model=s, entry=self.entries.get(s.code)) for s in self.model.skills
        ]


@strawberry.type(
    description="A learner's Driver's Record: every skill of the syllabus, grouped as the "
    "official record groups them, with its current level."
)
class DriverRecord:
    student_model: strawberry.Private[Any]

    @strawberry.field(description="The learner.")
    async def student(self, info: Info) -> User | None:
        return await _user(info, self.student_model.id)

    @strawberry.field(description="The record's groups, in order.")
    async def groups(self, info: Info) -> list[DriverRecordGroup]:
        entries = await resolvers.current_levels(info, self.student_model.id)
        return [
            DriverRecordGroup(model=g, entries=entries, position=n)
            for n, g in enumerate(models.SYLLABUS, start=1)
        ]

    @strawberry.field(
        description="How many skills have reached each level or higher: "
        "`[introduced+, helped+, prompted+, independent+, reflection]`."
    )
    async def skills_at_least(self, info: Info) -> list[int]:
        entries = await resolvers.current_levels(info, self.student_model.id)
        return [sum(1 for e in entries.values() if e.level >= n) for n in range(1, 6)]

    @strawberry.field(description="When progress was last recorded; null before any.")
    async def last_recorded_at(self, info: Info) -> datetime | None:
        entries = await resolvers.current_levels(info, self.student_model.id)
        return max((e.created_at for e in entries.values()), default=None)


async def _fetch(info: Info, pk: Any) -> SkillEntry | None:
    model = await resolvers.entry_node(info, pk)
    return SkillEntry(model=model) if model else None


register_node("SkillEntry", _fetch)
