"""Federation: communities as ActivityPub actors, with their key pairs

Revision ID: d7f3a9c2b1e4
Revises: -
Depends on: 43624a5d00eb (the forum's schema with communities)
Create Date: 2026-12-07 07:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = "d7f3a9c2b1e4"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("federation",)
depends_on: str | Sequence[str] | None = "43624a5d00eb"


def upgrade() -> None:
    op.create_table(
        "cf_federation_actor",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("private_key_pem", sa.Text(), nullable=False),
        sa.Column("public_key_pem", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["cf_community.id"],
            name=op.f("fk_cf_federation_actor_community_id_cf_community"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("community_id", name=op.f("pk_cf_federation_actor")),
    )


def downgrade() -> None:
    op.drop_table("cf_federation_actor")
