"""Authentication: login with throttling, rotating refresh tokens, logout, one-time tokens.

Refresh tokens rotate on every use. A token that is presented a second time
means it was copied: the whole family (the login session) is revoked, and the
legitimate holder has to log in again.

Failed logins are counted per account and per client address. An attempt is
recorded (as a failure) under advisory locks before its password is checked,
so concurrent attempts are counted exactly; the slow password hash then runs
with no lock or connection held, and a right password turns the attempt into a
success. Every ``login`` field is one attempt, and the GraphQL layer allows one
per document.
"""

from __future__ import annotations

import hashlib
import ipaddress
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

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
from services.actor import ADMIN_FLAG_SCOPES, Actor, Role, scopes_for
from services.deps import AccountPolicy
from services.errors import DomainError
from services.notifications import Message
from services.security import (
    AccessTokens,
    InvalidToken,
    PasswordHashing,
    constant_time_equal,
    new_numeric_code,
    new_secret_token,
    salted_code_digest,
    token_digest,
)
from services.sessions import revoke_sessions
from services.uow import UnitOfWork
from services.validation import normalise_email


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class IssuedTokens:
    user: User
    access_token: str
    access_token_expires_at: datetime
    refresh_token: str
    refresh_token_expires_at: datetime
    # Who the new access token speaks for, read in the same transaction: the rest of a
    # login response resolves as this actor, even if the session is revoked meanwhile.
    actor: Actor


def unusable_password() -> str:
    """A random password nobody knows, for accounts that must set theirs by link."""
    return new_secret_token()


def _lock_key(kind: str, value: str) -> int:
    digest = hashlib.sha256(f"{kind}:{value}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _attempt_email(email: str) -> str:
    # NUL cannot be stored in PostgreSQL text; U+FFFD keeps the attempt countable and
    # matches no account (no valid address contains it).
    return email.strip().lower().replace("\x00", "\ufffd")[:320]


async def _lock(session: AsyncSession, *keys: int) -> None:
    """Serialise attempts on these keys until the transaction ends (sorted: no deadlocks)."""
    for key in sorted(keys):
        await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})


async def _account_failures(session: AsyncSession, email_lower: str, since: datetime) -> int:
    """Failures on an account in the window, since its last successful login."""
    last_success = (
        select(func.max(LoginAttempt.attempted_at))
        .where(LoginAttempt.email_lower == email_lower, LoginAttempt.succeeded.is_(True))
        .scalar_subquery()
    )
    return int(
        await session.scalar(
            select(func.count()).where(
                LoginAttempt.email_lower == email_lower,
                LoginAttempt.succeeded.is_(False),
                LoginAttempt.attempted_at
                > func.greatest(since, func.coalesce(last_success, since)),
            )
        )
        or 0
    )


async def _address_failures(session: AsyncSession, client_address: str, since: datetime) -> int:
    """Failures from an address in the window; a success never resets this count, or an
    attacker could log into their own account between guesses at others."""
    return int(
        await session.scalar(
            select(func.count()).where(
                LoginAttempt.client_address == client_address,
                LoginAttempt.succeeded.is_(False),
                LoginAttempt.attempted_at > since,
            )
        )
        or 0
    )


def _too_many_attempts(policy: AccountPolicy) -> DomainError:
    minutes = int(policy.lockout.total_seconds() // 60)
    return DomainError(
        E.TOO_MANY_ATTEMPTS, f"Too many failed attempts. Try again in {minutes} minutes."
    )


@dataclass(frozen=True)
class LoginTicket:
    """A counted login attempt whose password is still to be checked."""

    attempt_id: int
    user_id: uuid.UUID | None
    password_hash: str | None


async def begin_login(uow: UnitOfWork, *, email: str, client_address: str) -> LoginTicket:
    """Check the throttles and count the attempt as a failure until it is proven right.

    Runs in its own short transaction: the advisory locks make check-and-count atomic
    for concurrent attempts, and are released before the (slow) password hash runs.
    """
    policy = uow.deps.policy
    session = uow.session
    email_lower = _attempt_email(email)
    await _lock(
        session, _lock_key("login-email", email_lower), _lock_key("login-addr", client_address)
    )
    since = now() - policy.lockout
    if (
        await _account_failures(session, email_lower, since) >= policy.max_failures_per_account
        or await _address_failures(session, client_address, since)
        >= policy.max_failures_per_address
    ):
        # Not recorded: a locked-out caller must not extend the window forever.
        raise _too_many_attempts(policy)
    user = await session.scalar(
        select(User).where(func.lower(User.email) == email_lower, User.deleted_at.is_(None))
    )
    attempt = LoginAttempt(email_lower=email_lower, client_address=client_address, succeeded=False)
    session.add(attempt)
    await session.flush()
    return LoginTicket(attempt.id, user.id if user else None, user.password_hash if user else None)


async def complete_login(
    uow: UnitOfWork,
    ticket: LoginTicket,
    *,
    password_ok: bool,
    client_address: str,
    user_agent: str | None,
) -> IssuedTokens:
    """Turn a checked attempt into a session (or the failure the attempt already counts as)."""
    session = uow.session
    user = await session.get(User, ticket.user_id, with_for_update=True) if ticket.user_id else None
    if (
        not password_ok
        or user is None
        or user.deleted_at is not None
        or user.password_hash != ticket.password_hash  # changed while we were hashing
    ):
        raise DomainError(E.INVALID_CREDENTIALS, "Email or password is incorrect.")
    if user.status == "suspended":
        raise DomainError(E.ACCOUNT_SUSPENDED, "This account is suspended. Contact your school.")
    if user.status == "rejected":
        raise DomainError(E.ACCOUNT_REJECTED, "This registration was not accepted.")
    await session.execute(
        update(LoginAttempt).where(LoginAttempt.id == ticket.attempt_id).values(succeeded=True)
    )
    auth_session = AuthSession(
        user_id=user.id,
        user_agent=(user_agent or "")[:300] or None,
        client_address=_inet_or_none(client_address),
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
    return await _issue(uow, user, auth_session, client_address)


async def login(
    units: Callable[[], AbstractAsyncContextManager[UnitOfWork]],
    passwords: PasswordHashing,
    *,
    email: str,
    password: str,
    client_address: str,
    user_agent: str | None,
) -> IssuedTokens:
    """Log in: count the attempt, check the password outside any transaction, open a session.

    Every call is one attempt, counted before the password is checked, so concurrent
    attempts cannot slip past the limits; no lock or connection is held while hashing.
    """
    async with units() as uow:
        ticket = await begin_login(uow, email=email, client_address=client_address)
    password_ok = await passwords.verify(ticket.password_hash, password)
    async with units() as uow:
        return await complete_login(
            uow,
            ticket,
            password_ok=password_ok,
            client_address=client_address,
            user_agent=user_agent,
        )


def _inet_or_none(address: str | None) -> str | None:
    """``auth_sessions.client_address`` is INET; "unknown" (no peer address) is stored as null."""
    try:
        return str(ipaddress.ip_address(address or ""))
    except ValueError:
        return None


async def _issue(
    uow: UnitOfWork, user: User, auth_session: AuthSession, client_address: str | None
) -> IssuedTokens:
    refresh = new_secret_token()
    refresh_expires = now() + uow.deps.policy.refresh_token_lifetime
    uow.session.add(
        RefreshToken(
            session_id=auth_session.id, token_hash=token_digest(refresh), expires_at=refresh_expires
        )
    )
    access, access_expires = uow.deps.tokens.issue(user.id, auth_session.id)
    admin = await uow.session.get(AdminProfile, user.id) if user.role == "school_admin" else None
    await uow.session.flush()
    actor = _actor(user, admin, auth_session.id, access_expires, client_address)
    return IssuedTokens(user, access, access_expires, refresh, refresh_expires, actor)


def _actor(
    user: User,
    admin: AdminProfile | None,
    session_id: uuid.UUID,
    expires_at: datetime,
    client_address: str | None,
) -> Actor:
    flags = {flag: getattr(admin, flag) for flag in ADMIN_FLAG_SCOPES} if admin else None
    role = Role(user.role)
    return Actor(
        user_id=user.id,
        school_id=user.school_id,
        role=role,
        scopes=scopes_for(role, flags),
        session_id=session_id,
        client_address=client_address,
        active=user.status == "active",
        expires_at=expires_at,
    )


async def refresh(uow: UnitOfWork, token: str, client_address: str | None = None) -> IssuedTokens:
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
            owner = await session.scalar(
                select(User)
                .join(AuthSession, AuthSession.user_id == User.id)
                .where(AuthSession.id == reused)
            )
            if owner is not None:
                await revoke_sessions(
                    uow,
                    user_id=owner.id,
                    school_id=owner.school_id,
                    reason="refresh_token_reuse",
                    only=reused,
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
    return await _issue(uow, user, auth_session, client_address)


async def logout(uow: UnitOfWork, actor: Actor) -> None:
    if actor.session_id is None:
        return
    await revoke_sessions(
        uow,
        user_id=actor.user_id,
        school_id=actor.school_id,
        reason="logout",
        only=actor.session_id,
    )


async def logout_everywhere(uow: UnitOfWork, actor: Actor) -> None:
    await revoke_sessions(
        uow, user_id=actor.user_id, school_id=actor.school_id, reason="logout_everywhere"
    )
    uow.audit(
        actor,
        "auth.logout_everywhere",
        entity_type="User",
        entity_id=actor.user_id,
        school_id=actor.school_id,
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
    return _actor(user, admin, claims.session_id, claims.expires_at, client_address)


# -- one-time tokens ----------------------------------------------------------------------------


async def _new_one_time_token(
    uow: UnitOfWork, user: User, purpose: str, lifetime: timedelta
) -> str:
    token = new_secret_token()
    await _replace_one_time_token(uow, user, purpose, token_digest(token), lifetime)
    return token


async def _replace_one_time_token(
    uow: UnitOfWork, user: User, purpose: str, token_hash: str, lifetime: timedelta
) -> None:
    """Store a new token (by digest); it replaces any unused one of the same purpose."""
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
            user_id=user.id, purpose=purpose, token_hash=token_hash, expires_at=now() + lifetime
        )
    )


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


PHONE_CODE_LIFETIME = timedelta(minutes=10)
PHONE_CODE_ATTEMPTS = 5
PHONE_CODES_PER_HOUR = 5


async def request_phone_verification(uow: UnitOfWork, actor: Actor) -> None:
    """Text a six-digit code (from a CSPRNG) to the user's phone; it lasts ten minutes."""
    session = uow.session
    user = await session.get(User, actor.user_id, with_for_update=True)
    if user is None:  # pragma: no cover
        raise DomainError(E.NOT_FOUND, "No such user.")
    if user.phone is None:
        raise DomainError(E.INVALID_PHONE, "Add a phone number to your account first.", "phone")
    if user.phone_verified_at is not None:
        raise DomainError(E.ALREADY_VERIFIED, "Your phone number is already verified.")
    # Each new code resets the attempts, so codes themselves are rationed (and SMS cost).
    recent = await session.scalar(
        select(func.count()).where(
            OneTimeToken.user_id == user.id,
            OneTimeToken.purpose == "verify_phone",
            OneTimeToken.created_at > now() - timedelta(hours=1),
        )
    )
    if (recent or 0) >= PHONE_CODES_PER_HOUR:
        raise DomainError(E.TOO_MANY_ATTEMPTS, "Too many codes requested; try again in an hour.")
    code = new_numeric_code()
    await _replace_one_time_token(
        uow, user, "verify_phone", salted_code_digest(user.id, code), PHONE_CODE_LIFETIME
    )
    await uow.deps.sender.send(
        session,
        Message(
            channel="sms",
            recipient=user.phone,
            template="verify_phone",
            subject=None,
            body=f"Your Clutch code is {code}. It expires in 10 minutes.",
            user_id=user.id,
            school_id=user.school_id,
            data={"code": code},
        ),
    )


async def verify_phone(uow: UnitOfWork, actor: Actor, code: str) -> User:
    """Check the code in constant time; five wrong tries spend it."""
    session = uow.session
    user = await session.get(User, actor.user_id, with_for_update=True)
    row = await session.scalar(
        select(OneTimeToken)
        .where(
            OneTimeToken.user_id == actor.user_id,
            OneTimeToken.purpose == "verify_phone",
            OneTimeToken.used_at.is_(None),
        )
        .order_by(OneTimeToken.created_at.desc())
        .limit(1)
        .with_for_update()
    )
    if user is None or row is None:
        raise DomainError(E.TOKEN_INVALID, "There is no code to check; ask for one.", "code")
    if row.expires_at <= now():
        raise DomainError(E.TOKEN_EXPIRED, "This code has expired; ask for a new one.", "code")
    if row.attempts >= PHONE_CODE_ATTEMPTS:
        raise DomainError(E.TOO_MANY_ATTEMPTS, "Too many wrong codes; ask for a new one.", "code")
    if not constant_time_equal(row.token_hash, salted_code_digest(user.id, code.strip())):
        row.attempts += 1
        uow.keep_on_error = True  # the wrong try must count
        raise DomainError(E.TOKEN_INVALID, "That code is not right.", "code")
    row.used_at = now()
    user.phone_verified_at = now()
    return user


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
    await revoke_sessions(uow, user_id=user.id, school_id=user.school_id, reason="password_reset")
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
    session = uow.session
    policy = uow.deps.policy
    user = await session.get(User, actor.user_id, with_for_update=True)
    if user is None:  # pragma: no cover
        raise DomainError(E.NOT_FOUND, "No such user.")
    # A stolen access token must not become a way to guess the password: wrong current
    # passwords count as failed logins of the account (and lock it like them).
    email_lower = _attempt_email(user.email)
    await _lock(session, _lock_key("login-email", email_lower))
    if (
        await _account_failures(session, email_lower, now() - policy.lockout)
        >= policy.max_failures_per_account
    ):
        raise _too_many_attempts(policy)
    if not await uow.deps.passwords.verify(user.password_hash, current):
        session.add(
            LoginAttempt(
                email_lower=email_lower,
                client_address=(actor.client_address or "unknown")[:64],
                succeeded=False,
            )
        )
        uow.keep_on_error = True
        raise DomainError(
            E.WRONG_PASSWORD, "Your current password is not correct.", "currentPassword"
        )
    check_password(new_password, "newPassword")
    user.password_hash = await uow.deps.passwords.hash(new_password)
    # Every other session ends; this one stays.
    await revoke_sessions(
        uow,
        user_id=user.id,
        school_id=user.school_id,
        reason="password_changed",
        keep=actor.session_id,
    )
    uow.audit(
        actor,
        "auth.password_changed",
        entity_type="User",
        entity_id=user.id,
        school_id=user.school_id,
    )
    return user
