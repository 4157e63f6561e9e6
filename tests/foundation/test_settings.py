"""Settings: safe defaults in development, and production refuses to start unsafely."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from app.settings import ConfigurationError, load_settings

pytestmark = pytest.mark.no_database

SAFE_PRODUCTION = {
    "env": "production",
    "secret_key": "x" * 48,
    "introspection": False,
    "graphql_ide": False,
    "expose_sql_count": False,
    "database_url": "postgresql://clutch@db.internal/clutch",
    "payment_provider": "stripe",
    "stripe_api_key": "sk_live_example",
    "payment_webhook_secret": "whsec_example",
}


def test_a_safe_production_configuration_loads() -> None:
    settings = load_settings(**SAFE_PRODUCTION)

    assert settings.signing_key == "x" * 48


@pytest.mark.parametrize(
    ("override", "complaint"),
    [
        ({"secret_key": None}, "CLUTCH_SECRET_KEY"),
        ({"secret_key": "short"}, "CLUTCH_SECRET_KEY"),
        ({"introspection": True}, "CLUTCH_INTROSPECTION"),
        ({"graphql_ide": True}, "CLUTCH_GRAPHQL_IDE"),
        ({"database_url": None}, "DATABASE_URL"),
        ({"payment_provider": "local"}, "CLUTCH_PAYMENT_PROVIDER"),
        ({"stripe_api_key": None}, "CLUTCH_STRIPE_API_KEY"),
        ({"payment_webhook_secret": None}, "CLUTCH_PAYMENT_WEBHOOK_SECRET"),
    ],
)
def test_production_refuses_an_unsafe_setting_with_a_clear_message(
    override: dict[str, object], complaint: str
) -> None:
    with pytest.raises(ConfigurationError) as refused:
        load_settings(**{**SAFE_PRODUCTION, **override})

    assert "Refusing to start in production" in str(refused.value)
    assert complaint in str(refused.value)


def test_development_generates_a_secret_once_and_keeps_it_private(tmp_path: Path) -> None:
    first = load_settings(data_dir=tmp_path, secret_key=None).signing_key
    again = load_settings(data_dir=tmp_path, secret_key=None).signing_key

    assert first == again
    assert len(first) >= 48
    mode = stat.S_IMODE((tmp_path / "secret_key").stat().st_mode)
    assert mode == 0o600


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLUTCH_MAX_QUERY_DEPTH", "7")
    monkeypatch.setenv("BROADCAST_URL", "memory://")

    settings = load_settings()

    assert settings.max_query_depth == 7
    assert settings.broadcast_backend_url == "memory://"
