"""Start-up assembly: database (embedded or configured), migrations, event hub, services."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from alembic import command
from alembic.config import Config

import app.listeners  # noqa: F401  (every process registers the same listeners)
from app.database import Database
from app.embedded_db import EmbeddedPostgres, start_embedded_postgres
from app.settings import Settings
from resolvers.context import AppState
from services.deps import AccountPolicy, Deps
from services.notifications import RecordingSender
from services.payments.providers.base import PaymentProvider
from services.payments.providers.local import LocalProvider
from services.security import AccessTokens, PasswordHashing
from subscriptions.hub import EventHub

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parent.parent


async def resolve_database_url(settings: Settings) -> tuple[str, EmbeddedPostgres | None]:
    """The configured DATABASE_URL, or the embedded server started under the data directory."""
    if settings.database_url:
        return settings.database_url, None
    embedded = await start_embedded_postgres(settings.data_dir)
    return embedded.url, embedded


def alembic_config(url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["configure_logger"] = False
    return config


async def migrate(url: str) -> None:
    """Apply every migration (Alembic's env runs its own event loop, so use a thread)."""
    await asyncio.to_thread(command.upgrade, alembic_config(url), "head")


def build_deps(settings: Settings) -> Deps:
    return Deps(
        policy=AccountPolicy(
            refresh_token_lifetime=timedelta(days=settings.refresh_token_days),
            email_token_lifetime=timedelta(hours=settings.email_token_hours),
            password_reset_lifetime=timedelta(minutes=settings.password_reset_minutes),
            max_failures_per_account=settings.login_max_failures_per_account,
            max_failures_per_address=settings.login_max_failures_per_address,
            lockout=timedelta(minutes=settings.login_lockout_minutes),
        ),
        passwords=PasswordHashing(
            time_cost=settings.argon2_time_cost,
            memory_kib=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism,
        ),
        tokens=AccessTokens(
            settings.signing_key,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            lifetime=timedelta(minutes=settings.access_token_minutes),
        ),
        sender=RecordingSender(),
        public_url=settings.public_url,
        payments=build_payment_provider(settings),
    )


def build_payment_provider(settings: Settings) -> PaymentProvider:
    """Stripe when configured (its secret key and webhook signing secret required), else
    the local stand-in (never in production: the settings refuse it)."""
    if settings.payment_provider == "stripe":
        from app.settings import ConfigurationError
        from services.payments.providers.stripe import StripeProvider

        if settings.stripe_api_key is None or settings.payment_webhook_secret is None:
            raise ConfigurationError(
                "CLUTCH_PAYMENT_PROVIDER=stripe needs CLUTCH_STRIPE_API_KEY and "
                "CLUTCH_PAYMENT_WEBHOOK_SECRET."
            )
        return StripeProvider(
            settings.stripe_api_key.get_secret_value(),
            settings.payment_webhook_secret.get_secret_value(),
            base_url=settings.stripe_api_base,
        )
    return LocalProvider(settings.webhook_secret, auto_settle=settings.local_payments_auto_settle)


@dataclass
class Runtime:
    settings: Settings
    state: AppState
    embedded: EmbeddedPostgres | None

    @classmethod
    async def start(cls, settings: Settings, *, run_migrations: bool = True) -> Runtime:
        url, embedded = await resolve_database_url(settings)
        if run_migrations:
            await migrate(url)
        db = Database(url)
        hub = EventHub(
            settings.broadcast_backend_url, db, heartbeat_seconds=settings.event_heartbeat_seconds
        )
        await hub.start()
        state = AppState(
            db=db, hub=hub, deps=build_deps(settings), max_page_size=settings.max_page_size
        )
        log.info("Clutch is ready (database: %s)", "embedded" if embedded else "DATABASE_URL")
        return cls(settings=settings, state=state, embedded=embedded)

    async def stop(self) -> None:
        close = getattr(self.state.deps.payments, "aclose", None)
        if close is not None:
            await close()
        await self.state.hub.stop()
        await self.state.db.dispose()
        if self.embedded is not None:
            await asyncio.to_thread(self.embedded.stop)
