"""Federation: remote actors, followers, remote posts, Persons and their key, deliveries and blocks

Revision ID: e4b8c1d2f3a5
Revises: d7f3a9c2b1e4
Create Date: 2026-12-07 12:10:00.000000
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = "e4b8c1d2f3a5"
down_revision: str | Sequence[str] | None = "d7f3a9c2b1e4"
branch_labels: str | Sequence[str] | None = None
# The blocks name house rules: the moderation tables come first.
depends_on: str | Sequence[str] | None = "1560483a944d"

URI = sa.String(2000)
HOST = sa.String(255)
NAME = sa.String(200)


def _when(name: str, nullable: bool = True) -> sa.Column[dt.datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "cf_federation_remote_actor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uri", URI, nullable=False),
        sa.Column("host", HOST, nullable=False),
        sa.Column("inbox", URI, nullable=False),
        sa.Column("shared_inbox", URI, nullable=True),
        sa.Column("preferred_username", NAME, nullable=True),
        sa.Column("name", NAME, nullable=True),
        sa.Column("url", URI, nullable=True),
        sa.Column("key_id", URI, nullable=True),
        sa.Column("public_key_pem", sa.Text(), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=True),
        _when("fetched_at", False),
        _when("created_at", False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["cf_member.id"],
            name=op.f("fk_cf_federation_remote_actor_member_id_cf_member"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cf_federation_remote_actor")),
        sa.UniqueConstraint("uri", name=op.f("uq_cf_federation_remote_actor_uri")),
        sa.UniqueConstraint("member_id", name=op.f("uq_cf_federation_remote_actor_member_id")),
    )
    op.create_index(
        op.f("ix_cf_federation_remote_actor_host"), "cf_federation_remote_actor", ["host"]
    )
    op.create_table(
        "cf_federation_follower",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("remote_actor_id", sa.Integer(), nullable=False),
        sa.Column("follow_id", URI, nullable=False),
        _when("created_at", False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["cf_community.id"],
            name=op.f("fk_cf_federation_follower_community_id_cf_community"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["remote_actor_id"],
            ["cf_federation_remote_actor.id"],
            name=op.f("fk_cf_federation_follower_remote_actor_id_cf_federation_remote_actor"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cf_federation_follower")),
        sa.UniqueConstraint(
            "community_id",
            "remote_actor_id",
            name=op.f("uq_cf_federation_follower_community_id"),
        ),
    )
    op.create_index(
        op.f("ix_cf_federation_follower_community_id"), "cf_federation_follower", ["community_id"]
    )
    op.create_table(
        "cf_federation_remote_object",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uri", URI, nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("remote_actor_id", sa.Integer(), nullable=False),
        _when("created_at", False),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["cf_post.id"],
            name=op.f("fk_cf_federation_remote_object_post_id_cf_post"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["remote_actor_id"],
            ["cf_federation_remote_actor.id"],
            name=op.f("fk_cf_federation_remote_object_remote_actor_id_cf_federation_remote_actor"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cf_federation_remote_object")),
        sa.UniqueConstraint("uri", name=op.f("uq_cf_federation_remote_object_uri")),
        sa.UniqueConstraint("post_id", name=op.f("uq_cf_federation_remote_object_post_id")),
    )
    op.create_table(
        "cf_federation_person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(32), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("shown_as", sa.String(16), nullable=False),
        _when("created_at", False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["cf_member.id"],
            name=op.f("fk_cf_federation_person_member_id_cf_member"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cf_federation_person")),
        sa.UniqueConstraint("token", name=op.f("uq_cf_federation_person_token")),
        sa.UniqueConstraint(
            "member_id", "shown_as", name=op.f("uq_cf_federation_person_member_id")
        ),
    )
    op.create_table(
        "cf_federation_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("inbox", URI, nullable=False),
        sa.Column("host", HOST, nullable=False),
        sa.Column("activity_id", URI, nullable=False),
        sa.Column("activity_type", sa.String(32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(500), nullable=True),
        _when("created_at", False),
        _when("next_attempt_at"),
        _when("delivered_at"),
        _when("given_up_at"),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["cf_community.id"],
            name=op.f("fk_cf_federation_delivery_community_id_cf_community"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cf_federation_delivery")),
    )
    op.create_index(
        op.f("ix_cf_federation_delivery_community_id"), "cf_federation_delivery", ["community_id"]
    )
    op.create_index(
        op.f("ix_cf_federation_delivery_given_up_at"), "cf_federation_delivery", ["given_up_at"]
    )
    op.create_table(
        "cf_federation_block",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("target", URI, nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=True),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        _when("created_at", False),
        _when("lifted_at"),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["cf_community.id"],
            name=op.f("fk_cf_federation_block_community_id_cf_community"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["cf_house_rule.id"],
            name=op.f("fk_cf_federation_block_rule_id_cf_house_rule"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["cf_member.id"],
            name=op.f("fk_cf_federation_block_decided_by_id_cf_member"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cf_federation_block")),
    )
    op.create_index(
        op.f("ix_cf_federation_block_community_id"), "cf_federation_block", ["community_id"]
    )

    op.create_table(
        "cf_federation_site_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("private_key_pem", sa.Text(), nullable=False),
        sa.Column("public_key_pem", sa.Text(), nullable=False),
        _when("created_at", False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cf_federation_site_key")),
    )


def downgrade() -> None:
    for table in (
        "cf_federation_site_key",
        "cf_federation_block",
        "cf_federation_delivery",
        "cf_federation_person",
        "cf_federation_remote_object",
        "cf_federation_follower",
        "cf_federation_remote_actor",
    ):
        op.drop_table(table)
