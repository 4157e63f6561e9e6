"""`clutch theory …`: import and export question banks, and write the format's JSON Schema.

clutch theory import FILE [--school SLUG]     validate everything, then import all or nothing
clutch theory import --sample                 the bundled, unofficial sample bank
clutch theory export FILE [--school SLUG]     the same format, ready to re-import
clutch theory schema [--output PATH]          docs/theory-bank.schema.json
"""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Annotated

import typer

theory = typer.Typer(
    help="Theory practice: import and export question banks.", no_args_is_help=True
)

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "docs" / "theory-bank.schema.json"
MAX_FILE_BYTES = 50 * 1024 * 1024


def _err(message: str) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)


async def _school_id(session: object, slug: str | None) -> uuid.UUID | None:
    from sqlalchemy import select

    from models.schools import School

    if slug is None:
        return None
    school_id = await session.scalar(select(School.id).where(School.slug == slug))  # type: ignore[attr-defined]
    if school_id is None:
        raise LookupError(f"No school with slug {slug!r}.")
    return school_id  # type: ignore[no-any-return]


@theory.command("import")
def import_bank(
    file: Annotated[
        Path | None, typer.Argument(help="A bank file (docs/theory-bank-format.md).")
    ] = None,
    school: Annotated[
        str | None, typer.Option(help="Import into this school's own bank (its slug).")
    ] = None,
    sample: Annotated[
        bool, typer.Option(help="Import the bundled sample bank (original, unofficial).")
    ] = False,
) -> None:
    """Import a bank file: every bad row is listed and nothing is imported, or all of it is.
    Re-importing updates questions by id and never duplicates them."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from app.cli import _settings
    from app.runtime import Runtime
    from services.theory import importer
    from services.theory.sample import sample_bank_bytes
    from services.uow import unit_of_work

    if (file is None) == (not sample):
        _err("Give a FILE to import, or --sample for the bundled sample bank.")
        raise typer.Exit(2)
    if file is not None:
        if not file.is_file():
            _err(f"No such file: {file}")
            raise typer.Exit(2)
        if file.stat().st_size > MAX_FILE_BYTES:
            _err(f"{file} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB.")
            raise typer.Exit(2)
        raw = file.read_bytes()
    else:
        raw = sample_bank_bytes()
    try:
        bank = importer.read_bank_file(raw)
    except importer.BankFileInvalid as invalid:
        _err(f"{file or 'The sample bank'} was refused; nothing was imported.")
        for where, reasons in invalid.by_row().items():
            _err(f"  {where}:")
            for reason in reasons:
                _err(f"    - {reason}")
        _err(f"{len(invalid.by_row())} bad row(s), {len(invalid.problems)} problem(s).")
        raise typer.Exit(1) from None
    settings = _settings()

    async def main() -> importer.ImportReport:
        runtime = await Runtime.start(settings)
        state = runtime.state
        try:
            with Progress(
                TextColumn("[bold]importing"),
                BarColumn(),
                MofNCompleteColumn(),
                transient=False,
            ) as bar:
                task = bar.add_task("import", total=len(bank.questions) + len(bank.hazard_clips))
                async with unit_of_work(state.db, state.hub, state.deps) as uow:
                    school_id = await _school_id(uow.session, school)
                    return await importer.import_bank(
                        uow,
                        None,
                        bank,
                        school_id=school_id,
                        progress=lambda done, _total: bar.update(task, completed=done),
                    )
        finally:
            await runtime.stop()

    try:
        report = asyncio.run(main())
    except LookupError as exc:
        _err(str(exc))
        raise typer.Exit(2) from None
    typer.echo(
        f"Imported into the {report.bank} bank from {report.source!r}: "
        f"questions {report.questions_created} created, {report.questions_updated} updated, "
        f"{report.questions_unchanged} unchanged; hazard clips {report.clips_created} created, "
        f"{report.clips_updated} updated, {report.clips_unchanged} unchanged."
    )


@theory.command("export")
def export_bank(
    file: Annotated[Path, typer.Argument(help="Where to write the bank file ('-' for stdout).")],
    school: Annotated[
        str | None, typer.Option(help="Export this school's own bank (its slug).")
    ] = None,
) -> None:
    """Export the shared bank (or a school's) in the import format."""
    from app.cli import _settings
    from app.runtime import Runtime
    from services.theory import importer

    settings = _settings()

    async def main() -> dict[str, object]:
        runtime = await Runtime.start(settings)
        try:
            async with runtime.state.db.session() as session:
                return await importer.export_bank(
                    session, school_id=await _school_id(session, school)
                )
        finally:
            await runtime.stop()

    try:
        document = asyncio.run(main())
    except LookupError as exc:
        _err(str(exc))
        raise typer.Exit(2) from None
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if str(file) == "-":
        typer.echo(text, nl=False)
        return
    file.write_text(text, encoding="utf-8")
    questions = document["questions"]
    clips = document["hazardClips"]
    assert isinstance(questions, list)
    assert isinstance(clips, list)
    typer.echo(
        f"Wrote {len(questions)} questions and {len(clips)} hazard clips to {file}.", err=True
    )


@theory.command("schema")
def write_schema(
    output: Annotated[Path, typer.Option(help="Where to write the JSON Schema.")] = SCHEMA_FILE,
) -> None:
    """Write the bank file format's JSON Schema (generated from the validator's models)."""
    from services.theory.bankfile import json_schema

    output.write_text(json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n")
    typer.echo(f"Wrote {output}")
