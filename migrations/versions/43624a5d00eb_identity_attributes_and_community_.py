"""Identity attributes and community requirements

Revision ID: 43624a5d00eb
Revises: c111f362d5f9
Create Date: 2026-11-22 01:36:03.394215
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = "43624a5d00eb"
down_revision: str | Sequence[str] | None = "c111f362d5f9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cf_member_attribute",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("provider", sa.String(length=64), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["cf_member.id"],
            name=op.f("fk_cf_member_attribute_member_id_cf_member"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cf_member_attribute")),
        sa.UniqueConstraint("member_id", "key", name=op.f("uq_cf_member_attribute_member_id_key")),
    )
    with op.batch_alter_table("cf_community", schema=None) as batch_op:
        batch_op.add_column(sa.Column("min_read_level", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("read_attribute", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("post_attribute", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cf_community", schema=None) as batch_op:
        batch_op.drop_column("post_attribute")
        batch_op.drop_column("read_attribute")
        batch_op.drop_column("min_read_level")

    op.drop_table("cf_member_attribute")
