"""Instructor assignments as clients see them."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

import strawberry

from models import assignments as models
from resolvers import assignments as resolvers
from resolvers.accounts import UserByIdLoader
from resolvers.context import Info
from resolvers.schools import SchoolByIdLoader
from schema.accounts.types import User, user_or_none
from schema.common.errors import UserError
from schema.common.node import Node, register_node
from services import assignments as service
from services.actor import Role
from services.assignments import AssignmentErrorCode

AssignmentErrorCodeEnum = strawberry.enum(
    AssignmentErrorCode, description="Why an assignment change failed."
)


@strawberry.type(description="A failed assignment change.")
class AssignmentError(UserError):
    code: AssignmentErrorCodeEnum = strawberry.field(description="Machine-readable reason.")  # type: ignore[valid-type]


@strawberry.enum(description="How an instructor is assigned to a student.")
class AssignmentType(Enum):
    PRIMARY = "primary"
    SECONDARY = "secondary"
    TEMPORARY = "temporary"


@strawberry.enum(description="Whether an assignment is still in force.")
class AssignmentStatus(Enum):
    ACTIVE = "active"
    ENDED = "ended"


@strawberry.type(description="An instructor assigned to a student by a school admin.")
class Assignment(Node):
    model: strawberry.Private[models.InstructorAssignment]

    @strawberry.field(description="The student.")
    async def student(self, info: Info) -> User | None:
        return user_or_none(await info.context.loaders[UserByIdLoader].load(self.model.student_id))

    @strawberry.field(description="The instructor.")
    async def instructor(self, info: Info) -> User | None:
        return user_or_none(
            await info.context.loaders[UserByIdLoader].load(self.model.instructor_id)
        )

    @strawberry.field(description="The admin who made the assignment.")
    async def assigned_by(self, info: Info) -> User | None:
        if self.model.assigned_by_id is None:
            return None
        return user_or_none(
            await info.context.loaders[UserByIdLoader].load(self.model.assigned_by_id)
        )

    @strawberry.field(description="Primary, secondary or temporary.")
    def assignment_type(self) -> AssignmentType:
        return AssignmentType(self.model.assignment_type)

    @strawberry.field(description="Active or ended.")
    def status(self) -> AssignmentStatus:
        return AssignmentStatus(self.model.status)

    @strawberry.field(
        description="Lower numbers come first when a student has several instructors."
    )
    def priority(self) -> int:
        return self.model.priority

    @strawberry.field(description="First day of the assignment (school's local date).")
    def starts_on(self) -> date:
        return self.model.starts_on

    @strawberry.field(description="Last day of the assignment, if it has one.")
    def ends_on(self) -> date | None:
        return self.model.ends_on

    @strawberry.field(description="Whether the student can book with this instructor today.")
    async def is_current(self, info: Info) -> bool:
        school = await info.context.loaders[SchoolByIdLoader].load(self.model.school_id)
        zone = ZoneInfo(school.time_zone) if school else ZoneInfo("UTC")
        return service.is_current(self.model, datetime.now(zone).date())

    @strawberry.field(
        description="Admin notes; visible to admins and the instructor, not the student."
    )
    def notes(self, info: Info) -> str | None:
        actor = info.context.actor
        if actor is None or (actor.role is Role.STUDENT):
            return None
        return self.model.notes

    @strawberry.field(description="When the assignment was made.")
    def created_at(self) -> datetime:
        return self.model.created_at

    @strawberry.field(description="When the assignment ended.")
    def ended_at(self) -> datetime | None:
        return self.model.ended_at


@strawberry.enum(description="What happened to an assignment.")
class AssignmentChange(Enum):
    CREATED = "assignment.created"
    UPDATED = "assignment.updated"
    ENDED = "assignment.ended"


@strawberry.type(description="A live change to an assignment that involves you.")
class AssignmentEvent:
    event_id: str = strawberry.field(
        description="Pass it as `after` when you reconnect to receive what you missed."
    )
    change: AssignmentChange = strawberry.field(description="What happened.")
    assignment: Assignment = strawberry.field(description="The assignment as it is now.")


def assignment_or_none(model: models.InstructorAssignment | None) -> Assignment | None:
    return Assignment(model=model) if model is not None else None


async def _fetch(info: Info, pk: Any) -> Assignment | None:
    return assignment_or_none(await resolvers.assignment(info, pk))


register_node("Assignment", _fetch)
