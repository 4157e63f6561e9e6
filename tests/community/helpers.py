"""Community test helpers: forums, posts and replies made through the services, the
GraphQL documents most tests share, and counting what PostgreSQL holds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from models.accounts import User
from models.community import CommunityForum, CommunityPost, CommunityReply
from resolvers.context import AppState
from services import accounts
from services.community import forums, posts, replies
from services.uow import unit_of_work
from tests.support import Factory, SchoolWorld, gid

CREATE_POST = """
mutation CreatePost($input: CreatePostInput!) {
  createPost(input: $input) {
    post { id status title body bodyHtml tags attachments postType isApproved replyCount }
    errors { code message field }
  }
}
"""

CREATE_REPLY = """
mutation CreateReply($input: CreateReplyInput!) {
  createReply(input: $input) {
    reply { id status depth path number body bodyHtml parentId }
    errors { code message field }
  }
}
"""

VOTE = """
mutation Vote($input: VoteInput!) {
  vote(input: $input) {
    content {
      ... on Post { id likeCount dislikeCount viewerVote }
      ... on Reply { id likeCount dislikeCount viewerVote }
    }
    errors { code message field }
  }
}
"""

POST = """
query Post($id: ID!) {
  node(id: $id) {
    ... on Post {
      id title status replyCount likeCount dislikeCount viewCount isLocked isPinned
      solution { id }
      author { displayName reputation }
    }
  }
}
"""


def actor_of(user: User) -> Any:
    return accounts.actor_for(user)


async def make_forum(
    state: AppState, factory: Factory, *, school: Any = None, **fields: Any
) -> CommunityForum:
    """A forum made by a platform admin: platform-wide unless ``school`` is given."""
    actor = await factory.actor()
    settings: dict[str, Any] = {
        "name": f"Forum {id(fields)}-{len(fields)}-{school.id if school else 'platform'}",
        "description": None,
        "forum_type": "general",
        "is_public": True,
        "requires_approval": False,
        "display_order": 0,
        **fields,
    }
    async with unit_of_work(state.db, state.hub, state.deps) as uow:
        return await forums.create_forum(
            uow,
            actor,
            school_id=school.id if school else None,
            platform_wide=school is None,
            **settings,
        )


async def name_moderators(
    state: AppState, factory: Factory, forum: CommunityForum, *users: User
) -> None:
    actor = await factory.actor()
    async with unit_of_work(state.db, state.hub, state.deps) as uow:
        await forums.set_moderators(uow, actor, forum.id, [u.id for u in users])


async def make_post(
    state: AppState,
    author: User,
    forum: CommunityForum,
    *,
    title: str = "How do I pass my test?",
    body: str = "Any tips?",
    post_type: str = "question",
) -> CommunityPost:
    async with unit_of_work(state.db, state.hub, state.deps) as uow:
        return await posts.create_post(
            uow,
            actor_of(author),
            forum_id=forum.id,
            post_type=post_type,
            title=title,
            body=body,
            tags=None,
            attachments=None,
        )


async def make_reply(
    state: AppState,
    author: User,
    post: CommunityPost,
    parent: CommunityReply | None = None,
    body: str = "Practise mirrors.",
) -> CommunityReply:
    async with unit_of_work(state.db, state.hub, state.deps) as uow:
        return await replies.create_reply(
            uow,
            actor_of(author),
            post_id=post.id,
            parent_id=parent.id if parent else None,
            body=body,
            attachments=None,
        )


async def make_chain(
    state: AppState, authors: list[User], post: CommunityPost, depth: int
) -> list[CommunityReply]:
    """A thread ``depth`` levels deep: each reply answers the one before."""
    chain: list[CommunityReply] = []
    for level in range(depth):
        author = authors[level % len(authors)]
        chain.append(
            await make_reply(state, author, post, chain[-1] if chain else None, f"Level {level}")
        )
    return chain


async def count(state: AppState, model: type, *where: Any) -> int:
    async with state.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def fetch(state: AppState, model: type, pk: Any) -> Any:
    async with state.db.session() as session:
        return await session.get(model, pk)


def post_gid(post: CommunityPost) -> str:
    return gid("Post", post.id)


def reply_gid(reply: CommunityReply) -> str:
    return gid("Reply", reply.id)


def forum_gid(forum: CommunityForum) -> str:
    return gid("Forum", forum.id)


@dataclass
class Forums:
    """A platform-wide forum, a school forum of ``world`` and one requiring approval."""

    platform: CommunityForum
    school: CommunityForum
    moderated: CommunityForum


async def make_forums(state: AppState, factory: Factory, world: SchoolWorld) -> Forums:
    return Forums(
        platform=await make_forum(state, factory, name="Learner drivers"),
        school=await make_forum(state, factory, school=world.school, name="Our school"),
        moderated=await make_forum(
            state, factory, school=world.school, name="Moderated", requires_approval=True
        ),
    )
