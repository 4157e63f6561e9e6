"""Queries and the live feed of the assignments domain."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from resolvers import assignments as resolvers
from resolvers.context import Info
from schema.assignments.types import Assignment, AssignmentChange, AssignmentEvent
from schema.common.connection import AFTER_DESCRIPTION, FIRST_DESCRIPTION, Connection
from schema.common.events import AFTER_EVENT, parse_event_id, resumable
from schema.common.node import decode_optional_id
from schema.common.permissions import IsAuthenticated
from services.errors import CommonErrorCode


@strawberry.type
class AssignmentQuery:
    @strawberry.field(
        description="Your live assignments: a student's instructors or an instructor's students.",
        permission_classes=[IsAuthenticated],
    )
    async def my_assignments(self, info: Info) -> list[Assignment]:
        return [Assignment(model=m) for m in await resolvers.my_assignments(info)]

    @strawberry.field(
        description="Assignments you may see (admins: the school's; others: their own).",
        permission_classes=[IsAuthenticated],
    )
    async def assignments(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=FIRST_DESCRIPTION)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
        student_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this student.")
        ] = None,
        instructor_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this instructor.")
        ] = None,
        include_ended: Annotated[
            bool, strawberry.argument(description="Include ended assignments.")
        ] = False,
    ) -> Connection[Assignment]:
        page = await resolvers.list_assignments(
            info,
            first=first,
            after=after,
            student_id=decode_optional_id(student_id, "User", CommonErrorCode.INVALID, "studentId"),
            instructor_id=decode_optional_id(
                instructor_id, "User", CommonErrorCode.INVALID, "instructorId"
            ),
            include_ended=include_ended,
        )
        return Connection[Assignment].from_page(page, lambda m: Assignment(model=m))


@strawberry.type
class AssignmentSubscription:
    @strawberry.subscription(
        description="Told live when an admin assigns, changes or ends an assignment involving you. "
        "Pass the last `eventId` you saw as `after` to receive what you missed while disconnected.",
        permission_classes=[IsAuthenticated],
    )
    async def my_assignments_changed(
        self,
        info: Info,
        after: Annotated[str | None, AFTER_EVENT] = None,
    ) -> AsyncGenerator[AssignmentEvent, None]:
        async for event_id, change, model in resumable(
            resolvers.my_assignment_events(info, parse_event_id(after))
        ):
            yield AssignmentEvent(
                event_id=str(event_id),
                change=AssignmentChange(change),
                assignment=Assignment(model=model),
            )
