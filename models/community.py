"""The community: forums, posts, nested replies, interactions, follows, reputation (SPEC §5).

Counters on posts and replies (likes, dislikes, replies, views) are maintained in the
transaction that changes the rows they count, with atomic ``UPDATE … SET n = n + 1``
guarded by the unique indexes below; reputation is the sum of a points ledger whose
rows are unique per source, and badges are unique per user.

Reply trees use a materialised path: ``path`` is the array of reply numbers from the
top-level reply down to this one (numbers are per post, in creation order), so
ordering by ``path`` is depth-first thread order and one indexed range scan reads a
page of the tree, whatever its depth.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from models.base import UUIDPK, Base, CreatedAt, Timestamp, TimestampMixin, user_fk

FORUM_TYPES = ("general", "questions", "theory_test", "practical_driving", "tips", "announcements")
POST_TYPES = ("question", "discussion", "tip", "announcement")
CONTENT_STATUSES = ("pending", "published", "hidden")
INTERACTION_KINDS = ("like", "dislike", "bookmark", "report")
REPORT_REASONS = ("spam", "abuse", "harassment", "misinformation", "off_topic", "other")
REPORT_STATUSES = ("open", "actioned", "dismissed")
POINT_REASONS = ("like_received", "solution_accepted", "milestone")
# Deep enough for any conversation; bounded so a path always fits a btree index entry.
MAX_REPLY_DEPTH = 200
MAX_TAGS = 5
MAX_ATTACHMENTS = 5


def _school_fk(*, nullable: bool) -> Any:
    return mapped_column(
        UUID(as_uuid=True), ForeignKey("schools.id", ondelete="RESTRICT"), nullable=nullable
    )


class CommunityForum(TimestampMixin, Base):
    """A forum: platform-wide (``school_id`` null) or private to one school."""

    __tablename__ = "community_forums"
    __table_args__ = (
        CheckConstraint(f"forum_type IN {FORUM_TYPES}", name="type_values"),
        CheckConstraint("display_order BETWEEN -10000 AND 10000", name="order_range"),
        Index(
            "uq_community_forums_scope_name",
            "school_id",
            func.lower(text("name")),
            unique=True,
            postgresql_nulls_not_distinct=True,
        ),
        Index("ix_community_forums_school_order", "school_id", "display_order", "id"),
    )

    id: Mapped[UUIDPK]
    school_id: Mapped[uuid.UUID | None] = _school_fk(nullable=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    forum_type: Mapped[str] = mapped_column(String(20))
    # Public forums are read by every member of their scope; others by staff and moderators.
    is_public: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    requires_approval: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    display_order: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    is_active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )


class CommunityForumModerator(Base):
    """A user named moderator of one forum."""

    __tablename__ = "community_forum_moderators"
    __table_args__ = (PrimaryKeyConstraint("forum_id", "user_id"),)

    forum_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("community_forums.id", ondelete="CASCADE")
    )
    user_id: Mapped[uuid.UUID] = user_fk(ondelete="CASCADE")
    # The forum's school (null for a platform-wide forum).
    school_id: Mapped[uuid.UUID | None] = _school_fk(nullable=True)
    created_at: Mapped[CreatedAt]


class CommunityPost(TimestampMixin, Base):
    """A thread's opening post. ``body`` is the author's Markdown; ``body_html`` its
    sanitised rendering, made when the body is written."""

    __tablename__ = "community_posts"
    __table_args__ = (
        CheckConstraint(f"post_type IN {POST_TYPES}", name="type_values"),
        CheckConstraint(f"status IN {CONTENT_STATUSES}", name="status_values"),
        CheckConstraint(f"cardinality(tags) <= {MAX_TAGS}", name="tags_bounded"),
        CheckConstraint(
            f"cardinality(attachments) <= {MAX_ATTACHMENTS}", name="attachments_bounded"
        ),
        CheckConstraint(
            "like_count >= 0 AND dislike_count >= 0 AND reply_count >= 0 AND view_count >= 0"
            " AND reply_seq >= 0",
            name="counts_non_negative",
        ),
        Index(
            "ix_community_posts_forum_listing",
            "forum_id",
            "is_pinned",
            "last_activity_at",
            "id",
        ),
        Index("ix_community_posts_tags", "tags", postgresql_using="gin"),
        Index(
            "ix_community_posts_pending",
            "forum_id",
            "created_at",
            postgresql_where=text("status = 'pending' AND deleted_at IS NULL"),
        ),
    )

    id: Mapped[UUIDPK]
    forum_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("community_forums.id", ondelete="RESTRICT")
    )
    school_id: Mapped[uuid.UUID | None] = _school_fk(nullable=True)
    author_id: Mapped[uuid.UUID] = user_fk()
    post_type: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(ARRAY(String(30)), server_default=text("'{}'"))
    attachments: Mapped[list[str]] = mapped_column(ARRAY(String(500)), server_default=text("'{}'"))
    status: Mapped[str] = mapped_column(String(10))
    moderation_note: Mapped[str | None] = mapped_column(String(500))
    moderated_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    approved_at: Mapped[Timestamp | None]
    is_pinned: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    locked_at: Mapped[Timestamp | None]
    solution_reply_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True),
        ForeignKey("community_replies.id", ondelete="SET NULL", use_alter=True),
    )
    view_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    like_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    dislike_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    # Published, undeleted replies (what readers can read).
    reply_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    # The last reply number handed out; replies are numbered 1, 2, 3… per post.
    reply_seq: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    last_activity_at: Mapped[CreatedAt]
    edited_at: Mapped[Timestamp | None]
    deleted_at: Mapped[Timestamp | None]


class CommunityReply(TimestampMixin, Base):
    """A reply to a post or to another reply, at any depth (up to ``MAX_REPLY_DEPTH``)."""

    __tablename__ = "community_replies"
    __table_args__ = (
        CheckConstraint(f"status IN {CONTENT_STATUSES}", name="status_values"),
        CheckConstraint(
            f"cardinality(path) BETWEEN 1 AND {MAX_REPLY_DEPTH}"
            " AND path[cardinality(path)] = number",
            name="path_ends_with_number",
        ),
        CheckConstraint(
            f"cardinality(attachments) <= {MAX_ATTACHMENTS}", name="attachments_bounded"
        ),
        CheckConstraint("like_count >= 0 AND dislike_count >= 0", name="counts_non_negative"),
        Index("uq_community_replies_post_number", "post_id", "number", unique=True),
        Index("ix_community_replies_post_path", "post_id", "path"),
        Index("ix_community_replies_parent_number", "parent_id", "number"),
        Index(
            "ix_community_replies_pending",
            "post_id",
            "created_at",
            postgresql_where=text("status = 'pending' AND deleted_at IS NULL"),
        ),
    )

    id: Mapped[UUIDPK]
    post_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("community_posts.id", ondelete="RESTRICT")
    )
    forum_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("community_forums.id", ondelete="RESTRICT"), index=True
    )
    school_id: Mapped[uuid.UUID | None] = _school_fk(nullable=True)
    author_id: Mapped[uuid.UUID] = user_fk()
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("community_replies.id", ondelete="RESTRICT")
    )
    number: Mapped[int] = mapped_column(Integer)
    path: Mapped[list[int]] = mapped_column(ARRAY(Integer))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    attachments: Mapped[list[str]] = mapped_column(ARRAY(String(500)), server_default=text("'{}'"))
    status: Mapped[str] = mapped_column(String(10))
    moderation_note: Mapped[str | None] = mapped_column(String(500))
    moderated_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    approved_at: Mapped[Timestamp | None]
    like_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    dislike_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    edited_at: Mapped[Timestamp | None]
    deleted_at: Mapped[Timestamp | None]

    @property
    def depth(self) -> int:
        """0 for a reply to the post, 1 for a reply to that reply, and so on."""
        return len(self.path) - 1


class CommunityInteraction(Base):
    """A like, dislike, bookmark or report by one user on one post or reply.

    One of each kind per user and target (unique indexes), and at most one of like and
    dislike: they share the "vote" index, so a user's vote is one row whose kind flips.
    """

    __tablename__ = "community_interactions"
    __table_args__ = (
        CheckConstraint(f"kind IN {INTERACTION_KINDS}", name="kind_values"),
        CheckConstraint("(post_id IS NULL) <> (reply_id IS NULL)", name="one_target"),
        CheckConstraint(
            f"(kind = 'report') = (report_reason IS NOT NULL)"
            f" AND (report_reason IS NULL OR report_reason IN {REPORT_REASONS})",
            name="report_reason_values",
        ),
        CheckConstraint(
            f"(kind = 'report') = (report_status IS NOT NULL)"
            f" AND (report_status IS NULL OR report_status IN {REPORT_STATUSES})",
            name="report_status_values",
        ),
        Index(
            "uq_community_interactions_post_kind",
            "post_id",
            "user_id",
            "kind",
            unique=True,
            postgresql_where=text("post_id IS NOT NULL"),
        ),
        Index(
            "uq_community_interactions_reply_kind",
            "reply_id",
            "user_id",
            "kind",
            unique=True,
            postgresql_where=text("reply_id IS NOT NULL"),
        ),
        Index(
            "uq_community_interactions_post_vote",
            "post_id",
            "user_id",
            unique=True,
            postgresql_where=text("post_id IS NOT NULL AND kind IN ('like', 'dislike')"),
        ),
        Index(
            "uq_community_interactions_reply_vote",
            "reply_id",
            "user_id",
            unique=True,
            postgresql_where=text("reply_id IS NOT NULL AND kind IN ('like', 'dislike')"),
        ),
        Index("ix_community_interactions_user_kind", "user_id", "kind", "created_at", "id"),
        Index(
            "ix_community_interactions_open_reports",
            "forum_id",
            "created_at",
            postgresql_where=text("kind = 'report' AND report_status = 'open'"),
        ),
    )

    id: Mapped[UUIDPK]
    user_id: Mapped[uuid.UUID] = user_fk(ondelete="CASCADE", index=False)
    kind: Mapped[str] = mapped_column(String(10))
    post_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("community_posts.id", ondelete="CASCADE")
    )
    reply_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("community_replies.id", ondelete="CASCADE")
    )
    # Where the target lives, so queues and tenancy filters need no join.
    forum_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("community_forums.id", ondelete="CASCADE")
    )
    school_id: Mapped[uuid.UUID | None] = _school_fk(nullable=True)
    report_reason: Mapped[str | None] = mapped_column(String(20))
    report_details: Mapped[str | None] = mapped_column(String(1000))
    report_status: Mapped[str | None] = mapped_column(String(10))
    resolved_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    resolved_at: Mapped[Timestamp | None]
    created_at: Mapped[CreatedAt]


class CommunityPostView(Base):
    """One view per user, post and (UTC) day: what ``view_count`` counts."""

    __tablename__ = "community_post_views"
    __table_args__ = (PrimaryKeyConstraint("post_id", "user_id", "viewed_on"),)

    post_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("community_posts.id", ondelete="CASCADE")
    )
    user_id: Mapped[uuid.UUID] = user_fk(ondelete="CASCADE")
    viewed_on: Mapped[date] = mapped_column(Date)


class CommunityPostFollower(Base):
    """A user following a post: told of every new visible reply."""

    __tablename__ = "community_post_followers"
    __table_args__ = (PrimaryKeyConstraint("post_id", "user_id"),)

    post_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("community_posts.id", ondelete="CASCADE")
    )
    user_id: Mapped[uuid.UUID] = user_fk(ondelete="CASCADE")
    school_id: Mapped[uuid.UUID | None] = _school_fk(nullable=True)
    created_at: Mapped[CreatedAt]


class CommunityPoints(Base):
    """The reputation ledger: a user's reputation is the sum of their rows.

    Each source (a like, an accepted reply, a milestone) gives points at most once:
    ``(reason, source_id)`` is unique, and taking a like back deletes its row.
    """

    __tablename__ = "community_points"
    __table_args__ = (
        CheckConstraint(f"reason IN {POINT_REASONS}", name="reason_values"),
        Index("uq_community_points_source", "reason", "source_id", unique=True),
        Index("ix_community_points_user_reason", "user_id", "reason"),
    )

    id: Mapped[UUIDPK]
    user_id: Mapped[uuid.UUID] = user_fk(ondelete="CASCADE", index=False)
    school_id: Mapped[uuid.UUID | None] = _school_fk(nullable=True)
    reason: Mapped[str] = mapped_column(String(20))
    source_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    points: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[CreatedAt]


class CommunityBadge(Base):
    """A badge a user earned: once per user and badge, however often it is earned."""

    __tablename__ = "community_badges"
    __table_args__ = (
        CheckConstraint("badge ~ '^[a-z][a-z0-9_]*$'", name="badge_format"),
        Index("uq_community_badges_user_badge", "user_id", "badge", unique=True),
    )

    id: Mapped[UUIDPK]
    user_id: Mapped[uuid.UUID] = user_fk(ondelete="CASCADE", index=False)
    school_id: Mapped[uuid.UUID | None] = _school_fk(nullable=True)
    badge: Mapped[str] = mapped_column(String(40))
    awarded_at: Mapped[CreatedAt]
