"""The record of community imports, so the same file is never imported twice

Revision ID: 9c2e41d7b6a0
Revises: a4b35e93aa54
Create Date: 2026-12-07 03:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = "9c2e41d7b6a0"
down_revision: str | Sequence[str] | None = "a4b35e93aa54"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cf_community_import",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checksum", sa.String(length=80), nullable=False),
        sa.Column("source_site", sa.String(length=500), nullable=True),
        sa.Column("source_community", sa.String(length=64), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("counts", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["cf_community.id"],
            name=op.f("fk_cf_community_import_community_id_cf_community"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cf_community_import")),
        sa.UniqueConstraint("checksum", name=op.f("uq_cf_community_import_checksum")),
    )


def downgrade() -> None:
    op.drop_table("cf_community_import")
