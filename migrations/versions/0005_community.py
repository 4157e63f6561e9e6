"""Community: forums, moderators, posts, nested replies, interactions, follows, reputation.

Views, the reputation ledger and badges too; counters are guarded by the unique indexes.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "community_badges",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=True),
        sa.Column("badge", sa.String(length=40), nullable=False),
        sa.Column(
            "awarded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "badge ~ '^[a-z][a-z0-9_]*$'", name=op.f("ck_community_badges_badge_format")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_community_badges_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_community_badges_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_badges")),
    )
    op.create_index(
        "uq_community_badges_user_badge", "community_badges", ["user_id", "badge"], unique=True
    )
    op.create_table(
        "community_forums",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("forum_type", sa.String(length=20), nullable=False),
        sa.Column("is_public", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column(
            "requires_approval", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
        sa.Column("display_order", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("created_by_id", sa.UUID(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "forum_type IN ('general', 'questions', 'theory_test', 'practical_driving', 'tips', 'announcements')",
            name=op.f("ck_community_forums_type_values"),
        ),
        sa.CheckConstraint(
            "display_order BETWEEN -10000 AND 10000", name=op.f("ck_community_forums_order_range")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_community_forums_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_community_forums_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_forums")),
    )
    op.create_index(
        "ix_community_forums_school_order",
        "community_forums",
        ["school_id", "display_order", "id"],
        unique=False,
    )
    op.create_index(
        "uq_community_forums_scope_name",
        "community_forums",
        ["school_id", sa.literal_column("lower(name)")],
        unique=True,
        postgresql_nulls_not_distinct=True,
    )
    op.create_table(
        "community_points",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=True),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("source_id", sa.UUID(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "reason IN ('like_received', 'solution_accepted', 'milestone')",
            name=op.f("ck_community_points_reason_values"),
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_community_points_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_community_points_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_points")),
    )
    op.create_index(
        "ix_community_points_user_reason", "community_points", ["user_id", "reason"], unique=False
    )
    op.create_index(
        "uq_community_points_source", "community_points", ["reason", "source_id"], unique=True
    )
    op.create_table(
        "community_forum_moderators",
        sa.Column("forum_id", sa.UUID(), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["forum_id"],
            ["community_forums.id"],
            name=op.f("fk_community_forum_moderators_forum_id_community_forums"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_community_forum_moderators_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_community_forum_moderators_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("forum_id", "user_id", name=op.f("pk_community_forum_moderators")),
    )
    op.create_index(
        op.f("ix_community_forum_moderators_user_id"),
        "community_forum_moderators",
        ["user_id"],
        unique=False,
    )
    op.create_table(
        "community_posts",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("forum_id", sa.UUID(), nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=True),
        sa.Column("author_id", sa.UUID(), nullable=False),
        sa.Column("post_type", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column(
            "tags",
            postgresql.ARRAY(sa.String(length=30)),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column(
            "attachments",
            postgresql.ARRAY(sa.String(length=500)),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("moderation_note", sa.String(length=500), nullable=True),
        sa.Column("moderated_by_id", sa.UUID(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("is_pinned", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("locked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("solution_reply_id", sa.UUID(), nullable=True),
        sa.Column("view_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("like_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("dislike_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("reply_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("reply_seq", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "last_activity_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "post_type IN ('question', 'discussion', 'tip', 'announcement')",
            name=op.f("ck_community_posts_type_values"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'published', 'hidden')",
            name=op.f("ck_community_posts_status_values"),
        ),
        sa.CheckConstraint(
            "cardinality(attachments) <= 5", name=op.f("ck_community_posts_attachments_bounded")
        ),
        sa.CheckConstraint("cardinality(tags) <= 5", name=op.f("ck_community_posts_tags_bounded")),
        sa.CheckConstraint(
            "like_count >= 0 AND dislike_count >= 0 AND reply_count >= 0 AND view_count >= 0 AND reply_seq >= 0",
            name=op.f("ck_community_posts_counts_non_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_community_posts_author_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["forum_id"],
            ["community_forums.id"],
            name=op.f("fk_community_posts_forum_id_community_forums"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["moderated_by_id"],
            ["users.id"],
            name=op.f("fk_community_posts_moderated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_community_posts_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_posts")),
    )
    op.create_index(
        op.f("ix_community_posts_author_id"), "community_posts", ["author_id"], unique=False
    )
    op.create_index(
        "ix_community_posts_forum_listing",
        "community_posts",
        ["forum_id", "is_pinned", "last_activity_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_community_posts_pending",
        "community_posts",
        ["forum_id", "created_at"],
        unique=False,
        postgresql_where=sa.text("status = 'pending' AND deleted_at IS NULL"),
    )
    op.create_index(
        "ix_community_posts_tags", "community_posts", ["tags"], unique=False, postgresql_using="gin"
    )
    op.create_table(
        "community_post_followers",
        sa.Column("post_id", sa.UUID(), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["community_posts.id"],
            name=op.f("fk_community_post_followers_post_id_community_posts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_community_post_followers_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_community_post_followers_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("post_id", "user_id", name=op.f("pk_community_post_followers")),
    )
    op.create_index(
        op.f("ix_community_post_followers_user_id"),
        "community_post_followers",
        ["user_id"],
        unique=False,
    )
    op.create_table(
        "community_post_views",
        sa.Column("post_id", sa.UUID(), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("viewed_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["community_posts.id"],
            name=op.f("fk_community_post_views_post_id_community_posts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_community_post_views_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "post_id", "user_id", "viewed_on", name=op.f("pk_community_post_views")
        ),
    )
    op.create_index(
        op.f("ix_community_post_views_user_id"), "community_post_views", ["user_id"], unique=False
    )
    op.create_table(
        "community_replies",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("post_id", sa.UUID(), nullable=False),
        sa.Column("forum_id", sa.UUID(), nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=True),
        sa.Column("author_id", sa.UUID(), nullable=False),
        sa.Column("parent_id", sa.UUID(), nullable=True),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("path", postgresql.ARRAY(sa.Integer()), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column(
            "attachments",
            postgresql.ARRAY(sa.String(length=500)),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("moderation_note", sa.String(length=500), nullable=True),
        sa.Column("moderated_by_id", sa.UUID(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("like_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("dislike_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'published', 'hidden')",
            name=op.f("ck_community_replies_status_values"),
        ),
        sa.CheckConstraint(
            "cardinality(attachments) <= 5", name=op.f("ck_community_replies_attachments_bounded")
        ),
        sa.CheckConstraint(
            "cardinality(path) BETWEEN 1 AND 200 AND path[cardinality(path)] = number",
            name=op.f("ck_community_replies_path_ends_with_number"),
        ),
        sa.CheckConstraint(
            "like_count >= 0 AND dislike_count >= 0",
            name=op.f("ck_community_replies_counts_non_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_community_replies_author_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["forum_id"],
            ["community_forums.id"],
            name=op.f("fk_community_replies_forum_id_community_forums"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["moderated_by_id"],
            ["users.id"],
            name=op.f("fk_community_replies_moderated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["community_replies.id"],
            name=op.f("fk_community_replies_parent_id_community_replies"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["community_posts.id"],
            name=op.f("fk_community_replies_post_id_community_posts"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_community_replies_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_replies")),
    )
    op.create_index(
        op.f("ix_community_replies_author_id"), "community_replies", ["author_id"], unique=False
    )
    op.create_index(
        op.f("ix_community_replies_forum_id"), "community_replies", ["forum_id"], unique=False
    )
    op.create_index(
        "ix_community_replies_parent_number",
        "community_replies",
        ["parent_id", "number"],
        unique=False,
    )
    op.create_index(
        "ix_community_replies_pending",
        "community_replies",
        ["post_id", "created_at"],
        unique=False,
        postgresql_where=sa.text("status = 'pending' AND deleted_at IS NULL"),
    )
    op.create_index(
        "ix_community_replies_post_path", "community_replies", ["post_id", "path"], unique=False
    )
    op.create_index(
        "uq_community_replies_post_number", "community_replies", ["post_id", "number"], unique=True
    )
    # Posts and replies refer to each other: the accepted solution is added once both exist.
    op.create_foreign_key(
        op.f("fk_community_posts_solution_reply_id_community_replies"),
        "community_posts",
        "community_replies",
        ["solution_reply_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_table(
        "community_interactions",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("post_id", sa.UUID(), nullable=True),
        sa.Column("reply_id", sa.UUID(), nullable=True),
        sa.Column("forum_id", sa.UUID(), nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=True),
        sa.Column("report_reason", sa.String(length=20), nullable=True),
        sa.Column("report_details", sa.String(length=1000), nullable=True),
        sa.Column("report_status", sa.String(length=10), nullable=True),
        sa.Column("resolved_by_id", sa.UUID(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(kind = 'report') = (report_reason IS NOT NULL) AND (report_reason IS NULL OR report_reason IN ('spam', 'abuse', 'harassment', 'misinformation', 'off_topic', 'other'))",
            name=op.f("ck_community_interactions_report_reason_values"),
        ),
        sa.CheckConstraint(
            "(kind = 'report') = (report_status IS NOT NULL) AND (report_status IS NULL OR report_status IN ('open', 'actioned', 'dismissed'))",
            name=op.f("ck_community_interactions_report_status_values"),
        ),
        sa.CheckConstraint(
            "kind IN ('like', 'dislike', 'bookmark', 'report')",
            name=op.f("ck_community_interactions_kind_values"),
        ),
        sa.CheckConstraint(
            "(post_id IS NULL) <> (reply_id IS NULL)",
            name=op.f("ck_community_interactions_one_target"),
        ),
        sa.ForeignKeyConstraint(
            ["forum_id"],
            ["community_forums.id"],
            name=op.f("fk_community_interactions_forum_id_community_forums"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["community_posts.id"],
            name=op.f("fk_community_interactions_post_id_community_posts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reply_id"],
            ["community_replies.id"],
            name=op.f("fk_community_interactions_reply_id_community_replies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"],
            ["users.id"],
            name=op.f("fk_community_interactions_resolved_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_community_interactions_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_community_interactions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_interactions")),
    )
    op.create_index(
        "ix_community_interactions_open_reports",
        "community_interactions",
        ["forum_id", "created_at"],
        unique=False,
        postgresql_where=sa.text("kind = 'report' AND report_status = 'open'"),
    )
    op.create_index(
        "ix_community_interactions_user_kind",
        "community_interactions",
        ["user_id", "kind", "created_at", "id"],
        unique=False,
    )
    op.create_index(
        "uq_community_interactions_post_kind",
        "community_interactions",
        ["post_id", "user_id", "kind"],
        unique=True,
        postgresql_where=sa.text("post_id IS NOT NULL"),
    )
    op.create_index(
        "uq_community_interactions_post_vote",
        "community_interactions",
        ["post_id", "user_id"],
        unique=True,
        postgresql_where=sa.text("post_id IS NOT NULL AND kind IN ('like', 'dislike')"),
    )
    op.create_index(
        "uq_community_interactions_reply_kind",
        "community_interactions",
        ["reply_id", "user_id", "kind"],
        unique=True,
        postgresql_where=sa.text("reply_id IS NOT NULL"),
    )
    op.create_index(
        "uq_community_interactions_reply_vote",
        "community_interactions",
        ["reply_id", "user_id"],
        unique=True,
        postgresql_where=sa.text("reply_id IS NOT NULL AND kind IN ('like', 'dislike')"),
    )


def downgrade() -> None:
    op.drop_index(
        "uq_community_interactions_reply_vote",
        table_name="community_interactions",
        postgresql_where=sa.text("reply_id IS NOT NULL AND kind IN ('like', 'dislike')"),
    )
    op.drop_index(
        "uq_community_interactions_reply_kind",
        table_name="community_interactions",
        postgresql_where=sa.text("reply_id IS NOT NULL"),
    )
    op.drop_index(
        "uq_community_interactions_post_vote",
        table_name="community_interactions",
        postgresql_where=sa.text("post_id IS NOT NULL AND kind IN ('like', 'dislike')"),
    )
    op.drop_index(
        "uq_community_interactions_post_kind",
        table_name="community_interactions",
        postgresql_where=sa.text("post_id IS NOT NULL"),
    )
    op.drop_index("ix_community_interactions_user_kind", table_name="community_interactions")
    op.drop_index(
        "ix_community_interactions_open_reports",
        table_name="community_interactions",
        postgresql_where=sa.text("kind = 'report' AND report_status = 'open'"),
    )
    op.drop_table("community_interactions")
    op.drop_constraint(
        op.f("fk_community_posts_solution_reply_id_community_replies"),
        "community_posts",
        type_="foreignkey",
    )
    op.drop_index("uq_community_replies_post_number", table_name="community_replies")
    op.drop_index("ix_community_replies_post_path", table_name="community_replies")
    op.drop_index(
        "ix_community_replies_pending",
        table_name="community_replies",
        postgresql_where=sa.text("status = 'pending' AND deleted_at IS NULL"),
    )
    op.drop_index("ix_community_replies_parent_number", table_name="community_replies")
    op.drop_index(op.f("ix_community_replies_forum_id"), table_name="community_replies")
    op.drop_index(op.f("ix_community_replies_author_id"), table_name="community_replies")
    op.drop_table("community_replies")
    op.drop_index(op.f("ix_community_post_views_user_id"), table_name="community_post_views")
    op.drop_table("community_post_views")
    op.drop_index(
        op.f("ix_community_post_followers_user_id"), table_name="community_post_followers"
    )
    op.drop_table("community_post_followers")
    op.drop_index("ix_community_posts_tags", table_name="community_posts", postgresql_using="gin")
    op.drop_index(
        "ix_community_posts_pending",
        table_name="community_posts",
        postgresql_where=sa.text("status = 'pending' AND deleted_at IS NULL"),
    )
    op.drop_index("ix_community_posts_forum_listing", table_name="community_posts")
    op.drop_index(op.f("ix_community_posts_author_id"), table_name="community_posts")
    op.drop_table("community_posts")
    op.drop_index(
        op.f("ix_community_forum_moderators_user_id"), table_name="community_forum_moderators"
    )
    op.drop_table("community_forum_moderators")
    op.drop_index("uq_community_points_source", table_name="community_points")
    op.drop_index("ix_community_points_user_reason", table_name="community_points")
    op.drop_table("community_points")
    op.drop_index(
        "uq_community_forums_scope_name",
        table_name="community_forums",
        postgresql_nulls_not_distinct=True,
    )
    op.drop_index("ix_community_forums_school_order", table_name="community_forums")
    op.drop_table("community_forums")
    op.drop_index("uq_community_badges_user_badge", table_name="community_badges")
    op.drop_table("community_badges")
