"""Personal tokens: members' API tokens and feed keys, kept as hashes

Revision ID: 984e43abbb6c
Revises: 9c2e41d7b6a0
Create Date: 2026-12-07 05:39:11.827194
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = "984e43abbb6c"
down_revision: str | Sequence[str] | None = "9c2e41d7b6a0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cf_personal_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["cf_member.id"],
            name=op.f("fk_cf_personal_token_member_id_cf_member"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cf_personal_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_cf_personal_token_token_hash")),
    )
    with op.batch_alter_table("cf_personal_token", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cf_personal_token_member_id"), ["member_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("cf_personal_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cf_personal_token_member_id"))

    op.drop_table("cf_personal_token")
