"""The language a community writes in, for search

Revision ID: 5d1c0a7e93b2
Revises: 470e7bebe22a
Create Date: 2026-12-06 05:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = "5d1c0a7e93b2"
down_revision: str | Sequence[str] | None = "470e7bebe22a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cf_community", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cf_community", schema=None) as batch_op:
        batch_op.drop_column("language")
