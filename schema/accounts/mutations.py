"""Mutations of the accounts domain: registration, auth, profiles, lifecycle."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from resolvers import accounts as resolvers
from resolvers.context import Info
from schema.accounts.inputs import (
    ChangePasswordInput,
    CreateUserInput,
    LoginInput,
    RefreshTokenInput,
    RegisterStudentInput,
    RequestPasswordResetInput,
    ResetPasswordInput,
    ReviewDecision,
    ReviewRegistrationInput,
    TokenInput,
    UpdateAdminPermissionsInput,
    UpdateInstructorProfileInput,
    UpdateMyAccountInput,
    UpdateStudentProfileInput,
    UserActionInput,
    VerifyPhoneInput,
)
from schema.accounts.types import (
    AccountError,
    AdminPermissions,
    AuthTokens,
    User,
    user_or_none,
)
from schema.common.arguments import INPUT
from schema.common.errors import attempt, user_errors
from schema.common.node import decode_id, decode_optional_id
from schema.common.permissions import IsAuthenticated
from services.accounts import AccountErrorCode as E
from services.auth import IssuedTokens
from services.errors import DomainError


def account_errors(errors: list[DomainError]) -> list[AccountError]:
    return user_errors(AccountError, E, errors)


def _user_id(global_id: str) -> Any:
    return decode_id(global_id, "User", E.NOT_FOUND, "userId")


@strawberry.type(description="Result of a mutation that returns a user.")
class UserPayload:
    user: User | None = strawberry.field(description="The user, when the change succeeded.")
    errors: list[AccountError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="Result of `login` and `refreshToken`.")
class AuthPayload:
    tokens: AuthTokens | None = strawberry.field(description="New tokens, when it succeeded.")
    errors: list[AccountError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="Result of a mutation with nothing to return but success.")
class AccountActionPayload:
    ok: bool = strawberry.field(description="True when it succeeded.")
    errors: list[AccountError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="Result of `updateStudentProfile`.")
class StudentProfilePayload:
    user: User | None = strawberry.field(description="The student, with the updated profile.")
    errors: list[AccountError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="Result of `updateInstructorProfile`.")
class InstructorProfilePayload:
    user: User | None = strawberry.field(description="The instructor, with the updated profile.")
    errors: list[AccountError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="Result of `updateAdminPermissions`.")
class AdminPermissionsPayload:
    permissions: AdminPermissions | None = strawberry.field(
        description="The admin's permissions now."
    )
    errors: list[AccountError] = strawberry.field(description="Why it failed; empty on success.")


def _user_payload(user: Any, errors: list[DomainError]) -> UserPayload:
    return UserPayload(user=user_or_none(user), errors=account_errors(errors))


def _auth_payload(tokens: IssuedTokens | None, errors: list[DomainError]) -> AuthPayload:
    if tokens is None:
        return AuthPayload(tokens=None, errors=account_errors(errors))
    return AuthPayload(
        tokens=AuthTokens(
            access_token=tokens.access_token,
            access_token_expires_at=tokens.access_token_expires_at,
            refresh_token=tokens.refresh_token,
            refresh_token_expires_at=tokens.refresh_token_expires_at,
            user=User(model=tokens.user),
        ),
        errors=[],
    )


def _ok(errors: list[DomainError]) -> AccountActionPayload:
    return AccountActionPayload(ok=not errors, errors=account_errors(errors))


@strawberry.type
class AccountMutation:
    @strawberry.mutation(
        description="Register as a learner with a school; an admin then reviews you."
    )
    async def register_student(
        self, info: Info, input: Annotated[RegisterStudentInput, INPUT]
    ) -> UserPayload:
        user, errors = await attempt(
            resolvers.register_student(
                info,
                school_slug=input.school_slug,
                email=input.email,
                password=input.password,
                first_name=input.first_name,
                last_name=input.last_name,
                phone=input.phone,
            )
        )
        return _user_payload(user, errors)

    @strawberry.mutation(
        description="Log in. Repeated failures lock the account and the client address for a while.",
    )
    async def login(self, info: Info, input: Annotated[LoginInput, INPUT]) -> AuthPayload:
        tokens, errors = await attempt(resolvers.login(info, input.email, input.password))
        return _auth_payload(tokens, errors)

    @strawberry.mutation(
        description="Exchange a refresh token for new tokens (the old one is spent)."
    )
    async def refresh_token(
        self, info: Info, input: Annotated[RefreshTokenInput, INPUT]
    ) -> AuthPayload:
        tokens, errors = await attempt(resolvers.refresh_token(info, input.refresh_token))
        return _auth_payload(tokens, errors)

    @strawberry.mutation(description="End this session.", permission_classes=[IsAuthenticated])
    async def logout(self, info: Info) -> AccountActionPayload:
        _, errors = await attempt(resolvers.logout(info))
        return _ok(errors)

    @strawberry.mutation(
        description="End every session of this account, on every device.",
        permission_classes=[IsAuthenticated],
    )
    async def logout_everywhere(self, info: Info) -> AccountActionPayload:
        _, errors = await attempt(resolvers.logout_everywhere(info))
        return _ok(errors)

    @strawberry.mutation(
        description="Send a new email confirmation code.", permission_classes=[IsAuthenticated]
    )
    async def request_email_verification(self, info: Info) -> AccountActionPayload:
        _, errors = await attempt(resolvers.request_email_verification(info))
        return _ok(errors)

    @strawberry.mutation(
        description="Text a six-digit code to your phone (valid 10 minutes, 5 tries).",
        permission_classes=[IsAuthenticated],
    )
    async def request_phone_verification(self, info: Info) -> AccountActionPayload:
        _, errors = await attempt(resolvers.request_phone_verification(info))
        return _ok(errors)

    @strawberry.mutation(
        description="Confirm your phone number with the texted code.",
        permission_classes=[IsAuthenticated],
    )
    async def verify_phone(
        self, info: Info, input: Annotated[VerifyPhoneInput, INPUT]
    ) -> UserPayload:
        user, errors = await attempt(resolvers.verify_phone(info, input.code))
        return _user_payload(user, errors)

    @strawberry.mutation(description="Confirm an email address with the emailed code.")
    async def verify_email(self, info: Info, input: Annotated[TokenInput, INPUT]) -> UserPayload:
        user, errors = await attempt(resolvers.verify_email(info, input.token))
        # Verification may happen logged out: report success without exposing the user.
        return UserPayload(
            user=user_or_none(user)
            if info.context.actor and user and user.id == info.context.actor.user_id
            else None,
            errors=account_errors(errors),
        )

    @strawberry.mutation(
        description="Email a password-reset code. Always succeeds, whether or not the account exists."
    )
    async def request_password_reset(
        self, info: Info, input: Annotated[RequestPasswordResetInput, INPUT]
    ) -> AccountActionPayload:
        _, errors = await attempt(resolvers.request_password_reset(info, input.email))
        return _ok(errors)

    @strawberry.mutation(description="Set a new password with a reset code; every session ends.")
    async def reset_password(
        self, info: Info, input: Annotated[ResetPasswordInput, INPUT]
    ) -> AccountActionPayload:
        _, errors = await attempt(resolvers.reset_password(info, input.token, input.new_password))
        return _ok(errors)

    @strawberry.mutation(
        description="Change your password; your other sessions end.",
        permission_classes=[IsAuthenticated],
    )
    async def change_password(
        self, info: Info, input: Annotated[ChangePasswordInput, INPUT]
    ) -> AccountActionPayload:
        _, errors = await attempt(
            resolvers.change_password(info, input.current_password, input.new_password)
        )
        return _ok(errors)

    @strawberry.mutation(
        description="Change your own account details.", permission_classes=[IsAuthenticated]
    )
    async def update_my_account(
        self, info: Info, input: Annotated[UpdateMyAccountInput, INPUT]
    ) -> UserPayload:
        user, errors = await attempt(resolvers.update_my_account(info, **strawberry.asdict(input)))
        return _user_payload(user, errors)

    @strawberry.mutation(
        description="Create an active account (school admins with user management; platform admins).",
        permission_classes=[IsAuthenticated],
    )
    async def create_user(
        self, info: Info, input: Annotated[CreateUserInput, INPUT]
    ) -> UserPayload:
        async def work() -> Any:
            return await resolvers.create_user(
                info,
                school_id=decode_optional_id(input.school_id, "School", E.NOT_FOUND, "schoolId"),
                role=input.role.to_service(),
                email=input.email,
                password=input.password,
                first_name=input.first_name,
                last_name=input.last_name,
                phone=input.phone,
            )

        user, errors = await attempt(work())
        return _user_payload(user, errors)

    @strawberry.mutation(
        description="Activate or reject a pending registration.",
        permission_classes=[IsAuthenticated],
    )
    async def review_registration(
        self, info: Info, input: Annotated[ReviewRegistrationInput, INPUT]
    ) -> UserPayload:
        async def work() -> Any:
            return await resolvers.review_registration(
                info,
                _user_id(input.user_id),
                approve=input.decision is ReviewDecision.ACTIVATE,
                reason=input.reason,
            )

        user, errors = await attempt(work())
        return _user_payload(user, errors)

    @strawberry.mutation(
        description="Suspend a user; their sessions end at once.",
        permission_classes=[IsAuthenticated],
    )
    async def suspend_user(
        self, info: Info, input: Annotated[UserActionInput, INPUT]
    ) -> UserPayload:
        async def work() -> Any:
            return await resolvers.suspend_user(info, _user_id(input.user_id), input.reason)

        user, errors = await attempt(work())
        return _user_payload(user, errors)

    @strawberry.mutation(description="Lift a suspension.", permission_classes=[IsAuthenticated])
    async def reinstate_user(
        self, info: Info, input: Annotated[UserActionInput, INPUT]
    ) -> UserPayload:
        async def work() -> Any:
            return await resolvers.reinstate_user(info, _user_id(input.user_id))

        user, errors = await attempt(work())
        return _user_payload(user, errors)

    @strawberry.mutation(
        description="Delete a user (soft: history is kept, the account disappears and its assignments end).",
        permission_classes=[IsAuthenticated],
    )
    async def delete_user(
        self, info: Info, input: Annotated[UserActionInput, INPUT]
    ) -> AccountActionPayload:
        async def work() -> Any:
            return await resolvers.delete_user(info, _user_id(input.user_id))

        _, errors = await attempt(work())
        return _ok(errors)

    @strawberry.mutation(
        description="Change a student's profile.", permission_classes=[IsAuthenticated]
    )
    async def update_student_profile(
        self, info: Info, input: Annotated[UpdateStudentProfileInput, INPUT]
    ) -> StudentProfilePayload:
        async def work() -> Any:
            changes: dict[str, Any] = strawberry.asdict(input)
            changes.pop("user_id")
            for key in ("licence_type", "experience_level"):
                if changes[key] is not None:
                    changes[key] = changes[key].value
            await resolvers.update_student_profile(info, _user_id(input.user_id), changes)
            return await resolvers.user(info, _user_id(input.user_id))

        user, errors = await attempt(work())
        return StudentProfilePayload(user=user_or_none(user), errors=account_errors(errors))

    @strawberry.mutation(
        description="Change an instructor's profile.", permission_classes=[IsAuthenticated]
    )
    async def update_instructor_profile(
        self, info: Info, input: Annotated[UpdateInstructorProfileInput, INPUT]
    ) -> InstructorProfilePayload:
        async def work() -> Any:
            changes = strawberry.asdict(input)
            changes.pop("user_id")
            await resolvers.update_instructor_profile(info, _user_id(input.user_id), changes)
            return await resolvers.user(info, _user_id(input.user_id))

        user, errors = await attempt(work())
        return InstructorProfilePayload(user=user_or_none(user), errors=account_errors(errors))

    @strawberry.mutation(
        description="Change a school admin's permission flags.",
        permission_classes=[IsAuthenticated],
    )
    async def update_admin_permissions(
        self, info: Info, input: Annotated[UpdateAdminPermissionsInput, INPUT]
    ) -> AdminPermissionsPayload:
        async def work() -> Any:
            flags: dict[str, Any] = strawberry.asdict(input)
            flags.pop("user_id")
            return await resolvers.update_admin_permissions(info, _user_id(input.user_id), flags)

        profile, errors = await attempt(work())
        return AdminPermissionsPayload(
            permissions=AdminPermissions(model=profile) if profile else None,
            errors=account_errors(errors),
        )
