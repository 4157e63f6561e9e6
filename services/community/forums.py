"""Forums and their named moderators.

Platform admins create platform-wide forums; school admins with the "moderate
community" permission create their own school's forums (platform admins may too).
Names are unique within a scope, case-insensitively. Every change is audited.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, select

from models.accounts import User
from models.community import FORUM_TYPES, CommunityForum, CommunityForumModerator
from models.schools import School
from services.actor import Actor, Scope
from services.community import access, content
from services.community.errors import E
from services.errors import DomainError, Forbidden
from services.uow import UnitOfWork
from services.validation import require_range

NAME_MAX = 100
DESCRIPTION_MAX = 2000
MAX_MODERATORS = 20
FIELDS = ("name", "description", "forum_type", "is_public", "requires_approval", "display_order")


def snapshot(forum: CommunityForum) -> dict[str, Any]:
    return {
        "school_id": str(forum.school_id) if forum.school_id else None,
        "name": forum.name,
        "forum_type": forum.forum_type,
        "is_public": forum.is_public,
        "requires_approval": forum.requires_approval,
        "display_order": forum.display_order,
        "is_active": forum.is_active,
    }


def _name_taken(_constraint: str | None) -> DomainError:
    return DomainError(E.NAME_TAKEN, "A forum with this name already exists here.", "name")


def _clean(changes: dict[str, Any]) -> dict[str, Any]:
    cleaned = dict(changes)
    if "name" in cleaned:
        name = content.text(cleaned["name"], "name", max_length=NAME_MAX)
        if "\n" in name:
            raise DomainError(E.INVALID, "name must be one line.", "name")
        cleaned["name"] = name
    if "description" in cleaned:
        cleaned["description"] = content.optional_text(
            cleaned["description"], "description", max_length=DESCRIPTION_MAX
        )
    if "forum_type" in cleaned and cleaned["forum_type"] not in FORUM_TYPES:
        raise DomainError(E.INVALID, "Unknown forum type.", "forumType")
    if "display_order" in cleaned:
        require_range(cleaned["display_order"], -10000, 10000, E.INVALID, "displayOrder")
    return cleaned


async def create_forum(
    uow: UnitOfWork,
    actor: Actor,
    *,
    school_id: uuid.UUID | None,
    platform_wide: bool,
    name: str,
    description: str | None,
    forum_type: str,
    is_public: bool,
    requires_approval: bool,
    display_order: int,
) -> CommunityForum:
    actor.require_active()
    if platform_wide:
        if not actor.is_platform_admin:
            raise Forbidden("Only platform admins create platform-wide forums.")
        scope: uuid.UUID | None = None
    else:
        actor.require(Scope.COMMUNITY_MODERATE)
        scope = school_id or actor.school_id
        if scope is None or not actor.can_see_school(scope):
            raise DomainError(E.SCHOOL_NOT_FOUND, "No such school.", "schoolId")
        if await uow.session.get(School, scope) is None:
            raise DomainError(E.SCHOOL_NOT_FOUND, "No such school.", "schoolId")
    fields = _clean(
        {
            "name": name,
            "description": description,
            "forum_type": forum_type,
            "display_order": display_order,
        }
    )
    forum = CommunityForum(
        school_id=scope,
        is_public=is_public,
        requires_approval=requires_approval,
        is_active=True,
        created_by_id=actor.user_id,
        **fields,
    )
    uow.session.add(forum)
    await uow.flush_unique(_name_taken)
    uow.audit(
        actor,
        "community.forum.created",
        entity_type="CommunityForum",
        entity_id=forum.id,
        school_id=forum.school_id,
        after=snapshot(forum),
    )
    return forum


async def managed_forum(uow: UnitOfWork, actor: Actor, forum_id: uuid.UUID) -> CommunityForum:
    """A forum whose settings ``actor`` may change, locked; readers who may not get
    FORBIDDEN, everyone else NOT_FOUND."""
    actor.require_active()
    forum = await uow.session.scalar(
        select(CommunityForum)
        .where(CommunityForum.id == forum_id, access.readable_forum(actor))
        .with_for_update()
    )
    if forum is None:
        raise DomainError(E.FORUM_NOT_FOUND, "No such forum.", "forumId")
    manages = await uow.session.scalar(
        select(CommunityForum.id).where(CommunityForum.id == forum_id, access.manages_forum(actor))
    )
    if manages is None:
        raise Forbidden("Only this forum's administrators may change it.")
    return forum


async def update_forum(
    uow: UnitOfWork, actor: Actor, forum_id: uuid.UUID, changes: dict[str, Any]
) -> CommunityForum:
    forum = await managed_forum(uow, actor, forum_id)
    before = snapshot(forum)
    cleaned = _clean({k: v for k, v in changes.items() if v is not None})
    if not cleaned:
        return forum  # e.g. `updateForum` with only `isActive`: `set_active` audits that
    for key, value in cleaned.items():
        setattr(forum, key, value)
    await uow.flush_unique(_name_taken)
    uow.audit(
        actor,
        "community.forum.updated",
        entity_type="CommunityForum",
        entity_id=forum.id,
        school_id=forum.school_id,
        before=before,
        after=snapshot(forum),
    )
    return forum


async def set_moderators(
    uow: UnitOfWork, actor: Actor, forum_id: uuid.UUID, user_ids: list[uuid.UUID]
) -> CommunityForum:
    """Replace the forum's named moderators. A school forum's moderators are active
    members of that school; a platform-wide forum's may be any active user."""
    forum = await managed_forum(uow, actor, forum_id)
    wanted = list(dict.fromkeys(user_ids))
    if len(wanted) > MAX_MODERATORS:
        raise DomainError(E.TOO_MANY, f"At most {MAX_MODERATORS} moderators.", "userIds")
    if wanted:
        stmt = select(User.id).where(
            User.id.in_(wanted), User.deleted_at.is_(None), User.status == "active"
        )
        if forum.school_id is not None:
            stmt = stmt.where(User.school_id == forum.school_id)
        found = set(await uow.session.scalars(stmt))
        if missing := [u for u in wanted if u not in found]:
            raise DomainError(E.USER_NOT_FOUND, f"No such active user: {missing[0]}.", "userIds")
    before = sorted(
        str(u)
        for u in await uow.session.scalars(
            select(CommunityForumModerator.user_id).where(
                CommunityForumModerator.forum_id == forum.id
            )
        )
    )
    await uow.session.execute(
        delete(CommunityForumModerator).where(CommunityForumModerator.forum_id == forum.id)
    )
    uow.session.add_all(
        CommunityForumModerator(forum_id=forum.id, user_id=user_id, school_id=forum.school_id)
        for user_id in wanted
    )
    await uow.session.flush()
    uow.audit(
        actor,
        "community.forum.moderators_set",
        entity_type="CommunityForum",
        entity_id=forum.id,
        school_id=forum.school_id,
        before={"moderators": before},
        after={"moderators": sorted(str(u) for u in wanted)},
    )
    return forum


async def set_active(
    uow: UnitOfWork, actor: Actor, forum_id: uuid.UUID, active: bool
) -> CommunityForum:
    forum = await managed_forum(uow, actor, forum_id)
    before = snapshot(forum)
    forum.is_active = active
    await uow.session.flush()
    uow.audit(
        actor,
        "community.forum.activated" if active else "community.forum.deactivated",
        entity_type="CommunityForum",
        entity_id=forum.id,
        school_id=forum.school_id,
        before=before,
        after=snapshot(forum),
    )
    return forum
