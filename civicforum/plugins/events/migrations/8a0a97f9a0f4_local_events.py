"""Local events: events, organisers, answers and notices

Revision ID: 8a0a97f9a0f4
Revises: -
Depends on: 43624a5d00eb (the forum's schema with communities, topics and members)
Create Date: 2026-11-22 02:15:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = "8a0a97f9a0f4"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("events",)
depends_on: str | Sequence[str] | None = "43624a5d00eb"


def upgrade() -> None:
    op.create_table(
        "cf_event_organiser_right",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["cf_community.id"],
            name=op.f("fk_cf_event_organiser_right_community_id_cf_community"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["cf_member.id"],
            name=op.f("fk_cf_event_organiser_right_member_id_cf_member"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cf_event_organiser_right")),
        sa.UniqueConstraint(
            "community_id",
            "member_id",
            name=op.f("uq_cf_event_organiser_right_community_id_member_id"),
        ),
    )
    op.create_index(
        op.f("ix_cf_event_organiser_right_member_id"),
        "cf_event_organiser_right",
        ["member_id"],
        unique=False,
    )
    op.create_table(
        "cf_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=True),
        sa.Column("uid", sa.String(length=255), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("description_html", sa.Text(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("venue_name", sa.String(length=200), nullable=False),
        sa.Column("venue_address", sa.String(length=500), nullable=False),
        sa.Column("online_url", sa.String(length=1000), nullable=True),
        sa.Column("attendance_mode", sa.String(length=16), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("show_places_left", sa.Boolean(), nullable=False),
        sa.Column("accessibility", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["cf_community.id"],
            name=op.f("fk_cf_event_community_id_cf_community"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["cf_topic.id"],
            name=op.f("fk_cf_event_topic_id_cf_topic"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cf_event")),
        sa.UniqueConstraint("uid", name=op.f("uq_cf_event_uid")),
    )
    op.create_index(
        "ix_cf_event_community_starts", "cf_event", ["community_id", "starts_at"], unique=False
    )
    op.create_index(op.f("ix_cf_event_topic_id"), "cf_event", ["topic_id"], unique=False)
    op.create_table(
        "cf_event_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["cf_event.id"],
            name=op.f("fk_cf_event_notice_event_id_cf_event"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["cf_member.id"],
            name=op.f("fk_cf_event_notice_member_id_cf_member"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cf_event_notice")),
    )
    op.create_index(
        op.f("ix_cf_event_notice_event_id"), "cf_event_notice", ["event_id"], unique=False
    )
    op.create_index(
        "ix_cf_event_notice_member_unseen",
        "cf_event_notice",
        ["member_id", "seen_at"],
        unique=False,
    )
    op.create_table(
        "cf_event_organiser",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["cf_event.id"],
            name=op.f("fk_cf_event_organiser_event_id_cf_event"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["cf_member.id"],
            name=op.f("fk_cf_event_organiser_member_id_cf_member"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", "member_id", name=op.f("pk_cf_event_organiser")),
    )
    op.create_table(
        "cf_event_rsvp",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.String(length=16), nullable=False),
        sa.Column("waiting", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["cf_event.id"],
            name=op.f("fk_cf_event_rsvp_event_id_cf_event"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["cf_member.id"],
            name=op.f("fk_cf_event_rsvp_member_id_cf_member"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cf_event_rsvp")),
        sa.UniqueConstraint(
            "event_id", "member_id", name=op.f("uq_cf_event_rsvp_event_id_member_id")
        ),
    )
    op.create_index(
        op.f("ix_cf_event_rsvp_member_id"), "cf_event_rsvp", ["member_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_cf_event_rsvp_member_id"), table_name="cf_event_rsvp")
    op.drop_table("cf_event_rsvp")
    op.drop_table("cf_event_organiser")
    op.drop_index("ix_cf_event_notice_member_unseen", table_name="cf_event_notice")
    op.drop_index(op.f("ix_cf_event_notice_event_id"), table_name="cf_event_notice")
    op.drop_table("cf_event_notice")
    op.drop_index(op.f("ix_cf_event_topic_id"), table_name="cf_event")
    op.drop_index("ix_cf_event_community_starts", table_name="cf_event")
    op.drop_table("cf_event")
    op.drop_index(
        op.f("ix_cf_event_organiser_right_member_id"), table_name="cf_event_organiser_right"
    )
    op.drop_table("cf_event_organiser_right")
