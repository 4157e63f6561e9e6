"""Importing a bank: all or nothing, every bad row named, re-imports update and never
duplicate, concurrent imports queue, and an export imports back to the same bank."""

from __future__ import annotations

import asyncio
import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import func, select

from models.theory import HazardClip, HazardClipHazard, TheoryCategory, TheoryQuestion
from resolvers.context import AppState
from services.theory import importer
from services.theory.importer import BankFileInvalid, read_bank_file
from services.theory.sample import sample_bank_bytes
from services.uow import unit_of_work
from tests.support import Factory
from tests.theory.helpers import bank, load_bank

ROOT = Path(__file__).resolve().parents[2]
BAD_ROWS = (17, 250, 499)


def five_hundred() -> dict[str, Any]:
    """500 questions across the 14 topics (36 each, minus the last four)."""
    document = bank(36, prefix="big")
    document["questions"] = document["questions"][:500]
    return document


def with_three_bad_rows(document: dict[str, Any]) -> dict[str, Any]:
    broken = copy.deepcopy(document)
    broken["questions"][BAD_ROWS[0]]["answer"] = ["Z"]
    broken["questions"][BAD_ROWS[1]]["options"] = broken["questions"][BAD_ROWS[1]]["options"][:1]
    del broken["questions"][BAD_ROWS[2]]["explanation"]
    return broken


async def _count(state: AppState, model: Any = TheoryQuestion, *where: Any) -> int:
    async with state.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def test_a_500_question_file_with_3_bad_rows_is_refused_then_imports_once(
    state: AppState,
) -> None:
    good = five_hundred()

    # When the file with three bad rows is read, it is refused with exactly those rows named
    with pytest.raises(BankFileInvalid) as refused:
        read_bank_file(orjson.dumps(with_three_bad_rows(good)))
    named = refused.value.by_row()
    assert list(named) == [f"questions[{n}] (id {good['questions'][n]['id']})" for n in BAD_ROWS]
    assert named[f"questions[{BAD_ROWS[2]}] (id {good['questions'][BAD_ROWS[2]]['id']})"] == [
        "explanation: is required"
    ]
    assert await _count(state) == 0

    # When the fixed file is imported, then imported again
    first = await load_bank(state, good)
    assert await _count(state) == 500
    again = await load_bank(state, good)

    # Then the bank holds 500 questions, the second import having changed nothing
    assert (first.questions_created, first.questions_updated) == (500, 0)
    assert (again.questions_created, again.questions_updated, again.questions_unchanged) == (
        0,
        0,
        500,
    )
    assert await _count(state) == 500


async def test_a_failure_during_the_import_leaves_the_bank_as_it_was(state: AppState) -> None:
    await load_bank(state, bank(2))
    changed = bank(3)  # one more question per topic, and the text of the first changed
    changed["questions"][0]["text"] = "A changed question."
    parsed = read_bank_file(orjson.dumps(changed))

    async def import_then_fail() -> None:
        async with unit_of_work(state.db, state.hub, state.deps) as uow:
            await importer.import_bank(uow, None, parsed, school_id=None)
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        await import_then_fail()

    assert await _count(state) == 28
    assert await _count(state, TheoryQuestion, TheoryQuestion.text == "A changed question.") == 0


async def test_re_importing_a_changed_file_updates_in_place(state: AppState) -> None:
    document = bank(3, clips=2)
    await load_bank(state, document)
    document["questions"][4]["explanation"] = "A better explanation."
    document["questions"][7]["active"] = False
    document["hazardClips"][1]["hazards"][0]["windows"] = [11.0, 12.0, 13.0, 14.0, 15.0, 16.5]

    report = await load_bank(state, document)

    assert (report.questions_created, report.questions_updated) == (0, 2)
    assert (report.clips_created, report.clips_updated, report.clips_unchanged) == (0, 1, 1)
    assert await _count(state) == 42
    assert await _count(state, TheoryQuestion, TheoryQuestion.active.is_(False)) == 1
    assert await _count(state, HazardClipHazard) == 3
    async with state.db.session() as session:
        windows = await session.scalar(
            select(HazardClipHazard.windows_ms)
            .join(HazardClip)
            .where(HazardClip.external_id == "clip-002", HazardClipHazard.position == 1)
        )
    assert windows == [11000, 12000, 13000, 14000, 15000, 16500]


async def test_concurrent_imports_of_one_file_queue_and_create_each_question_once(
    state: AppState,
) -> None:
    document = bank(4, clips=3)

    reports = await asyncio.gather(*(load_bank(state, document) for _ in range(4)))

    assert sorted(r.questions_created for r in reports) == [0, 0, 0, 56]
    assert await _count(state) == 56
    assert await _count(state, HazardClip) == 3
    assert await _count(state, TheoryCategory) == 14


async def test_a_schools_bank_is_separate_from_the_shared_bank(
    state: AppState, factory: Factory
) -> None:
    school = await factory.school()
    document = bank(1)
    await load_bank(state, document)

    # The same ids go into the school's own bank as different questions
    report = await load_bank(state, document, school_id=school.id)

    assert report.questions_created == 14
    assert await _count(state, TheoryQuestion, TheoryQuestion.school_id.is_(None)) == 14
    assert await _count(state, TheoryQuestion, TheoryQuestion.school_id == school.id) == 14


async def test_a_school_file_cannot_rename_the_platforms_topics(
    state: AppState, factory: Factory
) -> None:
    school = await factory.school()
    document = bank(1)
    document["categories"][0]["name"] = "Renamed by a school"

    await load_bank(state, document, school_id=school.id)

    async with state.db.session() as session:
        name = await session.scalar(
            select(TheoryCategory.name).where(TheoryCategory.code == "alertness")
        )
    assert name == "Alertness"


def _normalised(raw: bytes) -> dict[str, Any]:
    parsed = read_bank_file(raw).model_dump(mode="json", by_alias=True)
    for question in parsed["questions"]:
        question["answer"] = sorted(question["answer"])
    parsed["questions"].sort(key=lambda q: q["id"])
    parsed["hazardClips"].sort(key=lambda c: c["id"])
    for clip in parsed["hazardClips"]:
        clip["hazards"].sort(key=lambda h: h["windows"][0])
    return parsed


async def test_exporting_the_sample_bank_gives_back_the_same_bank(state: AppState) -> None:
    await load_bank(state, json.loads(sample_bank_bytes()))

    async with state.db.session() as session:
        exported = await importer.export_bank(session, school_id=None)

    assert _normalised(orjson.dumps(exported)) == _normalised(sample_bank_bytes())
    # and importing the export changes nothing
    again = await load_bank(state, exported)
    assert again.questions_unchanged == again.questions == len(exported["questions"])
    assert again.clips_unchanged == len(exported["hazardClips"])


def clutch(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own CLI, fixed arguments
        [sys.executable, "-m", "app.cli", "theory", *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url, "CLUTCH_LOG_LEVEL": "WARNING"},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


async def test_the_cli_refuses_a_bad_file_imports_the_fixed_one_once_and_exports_it(
    state: AppState, database_url: str, tmp_path: Path
) -> None:
    good = five_hundred()
    bad_file, good_file, out = tmp_path / "bad.json", tmp_path / "good.json", tmp_path / "out.json"
    bad_file.write_bytes(orjson.dumps(with_three_bad_rows(good)))
    good_file.write_bytes(orjson.dumps(good))

    refused = await asyncio.to_thread(clutch, "import", str(bad_file), database_url=database_url)
    imported = await asyncio.to_thread(clutch, "import", str(good_file), database_url=database_url)
    count_after_first = await _count(state)
    again = await asyncio.to_thread(clutch, "import", str(good_file), database_url=database_url)
    exported = await asyncio.to_thread(clutch, "export", str(out), database_url=database_url)

    assert refused.returncode == 1, refused.stderr
    assert "nothing was imported" in refused.stderr
    for n in BAD_ROWS:
        assert f"questions[{n}] (id {good['questions'][n]['id']}):" in refused.stderr
    assert "3 bad row(s)" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert imported.returncode == 0, imported.stderr
    assert "500 created" in imported.stdout
    assert "500/500" in imported.stdout  # the progress bar's last state
    assert count_after_first == 500
    assert again.returncode == 0, again.stderr
    assert "0 created, 0 updated, 500 unchanged" in again.stdout
    assert await _count(state) == 500
    assert exported.returncode == 0, exported.stderr
    assert (
        _normalised(out.read_bytes())["questions"] == _normalised(orjson.dumps(good))["questions"]
    )


async def test_the_cli_imports_the_sample_bank(state: AppState, database_url: str) -> None:
    result = await asyncio.to_thread(clutch, "import", "--sample", database_url=database_url)

    sample = json.loads(sample_bank_bytes())
    assert result.returncode == 0, result.stderr
    assert f"{len(sample['questions'])} created" in result.stdout
    assert await _count(state) == len(sample["questions"])
    assert await _count(state, HazardClip) == len(sample["hazardClips"])


async def test_the_cli_names_an_unknown_school(database_url: str) -> None:
    result = await asyncio.to_thread(
        clutch, "import", "--sample", "--school", "no-such-school", database_url=database_url
    )

    assert result.returncode == 2
    assert "No school with slug 'no-such-school'." in result.stderr
