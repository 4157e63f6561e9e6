"""Configuration from the environment and `.env`, validated once at start-up.

Every setting has the environment name ``CLUTCH_<NAME>`` except the two that
operators expect under their conventional names, ``DATABASE_URL`` and
``BROADCAST_URL``. The table in README.md lists them all.
"""

from __future__ import annotations

import hashlib
import secrets
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class ConfigurationError(RuntimeError):
    """A setting is missing or unsafe; the message says which and what to do."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CLUTCH_", env_file=".env", extra="ignore", populate_by_name=True
    )

    env: Environment = Environment.DEVELOPMENT
    data_dir: Path = Path(".clutch")
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "CLUTCH_DATABASE_URL")
    )
    broadcast_url: str | None = Field(
        default=None, validation_alias=AliasChoices("BROADCAST_URL", "CLUTCH_BROADCAST_URL")
    )
    secret_key: SecretStr | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = "http://127.0.0.1:8000"

    # GraphQL surface
    graphql_ide: bool = True
    introspection: bool = True
    max_query_depth: int = 12
    max_aliases: int = 15
    max_tokens: int = 2500
    max_body_bytes: int = 100_000
    max_page_size: int = 100
    max_subscriptions_per_socket: int = 20
    event_heartbeat_seconds: float = Field(default=5.0, gt=0)
    expose_sql_count: bool = True

    # Rate limits (per client address, per process)
    requests_per_minute: int = 600
    login_max_failures_per_account: int = 5
    login_max_failures_per_address: int = 20
    login_lockout_minutes: int = 15

    # Tokens
    access_token_minutes: float = 15
    refresh_token_days: int = 30
    email_token_hours: int = 48
    password_reset_minutes: int = 60
    jwt_issuer: str = "clutch"
    jwt_audience: str = "clutch-api"

    # argon2id cost; tests lower the memory cost to keep the suite fast.
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    argon2_parallelism: int = 4

    # Card payments: "local" (development and tests, no network) or "stripe".
    payment_provider: Literal["local", "stripe"] = "local"
    payment_webhook_secret: SecretStr | None = None
    stripe_api_key: SecretStr | None = None
    # Stripe's API root (a test double or a proxy in front of Stripe may replace it).
    stripe_api_base: str = "https://api.stripe.com"
    # Largest webhook body accepted, in bytes.
    payment_webhook_max_bytes: int = 256 * 1024
    local_payments_auto_settle: bool = True

    log_level: str = "INFO"

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if self.env is not Environment.PRODUCTION:
            return self
        problems = []
        if self.secret_key is None or len(self.secret_key.get_secret_value()) < 32:
            problems.append("CLUTCH_SECRET_KEY must be set to at least 32 characters")
        if self.introspection:
            problems.append("CLUTCH_INTROSPECTION must be false")
        if self.graphql_ide:
            problems.append("CLUTCH_GRAPHQL_IDE must be false")
        if self.database_url is None:
            problems.append("DATABASE_URL must point at a managed PostgreSQL")
        if self.expose_sql_count:
            problems.append("CLUTCH_EXPOSE_SQL_COUNT must be false")
        if self.payment_provider != "stripe":
            problems.append("CLUTCH_PAYMENT_PROVIDER must be stripe (the local provider is fake)")
        if self.stripe_api_key is None or not self.stripe_api_key.get_secret_value():
            problems.append("CLUTCH_STRIPE_API_KEY must be set")
        if (
            self.payment_webhook_secret is None
            or not self.payment_webhook_secret.get_secret_value()
        ):
            problems.append("CLUTCH_PAYMENT_WEBHOOK_SECRET must be set")
        if problems:
            raise ConfigurationError(
                "Refusing to start in production: " + "; ".join(problems) + "."
            )
        return self

    @cached_property
    def signing_key(self) -> str:
        """The JWT signing secret: configured, or generated once per data directory."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.touch(mode=0o600)
        path.write_text(key)
        return key

    @property
    def webhook_secret(self) -> str:
        """The webhook signing secret: configured, or derived from the signing key."""
        if self.payment_webhook_secret is not None:
            return self.payment_webhook_secret.get_secret_value()
        digest = hashlib.sha256(f"webhooks:{self.signing_key}".encode()).hexdigest()
        return f"whsec_local_{digest[:32]}"

    @property
    def broadcast_backend_url(self) -> str:
        """Where events travel between processes; PostgreSQL LISTEN/NOTIFY by default."""
        return self.broadcast_url or "postgres://"


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning validation failures into one clear start-up message."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ConfigurationError:
        raise
    except ValueError as exc:  # pydantic.ValidationError is a ValueError
        if isinstance(exc.__cause__, ConfigurationError):
            raise exc.__cause__ from None
        message = str(exc)
        if "Refusing to start in production" in message:
            start = message.index("Refusing")
            raise ConfigurationError(message[start:].splitlines()[0]) from None
        raise ConfigurationError(f"Invalid configuration: {message}") from None
