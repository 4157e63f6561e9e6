"""Mutations of the assignments domain."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from resolvers import assignments as resolvers
from resolvers.context import Info
from schema.assignments.inputs import (
    AssignInstructorInput,
    EndAssignmentInput,
    UpdateAssignmentInput,
)
from schema.assignments.types import Assignment, AssignmentError, assignment_or_none
from schema.common.arguments import INPUT
from schema.common.errors import attempt, user_errors
from schema.common.node import decode_id
from schema.common.permissions import IsAuthenticated
from services.assignments import AssignmentErrorCode as E
from services.errors import DomainError


@strawberry.type(description="Result of an assignment mutation.")
class AssignmentPayload:
    assignment: Assignment | None = strawberry.field(
        description="The assignment, when it succeeded."
    )
    errors: list[AssignmentError] = strawberry.field(description="Why it failed; empty on success.")


def _payload(model: Any, errors: list[DomainError]) -> AssignmentPayload:
    return AssignmentPayload(
        assignment=assignment_or_none(model), errors=user_errors(AssignmentError, E, errors)
    )


@strawberry.type
class AssignmentMutation:
    @strawberry.mutation(
        description="Assign an instructor to a student (admins who may assign instructors). The "
        "instructor's capacity is respected.",
        permission_classes=[IsAuthenticated],
    )
    async def assign_instructor(
        self, info: Info, input: Annotated[AssignInstructorInput, INPUT]
    ) -> AssignmentPayload:
        async def work() -> Any:
            return await resolvers.assign_instructor(
                info,
                student_id=decode_id(input.student_id, "User", E.STUDENT_NOT_FOUND, "studentId"),
                instructor_id=decode_id(
                    input.instructor_id, "User", E.INSTRUCTOR_NOT_FOUND, "instructorId"
                ),
                assignment_type=input.assignment_type.value,
                priority=input.priority,
                starts_on=input.starts_on,
                ends_on=input.ends_on,
                notes=input.notes,
            )

        return _payload(*await attempt(work()))

    @strawberry.mutation(description="Change an assignment.", permission_classes=[IsAuthenticated])
    async def update_assignment(
        self, info: Info, input: Annotated[UpdateAssignmentInput, INPUT]
    ) -> AssignmentPayload:
        async def work() -> Any:
            return await resolvers.update_assignment(
                info,
                decode_id(input.assignment_id, "Assignment", E.NOT_FOUND, "assignmentId"),
                assignment_type=input.assignment_type.value if input.assignment_type else None,
                priority=input.priority,
                starts_on=input.starts_on,
                ends_on=input.ends_on,
                clear_end=input.clear_end_date,
                notes=input.notes,
            )

        return _payload(*await attempt(work()))

    @strawberry.mutation(description="End an assignment.", permission_classes=[IsAuthenticated])
    async def end_assignment(
        self, info: Info, input: Annotated[EndAssignmentInput, INPUT]
    ) -> AssignmentPayload:
        async def work() -> Any:
            return await resolvers.end_assignment(
                info,
                decode_id(input.assignment_id, "Assignment", E.NOT_FOUND, "assignmentId"),
                input.reason,
            )

        return _payload(*await attempt(work()))
