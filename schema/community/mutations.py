"""Mutations of the community: each takes one `input` and returns `{<object>, errors}`."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated, Any

import strawberry
from strawberry.permission import BasePermission

from resolvers.community import writes
from resolvers.context import Info
from schema.common.arguments import INPUT
from schema.common.errors import attempt, user_errors
from schema.common.node import decode_id, decode_optional_id, parse_global_id
from schema.common.permissions import IsAuthenticated
from schema.community.inputs import (
    ContentInput,
    CreateForumInput,
    CreatePostInput,
    CreateReplyInput,
    FollowPostInput,
    LockPostInput,
    ModerateContentInput,
    PinPostInput,
    PostInput,
    ReplyInput,
    ReportContentInput,
    ResolveReportInput,
    SetBookmarkInput,
    SetForumModeratorsInput,
    UpdateForumInput,
    UpdatePostInput,
    UpdateReplyInput,
    VoteInput,
)
from schema.community.types import (
    CommunityContent,
    CommunityError,
    Forum,
    Post,
    Reply,
    Report,
    content_or_none,
    enum_value,
)
from services.community.errors import E
from services.community.interactions import Target
from services.errors import DomainError

AUTHENTICATED: list[type[BasePermission]] = [IsAuthenticated]
MAX_IDS = 20


def _errors(errors: list[DomainError]) -> list[CommunityError]:
    return user_errors(CommunityError, E, errors)


def decode_target(global_id: str, field: str = "targetId") -> Target:
    parsed = parse_global_id(global_id)
    if parsed is not None and parsed[0] == "Post":
        return Target(post_id=parsed[1])
    if parsed is not None and parsed[0] == "Reply":
        return Target(reply_id=parsed[1])
    raise DomainError(E.INVALID, f"`{field}` is not a valid Post or Reply ID.", field)


def _forum_id(value: str) -> Any:
    return decode_id(value, "Forum", E.FORUM_NOT_FOUND, "forumId")


def _post_id(value: str) -> Any:
    return decode_id(value, "Post", E.POST_NOT_FOUND, "postId")


def _reply_id(value: str, field: str = "replyId") -> Any:
    return decode_id(value, "Reply", E.REPLY_NOT_FOUND, field)


@strawberry.type(description="Result of a forum mutation.")
class ForumPayload:
    forum: Forum | None = strawberry.field(description="The forum, when it succeeded.")
    errors: list[CommunityError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="Result of a post mutation.")
class PostPayload:
    post: Post | None = strawberry.field(description="The post, when it succeeded.")
    errors: list[CommunityError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="Result of a reply mutation.")
class ReplyPayload:
    reply: Reply | None = strawberry.field(description="The reply, when it succeeded.")
    errors: list[CommunityError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="Result of a vote, bookmark or moderation of a post or reply.")
class ContentPayload:
    content: CommunityContent | None = strawberry.field(
        description="The post or reply as it is now, when it succeeded."
    )
    errors: list[CommunityError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="Result of a report mutation.")
class ReportPayload:
    report: Report | None = strawberry.field(description="The report, when it succeeded.")
    errors: list[CommunityError] = strawberry.field(description="Why it failed; empty on success.")


async def _forum(work: Awaitable[Any]) -> ForumPayload:
    model, errors = await attempt(work)
    return ForumPayload(forum=Forum(model=model) if model else None, errors=_errors(errors))


async def _post(work: Awaitable[Any]) -> PostPayload:
    model, errors = await attempt(work)
    return PostPayload(post=Post(model=model) if model else None, errors=_errors(errors))


async def _reply(work: Awaitable[Any]) -> ReplyPayload:
    model, errors = await attempt(work)
    return ReplyPayload(reply=Reply(model=model) if model else None, errors=_errors(errors))


async def _content(work: Awaitable[Any]) -> ContentPayload:
    model, errors = await attempt(work)
    return ContentPayload(content=content_or_none(model), errors=_errors(errors))


async def _report(work: Awaitable[Any]) -> ReportPayload:
    model, errors = await attempt(work)
    return ReportPayload(report=Report(model=model) if model else None, errors=_errors(errors))


@strawberry.type
class CommunityMutation:
    @strawberry.mutation(
        description="Create a forum: platform-wide (platform admins) or private to a school "
        "(its admins who may moderate the community).",
        permission_classes=AUTHENTICATED,
    )
    async def create_forum(
        self, info: Info, input: Annotated[CreateForumInput, INPUT]
    ) -> ForumPayload:
        async def work() -> Any:
            return await writes.create_forum(
                info,
                school_id=decode_optional_id(
                    input.school_id, "School", E.SCHOOL_NOT_FOUND, "schoolId"
                ),
                platform_wide=input.platform_wide,
                name=input.name,
                description=input.description,
                forum_type=input.forum_type.value,
                is_public=input.is_public,
                requires_approval=input.requires_approval,
                display_order=input.display_order,
            )

        return await _forum(work())

    @strawberry.mutation(
        description="Change a forum's settings (its administrators).",
        permission_classes=AUTHENTICATED,
    )
    async def update_forum(
        self, info: Info, input: Annotated[UpdateForumInput, INPUT]
    ) -> ForumPayload:
        async def work() -> Any:
            return await writes.update_forum(
                info,
                _forum_id(input.forum_id),
                {
                    "name": input.name,
                    "description": input.description,
                    "forum_type": input.forum_type.value if input.forum_type else None,
                    "is_public": input.is_public,
                    "requires_approval": input.requires_approval,
                    "display_order": input.display_order,
                },
                input.is_active,
            )

        return await _forum(work())

    @strawberry.mutation(
        description="Name a forum's moderators, replacing the list (its administrators).",
        permission_classes=AUTHENTICATED,
    )
    async def set_forum_moderators(
        self, info: Info, input: Annotated[SetForumModeratorsInput, INPUT]
    ) -> ForumPayload:
        async def work() -> Any:
            if len(input.user_ids) > MAX_IDS:
                raise DomainError(E.TOO_MANY, f"At most {MAX_IDS} moderators.", "userIds")
            return await writes.set_forum_moderators(
                info,
                _forum_id(input.forum_id),
                [decode_id(u, "User", E.USER_NOT_FOUND, "userIds") for u in input.user_ids],
            )

        return await _forum(work())

    @strawberry.mutation(
        description="Start a thread. In a forum that requires approval it waits for a moderator "
        "(status PENDING).",
        permission_classes=AUTHENTICATED,
    )
    async def create_post(
        self, info: Info, input: Annotated[CreatePostInput, INPUT]
    ) -> PostPayload:
        async def work() -> Any:
            return await writes.create_post(
                info,
                forum_id=_forum_id(input.forum_id),
                post_type=input.post_type.value,
                title=input.title,
                body=input.body,
                tags=input.tags,
                attachments=input.attachments,
            )

        return await _post(work())

    @strawberry.mutation(description="Edit your post.", permission_classes=AUTHENTICATED)
    async def update_post(
        self, info: Info, input: Annotated[UpdatePostInput, INPUT]
    ) -> PostPayload:
        async def work() -> Any:
            return await writes.update_post(
                info,
                _post_id(input.post_id),
                {
                    "post_type": input.post_type.value if input.post_type else None,
                    "title": input.title,
                    "body": input.body,
                    "tags": input.tags,
                    "attachments": input.attachments,
                },
            )

        return await _post(work())

    @strawberry.mutation(
        description="Delete your post (it disappears with its replies).",
        permission_classes=AUTHENTICATED,
    )
    async def delete_post(self, info: Info, input: Annotated[PostInput, INPUT]) -> PostPayload:
        async def work() -> Any:
            return await writes.delete_post(info, _post_id(input.post_id))

        return await _post(work())

    @strawberry.mutation(
        description="Count your view of a post (call when a reader opens it): one per reader, "
        "post and day, however often it is called.",
        permission_classes=AUTHENTICATED,
    )
    async def view_post(self, info: Info, input: Annotated[PostInput, INPUT]) -> PostPayload:
        async def work() -> Any:
            return await writes.view_post(info, _post_id(input.post_id))

        return await _post(work())

    @strawberry.mutation(
        description="Reply to a post or a reply. Followers are told once it is visible.",
        permission_classes=AUTHENTICATED,
    )
    async def create_reply(
        self, info: Info, input: Annotated[CreateReplyInput, INPUT]
    ) -> ReplyPayload:
        async def work() -> Any:
            return await writes.create_reply(
                info,
                post_id=_post_id(input.post_id),
                parent_id=_reply_id(input.parent_id, "parentId") if input.parent_id else None,
                body=input.body,
                attachments=input.attachments,
            )

        return await _reply(work())

    @strawberry.mutation(description="Edit your reply.", permission_classes=AUTHENTICATED)
    async def update_reply(
        self, info: Info, input: Annotated[UpdateReplyInput, INPUT]
    ) -> ReplyPayload:
        async def work() -> Any:
            return await writes.update_reply(
                info,
                _reply_id(input.reply_id),
                {"body": input.body, "attachments": input.attachments},
            )

        return await _reply(work())

    @strawberry.mutation(
        description="Delete your reply (a tombstone keeps its place in the thread).",
        permission_classes=AUTHENTICATED,
    )
    async def delete_reply(self, info: Info, input: Annotated[ReplyInput, INPUT]) -> ReplyPayload:
        async def work() -> Any:
            return await writes.delete_reply(info, _reply_id(input.reply_id))

        return await _reply(work())

    @strawberry.mutation(
        description="Accept a reply as the answer to a question (the question's author or a "
        "moderator). Replaces any earlier solution.",
        permission_classes=AUTHENTICATED,
    )
    async def mark_solution(self, info: Info, input: Annotated[ReplyInput, INPUT]) -> ReplyPayload:
        async def work() -> Any:
            return await writes.mark_solution(info, _reply_id(input.reply_id))

        return await _reply(work())

    @strawberry.mutation(
        description="Withdraw a question's accepted solution.", permission_classes=AUTHENTICATED
    )
    async def unmark_solution(self, info: Info, input: Annotated[PostInput, INPUT]) -> PostPayload:
        async def work() -> Any:
            return await writes.unmark_solution(info, _post_id(input.post_id))

        return await _post(work())

    @strawberry.mutation(
        description="Like or dislike a post or reply (one vote per person; a new vote replaces "
        "the old), or remove your vote.",
        permission_classes=AUTHENTICATED,
    )
    async def vote(self, info: Info, input: Annotated[VoteInput, INPUT]) -> ContentPayload:
        async def work() -> Any:
            return await writes.vote(info, decode_target(input.target_id), enum_value(input.vote))

        return await _content(work())

    @strawberry.mutation(
        description="Bookmark a post or reply, or remove the bookmark.",
        permission_classes=AUTHENTICATED,
    )
    async def set_bookmark(
        self, info: Info, input: Annotated[SetBookmarkInput, INPUT]
    ) -> ContentPayload:
        async def work() -> Any:
            return await writes.set_bookmark(info, decode_target(input.target_id), input.bookmarked)

        return await _content(work())

    @strawberry.mutation(
        description="Report a post or reply to its forum's moderators (once per person).",
        permission_classes=AUTHENTICATED,
    )
    async def report_content(
        self, info: Info, input: Annotated[ReportContentInput, INPUT]
    ) -> ReportPayload:
        async def work() -> Any:
            return await writes.report(
                info, decode_target(input.target_id), str(enum_value(input.reason)), input.details
            )

        return await _report(work())

    @strawberry.mutation(
        description="Follow a post to be told of new replies, or stop following it.",
        permission_classes=AUTHENTICATED,
    )
    async def follow_post(
        self, info: Info, input: Annotated[FollowPostInput, INPUT]
    ) -> PostPayload:
        async def work() -> Any:
            return await writes.follow(info, _post_id(input.post_id), input.following)

        return await _post(work())

    @strawberry.mutation(
        description="Approve a post or reply awaiting approval (moderators).",
        permission_classes=AUTHENTICATED,
    )
    async def approve_content(
        self, info: Info, input: Annotated[ContentInput, INPUT]
    ) -> ContentPayload:
        async def work() -> Any:
            return await writes.approve(info, decode_target(input.target_id))

        return await _content(work())

    @strawberry.mutation(
        description="Reject a post or reply awaiting approval (moderators).",
        permission_classes=AUTHENTICATED,
    )
    async def reject_content(
        self, info: Info, input: Annotated[ModerateContentInput, INPUT]
    ) -> ContentPayload:
        async def work() -> Any:
            return await writes.reject(info, decode_target(input.target_id), input.note)

        return await _content(work())

    @strawberry.mutation(
        description="Hide a published post or reply (moderators); its open reports are closed.",
        permission_classes=AUTHENTICATED,
    )
    async def hide_content(
        self, info: Info, input: Annotated[ModerateContentInput, INPUT]
    ) -> ContentPayload:
        async def work() -> Any:
            return await writes.hide(info, decode_target(input.target_id), input.note)

        return await _content(work())

    @strawberry.mutation(
        description="Publish a hidden post or reply again (moderators).",
        permission_classes=AUTHENTICATED,
    )
    async def restore_content(
        self, info: Info, input: Annotated[ContentInput, INPUT]
    ) -> ContentPayload:
        async def work() -> Any:
            return await writes.restore(info, decode_target(input.target_id))

        return await _content(work())

    @strawberry.mutation(
        description="Lock or unlock a thread (moderators).", permission_classes=AUTHENTICATED
    )
    async def lock_post(self, info: Info, input: Annotated[LockPostInput, INPUT]) -> PostPayload:
        async def work() -> Any:
            return await writes.set_locked(info, _post_id(input.post_id), input.locked)

        return await _post(work())

    @strawberry.mutation(
        description="Pin or unpin a post (moderators).", permission_classes=AUTHENTICATED
    )
    async def pin_post(self, info: Info, input: Annotated[PinPostInput, INPUT]) -> PostPayload:
        async def work() -> Any:
            return await writes.set_pinned(info, _post_id(input.post_id), input.pinned)

        return await _post(work())

    @strawberry.mutation(
        description="Close a report as actioned or dismissed (moderators).",
        permission_classes=AUTHENTICATED,
    )
    async def resolve_report(
        self, info: Info, input: Annotated[ResolveReportInput, INPUT]
    ) -> ReportPayload:
        async def work() -> Any:
            return await writes.resolve_report(
                info,
                decode_id(input.report_id, "Report", E.REPORT_NOT_FOUND, "reportId"),
                str(enum_value(input.resolution)),
            )

        return await _report(work())
