"""The Driver's Record (SPEC §2): the learning-to-drive syllabus and each learner's
progress through it.

The syllabus is DVSA's driver's record for learner drivers (updated 7 February 2023):
27 skills in 8 groups, each skill at one of five levels. It is reference data that every
school shares and that changes only when DVSA revises the record, so it lives here in code
(read with no query) and PostgreSQL guards it: an entry's ``skill_code`` must be one of
the codes below (a CHECK written out in migration 0006; a revised syllabus is a new
migration). Skill names follow the official form (Open Government Licence v3.0); the
one-line descriptions are our own.

Entries are append-only: each records the level a learner showed in one skill during one
completed lesson; a skill's current level is its latest entry.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from models.base import UUIDPK, Base, CreatedAt, school_fk, user_fk


@dataclass(frozen=True)
class SkillGroup:
    code: str
    name: str
    skills: tuple[Skill, ...]


@dataclass(frozen=True)
class Skill:
    code: str
    number: int  # as the official form numbers it, 1 to 27
    name: str
    description: str


def _group(code: str, name: str, *skills: tuple[int, str, str, str]) -> SkillGroup:
    return SkillGroup(code, name, tuple(Skill(c, n, name_, d) for n, c, name_, d in skills))


SYLLABUS: tuple[SkillGroup, ...] = (
    _group(
        "basics",
        "The basics",
        (
            1,
            "legal_responsibilities",
            "Legal responsibilities",
            "The law as it applies to the driver and the car: fitness to drive, tax, MOT, insurance.",
        ),
        (
            2,
            "safety_checks",
            "Safety checks",
            "Checking the car is roadworthy before the engine starts, and knowing how often to.",
        ),
        (
            3,
            "cockpit_checks",
            "Cockpit checks",
            "Doors, seat, steering, head restraint, mirrors and seat belt set before moving off.",
        ),
        (4, "security", "Security", "Keeping the car, its contents and yourself secure."),
    ),
    _group(
        "control_and_positioning",
        "Control and positioning",
        (
            5,
            "controls_and_instruments",
            "Controls and instruments",
            "Using the pedals, gears, steering and instruments smoothly and without looking.",
        ),
        (
            6,
            "moving_away_and_stopping",
            "Moving away and stopping",
            "Moving off and pulling up safely, on the level, uphill, downhill and at an angle.",
        ),
        (
            7,
            "safe_positioning",
            "Safe positioning",
            "Keeping the right position on the road for the road and the traffic.",
        ),
    ),
    _group(
        "observations_signalling_planning",
        "Observations, signalling and planning",
        (
            8,
            "mirrors",
            "Mirrors – vision and use",
            "Knowing what is behind and beside the car at all times, and acting on it.",
        ),
        (
            9,
            "signals",
            "Signals",
            "Giving clear, well-timed signals and responding safely to other people's.",
        ),
        (
            10,
            "anticipation_and_planning",
            "Anticipation and planning",
            "Reading the road ahead and planning a response early.",
        ),
        (
            11,
            "use_of_speed",
            "Use of speed",
            "Driving at a speed that suits the limit, the road and the conditions.",
        ),
        (
            12,
            "other_traffic",
            "Other traffic",
            "Meeting, overtaking, crossing and keeping a safe distance from other road users.",
        ),
        (
            13,
            "fuel_efficient_driving",
            "Fuel-efficient driving",
            "Driving smoothly and planning ahead to use less fuel.",
        ),
    ),
    _group(
        "junctions_roundabouts_crossings",
        "Junctions, roundabouts and crossings",
        (
            14,
            "junctions",
            "Junctions",
            "Approaching, turning into and emerging from junctions of every kind.",
        ),
        (
            15,
            "roundabouts",
            "Roundabouts",
            "Lane choice, signals and observation on roundabouts, mini and multiple ones included.",
        ),
        (
            16,
            "pedestrian_crossings",
            "Pedestrian crossings",
            "Recognising each type of crossing and giving way correctly.",
        ),
    ),
    _group(
        "manoeuvres",
        "Manoeuvres",
        (17, "reversing", "Reversing", "Reversing under control with all-round observation."),
        (
            18,
            "turning_around",
            "Turning the car around",
            "Turning the car to face the other way safely in the road.",
        ),
        (19, "parking", "Parking", "Parallel, bay and pull-up-on-the-right parking."),
        (
            20,
            "emergency_stop",
            "Emergency stop",
            "Stopping quickly and under control in an emergency.",
        ),
    ),
    _group(
        "road_types",
        "Road types",
        (
            21,
            "country_roads",
            "Country roads",
            "Bends, narrow lanes, hills and hazards particular to rural roads.",
        ),
        (
            22,
            "dual_carriageways",
            "Dual carriageways",
            "Joining, lane discipline, overtaking and leaving at higher speeds.",
        ),
        (
            23,
            "motorways",
            "Motorways",
            "Joining, lane use, smart motorways and leaving a motorway.",
        ),
    ),
    _group(
        "driving_conditions",
        "Driving conditions",
        (
            24,
            "driving_in_the_dark",
            "Driving in the dark",
            "Lights, visibility and dazzle when driving at night.",
        ),
        (
            25,
            "weather_conditions",
            "Weather conditions",
            "Driving in rain, fog, snow, ice, wind and bright sun.",
        ),
        (
            26,
            "passengers_and_loads",
            "Passengers and loads",
            "Carrying passengers, children and loads safely.",
        ),
    ),
    _group(
        "following_routes",
        "Following routes",
        (
            27,
            "independent_driving",
            "Independent driving and using a sat nav",
            "Following road signs or a sat nav without step-by-step directions.",
        ),
    ),
)

SKILL_CODES: tuple[str, ...] = tuple(s.code for g in SYLLABUS for s in g.skills)
LEVELS = ("introduced", "helped", "prompted", "independent", "reflection")  # 1 to 5


class SkillEntry(Base):
    """The level a learner showed in one skill during one completed lesson.

    Append-only (no update or delete path exists). ``lesson_at`` is the lesson's start,
    copied from the booking (a completed booking never moves), so "latest" means the most
    recent lesson even when an older lesson is written up late.
    """

    __tablename__ = "skill_entries"
    __table_args__ = (
        CheckConstraint("level BETWEEN 1 AND 5", name="level_range"),
        CheckConstraint(f"skill_code IN {SKILL_CODES}", name="skill_code_values"),
        # The lesson-by-lesson record has one box per skill and lesson.
        Index("uq_skill_entries_booking_skill", "booking_id", "skill_code", unique=True),
        # Current level and history: one learner's entries per skill, newest first.
        Index(
            "ix_skill_entries_student_skill_lesson",
            "student_id",
            "skill_code",
            "lesson_at",
            "created_at",
        ),
    )

    id: Mapped[UUIDPK]
    school_id: Mapped[uuid.UUID] = school_fk(index=False)
    student_id: Mapped[uuid.UUID] = user_fk(index=False)
    skill_code: Mapped[str] = mapped_column(String(40))
    level: Mapped[int] = mapped_column(SmallInteger)
    booking_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("bookings.id", ondelete="RESTRICT")
    )
    lesson_at: Mapped[datetime] = mapped_column(nullable=False)
    notes: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[uuid.UUID | None] = user_fk(
        nullable=True, index=False, ondelete="SET NULL"
    )
    created_at: Mapped[CreatedAt]
