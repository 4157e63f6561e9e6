"""Purchase-and-book load run: students buy a package by card at once, then spend its credits.

    python bench/purchase_book_load.py [--students 8] [--lessons 5] [--clients 16]

Needs the packages and payments API of issue 4 (``createLessonPackage``,
``purchasePackage``, ``bookLesson(input: {payWith: CREDIT, studentPackageId})``): run it on
a build where those are merged. Against a fresh ``clutch serve --demo`` (the local card
provider, which settles at once; started and stopped as bench/run.py does):

1. **package** — the demo school's admin puts a ``--lessons``-lesson package on sale
   (hour-long Standard lessons; a price whose pence do not end in 02, which the local
   provider declines);
2. **purchase** — ``--students`` demo students (those with an instructor) buy it at the same
   moment by card, each with its own idempotency key, then all send the same request again:
   every purchase must succeed with a settled payment, and every retry must return the same
   student package (one charge per key);
3. **book** — ``--clients`` concurrent clients book every student's ``--lessons`` lessons
   with their instructor, as the student, paying with a credit of the package just bought
   (distinct free slots from ``availableSlots``, five weeks ahead onwards): all must succeed;
4. **overdraw** — every student tries one more lesson on the same, now empty, package at
   once: all must be refused ``NO_CREDITS`` (the last credit is never taken twice).

Latency percentiles and throughput per step go to
``bench/results/<timestamp>-purchase_book_load.json`` and
``bench/results/purchase_book_load.md``; the run fails if an invariant is broken.
Needs the test dependencies (httpx) in `.venv`.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import booking_load
import httpx
import run
from booking_load import pool, summary, timed
from operations import AVAILABLE_SLOTS, scheduling_ids

CREATE_PACKAGE = """
mutation Package($input: CreateLessonPackageInput!) {
  createLessonPackage(input: $input) { package { id } errors { code message } }
}
"""

PURCHASE = """
mutation Purchase($input: PurchasePackageInput!) {
  purchasePackage(input: $input) {
    studentPackage { id status lessonsRemaining }
    payment { id status amountMinor }
    errors { code message }
  }
}
"""

BOOK_WITH_CREDIT = """
mutation Book($input: BookLessonInput!) {
  bookLesson(input: $input) { booking { id } errors { code } }
}
"""

PRICE_MINOR = 17_501  # 5 credits worth 3501, 3500, 3500, 3500, 3500; not a declined amount
GAP = timedelta(minutes=75)  # an hour's lesson and the demo instructors' 15-minute buffer


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=run.bounded(1, 10), default=8)
    parser.add_argument("--lessons", type=run.bounded(1, 20), default=5)
    parser.add_argument("--clients", type=run.bounded(1, 256), default=16)
    return parser.parse_args(argv)


def free_starts(api: run.Api, ids: dict[str, Any], email: str, wanted: int) -> list[str]:
    """``wanted`` free start times of the instructor, at least 75 minutes apart, from five
    weeks ahead (past the other bench scripts' weeks), a week at a time."""
    today = datetime.now(UTC).date()
    start = datetime(today.year, today.month, today.day, tzinfo=UTC) + timedelta(weeks=5)
    chosen: list[datetime] = []
    for week in range(8):
        frm = start + timedelta(weeks=week)
        slots = api.execute(
            AVAILABLE_SLOTS,
            {
                "instructorId": ids["people"][email]["id"],
                "lessonTypeId": ids["lesson_types"]["Standard lesson"],
                "from": frm.isoformat(),
                "to": (frm + timedelta(days=7)).isoformat(),
            },
            as_user="admin@demo.test",
        )["data"]["availableSlots"]
        booked_this_week = 0
        for slot in slots:
            at = datetime.fromisoformat(slot["startsAt"])
            # Leave room under the weekly cap (40 hours) for whatever the demo booked.
            if booked_this_week < 30 and (not chosen or at >= chosen[-1] + GAP):
                chosen.append(at)
                booked_this_week += 1
            if len(chosen) == wanted:
                return [c.isoformat() for c in chosen]
    raise RuntimeError(f"only {len(chosen)} free slots for {email}")


def create_package(api: run.Api, lesson_type: str, lessons: int) -> str:
    """The admin puts the bench package on sale; its id."""
    run.say(f"package: {lessons} lessons for {PRICE_MINOR} minor units")
    created = api.execute(
        CREATE_PACKAGE,
        {
            "input": {
                "name": f"Bench {lessons} lessons",
                "lessonsCount": lessons,
                "lessonDurationMinutes": 60,
                "priceMinor": PRICE_MINOR,
                "validityDays": 180,
                "lessonTypeId": lesson_type,
            }
        },
        as_user="admin@demo.test",
    )["data"]["createLessonPackage"]
    if created["errors"]:
        raise RuntimeError(f"could not create the package: {created['errors']}")
    return str(created["package"]["id"])


def starts_by_instructor(
    api: run.Api, ids: dict[str, Any], students: list[tuple[str, Any, str]], lessons: int
) -> dict[str, list[str]]:
    """Enough free start times with each instructor for their students' lessons, plus one
    more each for the overdraw step."""
    counts = Counter(instructor for _, _, instructor in students)
    return {
        instructor: free_starts(api, ids, instructor, (lessons + 1) * n)
        for instructor, n in counts.items()
    }


Job = tuple[str, dict[str, Any]]  # (the student's email, bookLesson's input)


def lesson_jobs(
    ids: dict[str, Any],
    students: list[tuple[str, Any, str]],
    starts: dict[str, list[str]],
    held: dict[str, Any],
    lessons: int,
) -> tuple[list[Job], list[Job]]:
    """Each student's lessons on the package they bought, and one more each (the overdraw)."""
    starts = {k: list(v) for k, v in starts.items()}
    jobs: list[Job] = []
    extra: list[Job] = []
    for email, person, instructor in students:
        for n in range(lessons + 1):
            lesson = {
                "instructorId": ids["people"][instructor]["id"],
                "studentId": person["id"],
                "lessonTypeId": ids["lesson_types"]["Standard lesson"],
                "startsAt": starts[instructor].pop(0),
                "payWith": "CREDIT",
                "studentPackageId": held[email],
            }
            (jobs if n < lessons else extra).append((email, lesson))
    return jobs, extra


async def load(server: run.Server, args: argparse.Namespace) -> list[dict[str, Any]]:
    api = run.Api(server.url)
    ids = scheduling_ids(api)
    lesson_type = ids["lesson_types"]["Standard lesson"]
    students = [
        (email, person, person["assignments"][0]["instructor"]["email"])
        for email, person in sorted(ids["people"].items())
        if person["role"] == "STUDENT" and person["assignments"]
    ][: args.students]
    if len(students) < args.students:
        raise RuntimeError(f"the demo has only {len(students)} students with an instructor")

    package_id = create_package(api, lesson_type, args.lessons)

    tokens = {email: api.token(email) for email, _, _ in students}
    per_instructor = starts_by_instructor(api, ids, students, args.lessons)

    steps = []
    limits = httpx.Limits(max_connections=max(args.clients, args.students * 2))
    async with httpx.AsyncClient(base_url=server.url, timeout=60, limits=limits) as client:
        keys = {email: f"bench-{uuid.uuid4()}" for email, _, _ in students}

        async def purchase(email: str) -> tuple[float, str, str | None]:
            body = {
                "query": PURCHASE,
                "variables": {
                    "input": {
                        "packageId": package_id,
                        "paymentMethod": "CARD",
                        "idempotencyKey": keys[email],
                    }
                },
            }
            elapsed, data = await timed(client, body, tokens[email])
            payload = data["purchasePackage"]
            if payload["errors"]:
                return elapsed, payload["errors"][0]["code"], None
            if (payload["payment"] or {}).get("status") != "SUCCEEDED":
                return elapsed, f"payment {payload['payment']}", None
            return elapsed, "OK", payload["studentPackage"]["id"]

        emails = [email for email, _, _ in students]
        run.say(f"purchase: {len(emails)} students at once, then the same requests again")
        started = time.perf_counter()
        first = await asyncio.gather(*(purchase(e) for e in emails))
        again = await asyncio.gather(*(purchase(e) for e in emails))
        results = [*first, *again]
        steps.append(
            summary(
                "purchase (and retry)",
                [r[0] for r in results],
                time.perf_counter() - started,
                Counter(r[1] for r in results),
            )
        )
        if any(r[1] != "OK" for r in results):
            raise RuntimeError(f"a purchase failed: {steps[-1]['outcomes']}")
        held = {email: r[2] for email, r in zip(emails, first, strict=True)}
        if [r[2] for r in again] != [held[e] for e in emails]:
            raise RuntimeError("a retried purchase made a second package")

        jobs, extra = lesson_jobs(ids, students, per_instructor, held, args.lessons)

        async def book(job: tuple[str, dict[str, Any]]) -> tuple[float, str]:
            email, lesson = job
            elapsed, data = await timed(
                client, {"query": BOOK_WITH_CREDIT, "variables": {"input": lesson}}, tokens[email]
            )
            errors = data["bookLesson"]["errors"]
            return elapsed, errors[0]["code"] if errors else "OK"

        run.say(f"book: {len(jobs)} lessons with credits on {args.clients} clients")
        started = time.perf_counter()
        results = await pool(args.clients, jobs, book)
        steps.append(
            summary(
                "book with credit",
                [r[0] for r in results],
                time.perf_counter() - started,
                Counter(r[1] for r in results),
            )
        )
        if steps[-1]["outcomes"] != {"OK": len(jobs)}:
            raise RuntimeError(f"lessons paid with credits were refused: {steps[-1]['outcomes']}")

        run.say(f"overdraw: {len(extra)} students try one lesson more at once")
        started = time.perf_counter()
        results = await asyncio.gather(*(book(job) for job in extra))
        steps.append(
            summary(
                "overdraw (must be refused)",
                [r[0] for r in results],
                time.perf_counter() - started,
                Counter(r[1] for r in results),
            )
        )
        if any(r[1] != "NO_CREDITS" for r in results):
            raise RuntimeError(f"an overdraw was not refused NO_CREDITS: {steps[-1]['outcomes']}")
    return steps


def markdown(steps: list[dict[str, Any]], meta: dict[str, Any], args: argparse.Namespace) -> str:
    box = meta["machine"]
    rows = "\n".join(
        f"| {s['step']} | {s['requests']} | {s['requests_per_s']} | {s['p50_ms']} | {s['p90_ms']} | "
        f"{s['p99_ms']} | {s['max_ms']} | {', '.join(f'{k} {v}' for k, v in s['outcomes'].items())} |"
        for s in steps
    )
    return (
        "# Latest purchase-and-book load run\n\n"
        f"- Date: {meta['started_at']}\n"
        f"- Commit: `{meta['git']['commit']}`{' (dirty)' if meta['git']['dirty'] else ''}\n"
        f"- Machine: {box['cpus']} CPU cores, Python {box['python']}; the clients and the server "
        "share the cores\n"
        f"- Load: {args.students} students buying a {args.lessons}-lesson package at once, "
        f"then {args.clients} concurrent clients booking with its credits\n"
        "- Server: `clutch serve --demo`, one uvicorn process, embedded PostgreSQL, the local "
        "card provider, rate limit lifted\n\n"
        "| step | requests | requests/s | p50 ms | p90 ms | p99 ms | max ms | outcomes |\n"
        "|---|---:|---:|---:|---:|---:|---:|---|\n"
        f"{rows}\n"
    )


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        run.use_project_python()
    return booking_load.record("purchase_book_load", parse_args(argv), load, markdown)


if __name__ == "__main__":
    sys.exit(main())
