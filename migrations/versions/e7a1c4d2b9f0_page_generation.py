"""The page generation: raised by every writing transaction, for the visitors' page cache

Revision ID: e7a1c4d2b9f0
Revises: 984e43abbb6c
Create Date: 2026-12-07 18:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = "e7a1c4d2b9f0"
down_revision: str | Sequence[str] | None = "984e43abbb6c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cf_page_generation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cf_page_generation")),
    )


def downgrade() -> None:
    op.drop_table("cf_page_generation")
