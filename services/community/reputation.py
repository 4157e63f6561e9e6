"""Reputation and badges.

Reputation is the sum of a user's rows in the points ledger (``community_points``):

    a like received on a post or reply             +2   (taken back when the like is)
    a reply accepted as a question's solution     +15   (taken back when unmarked;
                                                         none for answering yourself)
    a milestone from theory practice or lessons   MILESTONE_POINTS below

Dislikes cost nothing (so a few accounts cannot bury someone's standing). Each source
gives points once — ``(reason, source_id)`` is unique — so a repeated or concurrent
award is a no-op, and the figure is derived, never a counter that could drift.

Badges are awarded once per user (unique index, ``INSERT … ON CONFLICT DO NOTHING``)
and kept even if the reputation behind them falls later. Changes to one user's points
are serialised by a transaction-scoped advisory lock on that user, so thresholds
("10 likes received") are checked against every committed row and are never skipped
by two concurrent awards. Locks are always taken after the content rows a transaction
changes, and several users' locks in id order, so they cannot deadlock.

Milestones (``services.achievements``) are recorded by other domains; the community
awards their points and badges in ``award_for_milestones``, which ``record_milestone``
calls in the recording transaction (registered with ``achievements.when_recorded``), and
catches up on any it has not seen in ``sweep_milestone_awards``, a periodic job.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, func, literal, select, text
from sqlalchemy.dialects.postgresql import insert

from models.accounts import User
from models.achievements import Milestone
from models.community import CommunityBadge, CommunityPoints
from services import achievements
from services.community.events import BADGE_AWARDED
from services.uow import UnitOfWork
from subscriptions.envelope import user_key

LIKE_RECEIVED_POINTS = 2
SOLUTION_POINTS = 15
MILESTONE_POINTS = {
    "theory.first_practice": 5,
    "theory.first_mock_pass": 10,
    "theory.mock_passes_5": 20,
    "theory.hazard_pass": 10,
    "theory.ready": 25,
    "lessons.first_completed": 5,
    "lessons.completed_10": 10,
    "lessons.completed_25": 20,
}
# Arbitrary constant naming the community's per-user advisory locks (two-key form).
REPUTATION_LOCK_SPACE = 7_404_222
SWEEP_BATCH = 500


@dataclass(frozen=True)
class BadgeDefinition:
    code: str
    name: str
    description: str


def _badges(*definitions: BadgeDefinition) -> dict[str, BadgeDefinition]:
    return {d.code: d for d in definitions}


BADGES = _badges(
    BadgeDefinition("first_post", "First post", "Started a conversation in the community."),
    BadgeDefinition("first_solution", "Problem solver", "Wrote a reply accepted as a solution."),
    BadgeDefinition("solutions_10", "Expert helper", "Ten replies accepted as solutions."),
    BadgeDefinition("likes_10", "Appreciated", "Received ten likes."),
    BadgeDefinition("likes_100", "Community favourite", "Received a hundred likes."),
    BadgeDefinition("reputation_100", "Trusted member", "Reached 100 reputation."),
    BadgeDefinition("theory_first_practice", "Theory starter", "Practised theory questions."),
    BadgeDefinition("theory_first_mock_pass", "Mock test pass", "Passed a mock theory test."),
    BadgeDefinition("theory_mock_passes_5", "Mock test master", "Passed five mock theory tests."),
    BadgeDefinition("theory_hazard_pass", "Hazard spotter", "Passed a hazard perception test."),
    BadgeDefinition("theory_ready", "Theory ready", "Predicted to pass the theory test."),
    BadgeDefinition("lessons_first_completed", "On the road", "Completed a first lesson."),
    BadgeDefinition("lessons_completed_10", "Ten lessons", "Completed ten lessons."),
    BadgeDefinition("lessons_completed_25", "Road regular", "Completed twenty-five lessons."),
)
# (badge, ledger reason or "reputation", threshold)
THRESHOLD_BADGES = (
    ("first_solution", "solution_accepted", 1),
    ("solutions_10", "solution_accepted", 10),
    ("likes_10", "like_received", 10),
    ("likes_100", "like_received", 100),
    ("reputation_100", "reputation", 100),
)


def milestone_badge(kind: str) -> str:
    return kind.replace(".", "_")


async def lock_members(uow: UnitOfWork, user_ids: Iterable[uuid.UUID]) -> None:
    """Serialise point changes per user (ids sorted, so two users never deadlock)."""
    for user_id in sorted(set(user_ids)):
        await uow.session.execute(
            text("SELECT pg_advisory_xact_lock(:space, hashtext(:user))"),
            {"space": REPUTATION_LOCK_SPACE, "user": str(user_id)},
        )


async def grant_points(
    uow: UnitOfWork, user_id: uuid.UUID, reason: str, source_id: uuid.UUID, points: int
) -> bool:
    """Add a ledger row unless this source already gave points; True when it was added."""
    row = (
        select(User.id, User.school_id, literal(reason), literal(source_id), literal(points))
        .where(User.id == user_id)
    )  # fmt: skip
    inserted = await uow.session.scalar(
        insert(CommunityPoints)
        .from_select(["user_id", "school_id", "reason", "source_id", "points"], row)
        .on_conflict_do_nothing(index_elements=["reason", "source_id"])
        .returning(CommunityPoints.id)
    )
    return inserted is not None


async def revoke_points(uow: UnitOfWork, reason: str, source_id: uuid.UUID) -> bool:
    deleted = await uow.session.scalar(
        delete(CommunityPoints)
        .where(CommunityPoints.reason == reason, CommunityPoints.source_id == source_id)
        .returning(CommunityPoints.id)
    )
    return deleted is not None


async def grant_badges(uow: UnitOfWork, user_id: uuid.UUID, codes: Iterable[str]) -> list[str]:
    """Award each badge the user does not have yet; returns the ones newly awarded."""
    wanted = [code for code in dict.fromkeys(codes) if code in BADGES]
    if not wanted:
        return []
    school_id = await uow.session.scalar(select(User.school_id).where(User.id == user_id))
    rows = await uow.session.execute(
        insert(CommunityBadge)
        .values([{"user_id": user_id, "school_id": school_id, "badge": code} for code in wanted])
        .on_conflict_do_nothing(index_elements=["user_id", "badge"])
        .returning(CommunityBadge.id, CommunityBadge.badge)
    )
    awarded = []
    for badge_id, code in rows:
        awarded.append(code)
        uow.emit(
            BADGE_AWARDED,
            entity_type="CommunityBadge",
            entity_id=badge_id,
            school_id=school_id,
            keys=[user_key(user_id)],
            data={"badge": code},
        )
    return awarded


async def refresh_threshold_badges(uow: UnitOfWork, user_id: uuid.UUID) -> list[str]:
    """Award the count and reputation badges the user's ledger now earns.

    Call with the user's advisory lock held (``lock_members``), so the counts include
    every committed award and none that could still roll back is missing.
    """
    rows = await uow.session.execute(
        select(CommunityPoints.reason, func.count(), func.sum(CommunityPoints.points))
        .where(CommunityPoints.user_id == user_id)
        .group_by(CommunityPoints.reason)
    )
    counts: dict[str, int] = {"reputation": 0}
    for reason, count, points in rows:
        counts[reason] = int(count)
        counts["reputation"] += int(points or 0)
    earned = [badge for badge, what, at in THRESHOLD_BADGES if counts.get(what, 0) >= at]
    return await grant_badges(uow, user_id, earned)


@achievements.when_recorded
async def award_for_milestones(uow: UnitOfWork, user_id: uuid.UUID) -> int:
    """Give the points and badge of each milestone the user reached and the community has
    not yet rewarded; returns how many were rewarded now. Idempotent."""
    await lock_members(uow, [user_id])
    pending = list(
        await uow.session.execute(
            select(Milestone.id, Milestone.kind).where(
                Milestone.user_id == user_id,
                Milestone.kind.in_(MILESTONE_POINTS),
                ~select(CommunityPoints.id)
                .where(
                    CommunityPoints.reason == "milestone", CommunityPoints.source_id == Milestone.id
                )
                .exists(),
            )
        )
    )
    rewarded = 0
    for milestone_id, kind in pending:
        if await grant_points(uow, user_id, "milestone", milestone_id, MILESTONE_POINTS[kind]):
            rewarded += 1
    await grant_badges(uow, user_id, [milestone_badge(kind) for _, kind in pending])
    if rewarded:
        await refresh_threshold_badges(uow, user_id)
    return rewarded


async def sweep_milestone_awards(uow: UnitOfWork, *, batch: int = SWEEP_BATCH) -> int:
    """Periodic job: reward milestones recorded without a call to ``award_for_milestones``.

    Handles up to ``batch`` users per run (run it again to continue); returns how many
    milestones it rewarded.
    """
    users = list(
        await uow.session.scalars(
            select(Milestone.user_id)
            .where(
                Milestone.kind.in_(MILESTONE_POINTS),
                ~select(CommunityPoints.id)
                .where(
                    CommunityPoints.reason == "milestone", CommunityPoints.source_id == Milestone.id
                )
                .exists(),
            )
            .group_by(Milestone.user_id)
            .order_by(Milestone.user_id)
            .limit(batch)
        )
    )
    rewarded = 0
    for user_id in users:
        rewarded += await award_for_milestones(uow, user_id)
    return rewarded
