"""The community as clients see it: forums, posts, replies, members, badges, reports."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry

from models import accounts as account_models
from models import community as models
from resolvers.community import reads
from resolvers.community.loaders import (
    AuthorByIdLoader,
    BadgesByUserLoader,
    ChildCountLoader,
    ForumByIdLoader,
    ForumModeratorIdsLoader,
    MemberByIdLoader,
    PostByIdLoader,
    ReplyByIdLoader,
    ReputationByUserLoader,
    ViewerFollowsLoader,
    ViewerPostInteractionsLoader,
    ViewerReplyInteractionsLoader,
)
from resolvers.context import Info
from resolvers.schools import SchoolByIdLoader
from schema.accounts.types import Role
from schema.common.connection import AFTER_DESCRIPTION, FIRST_DESCRIPTION, Connection
from schema.common.errors import UserError
from schema.common.node import Node, register_node, to_global_id
from schema.schools.types import School, school_or_none
from services.community import access
from services.community.errors import CommunityErrorCode
from services.community.reputation import BADGES

CommunityErrorCodeEnum = strawberry.enum(
    CommunityErrorCode, description="Why a community change failed."
)

FIRST = strawberry.argument(description=FIRST_DESCRIPTION)
AFTER = strawberry.argument(description=AFTER_DESCRIPTION)


@strawberry.type(description="A failed community change.")
class CommunityError(UserError):
    code: CommunityErrorCodeEnum = strawberry.field(description="Machine-readable reason.")  # type: ignore[valid-type]


@strawberry.enum(description="What a forum is for.")
class ForumType(Enum):
    GENERAL = strawberry.enum_value("general", description="Anything about learning to drive.")
    QUESTIONS = strawberry.enum_value("questions", description="Questions and answers.")
    THEORY_TEST = strawberry.enum_value("theory_test", description="The theory test.")
    PRACTICAL_DRIVING = strawberry.enum_value(
        "practical_driving", description="Lessons, manoeuvres and the practical test."
    )
    TIPS = strawberry.enum_value("tips", description="Tips shared by learners and instructors.")
    ANNOUNCEMENTS = strawberry.enum_value(
        "announcements", description="News from moderators; only moderators post here."
    )


@strawberry.enum(description="What kind of post it is.")
class PostType(Enum):
    QUESTION = strawberry.enum_value(
        "question", description="Asks for an answer; can have a solution."
    )
    DISCUSSION = strawberry.enum_value("discussion", description="Opens a conversation.")
    TIP = strawberry.enum_value("tip", description="Shares advice.")
    ANNOUNCEMENT = strawberry.enum_value(
        "announcement", description="News from a moderator (moderators only)."
    )


@strawberry.enum(description="Where a post or reply stands with moderation.")
class ContentStatus(Enum):
    PENDING = strawberry.enum_value(
        "pending", description="Awaiting a moderator's approval; seen by its author and moderators."
    )
    PUBLISHED = strawberry.enum_value("published", description="Visible to the forum's readers.")
    HIDDEN = strawberry.enum_value(
        "hidden", description="Hidden or rejected by a moderator; a reply shows as a tombstone."
    )


@strawberry.enum(description="A reader's vote on a post or reply.")
class Vote(Enum):
    LIKE = strawberry.enum_value("like", description="Helpful: gives the author reputation.")
    DISLIKE = strawberry.enum_value("dislike", description="Not helpful (costs no reputation).")


@strawberry.enum(description="Why content was reported.")
class ReportReason(Enum):
    SPAM = strawberry.enum_value("spam", description="Advertising or repeated junk.")
    ABUSE = strawberry.enum_value("abuse", description="Abusive or offensive.")
    HARASSMENT = strawberry.enum_value("harassment", description="Targets a person.")
    MISINFORMATION = strawberry.enum_value(
        "misinformation", description="Wrong or dangerous driving advice."
    )
    OFF_TOPIC = strawberry.enum_value("off_topic", description="Does not belong here.")
    OTHER = strawberry.enum_value("other", description="Something else (see the details).")


@strawberry.enum(description="Where a report stands.")
class ReportStatus(Enum):
    OPEN = strawberry.enum_value("open", description="Waiting for a moderator.")
    ACTIONED = strawberry.enum_value(
        "actioned", description="A moderator acted (e.g. hid the content)."
    )
    DISMISSED = strawberry.enum_value("dismissed", description="A moderator found nothing wrong.")


def display_name(user: account_models.User) -> str:
    """First name and last initial: enough to recognise a member, no more."""
    initial = f" {user.last_name[:1]}." if user.last_name else ""
    return f"{user.first_name}{initial}"


@strawberry.type(description="A badge a member earned; each is awarded once.")
class Badge:
    model: strawberry.Private[models.CommunityBadge]

    @strawberry.field(description="Stable code, e.g. `first_solution` or `theory_ready`.")
    def code(self) -> str:
        return self.model.badge

    @strawberry.field(description="The badge's name.")
    def name(self) -> str:
        return BADGES[self.model.badge].name

    @strawberry.field(description="What earns it.")
    def description(self) -> str:
        return BADGES[self.model.badge].description

    @strawberry.field(description="When it was awarded.")
    def awarded_at(self) -> datetime:
        return self.model.awarded_at


@strawberry.type(description="A badge that can be earned.")
class BadgeDefinition:
    code: str = strawberry.field(description="Stable code.")
    name: str = strawberry.field(description="The badge's name.")
    description: str = strawberry.field(description="What earns it.")


@strawberry.type(
    description="A person as the community shows them: display name, role, reputation and "
    "badges — never contact details."
)
class CommunityMember(Node):
    model: strawberry.Private[account_models.User]

    @strawberry.field(description="First name and last initial.")
    def display_name(self) -> str:
        return display_name(self.model)

    @strawberry.field(description="Learner, instructor or admin.")
    def role(self) -> Role:
        return Role(self.model.role)

    @strawberry.field(description="Profile picture URL, if any.")
    def avatar_url(self) -> str | None:
        return self.model.avatar_url

    @strawberry.field(
        description="Reputation: likes received, accepted solutions and learning milestones "
        "(see docs/decisions.md for the points table)."
    )
    async def reputation(self, info: Info) -> int:
        return await info.context.loaders[ReputationByUserLoader].load(self.model.id)

    @strawberry.field(description="Badges earned, oldest first.")
    async def badges(self, info: Info) -> list[Badge]:
        rows = await info.context.loaders[BadgesByUserLoader].load(self.model.id)
        return [Badge(model=row) for row in rows if row.badge in BADGES]


async def _author(info: Info, user_id: Any) -> CommunityMember | None:
    user = await info.context.loaders[AuthorByIdLoader].load(user_id)
    return CommunityMember(model=user) if user is not None else None


@strawberry.type(description="A forum: platform-wide, or private to one school.")
class Forum(Node):
    model: strawberry.Private[models.CommunityForum]

    @strawberry.field(description="The forum's name.")
    def name(self) -> str:
        return self.model.name

    @strawberry.field(description="What the forum is about.")
    def description(self) -> str | None:
        return self.model.description

    @strawberry.field(description="What the forum is for.")
    def forum_type(self) -> ForumType:
        return ForumType(self.model.forum_type)

    @strawberry.field(description="True for a forum of the whole platform (every school).")
    def is_platform_wide(self) -> bool:
        return self.model.school_id is None

    @strawberry.field(description="The school a private forum belongs to; null when platform-wide.")
    async def school(self, info: Info) -> School | None:
        if self.model.school_id is None:
            return None
        return school_or_none(
            await info.context.loaders[SchoolByIdLoader].load(self.model.school_id)
        )

    @strawberry.field(
        description="Public forums are read by every member of their scope; others by staff "
        "(instructors and admins) and moderators only."
    )
    def is_public(self) -> bool:
        return self.model.is_public

    @strawberry.field(
        description="Whether posts and replies wait for a moderator's approval (moderators' own do not)."
    )
    def requires_approval(self) -> bool:
        return self.model.requires_approval

    @strawberry.field(description="Forums are listed by this number, lowest first.")
    def display_order(self) -> int:
        return self.model.display_order

    @strawberry.field(description="Inactive forums are closed and seen by their moderators only.")
    def is_active(self) -> bool:
        return self.model.is_active

    @strawberry.field(description="The users named moderators of this forum.")
    async def moderators(self, info: Info) -> list[CommunityMember]:
        ids = await info.context.loaders[ForumModeratorIdsLoader].load(self.model.id)
        users = await info.context.loaders[AuthorByIdLoader].load_many(ids)
        return [CommunityMember(model=u) for u in users if u is not None]

    @strawberry.field(description="Whether you moderate this forum.")
    async def viewer_can_moderate(self, info: Info) -> bool:
        return await reads.moderates(info, self.model.id)

    @strawberry.field(
        description="Whether you may start a post here (and of which types, see `postType`)."
    )
    async def viewer_can_post(self, info: Info) -> bool:
        if not self.model.is_active:
            return False
        if self.model.forum_type == "announcements":
            return await reads.moderates(info, self.model.id)
        return True

    @strawberry.field(
        description="Posts you may read: pinned first, then by latest activity (new replies move a "
        "post up)."
    )
    async def posts(
        self,
        info: Info,
        first: Annotated[int, FIRST] = 20,
        after: Annotated[str | None, AFTER] = None,
        post_type: Annotated[
            PostType | None, strawberry.argument(description="Only posts of this type.")
        ] = None,
        tag: Annotated[
            str | None, strawberry.argument(description="Only posts with this tag.")
        ] = None,
    ) -> Connection[Post]:
        page = await reads.forum_posts(
            info,
            self.model.id,
            first=first,
            after=after,
            post_type=enum_value(post_type),
            tag=tag.strip().lower() if tag else None,
        )
        return Connection[Post].from_page(page, lambda m: Post(model=m))

    @strawberry.field(description="When the forum was created.")
    def created_at(self) -> datetime:
        return self.model.created_at


async def _viewer_vote(kinds: frozenset[str]) -> Vote | None:
    if "like" in kinds:
        return Vote.LIKE
    if "dislike" in kinds:
        return Vote.DISLIKE
    return None


@strawberry.type(
    description="A post opening a thread: a question, discussion, tip or announcement."
)
class Post(Node):
    model: strawberry.Private[models.CommunityPost]

    @strawberry.field(description="The forum it is in.")
    async def forum(self, info: Info) -> Forum | None:
        forum = await info.context.loaders[ForumByIdLoader].load(self.model.forum_id)
        return Forum(model=forum) if forum is not None else None

    @strawberry.field(description="Who wrote it (null if their account was deleted).")
    async def author(self, info: Info) -> CommunityMember | None:
        return await _author(info, self.model.author_id)

    @strawberry.field(description="Question, discussion, tip or announcement.")
    def post_type(self) -> PostType:
        return PostType(self.model.post_type)

    @strawberry.field(description="The title (plain text: escape it when you display it).")
    def title(self) -> str:
        return self.model.title

    @strawberry.field(description="The author's Markdown source, as written (for editing).")
    def body(self) -> str:
        return self.model.body

    @strawberry.field(
        description="The body rendered from Markdown and sanitised: safe to insert as HTML. No raw "
        "HTML, images or scripts; links are http(s)/mailto only and carry "
        'rel="nofollow ugc noopener".'
    )
    def body_html(self) -> str:
        return self.model.body_html

    @strawberry.field(description="Tags, lowercase.")
    def tags(self) -> list[str]:
        return list(self.model.tags)

    @strawberry.field(description="Links to attached files (https).")
    def attachments(self) -> list[str]:
        return list(self.model.attachments)

    @strawberry.field(description="Pending, published or hidden.")
    def status(self) -> ContentStatus:
        return ContentStatus(self.model.status)

    @strawberry.field(description="Whether a moderator approved it (or it needed no approval).")
    def is_approved(self) -> bool:
        return self.model.approved_at is not None

    @strawberry.field(description="Pinned posts come first in their forum.")
    def is_pinned(self) -> bool:
        return self.model.is_pinned

    @strawberry.field(description="A locked thread takes no new replies (except from moderators).")
    def is_locked(self) -> bool:
        return self.model.locked_at is not None

    @strawberry.field(description="When it was locked.")
    def locked_at(self) -> datetime | None:
        return self.model.locked_at

    @strawberry.field(
        description="The moderator's note on hiding or rejecting it (author and moderators)."
    )
    async def moderation_note(self, info: Info) -> str | None:
        actor = info.context.actor
        if actor is not None and (
            actor.user_id == self.model.author_id
            or await reads.moderates(info, self.model.forum_id)
        ):
            return self.model.moderation_note
        return None

    @strawberry.field(description="Readers who opened it: one per reader per day (UTC).")
    def view_count(self) -> int:
        return self.model.view_count

    @strawberry.field(description="Likes it has.")
    def like_count(self) -> int:
        return self.model.like_count

    @strawberry.field(description="Dislikes it has.")
    def dislike_count(self) -> int:
        return self.model.dislike_count

    @strawberry.field(description="Published replies, at every depth.")
    def reply_count(self) -> int:
        return self.model.reply_count

    @strawberry.field(description="The reply accepted as the answer to a question.")
    async def solution(self, info: Info) -> Reply | None:
        if self.model.solution_reply_id is None:
            return None
        reply = await info.context.loaders[ReplyByIdLoader].load(self.model.solution_reply_id)
        return Reply(model=reply) if reply is not None else None

    @strawberry.field(description="When it was posted, or last replied to.")
    def last_activity_at(self) -> datetime:
        return self.model.last_activity_at

    @strawberry.field(description="When it was posted.")
    def created_at(self) -> datetime:
        return self.model.created_at

    @strawberry.field(description="When its author last edited it.")
    def edited_at(self) -> datetime | None:
        return self.model.edited_at

    @strawberry.field(description="Your vote on it, if any.")
    async def viewer_vote(self, info: Info) -> Vote | None:
        return await _viewer_vote(
            await info.context.loaders[ViewerPostInteractionsLoader].load(self.model.id)
        )

    @strawberry.field(description="Whether you bookmarked it.")
    async def viewer_has_bookmarked(self, info: Info) -> bool:
        kinds = await info.context.loaders[ViewerPostInteractionsLoader].load(self.model.id)
        return "bookmark" in kinds

    @strawberry.field(description="Whether you follow it (and are told of new replies).")
    async def viewer_is_following(self, info: Info) -> bool:
        return await info.context.loaders[ViewerFollowsLoader].load(self.model.id)

    @strawberry.field(description="Whether you moderate its forum.")
    async def viewer_can_moderate(self, info: Info) -> bool:
        return await reads.moderates(info, self.model.forum_id)

    @strawberry.field(
        description="Direct replies to the post (top level), oldest first. Expand each with "
        "`Reply.children`."
    )
    async def replies(
        self,
        info: Info,
        first: Annotated[int, FIRST] = 20,
        after: Annotated[str | None, AFTER] = None,
    ) -> Connection[Reply]:
        page = await reads.children(info, self.model.id, is_post=True, first=first, after=after)
        return Connection[Reply].from_page(page, lambda m: Reply(model=m))

    @strawberry.field(
        description="Every reply, at any depth, flattened in thread order (depth first, oldest "
        "first among siblings), with `depth`, `parentId` and `path` to draw the tree. One query "
        "per page, however deep the thread."
    )
    async def reply_tree(
        self,
        info: Info,
        first: Annotated[int, FIRST] = 50,
        after: Annotated[str | None, AFTER] = None,
    ) -> Connection[Reply]:
        page = await reads.reply_tree(info, self.model.id, first=first, after=after)
        return Connection[Reply].from_page(page, lambda m: Reply(model=m))


@strawberry.type(
    description="A reply to a post or to another reply. Hidden and deleted replies stay in the "
    "tree as tombstones: their author and words are null unless you may read them."
)
class Reply(Node):
    model: strawberry.Private[models.CommunityReply]

    async def _readable(self, info: Info) -> bool:
        actor = info.context.actor
        if actor is None:
            return False
        moderator = (
            self.model.status != "published"
            and self.model.author_id != actor.user_id
            and await reads.moderates(info, self.model.forum_id)
        )
        return access.can_read_content(
            actor,
            status=self.model.status,
            author_id=self.model.author_id,
            deleted=self.model.deleted_at is not None,
            moderator=moderator,
        )

    @strawberry.field(description="The post it belongs to.")
    async def post(self, info: Info) -> Post | None:
        post = await info.context.loaders[PostByIdLoader].load(self.model.post_id)
        return Post(model=post) if post is not None else None

    @strawberry.field(description="The reply it answers; null for a reply to the post itself.")
    def parent_id(self) -> strawberry.ID | None:
        return to_global_id("Reply", self.model.parent_id) if self.model.parent_id else None

    @strawberry.field(description="The reply it answers; null for a reply to the post itself.")
    async def parent(self, info: Info) -> Reply | None:
        if self.model.parent_id is None:
            return None
        parent = await info.context.loaders[ReplyByIdLoader].load(self.model.parent_id)
        return Reply(model=parent) if parent is not None else None

    @strawberry.field(
        description="Its number in the post: 1, 2, 3… in the order replies were made."
    )
    def number(self) -> int:
        return self.model.number

    @strawberry.field(description="0 for a reply to the post, 1 for a reply to such a reply, …")
    def depth(self) -> int:
        return self.model.depth

    @strawberry.field(
        description="Reply numbers from the top-level reply down to this one, dot-separated "
        '("3.7.12"); sorting by it gives thread order.'
    )
    def path(self) -> str:
        return ".".join(str(n) for n in self.model.path)

    @strawberry.field(description="Who wrote it (null for a tombstone you may not read).")
    async def author(self, info: Info) -> CommunityMember | None:
        if self.model.deleted_at is not None or not await self._readable(info):
            return None
        return await _author(info, self.model.author_id)

    @strawberry.field(description="The author's Markdown source (null for a tombstone).")
    async def body(self, info: Info) -> str | None:
        return self.model.body if await self._readable(info) else None

    @strawberry.field(
        description="The body rendered and sanitised, safe to insert as HTML (null for a tombstone)."
    )
    async def body_html(self, info: Info) -> str | None:
        return self.model.body_html if await self._readable(info) else None

    @strawberry.field(description="Links to attached files (empty for a tombstone).")
    async def attachments(self, info: Info) -> list[str]:
        return list(self.model.attachments) if await self._readable(info) else []

    @strawberry.field(description="Pending, published or hidden.")
    def status(self) -> ContentStatus:
        return ContentStatus(self.model.status)

    @strawberry.field(description="Whether its author deleted it.")
    def is_deleted(self) -> bool:
        return self.model.deleted_at is not None

    @strawberry.field(description="Whether it is the accepted answer to its question.")
    async def is_solution(self, info: Info) -> bool:
        post = await info.context.loaders[PostByIdLoader].load(self.model.post_id)
        return post is not None and post.solution_reply_id == self.model.id

    @strawberry.field(
        description="The moderator's note on hiding or rejecting it (author and moderators)."
    )
    async def moderation_note(self, info: Info) -> str | None:
        actor = info.context.actor
        if actor is not None and (
            actor.user_id == self.model.author_id
            or await reads.moderates(info, self.model.forum_id)
        ):
            return self.model.moderation_note
        return None

    @strawberry.field(description="Likes it has.")
    def like_count(self) -> int:
        return self.model.like_count

    @strawberry.field(description="Dislikes it has.")
    def dislike_count(self) -> int:
        return self.model.dislike_count

    @strawberry.field(description="Direct replies to it that you can see (tombstones included).")
    async def child_count(self, info: Info) -> int:
        return await info.context.loaders[ChildCountLoader].load(self.model.id)

    @strawberry.field(
        description="Direct replies to it, oldest first: for expanding a thread lazily."
    )
    async def children(
        self,
        info: Info,
        first: Annotated[int, FIRST] = 20,
        after: Annotated[str | None, AFTER] = None,
    ) -> Connection[Reply]:
        page = await reads.children(info, self.model.id, is_post=False, first=first, after=after)
        return Connection[Reply].from_page(page, lambda m: Reply(model=m))

    @strawberry.field(description="Your vote on it, if any.")
    async def viewer_vote(self, info: Info) -> Vote | None:
        return await _viewer_vote(
            await info.context.loaders[ViewerReplyInteractionsLoader].load(self.model.id)
        )

    @strawberry.field(description="Whether you bookmarked it.")
    async def viewer_has_bookmarked(self, info: Info) -> bool:
        kinds = await info.context.loaders[ViewerReplyInteractionsLoader].load(self.model.id)
        return "bookmark" in kinds

    @strawberry.field(description="When it was posted.")
    def created_at(self) -> datetime:
        return self.model.created_at

    @strawberry.field(description="When its author last edited it.")
    def edited_at(self) -> datetime | None:
        return self.model.edited_at


CommunityContent = Annotated[
    Post | Reply, strawberry.union("CommunityContent", description="A post or a reply.")
]


def enum_value(member: Enum | None) -> str | None:
    """The stored value behind an enum member (members are declared with descriptions)."""
    return None if member is None else str(member.value)


def content_of(model: Any) -> Post | Reply:
    found = content_or_none(model)
    assert found is not None
    return found


def content_or_none(model: Any) -> Post | Reply | None:
    if isinstance(model, models.CommunityPost):
        return Post(model=model)
    if isinstance(model, models.CommunityReply):
        return Reply(model=model)
    return None


@strawberry.type(description="A member's report of a post or reply, for the forum's moderators.")
class Report(Node):
    model: strawberry.Private[models.CommunityInteraction]

    @strawberry.field(description="Why it was reported.")
    def reason(self) -> ReportReason:
        return ReportReason(self.model.report_reason)

    @strawberry.field(description="The reporter's own words.")
    def details(self) -> str | None:
        return self.model.report_details

    @strawberry.field(description="Open, actioned or dismissed.")
    def status(self) -> ReportStatus:
        return ReportStatus(self.model.report_status)

    @strawberry.field(description="Who reported it.")
    async def reporter(self, info: Info) -> CommunityMember | None:
        return await _author(info, self.model.user_id)

    @strawberry.field(description="What was reported (null if it is gone).")
    async def target(self, info: Info) -> CommunityContent | None:
        return content_or_none(await reads.report_target(info, self.model))

    @strawberry.field(description="When it was reported.")
    def created_at(self) -> datetime:
        return self.model.created_at

    @strawberry.field(description="When a moderator resolved it.")
    def resolved_at(self) -> datetime | None:
        return self.model.resolved_at


async def _fetch_forum(info: Info, pk: Any) -> Forum | None:
    model = await reads.forum(info, pk)
    return Forum(model=model) if model is not None else None


async def _fetch_post(info: Info, pk: Any) -> Post | None:
    model = await reads.post(info, pk)
    return Post(model=model) if model is not None else None


async def _fetch_reply(info: Info, pk: Any) -> Reply | None:
    model = await reads.reply(info, pk)
    return Reply(model=model) if model is not None else None


async def _fetch_member(info: Info, pk: Any) -> CommunityMember | None:
    model = await info.context.loaders[MemberByIdLoader].load(pk) if info.context.actor else None
    return CommunityMember(model=model) if model is not None else None


async def _fetch_report(info: Info, pk: Any) -> Report | None:
    model = await reads.report(info, pk)
    return Report(model=model) if model is not None else None


register_node("Forum", _fetch_forum)
register_node("Post", _fetch_post)
register_node("Reply", _fetch_reply)
register_node("CommunityMember", _fetch_member)
register_node("Report", _fetch_report)
