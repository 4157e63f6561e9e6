"""Package expiry (worker): a package past its ``expires_at`` gives no more credit.

``ledger.draw`` already refuses a package that expires before the lesson starts; this
job makes it visible — the package's status becomes ``expired`` and its unused credits
leave the ledger as an ``expired`` movement, so balances and statements agree.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from models.packages import StudentPackage
from services.packages import ledger
from services.uow import UnitOfWork

EXPIRY_BATCH = 500


async def expire_packages(uow: UnitOfWork, now: datetime) -> int:
    """Expire active and exhausted packages whose time is up; returns how many."""
    due = (
        await uow.session.execute(
            select(StudentPackage.id, StudentPackage.student_id, StudentPackage.school_id)
            .where(
                StudentPackage.status.in_(("active", "exhausted")),
                StudentPackage.expires_at <= now,
            )
            .order_by(StudentPackage.expires_at)
            .limit(EXPIRY_BATCH)
            .with_for_update(skip_locked=True)
        )
    ).all()
    for package_id, student_id, school_id in due:
        movement = await ledger.take_away(
            uow, package_id, count=None, reason="expired", status="expired", actor_id=None
        )
        if movement is None:  # nothing left to take: only the status changed
            ledger.emit_account_changed(
                uow,
                student_id=student_id,
                school_id=school_id,
                entity="StudentPackage",
                entity_id=package_id,
            )
        uow.audit(
            None,
            "student_package.expired",
            entity_type="StudentPackage",
            entity_id=package_id,
            school_id=school_id,
            after={
                "status": "expired",
                "credits_removed": -movement.entry.delta if movement else 0,
            },
        )
    return len(due)
