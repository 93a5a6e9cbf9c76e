"""Each person's pace: preferences, follows, the digest log, data exports, author warnings

Revision ID: a4b35e93aa54
Revises: 5d1c0a7e93b2
Create Date: 2026-12-06 23:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = "a4b35e93aa54"
down_revision: str | Sequence[str] | None = "5d1c0a7e93b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cf_community_follow",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["cf_community.id"],
            name=op.f("fk_cf_community_follow_community_id_cf_community"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["cf_member.id"],
            name=op.f("fk_cf_community_follow_member_id_cf_member"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("member_id", "community_id", name=op.f("pk_cf_community_follow")),
    )
    with op.batch_alter_table("cf_community_follow", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cf_community_follow_community_id"), ["community_id"], unique=False
        )

    op.create_table(
        "cf_data_export",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ready_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["cf_member.id"],
            name=op.f("fk_cf_data_export_member_id_cf_member"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cf_data_export")),
        sa.UniqueConstraint("token", name=op.f("uq_cf_data_export_token")),
    )
    with op.batch_alter_table("cf_data_export", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cf_data_export_member_id"), ["member_id"], unique=False
        )

    op.create_table(
        "cf_digest_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("covers_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("covers_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("message_id", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["cf_member.id"],
            name=op.f("fk_cf_digest_log_member_id_cf_member"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cf_digest_log")),
        sa.UniqueConstraint("member_id", "period", name=op.f("uq_cf_digest_log_member_id_period")),
    )
    with op.batch_alter_table("cf_digest_log", schema=None) as batch_op:
        batch_op.create_index("ix_cf_digest_log_status", ["status", "created_at"], unique=False)

    op.create_table(
        "cf_member_preferences",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=16), nullable=False),
        sa.Column("digest_asked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("quiet_start", sa.Integer(), nullable=True),
        sa.Column("quiet_end", sa.Integer(), nullable=True),
        sa.Column("open_warnings", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["cf_member.id"],
            name=op.f("fk_cf_member_preferences_member_id_cf_member"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_cf_member_preferences")),
    )
    op.create_table(
        "cf_topic_follow",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["cf_member.id"],
            name=op.f("fk_cf_topic_follow_member_id_cf_member"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["cf_topic.id"],
            name=op.f("fk_cf_topic_follow_topic_id_cf_topic"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("member_id", "topic_id", name=op.f("pk_cf_topic_follow")),
    )
    with op.batch_alter_table("cf_topic_follow", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cf_topic_follow_topic_id"), ["topic_id"], unique=False)

    with op.batch_alter_table("cf_post", schema=None) as batch_op:
        batch_op.add_column(sa.Column("author_warning", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cf_post", schema=None) as batch_op:
        batch_op.drop_column("author_warning")

    with op.batch_alter_table("cf_topic_follow", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cf_topic_follow_topic_id"))

    op.drop_table("cf_topic_follow")
    op.drop_table("cf_member_preferences")
    with op.batch_alter_table("cf_digest_log", schema=None) as batch_op:
        batch_op.drop_index("ix_cf_digest_log_status")

    op.drop_table("cf_digest_log")
    with op.batch_alter_table("cf_data_export", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cf_data_export_member_id"))

    op.drop_table("cf_data_export")
    with op.batch_alter_table("cf_community_follow", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cf_community_follow_community_id"))

    op.drop_table("cf_community_follow")
