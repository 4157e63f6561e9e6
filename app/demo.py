"""Demo data: "Demo Driving School" with an admin, two instructors and ten students.

Idempotent: every record is looked up by its natural key first, so running it
twice creates nothing new. Prints what it made (or found).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from app.demo_community import seed_community
from app.demo_payments import seed_payments
from app.demo_progress import seed_progress_demo
from app.demo_scheduling import seed_scheduling
from app.demo_theory import seed_theory
from models.accounts import InstructorProfile, User
from models.assignments import InstructorAssignment
from models.schools import PlatformSetting, School
from resolvers.context import AppState
from services import accounts, assignments, schools
from services.actor import Role
from services.uow import UnitOfWork, unit_of_work

PASSWORD = "clutch-demo"
SCHOOL_SLUG = "demo"
PLATFORM_ADMIN_EMAIL = "platform@demo.test"

STUDENTS = [
    ("student@demo.test", "Sam", "Student"),
    ("amira.khan@demo.test", "Amira", "Khan"),
    ("ben.jones@demo.test", "Ben", "Jones"),
    ("chloe.smith@demo.test", "Chloe", "Smith"),
    ("dev.patel@demo.test", "Dev", "Patel"),
    ("ella.brown@demo.test", "Ella", "Brown"),
    ("finn.oconnor@demo.test", "Finn", "O'Connor"),
    ("grace.wilson@demo.test", "Grace", "Wilson"),
    ("harry.taylor@demo.test", "Harry", "Taylor"),
    ("isla.evans@demo.test", "Isla", "Evans"),
]
INSTRUCTORS = [
    ("instructor@demo.test", "Ian", "Instructor", ["manual", "pass_plus"]),
    ("instructor2@demo.test", "Priya", "Shah", ["automatic", "intensive"]),
]


@dataclass
class SeedReport:
    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)

    def note(self, made: bool, what: str) -> None:
        (self.created if made else self.existing).append(what)


async def seed_demo(state: AppState, progress: Callable[[str], None] = print) -> SeedReport:
    report = SeedReport()
    db, hub, deps = state.db, state.hub, state.deps

    async def find_user(uow: UnitOfWork, email: str) -> User | None:
        return await uow.session.scalar(
            select(User).where(func.lower(User.email) == email, User.deleted_at.is_(None))
        )

    async with unit_of_work(db, hub, deps) as uow:
        platform_admin = await find_user(uow, PLATFORM_ADMIN_EMAIL)
        report.note(platform_admin is None, f"{'platform_admin':<14} {PLATFORM_ADMIN_EMAIL}")
        if platform_admin is None:
            platform_admin = await accounts.create_platform_admin(
                uow,
                email=PLATFORM_ADMIN_EMAIL,
                password=PASSWORD,
                first_name="Pat",
                last_name="Platform",
            )
    actor = accounts.actor_for(platform_admin)

    async with unit_of_work(db, hub, deps) as uow:
        school = await uow.session.scalar(select(School).where(School.slug == SCHOOL_SLUG))
        report.note(school is None, f"{'school':<14} Demo Driving School (slug '{SCHOOL_SLUG}')")
        if school is None:
            school = await schools.create_school(
                uow,
                actor,
                {
                    "name": "Demo Driving School",
                    "slug": SCHOOL_SLUG,
                    "time_zone": "Europe/London",
                    "currency": "GBP",
                    "contact_email": "hello@demo.test",
                    "contact_phone": "+447700900001",
                    "address": "1 High Street, Manchester",
                },
            )
        for key, value in (("platform.name", "Clutch"), ("support.email", "support@demo.test")):
            if await uow.session.get(PlatformSetting, key) is None:
                await schools.set_platform_setting(
                    uow,
                    actor,
                    key=key,
                    value=value,
                    is_public=True,
                    category="general",
                    description=None,
                )
    school_id = school.id
    progress("  school ready")

    async def ensure_user(email: str, role: Role, first: str, last: str) -> User:
        async with unit_of_work(db, hub, deps) as uow:
            existing = await find_user(uow, email)
            report.note(existing is None, f"{role.value:<14} {email}")
            if existing is not None:
                return existing
            user = await accounts.create_user(
                uow,
                actor,
                school_id=school_id,
                role=role,
                email=email,
                password=PASSWORD,
                first_name=first,
                last_name=last,
                phone=None,
            )
            user.email_verified_at = func.now()
            return user

    await ensure_user("admin@demo.test", Role.SCHOOL_ADMIN, "Ada", "Admin")
    instructors = []
    for email, first, last, specialisations in INSTRUCTORS:
        user = await ensure_user(email, Role.INSTRUCTOR, first, last)
        async with unit_of_work(db, hub, deps) as uow:
            profile = await uow.session.get(InstructorProfile, user.id)
            if profile is not None and not profile.specialisations:
                profile.specialisations = specialisations
                profile.hourly_rate_minor = 3800
                profile.bio = f"{first} has taught learners around Manchester for years."
                profile.areas_covered = ["Manchester", "Salford"]
        instructors.append(user)
    progress("  staff ready")
    students = []
    for index, (email, first, last) in enumerate(STUDENTS, start=1):
        students.append(await ensure_user(email, Role.STUDENT, first, last))
        progress(f"  students {index}/{len(STUDENTS)}")

    for index, student in enumerate(students):
        instructor = instructors[index % 2]
        async with unit_of_work(db, hub, deps) as uow:
            live = await uow.session.scalar(
                select(InstructorAssignment.id).where(
                    InstructorAssignment.student_id == student.id,
                    InstructorAssignment.status == "active",
                )
            )
            report.note(live is None, f"{'assignment':<14} {student.email} -> {instructor.email}")
            if live is None:
                await assignments.assign_instructor(
                    uow,
                    actor,
                    student_id=student.id,
                    instructor_id=instructor.id,
                    assignment_type="primary",
                    priority=1,
                    starts_on=None,
                    ends_on=None,
                    notes="Demo assignment",
                )
    progress("  assignments ready")
    await _seed_domains(state, actor, school_id, instructors, students, report, progress)
    return report


async def _seed_domains(
    state: AppState,
    actor: Any,
    school_id: Any,
    instructors: list[User],
    students: list[User],
    report: SeedReport,
    progress: Callable[[str], None],
) -> None:
    """Each capability's demo data, on top of the school, its people and assignments."""
    await seed_scheduling(state, actor, school_id, instructors, students, report, progress)
    await seed_payments(state, school_id, instructors, students[0], report, progress)
    await seed_community(state, actor, school_id, students[0], instructors[0], report)
    progress("  community ready")
    await seed_progress_demo(state, actor, school_id, report.note, progress)
    await seed_theory(state, report.note, progress)


async def seed_if_empty(state: AppState) -> None:
    async with state.db.session() as session:
        empty = await session.scalar(select(func.count()).select_from(School)) == 0
    if empty:
        report = await seed_demo(state, progress=lambda _: None)
        print_report(report)


def print_report(report: SeedReport, out: Callable[[str], None] = print) -> None:
    out(f"Demo data: {len(report.created)} created, {len(report.existing)} already there.")
    for line in report.created:
        out(f"  + {line}")
    for line in report.existing:
        out(f"  = {line}")
    out(f"Every demo account's password is '{PASSWORD}'.")
