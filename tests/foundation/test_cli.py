"""The `clutch` command line, run as a user would run it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from schema import schema
from tests.support import GraphQLClient

ROOT = Path(__file__).resolve().parents[2]


def clutch(
    *args: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own CLI, fixed arguments
        [sys.executable, "-m", "app.cli", *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.no_database
def test_help_explains_every_command() -> None:
    result = clutch("--help")

    assert result.returncode == 0
    for command in (
        "serve",
        "migrate",
        "seed-demo",
        "export-schema",
        "create-admin",
        "worker",
        "theory",
    ):
        assert command in result.stdout


@pytest.mark.no_database
def test_export_schema_writes_the_sdl(tmp_path: Path) -> None:
    target = tmp_path / "schema.graphql"

    result = clutch("export-schema", "--output", str(target))

    assert result.returncode == 0, result.stderr
    assert target.read_text() == schema.as_str() + "\n"


@pytest.mark.no_database
def test_production_without_a_secret_refuses_to_start_with_a_clear_message() -> None:
    result = clutch("migrate", env={"CLUTCH_ENV": "production", "CLUTCH_SECRET_KEY": ""})

    assert result.returncode == 2
    assert "Refusing to start in production" in result.stderr
    assert "Traceback" not in result.stderr


async def test_migrate_and_create_admin_against_a_database(
    database_url: str, gql: GraphQLClient
) -> None:
    env = {
        "DATABASE_URL": database_url,
        "CLUTCH_ARGON2_MEMORY_KIB": "1024",
        "CLUTCH_LOG_LEVEL": "WARNING",
    }

    migrated = clutch("migrate", env=env)
    created = clutch(
        "create-admin",
        "--email",
        "root@example.test",
        "--password",
        "a long enough password",
        env=env,
    )
    duplicate = clutch(
        "create-admin",
        "--email",
        "ROOT@example.test",
        "--password",
        "a long enough password",
        env=env,
    )

    assert migrated.returncode == 0, migrated.stderr
    assert "up to date" in migrated.stdout
    assert created.returncode == 0, created.stderr
    assert "root@example.test" in created.stdout
    assert duplicate.returncode == 1
    assert "EMAIL_TAKEN" in duplicate.stderr
    token = await gql.login("root@example.test", "a long enough password")
    me = await gql.data("{ me { role school { name } } }", token=token)
    assert me["me"] == {"role": "PLATFORM_ADMIN", "school": None}
