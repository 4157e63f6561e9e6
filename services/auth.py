"""Authentication: login with throttling, rotating refresh tokens, logout, one-time tokens.

Refresh tokens rotate on every use. A token that is presented a second time
means it was copied: the whole family (the login session) is revoked, and the
legitimate holder has to log in again. Failed logins are counted per account
and per client address under advisory locks, so concurrent or aliased attempts
are counted exactly; every ``login`` field in a request is one attempt.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.database import Database
from models.accounts import (
    AdminProfile,
    AuthSession,
    LoginAttempt,
    OneTimeToken,
    RefreshToken,
    User,
)
from services.accounts import AccountErrorCode as E
from services.accounts import check_password, snapshot
from services.actor import Actor, Role, scopes_for
from services.errors import DomainError
from services.notifications import Message
from services.security import AccessTokens, InvalidToken, new_secret_token, token_digest
from services.uow import UnitOfWork
from services.validation import normalise_email
from subscriptions.envelope import user_key


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class IssuedTokens:
    user: User
    access_token: str
    access_token_expires_at: datetime
    refresh_token: str
    refresh_token_expires_at: datetime


def unusable_password() -> str:
    """A random password nobody knows, for accounts that must set theirs by link."""
    return new_secret_token()


def _lock_key(kind: str, value: str) -> int:
    digest = hashlib.sha256(f"{kind}:{value}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


async def _recent_failures(
    session: AsyncSession, column: object, value: str, since: datetime
) -> int:
    return int(
        await session.scalar(
            select(func.count()).where(
                column == value,  # type: ignore[operator]
                LoginAttempt.succeeded.is_(False),
                LoginAttempt.attempted_at > since,
            )
        )
        or 0
    )


async def login(
    uow: UnitOfWork,
    *,
    email: str,
    password: str,
    client_address: str,
    user_agent: str | None,
) -> IssuedTokens:
    policy = uow.deps.policy
    session = uow.session
    email_lower = email.strip().lower()[:320]
    # Serialise attempts on this account and from this address (held until commit).
    for key in sorted(
        (_lock_key("login-email", email_lower), _lock_key("login-addr", client_address))
    ):
        await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})
    since = now() - policy.lockout
    if (
        await _recent_failures(session, LoginAttempt.email_lower, email_lower, since)
        >= policy.max_failures_per_account
        or await _recent_failures(session, LoginAttempt.client_address, client_address, since)
        >= policy.max_failures_per_address
    ):
        # Not recorded: a locked-out caller must not extend the window forever.
        raise DomainError(
            E.TOO_MANY_ATTEMPTS,
            f"Too many failed attempts. Try again in {int(policy.lockout.total_seconds() // 60)} minutes.",
        )
    user = await session.scalar(
        select(User).where(func.lower(User.email) == email_lower, User.deleted_at.is_(None))
    )
    ok = await uow.deps.passwords.verify(user.password_hash if user else None, password)
    session.add(LoginAttempt(email_lower=email_lower, client_address=client_address, succeeded=ok))
    if not ok or user is None:
        # The failure must be counted even though the mutation reports an error.
        await session.flush()
        uow.keep_on_error = True
        raise DomainError(E.INVALID_CREDENTIALS, "Email or password is incorrect.")
    if user.status == "suspended":
        raise DomainError(E.ACCOUNT_SUSPENDED, "This account is suspended. Contact your school.")
    if user.status == "rejected":
        raise DomainError(E.ACCOUNT_REJECTED, "This registration was not accepted.")
    auth_session = AuthSession(
        user_id=user.id, user_agent=(user_agent or "")[:300] or None, client_address=client_address
    )
    session.add(auth_session)
    user.last_login_at = now()
    await session.flush()
    uow.audit(
        None,
        "auth.login",
        entity_type="User",
        entity_id=user.id,
        school_id=user.school_id,
        client_address=client_address,
    )
    return await _issue(uow, user, auth_session)


async def _issue(uow: UnitOfWork, user: User, auth_session: AuthSession) -> IssuedTokens:
    refresh = new_secret_token()
    refresh_expires = now() + uow.deps.policy.refresh_token_lifetime
    uow.session.add(
        RefreshToken(
            session_id=auth_session.id, token_hash=token_digest(refresh), expires_at=refresh_expires
        )
    )
    access, access_expires = uow.deps.tokens.issue(user.id, auth_session.id)
    await uow.session.flush()
    return IssuedTokens(user, access, access_expires, refresh, refresh_expires)


async def refresh(uow: UnitOfWork, token: str) -> IssuedTokens:
    session = uow.session
    # Spend the token atomically: of two concurrent uses exactly one wins.
    spent = await session.execute(
        update(RefreshToken)
        .where(RefreshToken.token_hash == token_digest(token), RefreshToken.used_at.is_(None))
        .values(used_at=now())
        .returning(RefreshToken.session_id, RefreshToken.expires_at)
    )
    row = spent.first()
    if row is None:
        reused = await session.scalar(
            select(RefreshToken.session_id).where(RefreshToken.token_hash == token_digest(token))
        )
        if reused is not None:
            await session.execute(
                update(AuthSession)
                .where(AuthSession.id == reused, AuthSession.revoked_at.is_(None))
                .values(revoked_at=now(), revoked_reason="refresh_token_reuse")
            )
            uow.audit(
                None,
                "auth.refresh_reuse_detected",
                entity_type="AuthSession",
                entity_id=reused,
                school_id=None,
            )
            uow.keep_on_error = True
            raise DomainError(
                E.TOKEN_REUSED, "This refresh token was already used; log in again.", "refreshToken"
            )
        raise DomainError(E.TOKEN_INVALID, "This refresh token is not valid.", "refreshToken")
    session_id, expires_at = row
    auth_session = await session.get(AuthSession, session_id, with_for_update=True)
    if auth_session is None or auth_session.revoked_at is not None:
        raise DomainError(E.TOKEN_INVALID, "This session has ended; log in again.", "refreshToken")
    if expires_at <= now():
        raise DomainError(
            E.TOKEN_EXPIRED, "This refresh token has expired; log in again.", "refreshToken"
        )
    user = await session.get(User, auth_session.user_id)
    if user is None or user.deleted_at is not None or user.status in ("suspended", "rejected"):
        raise DomainError(E.TOKEN_INVALID, "This account can no longer log in.", "refreshToken")
    auth_session.last_used_at = now()
    return await _issue(uow, user, auth_session)


async def logout(uow: UnitOfWork, actor: Actor) -> None:
    if actor.session_id is None:
        return
    await _revoke(uow, actor, AuthSession.id == actor.session_id, "logout")


async def logout_everywhere(uow: UnitOfWork, actor: Actor) -> None:
    await _revoke(uow, actor, AuthSession.user_id == actor.user_id, "logout_everywhere")
    uow.audit(
        actor,
        "auth.logout_everywhere",
        entity_type="User",
        entity_id=actor.user_id,
        school_id=actor.school_id,
    )


async def _revoke(uow: UnitOfWork, actor: Actor, condition: object, reason: str) -> None:
    await uow.session.execute(
        update(AuthSession)
        .where(condition, AuthSession.revoked_at.is_(None))  # type: ignore[arg-type]
        .values(revoked_at=now(), revoked_reason=reason)
    )
    uow.emit(
        "session.revoked",
        entity_type="User",
        entity_id=actor.user_id,
        school_id=actor.school_id,
        keys=[user_key(actor.user_id)],
        data={"session": str(actor.session_id) if reason == "logout" else "*"},
    )


async def authenticate(
    db: Database, tokens: AccessTokens, token: str, client_address: str | None
) -> Actor:
    """Turn a bearer token into an Actor with one query (user, session, admin flags)."""
    claims = tokens.decode(token)
    async with db.session() as session:
        row = (
            await session.execute(
                select(User, AuthSession.revoked_at, AdminProfile)
                .join(AuthSession, AuthSession.user_id == User.id)
                .outerjoin(AdminProfile, AdminProfile.user_id == User.id)
                .where(User.id == claims.user_id, AuthSession.id == claims.session_id)
            )
        ).first()
    if row is None:
        raise InvalidToken("unknown session")
    user, revoked_at, admin = row
    if (
        revoked_at is not None
        or user.deleted_at is not None
        or user.status in ("suspended", "rejected")
    ):
        raise InvalidToken("session ended")
    flags = (
        {
            flag: getattr(admin, flag)
            for flag in (
                "can_manage_users",
                "can_assign_instructors",
                "can_manage_packages",
                "can_moderate_community",
                "can_manage_finances",
            )
        }
        if admin
        else None
    )
    role = Role(user.role)
    return Actor(
        user_id=user.id,
        school_id=user.school_id,
        role=role,
        scopes=scopes_for(role, flags),
        session_id=claims.session_id,
        client_address=client_address,
        active=user.status == "active",
        expires_at=claims.expires_at,
    )


# -- one-time tokens ----------------------------------------------------------------------------


async def _new_one_time_token(uow: UnitOfWork, user: User, purpose: str, lifetime: object) -> str:
    token = new_secret_token()
    # A new token replaces any unused one of the same purpose.
    await uow.session.execute(
        update(OneTimeToken)
        .where(
            OneTimeToken.user_id == user.id,
            OneTimeToken.purpose == purpose,
            OneTimeToken.used_at.is_(None),
        )
        .values(used_at=now())
    )
    uow.session.add(
        OneTimeToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=token_digest(token),
            expires_at=now() + lifetime,
        )  # type: ignore[operator]
    )
    return token


async def send_email_verification(uow: UnitOfWork, user: User) -> None:
    token = await _new_one_time_token(
        uow, user, "verify_email", uow.deps.policy.email_token_lifetime
    )
    await uow.deps.sender.send(
        uow.session,
        Message(
            channel="email",
            recipient=user.email,
            template="verify_email",
            subject="Confirm your email for Clutch",
            body=f"Hello {user.first_name}, confirm your email address with this code: {token}",
            user_id=user.id,
            school_id=user.school_id,
            data={"token": token},
        ),
    )


async def send_password_reset(
    uow: UnitOfWork, user: User, template: str = "reset_password"
) -> None:
    token = await _new_one_time_token(
        uow, user, "reset_password", uow.deps.policy.password_reset_lifetime
    )
    await uow.deps.sender.send(
        uow.session,
        Message(
            channel="email",
            recipient=user.email,
            template=template,
            subject="Set your Clutch password",
            body=f"Hello {user.first_name}, set a new password with this code: {token}",
            user_id=user.id,
            school_id=user.school_id,
            data={"token": token},
        ),
    )


async def request_email_verification(uow: UnitOfWork, actor: Actor) -> None:
    user = await uow.session.get(User, actor.user_id)
    if user is None:  # pragma: no cover
        raise DomainError(E.NOT_FOUND, "No such user.")
    if user.email_verified_at is not None:
        raise DomainError(E.ALREADY_VERIFIED, "Your email address is already verified.")
    await send_email_verification(uow, user)


async def request_password_reset(uow: UnitOfWork, email: str) -> None:
    """Always succeeds, so the answer does not reveal whether an account exists."""
    try:
        address = normalise_email(email, E.INVALID_EMAIL)
    except DomainError:
        return
    user = await uow.session.scalar(
        select(User).where(func.lower(User.email) == address.lower(), User.deleted_at.is_(None))
    )
    if user is not None and user.status not in ("rejected",):
        await send_password_reset(uow, user)


async def _spend_one_time_token(uow: UnitOfWork, token: str, purpose: str) -> User:
    row = await uow.session.scalar(
        select(OneTimeToken)
        .where(OneTimeToken.token_hash == token_digest(token), OneTimeToken.purpose == purpose)
        .with_for_update()
    )
    if row is None or row.used_at is not None:
        raise DomainError(E.TOKEN_INVALID, "This code is not valid or was already used.", "token")
    if row.expires_at <= now():
        raise DomainError(E.TOKEN_EXPIRED, "This code has expired; ask for a new one.", "token")
    row.used_at = now()
    user = await uow.session.get(User, row.user_id, with_for_update=True)
    if user is None or user.deleted_at is not None:
        raise DomainError(E.TOKEN_INVALID, "This code is not valid or was already used.", "token")
    return user


async def verify_email(uow: UnitOfWork, token: str) -> User:
    user = await _spend_one_time_token(uow, token, "verify_email")
    user.email_verified_at = now()
    return user


async def reset_password(uow: UnitOfWork, token: str, new_password: str) -> User:
    check_password(new_password, "newPassword")
    user = await _spend_one_time_token(uow, token, "reset_password")
    user.password_hash = await uow.deps.passwords.hash(new_password)
    if user.email_verified_at is None:
        user.email_verified_at = now()  # the link proved control of the mailbox
    await uow.session.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=now(), revoked_reason="password_reset")
    )
    uow.audit(
        None,
        "auth.password_reset",
        entity_type="User",
        entity_id=user.id,
        school_id=user.school_id,
        after=snapshot(user),
    )
    return user


async def change_password(uow: UnitOfWork, actor: Actor, current: str, new_password: str) -> User:
    user = await uow.session.get(User, actor.user_id, with_for_update=True)
    if user is None:  # pragma: no cover
        raise DomainError(E.NOT_FOUND, "No such user.")
    if not await uow.deps.passwords.verify(user.password_hash, current):
        raise DomainError(
            E.WRONG_PASSWORD, "Your current password is not correct.", "currentPassword"
        )
    check_password(new_password, "newPassword")
    user.password_hash = await uow.deps.passwords.hash(new_password)
    # Every other session ends; this one stays.
    await uow.session.execute(
        update(AuthSession)
        .where(
            AuthSession.user_id == user.id,
            AuthSession.id != actor.session_id,
            AuthSession.revoked_at.is_(None),
        )
        .values(revoked_at=now(), revoked_reason="password_changed")
    )
    uow.audit(
        actor,
        "auth.password_changed",
        entity_type="User",
        entity_id=user.id,
        school_id=user.school_id,
    )
    return user
