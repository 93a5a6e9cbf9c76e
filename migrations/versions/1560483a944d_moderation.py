"""Moderation: house rules, reports, decisions, appeals, help resources

Also marks posts and topics as held for approval (pre-moderation), hidden by a
moderator, or behind a content warning.

Revision ID: 1560483a944d
Revises: 43624a5d00eb
Create Date: 2026-11-22 03:37:59.625778
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = "1560483a944d"
down_revision: str | Sequence[str] | None = "43624a5d00eb"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cf_help_resource",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("opening_hours", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["cf_community.id"],
            name=op.f("fk_cf_help_resource_community_id_cf_community"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cf_help_resource")),
    )
    op.create_index(
        "ix_cf_help_resource_community_position",
        "cf_help_resource",
        ["community_id", "position"],
        unique=False,
    )

    op.create_table(
        "cf_house_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title_nl", sa.String(length=120), nullable=False),
        sa.Column("title_en", sa.String(length=120), nullable=False),
        sa.Column("explanation_nl", sa.Text(), nullable=False),
        sa.Column("explanation_en", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["cf_community.id"],
            name=op.f("fk_cf_house_rule_community_id_cf_community"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cf_house_rule")),
        sa.UniqueConstraint(
            "community_id", "number", name=op.f("uq_cf_house_rule_community_id_number")
        ),
    )
    op.create_table(
        "cf_moderation_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("sent_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["cf_community.id"],
            name=op.f("fk_cf_moderation_message_community_id_cf_community"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["cf_member.id"],
            name=op.f("fk_cf_moderation_message_member_id_cf_member"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sent_by_id"],
            ["cf_member.id"],
            name=op.f("fk_cf_moderation_message_sent_by_id_cf_member"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cf_moderation_message")),
    )
    op.create_index(
        op.f("ix_cf_moderation_message_member_id"),
        "cf_moderation_message",
        ["member_id"],
        unique=False,
    )

    op.create_table(
        "cf_moderation_settings",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("hold_first_posts", sa.Integer(), nullable=False),
        sa.Column("hold_everything", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["cf_community.id"],
            name=op.f("fk_cf_moderation_settings_community_id_cf_community"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("community_id", name=op.f("pk_cf_moderation_settings")),
    )
    op.create_table(
        "cf_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=16), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.Column("topic_id", sa.Integer(), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("reporter_id", sa.Integer(), nullable=True),
        sa.Column("reporter_email", sa.String(length=254), nullable=True),
        sa.Column("ground", sa.String(length=16), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=True),
        sa.Column("legal_ground", sa.String(length=500), nullable=True),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("good_faith", sa.Boolean(), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("receipt", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("handled_by_id", sa.Integer(), nullable=True),
        sa.Column("outcome_measure", sa.String(length=24), nullable=True),
        sa.Column("outcome_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["cf_community.id"],
            name=op.f("fk_cf_report_community_id_cf_community"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["handled_by_id"],
            ["cf_member.id"],
            name=op.f("fk_cf_report_handled_by_id_cf_member"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["cf_member.id"],
            name=op.f("fk_cf_report_member_id_cf_member"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["cf_post.id"],
            name=op.f("fk_cf_report_post_id_cf_post"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"],
            ["cf_member.id"],
            name=op.f("fk_cf_report_reporter_id_cf_member"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["cf_house_rule.id"],
            name=op.f("fk_cf_report_rule_id_cf_house_rule"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["cf_topic.id"],
            name=op.f("fk_cf_report_topic_id_cf_topic"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cf_report")),
        sa.UniqueConstraint("receipt", name=op.f("uq_cf_report_receipt")),
    )
    op.create_index(
        "ix_cf_report_community_status", "cf_report", ["community_id", "status"], unique=False
    )
    op.create_index(
        op.f("ix_cf_report_handled_by_id"), "cf_report", ["handled_by_id"], unique=False
    )
    op.create_index(op.f("ix_cf_report_member_id"), "cf_report", ["member_id"], unique=False)
    op.create_index(op.f("ix_cf_report_post_id"), "cf_report", ["post_id"], unique=False)
    op.create_index(op.f("ix_cf_report_reporter_id"), "cf_report", ["reporter_id"], unique=False)

    op.create_table(
        "cf_moderation_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("puid", sa.String(length=64), nullable=False),
        sa.Column("measure", sa.String(length=24), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.Column("topic_id", sa.Integer(), nullable=True),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ground", sa.String(length=16), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=True),
        sa.Column("rule_number", sa.Integer(), nullable=True),
        sa.Column("rule_title_nl", sa.String(length=120), nullable=True),
        sa.Column("rule_title_en", sa.String(length=120), nullable=True),
        sa.Column("rule_explanation_nl", sa.Text(), nullable=True),
        sa.Column("rule_explanation_en", sa.Text(), nullable=True),
        sa.Column("legal_ground", sa.String(length=500), nullable=True),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("interval_minutes", sa.Integer(), nullable=True),
        sa.Column("label", sa.String(length=200), nullable=True),
        sa.Column("decision_visibility", sa.String(length=64), nullable=True),
        sa.Column("decision_provision", sa.String(length=64), nullable=True),
        sa.Column("decision_account", sa.String(length=64), nullable=True),
        sa.Column("category", sa.String(length=80), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("content_date", sa.DateTime(timezone=True), nullable=True),
        sa.Column("source_type", sa.String(length=32), nullable=False),
        sa.Column("automated_detection", sa.Boolean(), nullable=False),
        sa.Column("automated_decision", sa.String(length=40), nullable=False),
        sa.Column("territorial_scope", sa.String(length=200), nullable=False),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lifted_by_id", sa.Integer(), nullable=True),
        sa.Column("lift_reason", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["cf_community.id"],
            name=op.f("fk_cf_moderation_decision_community_id_cf_community"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["cf_member.id"],
            name=op.f("fk_cf_moderation_decision_decided_by_id_cf_member"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["lifted_by_id"],
            ["cf_member.id"],
            name=op.f("fk_cf_moderation_decision_lifted_by_id_cf_member"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["cf_member.id"],
            name=op.f("fk_cf_moderation_decision_member_id_cf_member"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["cf_post.id"],
            name=op.f("fk_cf_moderation_decision_post_id_cf_post"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["cf_report.id"],
            name=op.f("fk_cf_moderation_decision_report_id_cf_report"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["cf_house_rule.id"],
            name=op.f("fk_cf_moderation_decision_rule_id_cf_house_rule"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["cf_topic.id"],
            name=op.f("fk_cf_moderation_decision_topic_id_cf_topic"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cf_moderation_decision")),
        sa.UniqueConstraint("puid", name=op.f("uq_cf_moderation_decision_puid")),
        sa.UniqueConstraint("report_id", name=op.f("uq_cf_moderation_decision_report_id")),
    )
    op.create_index(
        "ix_cf_moderation_decision_community_date",
        "cf_moderation_decision",
        ["community_id", "decided_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_cf_moderation_decision_decided_by_id"),
        "cf_moderation_decision",
        ["decided_by_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_cf_moderation_decision_member_id"),
        "cf_moderation_decision",
        ["member_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_cf_moderation_decision_post_id"),
        "cf_moderation_decision",
        ["post_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_cf_moderation_decision_topic_id"),
        "cf_moderation_decision",
        ["topic_id"],
        unique=False,
    )

    op.create_table(
        "cf_appeal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("appellant_id", sa.Integer(), nullable=True),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("reasons", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["appellant_id"],
            ["cf_member.id"],
            name=op.f("fk_cf_appeal_appellant_id_cf_member"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["cf_member.id"],
            name=op.f("fk_cf_appeal_decided_by_id_cf_member"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["cf_moderation_decision.id"],
            name=op.f("fk_cf_appeal_decision_id_cf_moderation_decision"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cf_appeal")),
        sa.UniqueConstraint("decision_id", name=op.f("uq_cf_appeal_decision_id")),
    )
    op.create_index(op.f("ix_cf_appeal_appellant_id"), "cf_appeal", ["appellant_id"], unique=False)
    op.create_index(
        op.f("ix_cf_appeal_decided_by_id"), "cf_appeal", ["decided_by_id"], unique=False
    )

    # A plain "0" default (false in SQLite and PostgreSQL alike) lets SQLite add the column
    # in place, also when the SQL is written offline (--sql) rather than run.
    with op.batch_alter_table("cf_post", schema=None) as batch_op:
        batch_op.add_column(sa.Column("held", sa.Boolean(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("content_warning", sa.String(length=200), nullable=True))

    with op.batch_alter_table("cf_topic", schema=None) as batch_op:
        batch_op.add_column(sa.Column("held", sa.Boolean(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("cf_topic", schema=None) as batch_op:
        batch_op.drop_column("held")

    with op.batch_alter_table("cf_post", schema=None) as batch_op:
        batch_op.drop_column("content_warning")
        batch_op.drop_column("hidden_at")
        batch_op.drop_column("held")

    op.drop_index(op.f("ix_cf_appeal_decided_by_id"), table_name="cf_appeal")
    op.drop_index(op.f("ix_cf_appeal_appellant_id"), table_name="cf_appeal")

    op.drop_table("cf_appeal")
    op.drop_index(op.f("ix_cf_moderation_decision_topic_id"), table_name="cf_moderation_decision")
    op.drop_index(op.f("ix_cf_moderation_decision_post_id"), table_name="cf_moderation_decision")
    op.drop_index(op.f("ix_cf_moderation_decision_member_id"), table_name="cf_moderation_decision")
    op.drop_index(
        op.f("ix_cf_moderation_decision_decided_by_id"), table_name="cf_moderation_decision"
    )
    op.drop_index("ix_cf_moderation_decision_community_date", table_name="cf_moderation_decision")

    op.drop_table("cf_moderation_decision")
    op.drop_index(op.f("ix_cf_report_reporter_id"), table_name="cf_report")
    op.drop_index(op.f("ix_cf_report_post_id"), table_name="cf_report")
    op.drop_index(op.f("ix_cf_report_member_id"), table_name="cf_report")
    op.drop_index(op.f("ix_cf_report_handled_by_id"), table_name="cf_report")
    op.drop_index("ix_cf_report_community_status", table_name="cf_report")

    op.drop_table("cf_report")
    op.drop_table("cf_moderation_settings")
    op.drop_index(op.f("ix_cf_moderation_message_member_id"), table_name="cf_moderation_message")

    op.drop_table("cf_moderation_message")
    op.drop_table("cf_house_rule")
    op.drop_index("ix_cf_help_resource_community_position", table_name="cf_help_resource")

    op.drop_table("cf_help_resource")
