"""The periodic finaliser: ends every test whose time is up, without waiting for a client.

``clutch worker`` runs ``finalise_expired`` every minute (``theory.finalise_expired`` in
``app/worker.PERIODIC_JOBS``; that is plenty: reading or answering an expired test
already finalises it on the spot). Each run takes at most
``limit`` tests of each kind, oldest deadline first, skipping rows another worker has
locked, so several workers can run it at once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from models.theory import HazardTest, MockTest
from services.theory import clock, hazard_tests, mock_tests
from services.uow import UnitOfWork

BATCH = 200


async def finalise_expired(uow: UnitOfWork, now: datetime | None = None, limit: int = BATCH) -> int:
    """Finalise expired mock and hazard-perception tests; returns how many were finalised."""
    now = clock.resolve(now)
    finalised = 0
    mocks = await uow.session.scalars(
        select(MockTest)
        .where(MockTest.status == "in_progress", MockTest.expires_at <= now)
        .order_by(MockTest.expires_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    for mock_test in list(mocks):
        await mock_tests.finalise(uow, mock_test, now)
        finalised += 1
    hazards = await uow.session.scalars(
        select(HazardTest)
        .where(HazardTest.status == "in_progress", HazardTest.expires_at <= now)
        .order_by(HazardTest.expires_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    for hazard_test in list(hazards):
        await hazard_tests.finalise(uow, hazard_test, now)
        finalised += 1
    return finalised
