"""Users, their profiles and the authentication results, as clients see them."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, cast

import strawberry
from strawberry.scalars import JSON

from models import accounts as models
from resolvers import accounts as resolvers
from resolvers.context import Info
from resolvers.schools import SchoolByIdLoader
from schema.common.errors import UserError
from schema.common.node import Node, register_node
from schema.schools.types import School, school_or_none
from services.accounts import AccountErrorCode
from services.actor import Role as RoleValue

if TYPE_CHECKING:
    from schema.assignments.types import Assignment

AccountErrorCodeEnum = strawberry.enum(
    AccountErrorCode, description="Why an account or auth change failed."
)


@strawberry.type(description="A failed account or authentication change.")
class AccountError(UserError):
    code: AccountErrorCodeEnum = strawberry.field(description="Machine-readable reason.")  # type: ignore[valid-type]


@strawberry.enum(description="What a user is on the platform.")
class Role(Enum):
    PLATFORM_ADMIN = "platform_admin"
    SCHOOL_ADMIN = "school_admin"
    INSTRUCTOR = "instructor"
    STUDENT = "student"

    def to_service(self) -> RoleValue:
        return RoleValue(self.value)


@strawberry.enum(description="Where an account is in its life.")
class UserStatus(Enum):
    PENDING_REVIEW = "pending_review"
    ACTIVE = "active"
    REJECTED = "rejected"
    SUSPENDED = "suspended"


@strawberry.enum(description="The driving licence a student holds.")
class LicenceType(Enum):
    PROVISIONAL = "provisional"
    FULL = "full"
    NONE = "none"


@strawberry.enum(description="How much driving a student has done.")
class ExperienceLevel(Enum):
    BEGINNER = "beginner"
    SOME_EXPERIENCE = "some_experience"
    TEST_READY = "test_ready"


def _is_self_or_admin(info: Info, user: models.User) -> bool:
    actor = info.context.actor
    if actor is None:
        return False
    if actor.user_id == user.id or actor.is_platform_admin:
        return True
    return actor.role is RoleValue.SCHOOL_ADMIN and actor.school_id == user.school_id


@strawberry.type(description="A learner's profile.")
class StudentProfile:
    model: strawberry.Private[models.StudentProfile]
    student: strawberry.Private[models.User]

    @strawberry.field(description="The licence the student holds.")
    def licence_type(self) -> LicenceType:
        return LicenceType(self.model.licence_type)

    @strawberry.field(description="How much driving the student has done.")
    def experience_level(self) -> ExperienceLevel:
        return ExperienceLevel(self.model.experience_level)

    @strawberry.field(description="Whether the student has passed the theory test.")
    def theory_test_passed(self) -> bool:
        return self.model.theory_test_passed

    @strawberry.field(
        description="When the theory test was passed (a pass is valid for two years)."
    )
    def theory_test_passed_on(self) -> date | None:
        return self.model.theory_test_passed_on

    @strawberry.field(description="Date of the booked practical test.")
    def practical_test_date(self) -> date | None:
        return self.model.practical_test_date

    @strawberry.field(
        description="Medical notes. Only the student, their assigned instructors and school admins see "
        "them; anyone else gets null."
    )
    async def medical_notes(self, info: Info) -> str | None:
        if await resolvers.can_read_medical(info, self.student):
            return self.model.medical_notes
        return None

    @strawberry.field(description="Emergency contact; visible like `medicalNotes`.")
    async def emergency_contact(self, info: Info) -> str | None:
        if await resolvers.can_read_medical(info, self.student):
            return self.model.emergency_contact
        return None

    @strawberry.field(description="Areas where the student likes to have lessons.")
    def preferred_areas(self) -> list[str]:
        return list(self.model.preferred_areas)

    @strawberry.field(description="What the student wants to achieve.")
    def goals(self) -> str | None:
        return self.model.goals


@strawberry.type(description="An instructor's professional profile.")
class InstructorProfile:
    model: strawberry.Private[models.InstructorProfile]
    instructor: strawberry.Private[models.User]

    @strawberry.field(
        description="ADI licence number; visible to the instructor and school admins."
    )
    def licence_number(self, info: Info) -> str | None:
        return self.model.licence_number if _is_self_or_admin(info, self.instructor) else None

    @strawberry.field(
        description="Kinds of lesson offered (manual, automatic, intensive, pass_plus, …)."
    )
    def specialisations(self) -> list[str]:
        return list(self.model.specialisations)

    @strawberry.field(description="Hourly rate in minor units of the school's currency.")
    def hourly_rate_minor(self) -> int:
        return self.model.hourly_rate_minor

    @strawberry.field(description="Short biography.")
    def bio(self) -> str | None:
        return self.model.bio

    @strawberry.field(description="The tuition vehicle (make, model, transmission…).")
    def vehicle(self) -> JSON:
        return cast(JSON, self.model.vehicle)

    @strawberry.field(description="Qualifications beyond the ADI licence.")
    def certifications(self) -> list[str]:
        return list(self.model.certifications)

    @strawberry.field(description="Areas the instructor covers.")
    def areas_covered(self) -> list[str]:
        return list(self.model.areas_covered)

    @strawberry.field(description="The most students the instructor takes at once.")
    def max_students(self) -> int:
        return self.model.max_students

    @strawberry.field(description="The most lesson hours the instructor works in a week.")
    def max_hours_per_week(self) -> int:
        return self.model.max_hours_per_week

    @strawberry.field(description="Minutes kept free between lessons.")
    def buffer_minutes(self) -> int:
        return self.model.buffer_minutes


@strawberry.type(description="What a school admin is allowed to do.")
class AdminPermissions:
    model: strawberry.Private[models.AdminProfile]

    @strawberry.field(description="Create, review, suspend and delete users.")
    def can_manage_users(self) -> bool:
        return self.model.can_manage_users

    @strawberry.field(description="Assign instructors to students.")
    def can_assign_instructors(self) -> bool:
        return self.model.can_assign_instructors

    @strawberry.field(description="Manage lesson packages and promo codes.")
    def can_manage_packages(self) -> bool:
        return self.model.can_manage_packages

    @strawberry.field(description="Moderate the community.")
    def can_moderate_community(self) -> bool:
        return self.model.can_moderate_community

    @strawberry.field(description="See payments, refunds, invoices and earnings.")
    def can_manage_finances(self) -> bool:
        return self.model.can_manage_finances

    @strawberry.field(description="Department, if any.")
    def department(self) -> str | None:
        return self.model.department


@strawberry.type(
    description="A person with an account: platform admin, school admin, instructor or student."
)
class User(Node):
    model: strawberry.Private[models.User]

    @strawberry.field(description="Email address (unique, case-insensitive).")
    def email(self) -> str:
        return self.model.email

    @strawberry.field(description="Phone number in E.164 form.")
    def phone(self) -> str | None:
        return self.model.phone

    @strawberry.field(description="First name.")
    def first_name(self) -> str:
        return self.model.first_name

    @strawberry.field(description="Last name.")
    def last_name(self) -> str:
        return self.model.last_name

    @strawberry.field(description="First and last name.")
    def full_name(self) -> str:
        return f"{self.model.first_name} {self.model.last_name}"

    @strawberry.field(description="Avatar image URL (https).")
    def avatar_url(self) -> str | None:
        return self.model.avatar_url

    @strawberry.field(description="Preferred locale, e.g. en-GB.")
    def locale(self) -> str:
        return self.model.locale

    @strawberry.field(description="The user's own preferences; null for anyone else.")
    def preferences(self, info: Info) -> JSON | None:
        actor = info.context.actor
        mine = actor is not None and actor.user_id == self.model.id
        return cast(JSON, self.model.preferences) if mine else None

    @strawberry.field(description="The user's role.")
    def role(self) -> Role:
        return Role(self.model.role)

    @strawberry.field(description="Where the account is in its life.")
    def status(self) -> UserStatus:
        return UserStatus(self.model.status)

    @strawberry.field(
        description="Why the account was rejected or suspended (the user and admins)."
    )
    def status_reason(self, info: Info) -> str | None:
        return self.model.status_reason if _is_self_or_admin(info, self.model) else None

    @strawberry.field(description="Whether the email address has been confirmed.")
    def email_verified(self) -> bool:
        return self.model.email_verified_at is not None

    @strawberry.field(description="Whether the phone number has been confirmed.")
    def phone_verified(self) -> bool:
        return self.model.phone_verified_at is not None

    @strawberry.field(description="Last successful login (the user and admins).")
    def last_login_at(self, info: Info) -> datetime | None:
        return self.model.last_login_at if _is_self_or_admin(info, self.model) else None

    @strawberry.field(description="When the account was created.")
    def created_at(self) -> datetime:
        return self.model.created_at

    @strawberry.field(description="The user's school (null for platform admins).")
    async def school(self, info: Info) -> School | None:
        if self.model.school_id is None:
            return None
        return school_or_none(
            await info.context.loaders[SchoolByIdLoader].load(self.model.school_id)
        )

    @strawberry.field(description="Learner details, for students.")
    async def student_profile(self, info: Info) -> StudentProfile | None:
        if self.model.role != "student":
            return None
        profile = await info.context.loaders[resolvers.StudentProfileByUserLoader].load(
            self.model.id
        )
        return StudentProfile(model=profile, student=self.model) if profile else None

    @strawberry.field(description="Professional details, for instructors.")
    async def instructor_profile(self, info: Info) -> InstructorProfile | None:
        if self.model.role != "instructor":
            return None
        profile = await info.context.loaders[resolvers.InstructorProfileByUserLoader].load(
            self.model.id
        )
        return InstructorProfile(model=profile, instructor=self.model) if profile else None

    @strawberry.field(
        description="Permission flags, for school admins (visible to the admin and their peers)."
    )
    async def admin_permissions(self, info: Info) -> AdminPermissions | None:
        if self.model.role != "school_admin" or not _is_self_or_admin(info, self.model):
            return None
        profile = await info.context.loaders[resolvers.AdminProfileByUserLoader].load(self.model.id)
        return AdminPermissions(model=profile) if profile else None

    @strawberry.field(
        description="Live instructor assignments involving this user that you may see: a student's "
        "instructors, or an instructor's students."
    )
    async def assignments(
        self, info: Info
    ) -> list[Annotated[Assignment, strawberry.lazy("schema.assignments.types")]]:
        from resolvers.assignments import AssignmentsByInstructorLoader, AssignmentsByStudentLoader
        from schema.assignments.types import Assignment

        loader = (
            AssignmentsByInstructorLoader
            if self.model.role == "instructor"
            else AssignmentsByStudentLoader
        )
        rows = await info.context.loaders[loader].load(self.model.id)
        return [Assignment(model=row) for row in rows]


@strawberry.type(description="Tokens issued by `login` and `refreshToken`.")
class AuthTokens:
    access_token: str = strawberry.field(
        description="JWT for `Authorization: Bearer …` and the WebSocket `connection_init` payload."
    )
    access_token_expires_at: datetime = strawberry.field(
        description="When the access token expires."
    )
    refresh_token: str = strawberry.field(
        description="Single-use token for `refreshToken`; presenting it twice ends the session."
    )
    refresh_token_expires_at: datetime = strawberry.field(
        description="When the refresh token expires."
    )
    user: User = strawberry.field(description="Who logged in.")


def user_or_none(model: models.User | None) -> User | None:
    return User(model=model) if model is not None else None


async def _fetch_user(info: Info, pk: Any) -> User | None:
    return user_or_none(await resolvers.user(info, pk))


register_node("User", _fetch_user)
