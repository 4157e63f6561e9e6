"""The background worker (`clutch worker`): procrastinate on Clutch's own PostgreSQL.

Periodic work is declared in code, in one list. Each entry names a plain service function
``async def work(uow: UnitOfWork, now: datetime) -> int`` (it returns how many things it
handled, for the log); the worker runs it on the entry's cron schedule in one unit of
work (``services.uow.transact``: one transaction, its events published after commit,
serialization failures retried). To add one, append to ``PERIODIC_JOBS`` an entry like
this one (already there):

    PeriodicJob(
        name="reschedule_requests.expire",  # stable: stored in the queue's tables
        cron="*/5 * * * *",                 # minute hour day month weekday (UTC)
        work=requests.expire_lapsed,        # services.scheduling.requests
        description="Pending reschedule requests whose proposed time has passed lapse.",
    ),

Every worker process defers the periodic jobs; the queue keeps one job per entry and
scheduled time however many workers run, and a job's ``lock`` keeps two runs of one
entry from overlapping. The queue's tables are created by our Alembic migrations
(migrations/versions/0008_series.py), never by procrastinate's CLI.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import procrastinate
from procrastinate import JobContext, PsycopgConnector

from app.database import plain_url
from app.settings import Settings
from resolvers.context import AppState
from services import assignments, maintenance
from services.community import reputation
from services.packages import expiry as package_expiry
from services.payments import deposits, stale
from services.scheduling import requests
from services.series import generation
from services.theory import expiry
from services.uow import UnitOfWork, transact

log = logging.getLogger(__name__)

PERIODIC_QUEUE = "periodic"
TASK_PREFIX = "clutch."
STATE = "state"  # the key of the running application's state in a job's context


@dataclass(frozen=True)
class PeriodicJob:
    """A service function the worker runs on a schedule, in one unit of work."""

    name: str
    cron: str
    work: Callable[[UnitOfWork, datetime], Awaitable[int]]
    description: str

    @property
    def task_name(self) -> str:
        return TASK_PREFIX + self.name


PERIODIC_JOBS: tuple[PeriodicJob, ...] = (
    PeriodicJob(
        name="series.extend",
        cron="*/15 * * * *",
        work=generation.extend_due,
        description="Keep every active lesson series booked up to its horizon.",
    ),
    PeriodicJob(
        name="reschedule_requests.expire",
        cron="*/5 * * * *",
        work=requests.expire_lapsed,
        description="Pending reschedule requests whose proposed time has passed lapse.",
    ),
    PeriodicJob(
        name="theory.finalise_expired",
        cron="* * * * *",
        work=expiry.finalise_expired,
        description="Mark and finalise mock and hazard tests whose time ran out unattended.",
    ),
    PeriodicJob(
        name="assignments.end_lapsed",
        cron="5 * * * *",
        work=assignments.end_lapsed,
        description="End assignments whose end date has passed (both people are told).",
    ),
    PeriodicJob(
        name="maintenance.prune_outbox",
        cron="17 3 * * *",
        work=maintenance.prune_outbox,
        description="Delete outbox events older than a week.",
    ),
    PeriodicJob(
        name="maintenance.prune_login_attempts",
        cron="23 3 * * *",
        work=maintenance.prune_login_attempts,
        description="Delete login attempts older than 30 days.",
    ),
    PeriodicJob(
        name="community.milestone_awards",
        cron="*/10 * * * *",
        work=lambda uow, _now: reputation.sweep_milestone_awards(uow),
        description="Reward milestones no transaction has rewarded yet (e.g. older ones).",
    ),
    PeriodicJob(
        name="deposits.release_unpaid_holds",
        cron="* * * * *",
        work=deposits.release_unpaid_holds,
        description="Cancel bookings held for a deposit that was not paid in time.",
    ),
    PeriodicJob(
        name="packages.expire",
        cron="7 * * * *",
        work=package_expiry.expire_packages,
        description="Expire packages past their expiry date; their unused credits leave.",
    ),
    PeriodicJob(
        name="payments.abandon_unpaid_purchases",
        cron="41 * * * *",
        work=stale.abandon_unpaid_purchases,
        description="Give up package purchases unpaid by transfer in 14 days or by card in 24 hours.",
    ),
)


def _task_for(job: PeriodicJob) -> Callable[..., Awaitable[int]]:
    async def run(context: JobContext, timestamp: int) -> int:
        state: AppState = context.additional_context[STATE]
        # The job's own clock, not its scheduled ``timestamp``: a job that waited in the
        # queue works on the present.
        now = datetime.now(UTC)
        handled = await transact(state.db, state.hub, state.deps, lambda uow: job.work(uow, now))
        log.info("%s handled %d (scheduled %s)", job.name, handled, timestamp)
        return handled

    run.__name__ = run.__qualname__ = job.name.replace(".", "_")
    run.__doc__ = job.description
    return run


def build_app(
    database_url: str, jobs: tuple[PeriodicJob, ...] = PERIODIC_JOBS
) -> procrastinate.App:
    """A procrastinate app on ``database_url`` with every periodic job registered."""
    app = procrastinate.App(
        connector=PsycopgConnector(conninfo=plain_url(database_url), min_size=1, max_size=4),
        # Succeeded jobs are removed (a periodic job every few minutes would otherwise grow
        # the table forever); failed ones stay for inspection.
        worker_defaults={"delete_jobs": "successful", "queues": [PERIODIC_QUEUE]},
    )
    for job in jobs:
        task: Any = app.task(
            name=job.task_name,
            pass_context=True,
            queue=PERIODIC_QUEUE,
            lock=job.task_name,
        )(_task_for(job))
        app.periodic(cron=job.cron, periodic_id=job.name)(task)
    return app


async def run_worker(state: AppState, app: procrastinate.App, **options: Any) -> None:
    """Run ``app``'s worker with the application's state in every job's context."""
    async with app.open_async():
        await app.run_worker_async(additional_context={STATE: state}, **options)


async def serve(settings: Settings, *, concurrency: int = 1) -> None:
    """`clutch worker`: migrate, start the database (embedded when no DATABASE_URL) and
    the event hub, then work until interrupted (SIGINT/SIGTERM stop it gracefully)."""
    from app.runtime import Runtime

    runtime = await Runtime.start(settings)
    try:
        app = build_app(runtime.state.db.url)
        log.info(
            "worker started: %s",
            ", ".join(f"{job.name} ({job.cron})" for job in PERIODIC_JOBS),
        )
        await run_worker(runtime.state, app, concurrency=concurrency)
    finally:
        await runtime.stop()
