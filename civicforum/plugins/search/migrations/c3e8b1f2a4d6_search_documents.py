"""Search: the PostgreSQL backend's documents, with a GIN index on their tsvector

Revision ID: c3e8b1f2a4d6
Revises: -
Create Date: 2026-12-06 20:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import TSVECTOR

# Revision identifiers, used by Alembic.
revision: str = "c3e8b1f2a4d6"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("search",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cf_search_document",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("author", sa.String(length=200), server_default="", nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("vector", TSVECTOR().with_variant(sa.Text(), "sqlite"), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_cf_search_document")),
    )
    op.create_index(
        "ix_cf_search_document_vector",
        "cf_search_document",
        ["vector"],
        unique=False,
        postgresql_using="gin",
    )
    op.create_index(
        "ix_cf_search_document_community_id_created_at",
        "cf_search_document",
        ["community_id", "created_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_cf_search_document_community_id_created_at", table_name="cf_search_document")
    op.drop_index("ix_cf_search_document_vector", table_name="cf_search_document")
    op.drop_table("cf_search_document")
