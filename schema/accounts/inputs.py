"""Inputs of the accounts domain."""

from __future__ import annotations

from datetime import date
from enum import Enum

import strawberry
from strawberry.scalars import JSON

from schema.accounts.types import ExperienceLevel, LicenceType, Role


@strawberry.input(description="Self-registration of a learner into a school.")
class RegisterStudentInput:
    school_slug: str = strawberry.field(description="The school's registration code.")
    email: str = strawberry.field(description="Email address; a confirmation code is sent to it.")
    password: str = strawberry.field(description="10 to 200 characters.")
    first_name: str = strawberry.field(description="First name.")
    last_name: str = strawberry.field(description="Last name.")
    phone: str | None = strawberry.field(
        default=None, description="Mobile number (UK numbers may omit +44)."
    )


@strawberry.input(description="An account created by an admin; active at once.")
class CreateUserInput:
    role: Role = strawberry.field(description="The new user's role.")
    email: str = strawberry.field(description="Email address.")
    first_name: str = strawberry.field(description="First name.")
    last_name: str = strawberry.field(description="Last name.")
    phone: str | None = strawberry.field(default=None, description="Mobile number.")
    password: str | None = strawberry.field(
        default=None, description="Initial password; omit it to email a set-password code instead."
    )
    school_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The school (platform admins only; school admins create in their own).",
    )


@strawberry.enum(description="An admin's decision on a pending registration.")
class ReviewDecision(Enum):
    ACTIVATE = "activate"
    REJECT = "reject"


@strawberry.input(description="Activate or reject a pending registration.")
class ReviewRegistrationInput:
    user_id: strawberry.ID = strawberry.field(description="The pending student.")
    decision: ReviewDecision = strawberry.field(description="Activate or reject.")
    reason: str | None = strawberry.field(
        default=None, description="Shown to the student if rejected."
    )


@strawberry.input(description="Identify a user to act on, with an optional reason.")
class UserActionInput:
    user_id: strawberry.ID = strawberry.field(description="The user.")
    reason: str | None = strawberry.field(default=None, description="Recorded in the audit log.")


@strawberry.input(description="Changes to your own account; omitted fields stay as they are.")
class UpdateMyAccountInput:
    first_name: str | None = strawberry.field(default=None, description="First name.")
    last_name: str | None = strawberry.field(default=None, description="Last name.")
    phone: str | None = strawberry.field(
        default=None, description="Mobile number (unverifies the phone)."
    )
    avatar_url: str | None = strawberry.field(default=None, description="https URL of an avatar.")
    locale: str | None = strawberry.field(default=None, description="Preferred locale.")
    preferences: JSON | None = strawberry.field(
        default=None, description="Free-form preferences object."
    )


@strawberry.input(description="Changes to a student's profile (the student, or a school admin).")
class UpdateStudentProfileInput:
    user_id: strawberry.ID = strawberry.field(description="The student.")
    licence_type: LicenceType | None = strawberry.field(default=None, description="Licence held.")
    experience_level: ExperienceLevel | None = strawberry.field(
        default=None, description="Experience."
    )
    theory_test_passed: bool | None = strawberry.field(
        default=None, description="Theory test passed."
    )
    theory_test_passed_on: date | None = strawberry.field(
        default=None, description="Date of the pass."
    )
    practical_test_date: date | None = strawberry.field(
        default=None, description="Booked practical test."
    )
    medical_notes: str | None = strawberry.field(
        default=None, description="Medical notes (restricted)."
    )
    emergency_contact: str | None = strawberry.field(default=None, description="Emergency contact.")
    preferred_areas: list[str] | None = strawberry.field(
        default=None, description="Preferred areas."
    )
    goals: str | None = strawberry.field(default=None, description="Learning goals.")


@strawberry.input(
    description="Changes to an instructor's profile (capacity and rate: school admins)."
)
class UpdateInstructorProfileInput:
    user_id: strawberry.ID = strawberry.field(description="The instructor.")
    licence_number: str | None = strawberry.field(default=None, description="ADI licence number.")
    specialisations: list[str] | None = strawberry.field(default=None, description="Lesson kinds.")
    hourly_rate_minor: int | None = strawberry.field(
        default=None, description="Hourly rate, minor units."
    )
    bio: str | None = strawberry.field(default=None, description="Biography.")
    vehicle: JSON | None = strawberry.field(default=None, description="Vehicle details object.")
    certifications: list[str] | None = strawberry.field(default=None, description="Certifications.")
    areas_covered: list[str] | None = strawberry.field(default=None, description="Areas covered.")
    max_students: int | None = strawberry.field(default=None, description="Capacity (0–500).")
    max_hours_per_week: int | None = strawberry.field(
        default=None, description="Weekly hours cap (0–80)."
    )
    buffer_minutes: int | None = strawberry.field(
        default=None, description="Gap between lessons (0–120)."
    )


@strawberry.input(description="Permission flags of a school admin; omitted flags stay as they are.")
class UpdateAdminPermissionsInput:
    user_id: strawberry.ID = strawberry.field(description="The school admin.")
    can_manage_users: bool | None = strawberry.field(default=None, description="Manage users.")
    can_assign_instructors: bool | None = strawberry.field(
        default=None, description="Assign instructors."
    )
    can_manage_packages: bool | None = strawberry.field(
        default=None, description="Manage packages."
    )
    can_moderate_community: bool | None = strawberry.field(default=None, description="Moderate.")
    can_manage_finances: bool | None = strawberry.field(
        default=None, description="Manage finances."
    )


@strawberry.input(description="Credentials for `login`.")
class LoginInput:
    email: str = strawberry.field(description="Account email.")
    password: str = strawberry.field(description="Account password.")


@strawberry.input(description="A refresh token to exchange for new tokens.")
class RefreshTokenInput:
    refresh_token: str = strawberry.field(
        description="The refresh token from `login` or the last refresh."
    )


@strawberry.input(description="A one-time code from an email.")
class TokenInput:
    token: str = strawberry.field(description="The code.")


@strawberry.input(description="The six-digit code texted to your phone.")
class VerifyPhoneInput:
    code: str = strawberry.field(description="The code from the text message.")


@strawberry.input(description="Ask for a password-reset code.")
class RequestPasswordResetInput:
    email: str = strawberry.field(description="Account email.")


@strawberry.input(description="Set a new password with a reset code.")
class ResetPasswordInput:
    token: str = strawberry.field(description="The code from the email.")
    new_password: str = strawberry.field(description="10 to 200 characters.")


@strawberry.input(description="Change your password.")
class ChangePasswordInput:
    current_password: str = strawberry.field(description="Your current password.")
    new_password: str = strawberry.field(description="10 to 200 characters.")
