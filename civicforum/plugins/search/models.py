"""The search plugin's one table: the PostgreSQL backend's documents.

Marked ``info={"civicforum_plugin": "search"}`` so the forum's own migrations leave it to
the plugin's ``search`` branch. The vector is a ``tsvector`` on PostgreSQL; the table
exists on SQLite too (as plain text, always empty), so that one schema serves both and
a site can move its data between them.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import TSVECTOR

from ...db import Base, UTCDateTime

PLUGIN_INFO = {"civicforum_plugin": "search"}

documents = sa.Table(
    "cf_search_document",
    Base.metadata,
    # "post:12", "info:3:draft", "event:7": the source's prefix, then its own id.
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("community_id", sa.Integer, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("owner_id", sa.Integer),
    # The shown name, folded to lower case; empty for anonymous posts.
    sa.Column("author", sa.String(200), nullable=False, server_default=""),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("vector", TSVECTOR().with_variant(sa.Text(), "sqlite"), nullable=False),
    sa.Index("ix_cf_search_document_vector", "vector", postgresql_using="gin"),
    sa.Index("ix_cf_search_document_community_id_created_at", "community_id", "created_at"),
    info=PLUGIN_INFO,
)
