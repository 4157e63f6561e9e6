"""Inputs of the assignments domain."""

from __future__ import annotations

from datetime import date

import strawberry

from schema.assignments.types import AssignmentType


@strawberry.input(description="Assign an instructor to a student.")
class AssignInstructorInput:
    student_id: strawberry.ID = strawberry.field(description="An active student of your school.")
    instructor_id: strawberry.ID = strawberry.field(
        description="An active instructor of the same school."
    )
    assignment_type: AssignmentType = strawberry.field(
        default=AssignmentType.PRIMARY,
        description="Primary (at most one per student), secondary or temporary.",
    )
    priority: int = strawberry.field(default=1, description="1 (first choice) to 100.")
    starts_on: date | None = strawberry.field(
        default=None, description="Defaults to today (school's date)."
    )
    ends_on: date | None = strawberry.field(
        default=None, description="Required for temporary assignments."
    )
    notes: str | None = strawberry.field(
        default=None, description="Notes for admins and the instructor."
    )


@strawberry.input(description="Change an assignment; omitted fields stay as they are.")
class UpdateAssignmentInput:
    assignment_id: strawberry.ID = strawberry.field(description="The assignment.")
    assignment_type: AssignmentType | None = strawberry.field(default=None, description="New type.")
    priority: int | None = strawberry.field(default=None, description="New priority.")
    starts_on: date | None = strawberry.field(default=None, description="New start date.")
    ends_on: date | None = strawberry.field(default=None, description="New end date.")
    clear_end_date: bool = strawberry.field(default=False, description="Remove the end date.")
    notes: str | None = strawberry.field(default=None, description="New notes.")


@strawberry.input(description="End an assignment.")
class EndAssignmentInput:
    assignment_id: strawberry.ID = strawberry.field(description="The assignment.")
    reason: str | None = strawberry.field(
        default=None, description="Why it ends (kept in its notes)."
    )
