"""Booking-mutation load run: many clients booking, racing and cancelling at once.

    python bench/booking_load.py [--clients 16] [--lessons 400] [--races 20] [--racers 50]

Against a fresh `clutch serve --demo` (started and stopped as bench/run.py does):

1. **book** — ``--clients`` concurrent clients book ``--lessons`` distinct lessons (the
   two demo instructors' weeks filled up to their weekly cap, each lesson for one of the
   instructor's own students), as the school admin;
2. **race** — ``--races`` times, ``--racers`` clients book the same free slot at once:
   exactly one must win, the rest must get SLOT_UNAVAILABLE;
3. **cancel** — the clients cancel every lesson from step 1.

Latency percentiles and throughput per step go to
``bench/results/<timestamp>-booking_load.json`` and ``bench/results/booking_load.md``;
the run fails if any invariant is broken (a second winner, an error that is not a
conflict). Needs the test dependencies (httpx) in `.venv`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
import run
from operations import BENCH_BOOK, scheduling_ids

CANCEL = """
mutation Cancel($input: CancelBookingInput!) {
  cancelBooking(input: $input) { booking { id } errors { code } }
}
"""
INSTRUCTORS = ("instructor@demo.test", "instructor2@demo.test")
LESSONS_PER_WEEK = 40  # each demo instructor's weekly cap, in hour-long lessons


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=run.bounded(1, 256), default=16)
    parser.add_argument("--lessons", type=run.bounded(2, 2000), default=400)
    parser.add_argument("--races", type=run.bounded(1, 200), default=20)
    parser.add_argument("--racers", type=run.bounded(2, 200), default=50)
    return parser.parse_args(argv)


DIARY = """
query Diary($instructorId: ID!, $from: DateTime!, $to: DateTime!) {
  diary(instructorId: $instructorId, from: $from, to: $to) { startsAt endsAt }
}
"""
BUFFER = timedelta(minutes=15)  # the demo instructors' buffer between lessons


def busy_times(
    api: run.Api, instructor_id: str, start: datetime, weeks: int
) -> list[tuple[datetime, datetime]]:
    """The instructor's lessons already in the diary (the demo's own, a series…), padded
    with the buffer, so the plan books around them."""
    busy = []
    for chunk in range(0, weeks * 7, 56):
        body = api.execute(
            DIARY,
            {
                "instructorId": instructor_id,
                "from": (start + timedelta(days=chunk)).isoformat(),
                "to": (start + timedelta(days=min(chunk + 56, weeks * 7))).isoformat(),
            },
            as_user="admin@demo.test",
        )["data"]["diary"]
        busy += [
            (datetime.fromisoformat(b["startsAt"]), datetime.fromisoformat(b["endsAt"]) + BUFFER)
            for b in body
        ]
    return busy


def plan(api: run.Api, ids: dict[str, Any], lessons: int) -> list[dict[str, Any]]:
    """Distinct lessons: Monday to Friday from 08:00 UTC, four weeks ahead onwards, one
    every 75 minutes (the demo instructors keep 15 minutes between lessons), each
    instructor's week filled to the cap, alternating instructors."""
    today = datetime.now(UTC).date()
    monday = today - timedelta(days=today.weekday()) + timedelta(weeks=4)
    lesson_type = ids["lesson_types"]["Standard lesson"]
    per_instructor: dict[str, list[dict[str, Any]]] = {}
    for email in INSTRUCTORS:
        instructor = ids["people"][email]
        students = [
            p["id"]
            for p in ids["people"].values()
            if p["role"] == "STUDENT"
            and any(a["instructor"]["email"] == email for a in p["assignments"])
        ]
        first = datetime(monday.year, monday.month, monday.day, 8, tzinfo=UTC)
        busy = busy_times(api, instructor["id"], first, 12)
        slots = [
            slot
            for slot in (
                first + timedelta(weeks=week, days=day, minutes=75 * n)
                for week in range(12)
                for day in range(5)
                for n in range(8)  # an hour plus the 15-minute buffer; 40 a week: the cap
            )
            if not any(s < slot + timedelta(hours=1) + BUFFER and slot < e for s, e in busy)
        ]
        per_instructor[email] = [
            {
                "instructorId": instructor["id"],
                "studentId": students[n % len(students)],
                "lessonTypeId": lesson_type,
                "startsAt": slot.isoformat(),
                "overrideWorkingHours": True,
            }
            for n, slot in enumerate(slots)
        ]
    interleaved = [x for pair in zip(*per_instructor.values(), strict=False) for x in pair]
    if lessons > len(interleaved):
        raise SystemExit(f"at most {len(interleaved)} lessons fit the plan")
    return interleaved[:lessons]


async def timed(client: httpx.AsyncClient, body: dict[str, Any], token: str) -> tuple[float, Any]:
    started = time.perf_counter()
    response = await client.post(
        "/graphql", json=body, headers={"authorization": f"Bearer {token}"}
    )
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    payload = response.json()
    if payload.get("errors"):
        raise RuntimeError(f"GraphQL error: {payload['errors']}")
    return elapsed, payload["data"]


async def pool(clients: int, jobs: list[Any], work: Any) -> list[Any]:
    """Run ``work(job)`` for every job on ``clients`` concurrent workers."""
    queue: asyncio.Queue[Any] = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)
    results: list[Any] = []

    async def worker() -> None:
        while not queue.empty():
            results.append(await work(queue.get_nowait()))

    await asyncio.gather(*(worker() for _ in range(clients)))
    return results


def summary(
    name: str, latencies: list[float], seconds: float, outcomes: Counter[str]
) -> dict[str, Any]:
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return round(1000 * ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))], 1)

    return {
        "step": name,
        "requests": len(latencies),
        "seconds": round(seconds, 2),
        "requests_per_s": round(len(latencies) / seconds, 1),
        "p50_ms": pct(50),
        "p90_ms": pct(90),
        "p99_ms": pct(99),
        "max_ms": round(1000 * ordered[-1], 1),
        "mean_ms": round(1000 * statistics.fmean(ordered), 1),
        "outcomes": dict(outcomes),
    }


async def load(server: run.Server, args: argparse.Namespace) -> list[dict[str, Any]]:
    api = run.Api(server.url)
    admin = api.token("admin@demo.test")
    ids = scheduling_ids(api)
    lessons = plan(api, ids, args.lessons + args.races)
    steady, contested = lessons[: args.lessons], lessons[args.lessons :]
    steps = []
    limits = httpx.Limits(max_connections=max(args.clients, args.racers))
    async with httpx.AsyncClient(base_url=server.url, timeout=60, limits=limits) as client:
        run.say(f"book: {len(steady)} lessons on {args.clients} clients")
        booked: list[str] = []

        async def book(lesson: dict[str, Any]) -> tuple[float, str]:
            elapsed, data = await timed(
                client, {"query": BENCH_BOOK, "variables": {"input": lesson}}, admin
            )
            payload = data["bookLesson"]
            if payload["errors"]:
                return elapsed, payload["errors"][0]["code"]
            booked.append(payload["booking"]["id"])
            return elapsed, "OK"

        started = time.perf_counter()
        results = await pool(args.clients, steady, book)
        steps.append(
            summary(
                "book",
                [r[0] for r in results],
                time.perf_counter() - started,
                Counter(r[1] for r in results),
            )
        )
        if steps[-1]["outcomes"] != {"OK": len(steady)}:
            raise RuntimeError(f"distinct lessons were refused: {steps[-1]['outcomes']}")

        run.say(f"race: {args.races} slots, {args.racers} clients each")
        race_latencies: list[float] = []
        race_outcomes: Counter[str] = Counter()
        started = time.perf_counter()
        for lesson in contested:
            results = await asyncio.gather(*(book(lesson) for _ in range(args.racers)))
            counted = Counter(r[1] for r in results)
            if counted != {"OK": 1, "SLOT_UNAVAILABLE": args.racers - 1}:
                raise RuntimeError(f"a race ended {dict(counted)}")
            race_latencies.extend(r[0] for r in results)
            race_outcomes.update(counted)
        steps.append(summary("race", race_latencies, time.perf_counter() - started, race_outcomes))

        run.say(f"cancel: {len(booked)} lessons on {args.clients} clients")

        async def cancel(booking_id: str) -> tuple[float, str]:
            elapsed, data = await timed(
                client, {"query": CANCEL, "variables": {"input": {"bookingId": booking_id}}}, admin
            )
            errors = data["cancelBooking"]["errors"]
            return elapsed, errors[0]["code"] if errors else "OK"

        started = time.perf_counter()
        results = await pool(args.clients, booked, cancel)
        steps.append(
            summary(
                "cancel",
                [r[0] for r in results],
                time.perf_counter() - started,
                Counter(r[1] for r in results),
            )
        )
    return steps


def markdown(steps: list[dict[str, Any]], meta: dict[str, Any], args: argparse.Namespace) -> str:
    box = meta["machine"]
    rows = "\n".join(
        f"| {s['step']} | {s['requests']} | {s['requests_per_s']} | {s['p50_ms']} | {s['p90_ms']} | "
        f"{s['p99_ms']} | {s['max_ms']} | {', '.join(f'{k} {v}' for k, v in s['outcomes'].items())} |"
        for s in steps
    )
    return (
        "# Latest booking load run\n\n"
        f"- Date: {meta['started_at']}\n"
        f"- Commit: `{meta['git']['commit']}`{' (dirty)' if meta['git']['dirty'] else ''}\n"
        f"- Machine: {box['cpus']} CPU cores, Python {box['python']}; the clients and the server "
        "share the cores\n"
        f"- Load: {args.clients} concurrent clients; races of {args.racers} clients for one slot\n"
        "- Server: `clutch serve --demo`, one uvicorn process, embedded PostgreSQL, rate limit "
        "lifted, production argon2 (login is outside the measured steps)\n\n"
        "| step | requests | requests/s | p50 ms | p90 ms | p99 ms | max ms | outcomes |\n"
        "|---|---:|---:|---:|---:|---:|---:|---|\n"
        f"{rows}\n"
    )


def record(
    name: str,
    args: argparse.Namespace,
    load: Callable[[run.Server, argparse.Namespace], Awaitable[list[dict[str, Any]]]],
    markdown: Callable[[list[dict[str, Any]], dict[str, Any], argparse.Namespace], str],
) -> int:
    """Run ``load`` against a fresh demo server and record its steps as
    ``results/<stamp>-<name>.json`` and ``results/<name>.md`` (the load scripts' shared
    main)."""
    started = datetime.now(UTC)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    work_dir = run.TMP / f"{name}-{stamp}"
    work_dir.mkdir(parents=True, exist_ok=True)
    meta = {
        "started_at": started.isoformat(timespec="seconds"),
        "machine": run.machine(),
        "git": run.git_commit(),
    }
    try:
        with run.running_server(work_dir) as server:
            steps = asyncio.run(load(server, args))
    except RuntimeError as exc:
        run.say(f"{name} failed: {exc}")
        return 1
    (run.RESULTS / f"{stamp}-{name}.json").write_text(
        json.dumps({**meta, "args": vars(args), "steps": steps}, indent=2) + "\n"
    )
    report = markdown(steps, meta, args)
    (run.RESULTS / f"{name}.md").write_text(report)
    run.say(report)
    return 0


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        run.use_project_python()
    return record("booking_load", parse_args(argv), load, markdown)


if __name__ == "__main__":
    sys.exit(main())
