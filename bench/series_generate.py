"""Measure series generation: the service the API and `clutch worker` run.

    .venv/bin/python bench/series_generate.py [--series 20] [--horizon 52]

Starts an embedded PostgreSQL in a fresh temporary data directory (migrated with Alembic),
makes one school with ``--series`` instructor/student pairs (every hour open, 80-hour cap),
then times, per series: creating a weekly series (which books ``--horizon`` lessons in
the same transaction), generating it again (adds nothing), and the worker's periodic
extension when each series' window has moved on by one date. SQL statements per step
come from the application's own statement counter. Writes
bench/results/<UTC timestamp>-series_generate.json and prints a summary table; the data
directory is deleted at the end. Generation is not an HTTP operation (it runs inside
`createLessonSeries` and the worker), so it is measured here rather than through wrk.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from datetime import time as wall
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
sys.path.insert(0, str(ROOT))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--series", type=int, default=20, help="series to make (1-200)")
    parser.add_argument("--horizon", type=int, default=52, help="lessons each keeps (1-52)")
    args = parser.parse_args()
    if not 1 <= args.series <= 200 or not 1 <= args.horizon <= 52:
        parser.error("--series must be 1-200 and --horizon 1-52")
    return args


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p90_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))] * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
    }


async def _school(state: Any, series: int) -> tuple[Any, Any, list[Any]]:
    """A school, its admin actor, a lesson type and ``series`` assigned pairs whose
    instructors work every hour."""
    from sqlalchemy import update

    from models.accounts import InstructorProfile
    from services import accounts, assignments, schools
    from services.actor import Role
    from services.scheduling import availability, lesson_types
    from services.scheduling.availability import HoursInput
    from services.uow import unit_of_work

    def uow() -> Any:
        return unit_of_work(state.db, state.hub, state.deps)

    async with uow() as work:
        root = await accounts.create_platform_admin(
            work,
            email="bench@example.test",
            password="bench password 1",  # noqa: S106 - throwaway database
            first_name="Bench",
            last_name="Admin",
        )
    actor = accounts.actor_for(root)
    async with uow() as work:
        school = await schools.create_school(
            work,
            actor,
            {
                "name": "Bench school",
                "slug": "bench-school",
                "time_zone": "Europe/London",
                "currency": "GBP",
                "booking_horizon_days": 730,
            },
        )
    async with uow() as work:
        lesson_type = await lesson_types.create(
            work,
            actor,
            school_id=school.id,
            name="Lesson",
            description=None,
            duration_minutes=60,
            price_minor=4000,
            deposit_minor=0,
        )
    pairs = []
    for n in range(series):
        async with uow() as work:
            people = [
                await accounts.create_user(
                    work,
                    actor,
                    school_id=school.id,
                    role=role,
                    email=f"{role.value}{n}@bench.test",
                    password=None,
                    first_name="Bench",
                    last_name=f"{role.value} {n}",
                    phone=None,
                )
                for role in (Role.INSTRUCTOR, Role.STUDENT)
            ]
            for person in people:
                person.status = "active"
        async with uow() as work:
            await work.session.execute(
                update(InstructorProfile)
                .where(InstructorProfile.user_id == people[0].id)
                .values(buffer_minutes=0, max_hours_per_week=80)
            )
            await availability.set_working_hours(
                work,
                actor,
                people[0].id,
                [HoursInput(day, wall(0, 0), wall(0, 0)) for day in range(7)],
            )
            await assignments.assign_instructor(
                work,
                actor,
                student_id=people[1].id,
                instructor_id=people[0].id,
                assignment_type="primary",
                priority=1,
                starts_on=None,
                ends_on=None,
                notes=None,
            )
        pairs.append(people)
    return actor, lesson_type, pairs


async def _move_windows_on(state: Any, series_ids: list[Any]) -> None:
    """Drop each series' last lesson and make every series due, as if a week had passed."""
    from sqlalchemy import delete, select, update

    from models.scheduling import Booking
    from models.series import LessonSeries, SeriesOccurrence

    async with state.db.transaction() as session:
        for series_id in series_ids:
            last = await session.scalar(
                select(SeriesOccurrence)
                .where(SeriesOccurrence.series_id == series_id)
                .order_by(SeriesOccurrence.occurs_on.desc())
                .limit(1)
            )
            assert last is not None
            booking_id = last.booking_id
            await session.delete(last)
            await session.flush()
            await session.execute(delete(Booking).where(Booking.id == booking_id))
        await session.execute(
            update(LessonSeries).values(extend_at=datetime.now(UTC) - timedelta(minutes=1))
        )


async def measure(args: argparse.Namespace, data_dir: Path) -> dict[str, Any]:
    from sqlalchemy import select

    from app.database import start_counting
    from app.runtime import Runtime
    from app.settings import Settings
    from models.scheduling import Booking
    from services.series import generation, manage
    from services.uow import unit_of_work

    settings = Settings(
        data_dir=data_dir,
        secret_key="bench-secret-key-that-is-long-enough-for-hs256",  # noqa: S106 - throwaway database
        argon2_time_cost=1,
        argon2_memory_kib=1024,
        argon2_parallelism=1,
        log_level="WARNING",
    )
    runtime = await Runtime.start(settings)
    state = runtime.state

    def uow() -> Any:
        return unit_of_work(state.db, state.hub, state.deps)

    try:
        actor, lesson_type, pairs = await _school(state, args.series)
        start = datetime.now(ZoneInfo("Europe/London")).date() + timedelta(days=2)
        created, again = [], []
        created_sql, again_sql = [], []
        series_ids = []
        for instructor, student in pairs:
            counter = start_counting()
            began = time.perf_counter()
            async with uow() as work:
                outcome = await manage.create_series(
                    work,
                    actor,
                    instructor_id=instructor.id,
                    student_id=student.id,
                    lesson_type_id=lesson_type.id,
                    frequency="weekly",
                    weekday=start.weekday(),
                    local_time=wall(17, 0),
                    starts_on=start,
                    ends_on=None,
                    horizon=args.horizon,
                    auto_confirm=True,
                    location=None,
                    notes=None,
                    now=datetime.now(UTC),
                )
            created.append(time.perf_counter() - began)
            created_sql.append(counter.count)
            assert len(outcome.generated.booked) == args.horizon, outcome.generated
            series_ids.append(outcome.series.id)

            counter = start_counting()
            began = time.perf_counter()
            async with uow() as work:
                result = await generation.generate(work, None, outcome.series.id, datetime.now(UTC))
            again.append(time.perf_counter() - began)
            again_sql.append(counter.count)
            assert result.booked == result.conflicts == []

        await _move_windows_on(state, series_ids)
        counter = start_counting()
        began = time.perf_counter()
        async with uow() as work:
            extended = await generation.extend_due(work, datetime.now(UTC))
        extend_seconds = time.perf_counter() - began
        assert extended == args.series
        async with state.db.session() as session:
            lessons = len(list(await session.scalars(select(Booking.id))))
        assert lessons == args.series * args.horizon
    finally:
        await runtime.stop()

    return {
        "series": args.series,
        "horizon": args.horizon,
        "create_series_with_window": {
            **summary(created),
            "sql_p50": statistics.median(created_sql),
        },
        "generate_again_no_op": {**summary(again), "sql_p50": statistics.median(again_sql)},
        "extend_due_one_date_each": {
            "total_ms": round(extend_seconds * 1000, 2),
            "per_series_ms": round(extend_seconds * 1000 / args.series, 2),
            "sql_total": counter.count,
        },
    }


def main() -> None:
    args = parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="clutch-bench-series-"))
    try:
        figures = asyncio.run(measure(args, data_dir))
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    commit = subprocess.run(  # noqa: S603 - git, fixed arguments
        [shutil.which("git") or "git", "rev-parse", "--short", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    record = {
        "operation": "series_generate",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit,
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "load_1m": os.getloadavg()[0],
        },
        **figures,
    }
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{stamp}-series_generate.json"
    out.write_text(json.dumps(record, indent=2) + "\n")
    print(json.dumps(record, indent=2))
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
