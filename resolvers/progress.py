"""The Driver's Record: loaders and thin resolvers."""

from __future__ import annotations

import uuid
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.accounts import User
from models.progress import SkillEntry
from resolvers.context import Info
from resolvers.loaders import SessionLoader
from resolvers.pagination import Page, paginate
from services import progress
from services.actor import Role
from services.errors import DomainError


class RecordStudentLoader(SessionLoader[uuid.UUID, User | None]):
    """Students whose record the actor may read (None for anyone else)."""

    async def load_batch(self, session: AsyncSession, keys: list[uuid.UUID]) -> list[User | None]:
        if self.actor is None:
            return [None] * len(keys)
        rows = await session.scalars(
            progress.readable_students(self.actor).where(User.id.in_(keys))
        )
        found = {row.id: row for row in rows}
        return [found.get(key) for key in keys]


class CurrentLevelsLoader(SessionLoader[uuid.UUID, dict[str, SkillEntry]]):
    """Each student's latest entry per skill, keyed by skill code (many students, one query)."""

    async def load_batch(
        self, session: AsyncSession, keys: list[uuid.UUID]
    ) -> list[dict[str, SkillEntry]]:
        if self.actor is None:
            return [{} for _ in keys]
        grouped: dict[uuid.UUID, dict[str, SkillEntry]] = defaultdict(dict)
        for row in await session.scalars(progress.current_entries(self.actor, keys)):
            grouped[row.student_id][row.skill_code] = row
        return [grouped.get(key, {}) for key in keys]


class SkillEntryByIdLoader(SessionLoader[uuid.UUID, SkillEntry | None]):
    async def load_batch(
        self, session: AsyncSession, keys: list[uuid.UUID]
    ) -> list[SkillEntry | None]:
        if self.actor is None:
            return [None] * len(keys)
        rows = await session.scalars(
            select(SkillEntry).where(SkillEntry.id.in_(keys), progress.readable_entries(self.actor))
        )
        found = {row.id: row for row in rows}
        return [found.get(key) for key in keys]


class SkillEntriesByBookingLoader(SessionLoader[uuid.UUID, list[SkillEntry]]):
    """The entries recorded against each lesson, in syllabus order."""

    async def load_batch(
        self, session: AsyncSession, keys: list[uuid.UUID]
    ) -> list[list[SkillEntry]]:
        if self.actor is None:
            return [[] for _ in keys]
        rows = await session.scalars(
            select(SkillEntry).where(
                SkillEntry.booking_id.in_(keys), progress.readable_entries(self.actor)
            )
        )
        grouped: dict[uuid.UUID, list[SkillEntry]] = defaultdict(list)
        for row in rows:
            grouped[row.booking_id].append(row)
        order = {code: n for n, code in enumerate(progress.SKILLS)}
        return [sorted(grouped.get(key, []), key=lambda e: order[e.skill_code]) for key in keys]


def _student_id(info: Info, student_id: uuid.UUID | None) -> uuid.UUID:
    actor = info.context.require_actor()
    if student_id is not None:
        return student_id
    if actor.role is not Role.STUDENT:
        raise DomainError(progress.E.STUDENT_NOT_FOUND, "Say whose record you want.", "studentId")
    return actor.user_id


async def record_student(info: Info, student_id: uuid.UUID | None) -> User | None:
    """The student whose record is asked for (students: themselves by default)."""
    chosen = _student_id(info, student_id)
    return await info.context.loaders[RecordStudentLoader].load(chosen)


async def current_levels(info: Info, student_id: uuid.UUID) -> dict[str, SkillEntry]:
    return await info.context.loaders[CurrentLevelsLoader].load(student_id)


async def skill_history(
    info: Info,
    *,
    student_id: uuid.UUID | None,
    skill_code: str,
    first: int,
    after: str | None,
) -> Page[SkillEntry]:
    """One skill's entries for a student, newest lesson first."""
    actor = info.context.require_actor()
    chosen = _student_id(info, student_id)
    code = progress.skill(skill_code).code
    stmt = select(SkillEntry).where(
        SkillEntry.student_id == chosen,
        SkillEntry.skill_code == code,
        progress.readable_entries(actor),
    )
    async with info.context.state.db.session() as session:
        return await paginate(
            session,
            stmt,
            sort=SkillEntry.lesson_at,
            id_column=SkillEntry.id,
            first=first,
            after=after,
            max_page_size=info.context.state.max_page_size,
            descending=True,
        )


async def lesson_entries(info: Info, booking_id: uuid.UUID) -> list[SkillEntry]:
    info.context.require_actor()
    return await info.context.loaders[SkillEntriesByBookingLoader].load(booking_id)


async def entry_node(info: Info, entry_id: uuid.UUID) -> SkillEntry | None:
    if info.context.actor is None:
        return None
    return await info.context.loaders[SkillEntryByIdLoader].load(entry_id)


async def record_progress(
    info: Info, booking_id: uuid.UUID, entries: list[progress.EntryInput]
) -> list[SkillEntry]:
    actor = info.context.require_actor()
    async with info.context.unit_of_work() as uow:
        return await progress.record_progress(uow, actor, booking_id, entries)
