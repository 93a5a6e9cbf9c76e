"""Trusted information: verified items, revisions, sources, steps and questions; site editors

Revision ID: 470e7bebe22a
Revises: b3eee9d228ab
Create Date: 2026-12-01 18:53:20.875905
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = "470e7bebe22a"
down_revision: str | Sequence[str] | None = "b3eee9d228ab"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


PUBLISHED_FK = "fk_cf_verified_item_published_revision_id_cf_item_revision"


def _sqlite() -> bool:
    return bool(op.get_context().dialect.name == "sqlite")


def upgrade() -> None:
    # An item and its revisions refer to each other. SQLite takes a foreign key to a
    # table made later (and cannot add one afterwards without a live database to copy
    # the table from, which --sql mode lacks); PostgreSQL gets it once both tables exist.
    published_fk = (
        [
            sa.ForeignKeyConstraint(
                ["published_revision_id"],
                ["cf_item_revision.id"],
                name=PUBLISHED_FK,
                ondelete="SET NULL",
            )
        ]
        if _sqlite()
        else []
    )
    op.create_table(
        "cf_verified_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("health", sa.Boolean(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_revision_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("review_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verified_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["cf_member.id"],
            name=op.f("fk_cf_verified_item_author_id_cf_member"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["cf_community.id"],
            name=op.f("fk_cf_verified_item_community_id_cf_community"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["cf_post.id"],
            name=op.f("fk_cf_verified_item_post_id_cf_post"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cf_verified_item")),
        sa.UniqueConstraint("post_id", name=op.f("uq_cf_verified_item_post_id")),
        *published_fk,
    )
    with op.batch_alter_table("cf_verified_item", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cf_verified_item_author_id"), ["author_id"], unique=False
        )
        batch_op.create_index(
            "ix_cf_verified_item_community_status", ["community_id", "status"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_cf_verified_item_review_due_at"), ["review_due_at"], unique=False
        )

    op.create_table(
        "cf_item_dispute",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("citation", sa.String(length=500), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["cf_verified_item.id"],
            name=op.f("fk_cf_item_dispute_item_id_cf_verified_item"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["cf_member.id"],
            name=op.f("fk_cf_item_dispute_member_id_cf_member"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"],
            ["cf_member.id"],
            name=op.f("fk_cf_item_dispute_resolved_by_id_cf_member"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cf_item_dispute")),
    )
    with op.batch_alter_table("cf_item_dispute", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cf_item_dispute_item_id"), ["item_id"], unique=False)

    op.create_table(
        "cf_item_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["cf_member.id"],
            name=op.f("fk_cf_item_revision_author_id_cf_member"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["cf_member.id"],
            name=op.f("fk_cf_item_revision_decided_by_id_cf_member"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["cf_verified_item.id"],
            name=op.f("fk_cf_item_revision_item_id_cf_verified_item"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cf_item_revision")),
        sa.UniqueConstraint("item_id", "number", name=op.f("uq_cf_item_revision_item_id_number")),
    )
    with op.batch_alter_table("cf_item_revision", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cf_item_revision_author_id"), ["author_id"], unique=False
        )

    if not _sqlite():
        op.create_foreign_key(
            PUBLISHED_FK,
            "cf_verified_item",
            "cf_item_revision",
            ["published_revision_id"],
            ["id"],
            ondelete="SET NULL",
        )

    op.create_table(
        "cf_item_source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("citation", sa.String(length=500), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("consulted_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["cf_item_revision.id"],
            name=op.f("fk_cf_item_source_revision_id_cf_item_revision"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cf_item_source")),
    )
    with op.batch_alter_table("cf_item_source", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cf_item_source_revision_id"), ["revision_id"], unique=False
        )

    op.create_table(
        "cf_item_transition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["cf_member.id"],
            name=op.f("fk_cf_item_transition_actor_id_cf_member"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["cf_verified_item.id"],
            name=op.f("fk_cf_item_transition_item_id_cf_verified_item"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["cf_item_revision.id"],
            name=op.f("fk_cf_item_transition_revision_id_cf_item_revision"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cf_item_transition")),
    )
    with op.batch_alter_table("cf_item_transition", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cf_item_transition_item_id"), ["item_id"], unique=False
        )

    with op.batch_alter_table("cf_member", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_site_editor", sa.Boolean(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("cf_member", schema=None) as batch_op:
        batch_op.drop_column("is_site_editor")

    if not _sqlite():
        op.drop_constraint(PUBLISHED_FK, "cf_verified_item", type_="foreignkey")

    with op.batch_alter_table("cf_item_transition", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cf_item_transition_item_id"))

    op.drop_table("cf_item_transition")
    with op.batch_alter_table("cf_item_source", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cf_item_source_revision_id"))

    op.drop_table("cf_item_source")
    with op.batch_alter_table("cf_item_revision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cf_item_revision_author_id"))

    op.drop_table("cf_item_revision")
    with op.batch_alter_table("cf_item_dispute", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cf_item_dispute_item_id"))

    op.drop_table("cf_item_dispute")
    with op.batch_alter_table("cf_verified_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cf_verified_item_review_due_at"))
        batch_op.drop_index("ix_cf_verified_item_community_status")
        batch_op.drop_index(batch_op.f("ix_cf_verified_item_author_id"))

    op.drop_table("cf_verified_item")
