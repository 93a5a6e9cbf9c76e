"""Initial forum schema

Revision ID: c111f362d5f9
Revises: -
Create Date: 2026-11-22 01:09:03.209546
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = "c111f362d5f9"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("civicforum",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cf_community",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("description_html", sa.Text(), nullable=False),
        sa.Column("house_rules", sa.Text(), nullable=False),
        sa.Column("house_rules_html", sa.Text(), nullable=False),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("join_policy", sa.String(length=16), nullable=False),
        sa.Column("min_post_level", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cf_community")),
        sa.UniqueConstraint("slug", name=op.f("uq_cf_community_slug")),
    )
    op.create_table(
        "cf_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("display_name", sa.String(length=40), nullable=False),
        sa.Column("display_name_key", sa.String(length=40), nullable=False),
        sa.Column("real_name", sa.String(length=80), nullable=True),
        sa.Column("identity_level", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("publish_as", sa.String(length=16), nullable=False),
        sa.Column("is_site_admin", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cf_member")),
        sa.UniqueConstraint("display_name_key", name=op.f("uq_cf_member_display_name_key")),
    )
    op.create_table(
        "cf_external_identity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["cf_member.id"],
            name=op.f("fk_cf_external_identity_member_id_cf_member"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cf_external_identity")),
        sa.UniqueConstraint(
            "provider", "subject", name=op.f("uq_cf_external_identity_provider_subject")
        ),
    )
    with op.batch_alter_table("cf_external_identity", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cf_external_identity_member_id"), ["member_id"], unique=False
        )

    op.create_table(
        "cf_local_account",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["cf_member.id"],
            name=op.f("fk_cf_local_account_member_id_cf_member"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_cf_local_account")),
        sa.UniqueConstraint("email", name=op.f("uq_cf_local_account_email")),
    )
    op.create_table(
        "cf_membership",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["cf_community.id"],
            name=op.f("fk_cf_membership_community_id_cf_community"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["cf_member.id"],
            name=op.f("fk_cf_membership_member_id_cf_member"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cf_membership")),
        sa.UniqueConstraint(
            "community_id", "member_id", name=op.f("uq_cf_membership_community_id_member_id")
        ),
    )
    with op.batch_alter_table("cf_membership", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cf_membership_member_id"), ["member_id"], unique=False)

    op.create_table(
        "cf_topic",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("publish_as", sa.String(length=16), nullable=False),
        sa.Column("is_locked", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("post_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["cf_member.id"],
            name=op.f("fk_cf_topic_author_id_cf_member"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["cf_community.id"],
            name=op.f("fk_cf_topic_community_id_cf_community"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cf_topic")),
    )
    with op.batch_alter_table("cf_topic", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cf_topic_author_id"), ["author_id"], unique=False)
        batch_op.create_index(
            "ix_cf_topic_community_activity", ["community_id", "last_posted_at"], unique=False
        )

    op.create_table(
        "cf_post",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("publish_as", sa.String(length=16), nullable=False),
        sa.Column("submission_token", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["cf_member.id"],
            name=op.f("fk_cf_post_author_id_cf_member"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["deleted_by_id"],
            ["cf_member.id"],
            name=op.f("fk_cf_post_deleted_by_id_cf_member"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["cf_topic.id"],
            name=op.f("fk_cf_post_topic_id_cf_topic"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cf_post")),
        sa.UniqueConstraint(
            "author_id", "submission_token", name=op.f("uq_cf_post_author_id_submission_token")
        ),
    )
    with op.batch_alter_table("cf_post", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cf_post_deleted_by_id"), ["deleted_by_id"], unique=False
        )
        batch_op.create_index("ix_cf_post_topic_id_id", ["topic_id", "id"], unique=False)

    op.create_table(
        "cf_post_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replaced_by_id", sa.Integer(), nullable=True),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["cf_post.id"],
            name=op.f("fk_cf_post_revision_post_id_cf_post"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["replaced_by_id"],
            ["cf_member.id"],
            name=op.f("fk_cf_post_revision_replaced_by_id_cf_member"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cf_post_revision")),
    )
    with op.batch_alter_table("cf_post_revision", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cf_post_revision_post_id"), ["post_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_cf_post_revision_replaced_by_id"), ["replaced_by_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("cf_post_revision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cf_post_revision_replaced_by_id"))
        batch_op.drop_index(batch_op.f("ix_cf_post_revision_post_id"))

    op.drop_table("cf_post_revision")
    with op.batch_alter_table("cf_post", schema=None) as batch_op:
        batch_op.drop_index("ix_cf_post_topic_id_id")
        batch_op.drop_index(batch_op.f("ix_cf_post_deleted_by_id"))

    op.drop_table("cf_post")
    with op.batch_alter_table("cf_topic", schema=None) as batch_op:
        batch_op.drop_index("ix_cf_topic_community_activity")
        batch_op.drop_index(batch_op.f("ix_cf_topic_author_id"))

    op.drop_table("cf_topic")
    with op.batch_alter_table("cf_membership", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cf_membership_member_id"))

    op.drop_table("cf_membership")
    op.drop_table("cf_local_account")
    with op.batch_alter_table("cf_external_identity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cf_external_identity_member_id"))

    op.drop_table("cf_external_identity")
    op.drop_table("cf_member")
    op.drop_table("cf_community")
