"""Queries of the Driver's Record."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.progress import SYLLABUS
from resolvers import progress as resolvers
from resolvers.context import Info
from schema.common.connection import AFTER_DESCRIPTION, FIRST_DESCRIPTION, Connection
from schema.common.node import decode_id, decode_optional_id
from schema.common.permissions import IsAuthenticated
from schema.progress.types import DriverRecord, SkillEntry, SkillGroup
from services.progress import ProgressErrorCode as E

STUDENT = strawberry.argument(description="The learner; students omit it (their own record).")


@strawberry.type
class ProgressQuery:
    @strawberry.field(
        description="The driver's record syllabus: DVSA's 27 skills in 8 groups, in order.",
        permission_classes=[IsAuthenticated],
    )
    def driver_record_syllabus(self) -> list[SkillGroup]:
        return [SkillGroup(model=g, position=n) for n, g in enumerate(SYLLABUS, start=1)]

    @strawberry.field(
        description="A learner's Driver's Record (the learner, their current instructors and "
        "their school's admins). Null when there is no such learner or you may not see it.",
        permission_classes=[IsAuthenticated],
    )
    async def driver_record(
        self, info: Info, student_id: Annotated[strawberry.ID | None, STUDENT] = None
    ) -> DriverRecord | None:
        student = await resolvers.record_student(
            info, decode_optional_id(student_id, "User", E.STUDENT_NOT_FOUND, "studentId")
        )
        return DriverRecord(student_model=student) if student else None

    @strawberry.field(
        description="One skill's history for a learner, most recent lesson first.",
        permission_classes=[IsAuthenticated],
    )
    async def skill_history(
        self,
        info: Info,
        skill_code: Annotated[str, strawberry.argument(description="The skill's code.")],
        student_id: Annotated[strawberry.ID | None, STUDENT] = None,
        first: Annotated[int, strawberry.argument(description=FIRST_DESCRIPTION)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> Connection[SkillEntry]:
        page = await resolvers.skill_history(
            info,
            student_id=decode_optional_id(student_id, "User", E.STUDENT_NOT_FOUND, "studentId"),
            skill_code=skill_code,
            first=first,
            after=after,
        )
        return Connection[SkillEntry].from_page(page, lambda m: SkillEntry(model=m))

    @strawberry.field(
        description="The progress recorded against one lesson, in syllabus order.",
        permission_classes=[IsAuthenticated],
    )
    async def lesson_progress(
        self,
        info: Info,
        booking_id: Annotated[strawberry.ID, strawberry.argument(description="The lesson.")],
    ) -> list[SkillEntry]:
        rows = await resolvers.lesson_entries(
            info, decode_id(booking_id, "Booking", E.NOT_FOUND, "bookingId")
        )
        return [SkillEntry(model=r) for r in rows]
