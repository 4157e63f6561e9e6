"""Demo data for the community: the platform's forum and the school's, a question and an
accepted answer. Idempotent like the rest of the demo seed."""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import select

from models.accounts import User
from models.community import CommunityForum, CommunityPost
from resolvers.context import AppState
from services import accounts
from services.community import forums as community_forums
from services.community import posts as community_posts
from services.community import replies as community_replies
from services.uow import unit_of_work


class Report(Protocol):
    def note(self, made: bool, what: str) -> None: ...


DEMO_QUESTION = "How do I judge the gap at a busy roundabout?"


async def seed_community(
    state: AppState,
    actor: Any,
    school_id: Any,
    student: User,
    instructor: User,
    report: Report,
) -> None:
    """Two forums (the platform's and the school's), a question and an accepted answer."""
    db, hub, deps = state.db, state.hub, state.deps
    forums: dict[str, CommunityForum] = {}
    for name, scope, forum_type, description in (
        ("Learner drivers", None, "questions", "Ask anything about learning to drive."),
        ("Demo school lounge", school_id, "general", "News and chat for our learners."),
    ):
        async with unit_of_work(db, hub, deps) as uow:
            existing = await uow.session.scalar(
                select(CommunityForum).where(
                    CommunityForum.name == name,
                    CommunityForum.school_id.is_(None)
                    if scope is None
                    else CommunityForum.school_id == scope,
                )
            )
            report.note(existing is None, f"{'forum':<14} {name}")
            forums[name] = existing or await community_forums.create_forum(
                uow,
                actor,
                school_id=scope,
                platform_wide=scope is None,
                name=name,
                description=description,
                forum_type=forum_type,
                is_public=True,
                requires_approval=False,
                display_order=0 if scope is None else 10,
            )
    async with unit_of_work(db, hub, deps) as uow:
        question = await uow.session.scalar(
            select(CommunityPost).where(CommunityPost.title == DEMO_QUESTION)
        )
        report.note(question is None, f"{'post':<14} {DEMO_QUESTION}")
        if question is not None:
            return
        question = await community_posts.create_post(
            uow,
            accounts.actor_for(student),
            forum_id=forums["Learner drivers"].id,
            post_type="question",
            title=DEMO_QUESTION,
            body="I keep hesitating at **big roundabouts**. Any tips?",
            tags=["roundabouts"],
            attachments=None,
        )
    async with unit_of_work(db, hub, deps) as uow:
        answer = await community_replies.create_reply(
            uow,
            accounts.actor_for(instructor),
            post_id=question.id,
            parent_id=None,
            body="Look right early, and plan your gap as you approach: "
            "see https://www.gov.uk/guidance/the-highway-code (rules 184-190).",
            attachments=None,
        )
    async with unit_of_work(db, hub, deps) as uow:
        await community_replies.mark_solution(uow, accounts.actor_for(student), answer.id)
