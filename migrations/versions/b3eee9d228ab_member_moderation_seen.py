"""When a member last read their decisions from the moderators

Revision ID: b3eee9d228ab
Revises: 1560483a944d
Create Date: 2026-12-01 18:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = "b3eee9d228ab"
down_revision: str | Sequence[str] | None = "1560483a944d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cf_member", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("moderation_seen_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("cf_member", schema=None) as batch_op:
        batch_op.drop_column("moderation_seen_at")
