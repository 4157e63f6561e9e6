"""Inputs of the community's mutations."""

from __future__ import annotations

from enum import Enum

import strawberry

from schema.community.types import ForumType, PostType, ReportReason, Vote

BODY = (
    "Markdown (CommonMark with tables, strikethrough and bare links; raw HTML shows as text). "
    "1 to {max} characters."
)
TAGS = "Up to 5 tags: 1 to 30 lowercase letters, digits and hyphens each."
ATTACHMENTS = "Up to 5 https:// links to files hosted elsewhere, 500 characters each."
TARGET = "A Post or Reply ID."


@strawberry.input(description="Create a forum.")
class CreateForumInput:
    name: str = strawberry.field(description="1 to 100 characters, unique in its scope.")
    description: str | None = strawberry.field(default=None, description="Up to 2,000 characters.")
    forum_type: ForumType = strawberry.field(
        default=ForumType.GENERAL, description="What it is for."
    )
    platform_wide: bool = strawberry.field(
        default=False, description="A forum of the whole platform (platform admins only)."
    )
    school_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The school of a private forum (defaults to your own; platform admins name one).",
    )
    is_public: bool = strawberry.field(
        default=True, description="False: staff (instructors, admins) and moderators only."
    )
    requires_approval: bool = strawberry.field(
        default=False, description="Posts and replies wait for a moderator's approval."
    )
    display_order: int = strawberry.field(default=0, description="-10,000 to 10,000; lowest first.")


@strawberry.input(description="Change a forum; omitted fields stay as they are.")
class UpdateForumInput:
    forum_id: strawberry.ID = strawberry.field(description="The forum.")
    name: str | None = strawberry.field(default=None, description="New name.")
    description: str | None = strawberry.field(default=None, description="New description.")
    forum_type: ForumType | None = strawberry.field(default=None, description="New type.")
    is_public: bool | None = strawberry.field(default=None, description="New public flag.")
    requires_approval: bool | None = strawberry.field(
        default=None, description="New approval rule (applies to new content)."
    )
    display_order: int | None = strawberry.field(default=None, description="New order.")
    is_active: bool | None = strawberry.field(
        default=None, description="False closes the forum (only moderators see it then)."
    )


@strawberry.input(description="Name a forum's moderators (replaces the list).")
class SetForumModeratorsInput:
    forum_id: strawberry.ID = strawberry.field(description="The forum.")
    user_ids: list[strawberry.ID] = strawberry.field(
        description="Up to 20 active users (of the forum's school, for a school's forum)."
    )


@strawberry.input(description="Start a thread.")
class CreatePostInput:
    forum_id: strawberry.ID = strawberry.field(description="The forum to post in.")
    post_type: PostType = strawberry.field(
        default=PostType.DISCUSSION, description="Question, discussion, tip or announcement."
    )
    title: str = strawberry.field(description="One line, 1 to 200 characters.")
    body: str = strawberry.field(description=BODY.format(max="20,000"))
    tags: list[str] | None = strawberry.field(default=None, description=TAGS)
    attachments: list[str] | None = strawberry.field(default=None, description=ATTACHMENTS)


@strawberry.input(description="Edit your post; omitted fields stay as they are.")
class UpdatePostInput:
    post_id: strawberry.ID = strawberry.field(description="Your post.")
    post_type: PostType | None = strawberry.field(default=None, description="New type.")
    title: str | None = strawberry.field(default=None, description="New title.")
    body: str | None = strawberry.field(default=None, description="New body (Markdown).")
    tags: list[str] | None = strawberry.field(default=None, description="New tags (replace).")
    attachments: list[str] | None = strawberry.field(
        default=None, description="New attachments (replace)."
    )


@strawberry.input(description="A post to act on.")
class PostInput:
    post_id: strawberry.ID = strawberry.field(description="The post.")


@strawberry.input(description="Reply to a post, or to a reply in it.")
class CreateReplyInput:
    post_id: strawberry.ID = strawberry.field(description="The post.")
    parent_id: strawberry.ID | None = strawberry.field(
        default=None, description="The reply you answer; omit to answer the post."
    )
    body: str = strawberry.field(description=BODY.format(max="10,000"))
    attachments: list[str] | None = strawberry.field(default=None, description=ATTACHMENTS)


@strawberry.input(description="Edit your reply; omitted fields stay as they are.")
class UpdateReplyInput:
    reply_id: strawberry.ID = strawberry.field(description="Your reply.")
    body: str | None = strawberry.field(default=None, description="New body (Markdown).")
    attachments: list[str] | None = strawberry.field(
        default=None, description="New attachments (replace)."
    )


@strawberry.input(description="A reply to act on.")
class ReplyInput:
    reply_id: strawberry.ID = strawberry.field(description="The reply.")


@strawberry.input(description="Like or dislike a post or reply, or take your vote back.")
class VoteInput:
    target_id: strawberry.ID = strawberry.field(description=TARGET)
    vote: Vote | None = strawberry.field(
        default=None, description="LIKE, DISLIKE, or null to remove your vote."
    )


@strawberry.input(description="Bookmark a post or reply, or remove the bookmark.")
class SetBookmarkInput:
    target_id: strawberry.ID = strawberry.field(description=TARGET)
    bookmarked: bool = strawberry.field(default=True, description="False removes it.")


@strawberry.input(description="Report a post or reply to the forum's moderators.")
class ReportContentInput:
    target_id: strawberry.ID = strawberry.field(description=TARGET)
    reason: ReportReason = strawberry.field(description="Why.")
    details: str | None = strawberry.field(default=None, description="Up to 1,000 characters.")


@strawberry.input(description="Follow a post (be told of new replies) or stop following it.")
class FollowPostInput:
    post_id: strawberry.ID = strawberry.field(description="The post.")
    following: bool = strawberry.field(default=True, description="False stops following.")


@strawberry.input(description="A post or reply for a moderator to act on.")
class ContentInput:
    target_id: strawberry.ID = strawberry.field(description=TARGET)


@strawberry.input(description="Hide or reject a post or reply, with a note for its author.")
class ModerateContentInput:
    target_id: strawberry.ID = strawberry.field(description=TARGET)
    note: str | None = strawberry.field(
        default=None, description="Why (shown to the author and moderators), up to 500 characters."
    )


@strawberry.input(description="Lock or unlock a thread.")
class LockPostInput:
    post_id: strawberry.ID = strawberry.field(description="The post.")
    locked: bool = strawberry.field(default=True, description="False unlocks.")


@strawberry.input(description="Pin or unpin a post at the top of its forum.")
class PinPostInput:
    post_id: strawberry.ID = strawberry.field(description="The post.")
    pinned: bool = strawberry.field(default=True, description="False unpins.")


@strawberry.enum(description="How a moderator closes a report.")
class ReportResolution(Enum):
    ACTIONED = strawberry.enum_value("actioned", description="Something was done about it.")
    DISMISSED = strawberry.enum_value("dismissed", description="Nothing wrong was found.")


@strawberry.input(description="Close a report.")
class ResolveReportInput:
    report_id: strawberry.ID = strawberry.field(description="The report.")
    resolution: ReportResolution = strawberry.field(description="Actioned or dismissed.")
