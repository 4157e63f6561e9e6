"""The `clutch` command line."""

from __future__ import annotations

import asyncio
import getpass
from pathlib import Path
from typing import Annotated

import typer

from app.settings import ConfigurationError, Settings, load_settings
from app.theory_commands import theory

cli = typer.Typer(
    help="Clutch: a GraphQL API server for driving schools.",
    no_args_is_help=True,
    add_completion=False,
)
cli.add_typer(theory, name="theory")

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema" / "schema.graphql"


def _settings() -> Settings:
    from app.logging_setup import configure_logging

    try:
        settings = load_settings()
    except ConfigurationError as exc:
        typer.secho(str(exc), fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
    configure_logging(settings.log_level)
    return settings


@cli.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="Interface to bind (default from CLUTCH_HOST).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default from CLUTCH_PORT, 8000).")] = None,
    demo: Annotated[
        bool, typer.Option(help="Seed the demo school if the database is empty.")
    ] = False,
) -> None:
    """Start the API server (migrations are applied first). GraphiQL is at /graphql."""
    import uvicorn

    from app.asgi import create_app

    settings = _settings()
    app = create_app(settings, seed_demo=demo)
    bind_host, bind_port = host or settings.host, port or settings.port
    typer.echo(f"Clutch on http://{bind_host}:{bind_port}/graphql")
    uvicorn.run(
        app,
        host=bind_host,
        port=bind_port,
        log_level=settings.log_level.lower(),
        ws="websockets-sansio",
        lifespan="on",
    )


@cli.command()
def migrate() -> None:
    """Apply database migrations (to DATABASE_URL, or the embedded PostgreSQL)."""
    from app.runtime import migrate as run_migrations
    from app.runtime import resolve_database_url

    settings = _settings()

    async def main() -> None:
        url, embedded = await resolve_database_url(settings)
        try:
            await run_migrations(url)
        finally:
            if embedded is not None:
                await asyncio.to_thread(embedded.stop)

    asyncio.run(main())
    typer.echo("Database is up to date.")


@cli.command()
def worker(
    concurrency: Annotated[
        int, typer.Option(min=1, max=16, help="Jobs run at once by this process.")
    ] = 1,
) -> None:
    """Run the background worker's periodic jobs until interrupted (Ctrl-C).

    The jobs are listed in app/worker.py (lesson series, expiries, housekeeping).
    Migrations are applied first; run one or more workers next to `serve`."""
    from app.worker import serve as run_worker

    settings = _settings()
    typer.echo("Clutch worker running; Ctrl-C stops it.")
    asyncio.run(run_worker(settings, concurrency=concurrency))
    typer.echo("Clutch worker stopped.")


@cli.command("seed-demo")
def seed_demo() -> None:
    """Create the demo school and its users (idempotent); prints what it made."""
    from app.demo import print_report
    from app.demo import seed_demo as run_seed
    from app.runtime import Runtime

    settings = _settings()

    async def main() -> None:
        runtime = await Runtime.start(settings)
        try:
            typer.echo("Seeding demo data…")
            report = await run_seed(runtime.state, progress=typer.echo)
            print_report(report, typer.echo)
        finally:
            await runtime.stop()

    asyncio.run(main())


@cli.command("export-schema")
def export_schema(
    output: Annotated[Path, typer.Option(help="Where to write the SDL.")] = SCHEMA_FILE,
) -> None:
    """Write the GraphQL schema (SDL) to schema/schema.graphql."""
    from schema import schema

    output.write_text(schema.as_str() + "\n")
    typer.echo(f"Wrote {output}")


@cli.command("create-admin")
def create_admin(
    email: Annotated[str, typer.Option(help="The platform admin's email.")],
    first_name: Annotated[str, typer.Option(help="First name.")] = "Platform",
    last_name: Annotated[str, typer.Option(help="Last name.")] = "Admin",
    password: Annotated[
        str | None, typer.Option(help="Password (asked for when omitted; prefer the prompt).")
    ] = None,
) -> None:
    """Create a platform admin account."""
    from app.runtime import Runtime
    from services import accounts
    from services.errors import DomainError
    from services.uow import unit_of_work

    settings = _settings()
    secret = password or getpass.getpass("Password: ")

    async def main() -> int:
        runtime = await Runtime.start(settings)
        state = runtime.state
        try:
            async with unit_of_work(state.db, state.hub, state.deps) as uow:
                user = await accounts.create_platform_admin(
                    uow, email=email, password=secret, first_name=first_name, last_name=last_name
                )
            typer.echo(f"Created platform admin {user.email}.")
            return 0
        except DomainError as exc:
            typer.secho(f"{exc.code}: {exc.message}", fg=typer.colors.RED, err=True)
            return 1
        finally:
            await runtime.stop()

    raise typer.Exit(asyncio.run(main()))


def main() -> None:
    cli(prog_name="clutch")


if __name__ == "__main__":
    main()
