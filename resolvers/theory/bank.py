"""The question bank: topics, questions, hazard clips, and the admin changes to questions."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from models.theory import HazardClip, TheoryCategory, TheoryQuestion
from resolvers.context import Info
from resolvers.pagination import Page, paginate
from resolvers.theory.loaders import (
    CategoryByIdLoader,
    HazardClipByIdLoader,
    QuestionByIdLoader,
    SourceByIdLoader,
)
from services.actor import Role
from services.errors import DomainError
from services.theory import access, bank, formats, practice
from services.theory.bank import QuestionFields
from services.theory.categories import ensure_topics
from services.theory.errors import E
from services.theory.formats import TestFormat


async def categories(info: Info, include_inactive: bool) -> list[TheoryCategory]:
    info.context.require_actor()
    stmt = select(TheoryCategory).order_by(TheoryCategory.display_order)
    if not include_inactive:
        stmt = stmt.where(TheoryCategory.active)
    async with info.context.state.db.session() as session:
        rows = list(await session.scalars(stmt))
    loader = info.context.loaders[CategoryByIdLoader]
    for row in rows:
        loader.prime(row.id, row)
    return rows


async def category(info: Info, category_id: uuid.UUID) -> TheoryCategory | None:
    info.context.require_actor()
    return await info.context.loaders[CategoryByIdLoader].load(category_id)


async def question(info: Info, question_id: uuid.UUID) -> TheoryQuestion | None:
    info.context.require_actor()
    return await info.context.loaders[QuestionByIdLoader].load(question_id)


async def source(info: Info, source_id: uuid.UUID) -> object:
    info.context.require_actor()
    return await info.context.loaders[SourceByIdLoader].load(source_id)


async def questions(
    info: Info,
    *,
    first: int,
    after: str | None,
    category_id: uuid.UUID | None,
    school_bank_only: bool | None,
    include_retired: bool,
) -> Page[TheoryQuestion]:
    """Questions of the banks the actor sees; retired ones only for those who manage a bank."""
    actor = info.context.require_actor()
    stmt = select(TheoryQuestion).where(access.visible_bank(actor, TheoryQuestion.school_id))
    if category_id is not None:
        stmt = stmt.where(TheoryQuestion.category_id == category_id)
    if school_bank_only is True:
        stmt = stmt.where(TheoryQuestion.school_id.is_not(None))
    elif school_bank_only is False:
        stmt = stmt.where(TheoryQuestion.school_id.is_(None))
    managers = (Role.PLATFORM_ADMIN, Role.SCHOOL_ADMIN)
    if not (include_retired and actor.role in managers):
        stmt = stmt.where(TheoryQuestion.active)
    async with info.context.state.db.session() as session:
        page = await paginate(
            session,
            stmt,
            sort=TheoryQuestion.created_at,
            id_column=TheoryQuestion.id,
            first=first,
            after=after,
            max_page_size=info.context.state.max_page_size,
        )
    loader = info.context.loaders[QuestionByIdLoader]
    for _, row in page.items:
        loader.prime(row.id, row)
    return page


async def hazard_clips(
    info: Info, *, first: int, after: str | None, include_retired: bool
) -> Page[HazardClip]:
    actor = info.context.require_actor()
    stmt = select(HazardClip).where(access.visible_bank(actor, HazardClip.school_id))
    if not include_retired:
        stmt = stmt.where(HazardClip.active)
    async with info.context.state.db.session() as session:
        page = await paginate(
            session,
            stmt,
            sort=HazardClip.created_at,
            id_column=HazardClip.id,
            first=first,
            after=after,
            max_page_size=info.context.state.max_page_size,
        )
    loader = info.context.loaders[HazardClipByIdLoader]
    for _, row in page.items:
        loader.prime(row.id, row)
    return page


async def hazard_clip(info: Info, clip_id: uuid.UUID) -> HazardClip | None:
    info.context.require_actor()
    return await info.context.loaders[HazardClipByIdLoader].load(clip_id)


async def practice_questions(
    info: Info, category_id: uuid.UUID, first: int
) -> list[TheoryQuestion]:
    actor = info.context.require_actor()
    access.require_student(actor)
    async with info.context.state.db.session() as session:
        rows = list(await session.scalars(practice.practice_selection(actor, category_id, first)))
    loader = info.context.loaders[QuestionByIdLoader]
    for row in rows:
        loader.prime(row.id, row)
    return rows


async def test_format(info: Info, school_id: uuid.UUID | None) -> TestFormat:
    actor = info.context.require_actor()
    target = school_id or actor.school_id
    if target is None or not actor.can_see_school(target):
        raise DomainError(E.NOT_FOUND, "No such school.", "schoolId")
    async with info.context.state.db.session() as session:
        return await formats.format_for(session, target)


async def update_test_format(
    info: Info,
    school_id: uuid.UUID | None,
    *,
    question_count: int,
    time_limit_minutes: int,
    pass_mark: int,
) -> TestFormat:
    actor = info.context.require_actor()
    target = school_id or actor.school_id
    if target is None:
        raise DomainError(E.NOT_FOUND, "Say which school.", "schoolId")
    async with info.context.unit_of_work() as uow:
        return await formats.update_format(
            uow,
            actor,
            target,
            question_count=question_count,
            time_limit_minutes=time_limit_minutes,
            pass_mark=pass_mark,
        )


async def create_question(info: Info, school_bank: bool, fields: QuestionFields) -> TheoryQuestion:
    """``school_bank``: into the actor's school's bank; otherwise the shared bank."""
    actor = info.context.require_actor()
    if school_bank and actor.school_id is None:
        raise DomainError(E.INVALID, "Platform admins add questions to the shared bank.", "bank")
    async with info.context.unit_of_work() as uow:
        await ensure_topics(uow.session)
        return await bank.create_question(
            uow, actor, actor.school_id if school_bank else None, fields
        )


async def update_question(
    info: Info, question_id: uuid.UUID, fields: QuestionFields
) -> TheoryQuestion:
    actor = info.context.require_actor()
    async with info.context.unit_of_work() as uow:
        return await bank.update_question(uow, actor, question_id, fields)


async def set_question_active(info: Info, question_id: uuid.UUID, active: bool) -> TheoryQuestion:
    actor = info.context.require_actor()
    async with info.context.unit_of_work() as uow:
        return await bank.set_active(uow, actor, question_id, active)
