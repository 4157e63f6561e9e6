"""The background worker for real: procrastinate on the test database, a deferred job run
by an in-process worker until the queue is empty, and the periodic registry."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import croniter
import pytest
from procrastinate.periodic import PeriodicDeferrer
from procrastinate.schema import SchemaManager
from sqlalchemy import delete, text, update

from app.worker import PERIODIC_JOBS, PERIODIC_QUEUE, build_app, run_worker
from models.scheduling import Booking
from models.series import LessonSeries, SeriesOccurrence
from resolvers.context import AppState
from tests.series.helpers import count, create, occurrences, today, year_diary
from tests.support import Factory

ROOT = Path(__file__).resolve().parents[2]
VENDORED_SCHEMA = ROOT / "migrations" / "vendor" / "procrastinate-3.10.0.sql"


@pytest.fixture
async def empty_queue(state: AppState) -> None:
    """procrastinate's tables are not ours (the per-test clean-up leaves them alone)."""
    async with state.db.transaction() as session:
        await session.execute(
            text("TRUNCATE procrastinate_jobs, procrastinate_periodic_defers CASCADE")
        )


@pytest.mark.no_database
def test_the_migration_applies_the_schema_of_the_installed_procrastinate() -> None:
    # The vendored copy (after its four-line header) is what procrastinate ships: an
    # upgrade that changes the queue's schema fails here until a migration follows it.
    vendored = VENDORED_SCHEMA.read_text(encoding="utf-8").split("\n", 4)[4]
    assert vendored == SchemaManager.get_schema()


@pytest.mark.no_database
def test_every_periodic_job_is_registered_on_its_schedule() -> None:
    app = build_app("postgresql://unused@/unused")

    registered = {
        key: (periodic.cron, periodic.task.queue, periodic.task.lock)
        for key, periodic in app.periodic_registry.periodic_tasks.items()
    }

    assert registered == {
        (job.task_name, job.name): (job.cron, PERIODIC_QUEUE, job.task_name)
        for job in PERIODIC_JOBS
    }
    assert ("clutch.series.extend", "series.extend") in registered
    assert ("clutch.reschedule_requests.expire", "reschedule_requests.expire") in registered
    for job in PERIODIC_JOBS:
        assert croniter.croniter.is_valid(job.cron), job.cron
        assert job.description


async def test_a_deferred_series_extension_runs_in_the_worker_and_books_the_window(
    factory: Factory, state: AppState, empty_queue: None
) -> None:
    # Given a series whose window is due and empty
    diary = await year_diary(factory)
    outcome = await create(
        state, diary.admin_actor, diary, starts_on=today() + timedelta(days=2), horizon=3
    )
    series_id = outcome.series.id
    async with state.db.transaction() as session:
        await session.execute(
            delete(SeriesOccurrence).where(SeriesOccurrence.series_id == series_id)
        )
        await session.execute(delete(Booking).where(Booking.series_id == series_id))
        await session.execute(
            update(LessonSeries)
            .where(LessonSeries.id == series_id)
            .values(extend_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    app = build_app(state.db.url)
    [extend] = [
        p for k, p in app.periodic_registry.periodic_tasks.items() if k[1] == "series.extend"
    ]

    # When the periodic deferrer defers it (twice for one scheduled time: one job) and a
    # worker runs until the queue is empty
    scheduled = int(time.time())
    async with app.open_async():
        deferrer = PeriodicDeferrer(app.periodic_registry)
        await deferrer.defer_jobs([(extend, scheduled)])
        await deferrer.defer_jobs([(extend, scheduled)])
        jobs = await app.job_manager.list_jobs_async(task="clutch.series.extend")
        assert [j.status for j in jobs] == ["todo"]
    await run_worker(
        state,
        app,
        wait=False,
        install_signal_handlers=False,
        listen_notify=False,
        delete_jobs="never",
    )

    # Then the job succeeded (as did any the worker's own deferrer added for the last
    # scheduled time) and the series is booked up to its horizon again
    async with app.open_async():
        jobs = await app.job_manager.list_jobs_async(task="clutch.series.extend")
    ours = [j for j in jobs if j.task_kwargs == {"timestamp": scheduled}]
    assert [j.status for j in ours] == ["succeeded"]
    assert {j.status for j in jobs} == {"succeeded"}
    assert len(await occurrences(state, series_id)) == 3
    assert await count(state, Booking, Booking.series_id == series_id) == 3


async def test_clutch_worker_runs_until_interrupted_and_stops_cleanly(
    state: AppState, database_url: str, tmp_path: Path
) -> None:
    # Given `clutch worker` started as a user would, on the test database
    async def workers() -> int:
        async with state.db.session() as session:
            return int(await session.scalar(text("SELECT count(*) FROM procrastinate_workers")))

    before = await workers()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app.cli",
        "worker",
        cwd=ROOT,
        env={
            **os.environ,
            "DATABASE_URL": database_url,
            "CLUTCH_DATA_DIR": str(tmp_path),
            "CLUTCH_LOG_LEVEL": "WARNING",
        },
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        # When it has registered itself with the queue, and is then interrupted (Ctrl-C)
        for _ in range(600):
            if await workers() > before or process.returncode is not None:
                break
            await asyncio.sleep(0.05)
        assert process.returncode is None, await process.communicate()
        process.send_signal(signal.SIGINT)
        out, err = await asyncio.wait_for(process.communicate(), 60)
    finally:
        if process.returncode is None:
            process.kill()
    stdout, stderr = out.decode(), err.decode()

    # Then it stopped on its own, said so, and left the queue's worker table as it was
    assert process.returncode == 0, stderr
    assert "Clutch worker running" in stdout
    assert "Clutch worker stopped" in stdout
    assert "Traceback" not in stderr
    assert await workers() == before


@pytest.mark.no_database
def test_every_periodic_job_is_in_the_operations_guide() -> None:
    # Operators learn what the worker does from docs/operations.md's job table
    guide = (Path(__file__).parents[2] / "docs" / "operations.md").read_text()
    missing = [job.name for job in PERIODIC_JOBS if f"| `{job.name}` |" not in guide]
    assert missing == []
