"""Packages: loaders, thin resolvers and the live account feed."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.accounts import User
from models.packages import CreditEntry, LessonPackage, PromoCode, PromoCodePackage, StudentPackage
from resolvers.context import Info
from resolvers.loaders import SessionLoader
from resolvers.pagination import Page, paginate
from services.actor import Actor
from services.errors import Forbidden
from services.packages import account, catalogue, promo_codes
from services.packages.ledger import ACCOUNT_CHANGED
from services.uow import UnitOfWork
from subscriptions.envelope import user_key
from subscriptions.feeds import follow

# -- loaders -------------------------------------------------------------------------------------


class LessonPackageByIdLoader(SessionLoader[uuid.UUID, LessonPackage | None]):
    """Catalogue packages the actor may see (managers: inactive ones too)."""

    async def load_batch(
        self, session: AsyncSession, keys: list[uuid.UUID]
    ) -> list[LessonPackage | None]:
        if self.actor is None:
            return [None] * len(keys)
        rows = await session.scalars(
            select(LessonPackage).where(
                LessonPackage.id.in_(keys),
                catalogue.visible_packages(self.actor, include_inactive=True),
            )
        )
        found = {row.id: row for row in rows}
        return [found.get(key) for key in keys]


class StudentPackageByIdLoader(SessionLoader[uuid.UUID, StudentPackage | None]):
    """Student packages the actor may see."""

    async def load_batch(
        self, session: AsyncSession, keys: list[uuid.UUID]
    ) -> list[StudentPackage | None]:
        if self.actor is None:
            return [None] * len(keys)
        rows = await session.scalars(
            select(StudentPackage).where(
                StudentPackage.id.in_(keys), account.visible_student_packages(self.actor)
            )
        )
        found = {row.id: row for row in rows}
        return [found.get(key) for key in keys]


class PackagesByStudentLoader(SessionLoader[tuple[uuid.UUID, str | None], list[StudentPackage]]):
    """A student's packages (optionally of one status), newest first."""

    async def load_batch(
        self, session: AsyncSession, keys: list[tuple[uuid.UUID, str | None]]
    ) -> list[list[StudentPackage]]:
        if self.actor is None:
            return [[] for _ in keys]
        students = {student for student, _ in keys}
        rows = await session.scalars(
            select(StudentPackage)
            .where(
                StudentPackage.student_id.in_(students),
                account.visible_student_packages(self.actor),
            )
            .order_by(StudentPackage.created_at.desc(), StudentPackage.id)
        )
        grouped: dict[uuid.UUID, list[StudentPackage]] = defaultdict(list)
        for row in rows:
            grouped[row.student_id].append(row)
        return [
            [p for p in grouped.get(student, []) if status is None or p.status == status]
            for student, status in keys
        ]


class CreditBalanceLoader(SessionLoader[uuid.UUID, int]):
    """Credits each student can still book with (active, unexpired packages)."""

    async def load_batch(self, session: AsyncSession, keys: list[uuid.UUID]) -> list[int]:
        if self.actor is None:
            return [0] * len(keys)
        rows = await session.execute(
            select(StudentPackage.student_id, func.sum(StudentPackage.lessons_remaining))
            .where(
                StudentPackage.student_id.in_(keys),
                StudentPackage.status == "active",
                StudentPackage.expires_at > datetime.now(UTC),
                account.visible_student_packages(self.actor),
            )
            .group_by(StudentPackage.student_id)
        )
        found = {student: int(total or 0) for student, total in rows}
        return [found.get(key, 0) for key in keys]


class PromoPackageIdsLoader(SessionLoader[uuid.UUID, list[uuid.UUID]]):
    """The packages each promo code applies to (the code itself was authorised)."""

    async def load_batch(
        self, session: AsyncSession, keys: list[uuid.UUID]
    ) -> list[list[uuid.UUID]]:
        rows = await session.execute(
            select(PromoCodePackage.promo_code_id, PromoCodePackage.package_id).where(
                PromoCodePackage.promo_code_id.in_(keys)
            )
        )
        grouped: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
        for promo_id, package_id in rows:
            grouped[promo_id].append(package_id)
        return [grouped.get(key, []) for key in keys]


class PromoCodeByIdLoader(SessionLoader[uuid.UUID, PromoCode | None]):
    """Promo codes the actor may manage."""

    async def load_batch(
        self, session: AsyncSession, keys: list[uuid.UUID]
    ) -> list[PromoCode | None]:
        if self.actor is None:
            return [None] * len(keys)
        actor = self.actor
        rows = await session.scalars(select(PromoCode).where(PromoCode.id.in_(keys)))
        found = {row.id: row for row in rows if promo_codes.may_manage(actor, row.school_id)}
        return [found.get(key) for key in keys]


# -- queries -------------------------------------------------------------------------------------


async def lesson_packages(info: Info, include_inactive: bool) -> list[LessonPackage]:
    actor = info.context.require_actor()
    async with info.context.state.db.session() as session:
        stmt = catalogue.list_statement(actor, include_inactive=include_inactive)
        return list((await session.scalars(stmt.limit(500))).all())


async def lesson_package(info: Info, package_id: uuid.UUID) -> LessonPackage | None:
    info.context.require_actor()
    return await info.context.loaders[LessonPackageByIdLoader].load(package_id)


async def student_package(info: Info, package_id: uuid.UUID) -> StudentPackage | None:
    info.context.require_actor()
    return await info.context.loaders[StudentPackageByIdLoader].load(package_id)


async def promo_code(info: Info, promo_id: uuid.UUID) -> PromoCode | None:
    info.context.require_actor()
    return await info.context.loaders[PromoCodeByIdLoader].load(promo_id)


async def list_promo_codes(info: Info, *, first: int, after: str | None) -> Page[PromoCode]:
    actor = _require_manager(info)
    async with info.context.state.db.session() as session:
        return await paginate(
            session,
            promo_codes.list_statement(actor),
            sort=PromoCode.created_at,
            id_column=PromoCode.id,
            first=first,
            after=after,
            max_page_size=info.context.state.max_page_size,
            descending=True,
        )


def _require_manager(info: Info) -> Actor:
    from services.actor import Role, Scope

    actor = info.context.require_actor()
    if not (
        actor.is_platform_admin
        or (actor.role is Role.SCHOOL_ADMIN and actor.has(Scope.PACKAGES_MANAGE))
    ):
        raise Forbidden()
    return actor


async def account_of(info: Info, student_id: uuid.UUID) -> User | None:
    actor = info.context.require_actor()
    async with info.context.state.db.session() as session:
        return await account.account_holder(session, actor, student_id)


async def credit_entries(
    info: Info, student_id: uuid.UUID, *, first: int, after: str | None
) -> Page[CreditEntry]:
    actor = info.context.require_actor()
    stmt = select(CreditEntry).where(
        CreditEntry.student_id == student_id, account.visible_credit_entries(actor)
    )
    async with info.context.state.db.session() as session:
        return await paginate(
            session,
            stmt,
            sort=CreditEntry.id,
            id_column=CreditEntry.id,
            first=first,
            after=after,
            max_page_size=info.context.state.max_page_size,
            descending=True,
        )


# -- mutations -----------------------------------------------------------------------------------


async def _run(info: Info, work: Any) -> Any:
    actor = info.context.require_actor()

    async def once(uow: UnitOfWork) -> Any:
        return await work(uow, actor)

    return await info.context.transact(once)


async def create_lesson_package(info: Info, **fields: Any) -> LessonPackage:
    return await _run(  # type: ignore[no-any-return]
        info, lambda uow, actor: catalogue.create_package(uow, actor, **fields)
    )


async def update_lesson_package(
    info: Info, package_id: uuid.UUID, changes: dict[str, Any], clear: tuple[str, ...]
) -> LessonPackage:
    return await _run(  # type: ignore[no-any-return]
        info,
        lambda uow, actor: catalogue.update_package(uow, actor, package_id, changes, clear),
    )


async def create_promo_code(info: Info, **fields: Any) -> PromoCode:
    return await _run(  # type: ignore[no-any-return]
        info, lambda uow, actor: promo_codes.create_promo_code(uow, actor, **fields)
    )


async def update_promo_code(
    info: Info,
    promo_id: uuid.UUID,
    changes: dict[str, Any],
    package_ids: list[uuid.UUID] | None,
    clear: tuple[str, ...],
) -> PromoCode:
    return await _run(  # type: ignore[no-any-return]
        info,
        lambda uow, actor: promo_codes.update_promo_code(
            uow, actor, promo_id, changes, package_ids=package_ids, clear=clear
        ),
    )


# -- live ----------------------------------------------------------------------------------------


async def my_account_events(info: Info, after: int | None) -> AsyncIterator[tuple[int, str, User]]:
    """(event id, entity type, the student) for each change to the actor's own account."""
    context = info.context
    actor = context.require_actor()
    async for envelope in follow(
        context.state.hub, context.state.db, {user_key(actor.user_id)}, after
    ):
        if envelope.type != ACCOUNT_CHANGED:
            continue
        context.fresh_loaders_for_event()
        async with context.state.db.session() as session:
            holder = await account.account_holder(session, actor, actor.user_id)
        if holder is None:
            continue
        yield envelope.id, envelope.entity_type, holder
