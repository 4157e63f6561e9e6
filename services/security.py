"""Password hashing (argon2id), access tokens (JWT) and one-time secrets.

Hashing is CPU-bound, so it runs in a worker thread and never blocks the event loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

ALGORITHM = "HS256"  # the only algorithm accepted when decoding
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200


class PasswordHashing:
    def __init__(self, *, time_cost: int, memory_kib: int, parallelism: int) -> None:
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID
        )
        # Verified against when the account does not exist, so timing does not reveal it.
        self._decoy = self._hasher.hash(secrets.token_urlsafe(16))

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, stored_hash: str | None, password: str) -> bool:
        def check() -> bool:
            try:
                return self._hasher.verify(stored_hash or self._decoy, password) and (
                    stored_hash is not None
                )
            except (VerificationError, InvalidHashError):
                return False

        return await asyncio.to_thread(check)


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    session_id: uuid.UUID
    expires_at: datetime


class InvalidToken(Exception):
    """The access token is malformed, forged, expired or for another audience."""


class AccessTokens:
    def __init__(self, key: str, *, issuer: str, audience: str, lifetime: timedelta) -> None:
        self._key = key
        self._issuer = issuer
        self._audience = audience
        self.lifetime = lifetime

    def issue(
        self, user_id: uuid.UUID, session_id: uuid.UUID, now: datetime | None = None
    ) -> tuple[str, datetime]:
        now = now or datetime.now(UTC)
        expires = now + self.lifetime
        token = jwt.encode(
            {
                "sub": str(user_id),
                "sid": str(session_id),
                "iat": int(now.timestamp()),
                "nbf": int(now.timestamp()),
                "exp": int(expires.timestamp()),
                "iss": self._issuer,
                "aud": self._audience,
                "jti": secrets.token_hex(8),
            },
            self._key,
            algorithm=ALGORITHM,
        )
        return token, expires

    def decode(self, token: str) -> AccessClaims:
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                issuer=self._issuer,
                audience=self._audience,
                options={"require": ["exp", "iat", "sub", "sid", "iss", "aud"]},
                leeway=0,
            )
            return AccessClaims(
                user_id=uuid.UUID(claims["sub"]),
                session_id=uuid.UUID(claims["sid"]),
                expires_at=datetime.fromtimestamp(claims["exp"], UTC),
            )
        except (jwt.PyJWTError, ValueError, KeyError, TypeError) as exc:
            raise InvalidToken(str(exc)) from None


def new_secret_token() -> str:
    """A URL-safe random token for refresh, verification and reset links (256 bits)."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """What we store instead of a token: its SHA-256 (the token itself has full entropy)."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_numeric_code(digits: int = 6) -> str:
    """A code to type from a text message, from the CSPRNG (``secrets``)."""
    return f"{secrets.randbelow(10**digits):0{digits}d}"


def salted_code_digest(salt: object, code: str) -> str:
    """What we store for a short code: short codes repeat, so they are salted (with the id
    of what they unlock) before hashing, and the digests stay unique."""
    return token_digest(f"{salt}:{code}")


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
