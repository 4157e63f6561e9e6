"""Queries and live feeds of the community."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from enum import Enum
from typing import Annotated

import strawberry
from strawberry.permission import BasePermission

from resolvers.community import feeds, reads
from resolvers.context import Info
from schema.common.connection import Connection
from schema.common.events import AFTER_EVENT, parse_event_id, resumable
from schema.common.node import decode_id, decode_optional_id
from schema.common.permissions import IsAuthenticated
from schema.community.types import (
    AFTER,
    FIRST,
    BadgeDefinition,
    CommunityContent,
    CommunityMember,
    Forum,
    Post,
    Reply,
    Report,
    ReportStatus,
    content_of,
    enum_value,
)
from services.community import events
from services.errors import CommonErrorCode

AUTHENTICATED: list[type[BasePermission]] = [IsAuthenticated]


@strawberry.type
class CommunityQuery:
    @strawberry.field(
        description="Forums you may read: the platform's and your school's, by display order.",
        permission_classes=AUTHENTICATED,
    )
    async def forums(
        self,
        info: Info,
        first: Annotated[int, FIRST] = 20,
        after: Annotated[str | None, AFTER] = None,
        school_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this school's forums.")
        ] = None,
        platform_wide: Annotated[
            bool, strawberry.argument(description="Only platform-wide forums.")
        ] = False,
    ) -> Connection[Forum]:
        page = await reads.forums(
            info,
            first=first,
            after=after,
            school_id=decode_optional_id(school_id, "School", CommonErrorCode.INVALID, "schoolId"),
            platform_only=platform_wide,
        )
        return Connection[Forum].from_page(page, lambda m: Forum(model=m))

    @strawberry.field(
        description="Posts and replies awaiting approval in the forums you moderate, oldest first.",
        permission_classes=AUTHENTICATED,
    )
    async def moderation_queue(
        self,
        info: Info,
        first: Annotated[int, FIRST] = 20,
        after: Annotated[str | None, AFTER] = None,
        forum_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this forum.")
        ] = None,
    ) -> Connection[CommunityContent]:
        page = await reads.moderation_queue(
            info,
            first=first,
            after=after,
            forum_id=decode_optional_id(forum_id, "Forum", CommonErrorCode.INVALID, "forumId"),
        )
        return Connection[CommunityContent].from_page(page, content_of)

    @strawberry.field(
        description="Reports on content of the forums you moderate, oldest first.",
        permission_classes=AUTHENTICATED,
    )
    async def community_reports(
        self,
        info: Info,
        first: Annotated[int, FIRST] = 20,
        after: Annotated[str | None, AFTER] = None,
        forum_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this forum.")
        ] = None,
        status: Annotated[
            ReportStatus | None,
            strawberry.argument(description="Only reports in this state (default: open)."),
        ] = ReportStatus.OPEN,
    ) -> Connection[Report]:
        page = await reads.reports(
            info,
            first=first,
            after=after,
            forum_id=decode_optional_id(forum_id, "Forum", CommonErrorCode.INVALID, "forumId"),
            status=enum_value(status),
        )
        return Connection[Report].from_page(page, lambda m: Report(model=m))

    @strawberry.field(
        description="Posts and replies you bookmarked and can still see, newest first.",
        permission_classes=AUTHENTICATED,
    )
    async def my_bookmarks(
        self,
        info: Info,
        first: Annotated[int, FIRST] = 20,
        after: Annotated[str | None, AFTER] = None,
    ) -> Connection[CommunityContent]:
        page = await reads.my_bookmarks(info, first=first, after=after)
        return Connection[CommunityContent].from_page(page, content_of)

    @strawberry.field(
        description="You as the community sees you: reputation and badges.",
        permission_classes=AUTHENTICATED,
    )
    async def my_community_profile(self, info: Info) -> CommunityMember | None:
        actor = info.context.require_actor()
        user = await reads.member(info, actor.user_id)
        return CommunityMember(model=user) if user is not None else None

    @strawberry.field(description="Every badge that can be earned.")
    def badge_catalogue(self) -> list[BadgeDefinition]:
        return [
            BadgeDefinition(code=b.code, name=b.name, description=b.description)
            for b in reads.badge_catalogue()
        ]


@strawberry.enum(description="What happened to a reply.")
class ReplyChange(Enum):
    ADDED = strawberry.enum_value(
        events.REPLY_ADDED, description="A reply became visible (posted, or approved)."
    )
    AWAITING_APPROVAL = strawberry.enum_value(
        events.REPLY_PENDING, description="A reply awaits approval (moderators only)."
    )
    UPDATED = strawberry.enum_value(
        events.REPLY_UPDATED,
        description="A reply was edited, deleted, hidden, restored, or (un)marked as solution.",
    )


@strawberry.type(description="A live change to a reply of the post you follow.")
class ReplyEvent:
    event_id: str = strawberry.field(
        description="Pass it as `after` when you reconnect to receive what you missed."
    )
    change: ReplyChange = strawberry.field(description="What happened.")
    reply: Reply = strawberry.field(description="The reply as you may see it now.")


@strawberry.enum(description="What happened in a forum.")
class ForumChange(Enum):
    POST_ADDED = strawberry.enum_value(
        events.POST_ADDED, description="A post became visible (posted, or approved)."
    )
    POST_AWAITING_APPROVAL = strawberry.enum_value(
        events.POST_PENDING, description="A post awaits approval (moderators only)."
    )
    POST_UPDATED = strawberry.enum_value(
        events.POST_UPDATED,
        description="A post was edited, pinned, locked, hidden, restored or got a solution.",
    )
    REPLY_ADDED = strawberry.enum_value(
        events.REPLY_ADDED, description="A reply became visible in one of its posts."
    )
    REPLY_AWAITING_APPROVAL = strawberry.enum_value(
        events.REPLY_PENDING, description="A reply awaits approval (moderators only)."
    )


@strawberry.type(description="Live activity in a forum.")
class ForumActivityEvent:
    event_id: str = strawberry.field(
        description="Pass it as `after` when you reconnect to receive what you missed."
    )
    change: ForumChange = strawberry.field(description="What happened.")
    post: Post = strawberry.field(description="The post concerned, as you may see it now.")
    reply: Reply | None = strawberry.field(description="The reply, for reply changes.")


@strawberry.type
class CommunitySubscription:
    @strawberry.subscription(
        description="Replies of a post, live: new visible replies, changes to them, and — for "
        "moderators — replies awaiting approval. Pass the last `eventId` you saw as `after` to "
        "receive what you missed.",
        permission_classes=AUTHENTICATED,
    )
    async def reply_added(
        self,
        info: Info,
        post_id: Annotated[strawberry.ID, strawberry.argument(description="The post.")],
        after: Annotated[str | None, AFTER_EVENT] = None,
    ) -> AsyncGenerator[ReplyEvent, None]:
        events_of = feeds.reply_events(
            info,
            decode_id(post_id, "Post", CommonErrorCode.NOT_FOUND, "postId"),
            parse_event_id(after),
        )
        async for event_id, change, model in resumable(events_of):
            yield ReplyEvent(
                event_id=str(event_id), change=ReplyChange(change), reply=Reply(model=model)
            )

    @strawberry.subscription(
        description="A forum's activity, live: new posts, changes to posts, new replies, and — "
        "for moderators — content awaiting approval. Pass the last `eventId` you saw as `after` "
        "to receive what you missed.",
        permission_classes=AUTHENTICATED,
    )
    async def forum_activity(
        self,
        info: Info,
        forum_id: Annotated[strawberry.ID, strawberry.argument(description="The forum.")],
        after: Annotated[str | None, AFTER_EVENT] = None,
    ) -> AsyncGenerator[ForumActivityEvent, None]:
        events_of = feeds.forum_events(
            info,
            decode_id(forum_id, "Forum", CommonErrorCode.NOT_FOUND, "forumId"),
            parse_event_id(after),
        )
        async for event_id, change, post, reply in resumable(events_of):
            yield ForumActivityEvent(
                event_id=str(event_id),
                change=ForumChange(change),
                post=Post(model=post),
                reply=Reply(model=reply) if reply is not None else None,
            )
