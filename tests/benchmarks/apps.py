"""The apps the benchmarks serve with gunicorn, and nothing else.

A gunicorn worker imports this module to build its app, so it imports only Flask and the
forum: a worker's memory is then the forum's, not the benchmark's (pytest, Alembic, the
seeding code). The benchmarks pass what a worker needs through the environment.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask

from civicforum import CivicForum

ENV_DATABASE = "CIVICFORUM_BENCH_DATABASE_URL"
ENV_BACKEND = "CIVICFORUM_BENCH_SEARCH_BACKEND"
ENV_INDEX = "CIVICFORUM_BENCH_INDEX_DIR"
ENV_INSTANCE = "CIVICFORUM_BENCH_INSTANCE"
ENV_REDIS = "CIVICFORUM_BENCH_REDIS"
ENV_PAGE_CACHE = "CIVICFORUM_BENCH_PAGE_CACHE_SECONDS"
ENV_PER_PAGE = "CIVICFORUM_BENCH_PER_PAGE"


def forum_app(
    url: str,
    backend: str,
    index_dir: Path,
    instance: Path,
    *,
    redis: str | None = None,
    page_cache_seconds: int = 60,
    per_page: int | None = None,
) -> Flask:
    """A host app with the forum at /forum; visitors' pages kept for
    ``page_cache_seconds`` (0: every page rendered); ``per_page`` posts and topics to a
    page (the forum's defaults when None)."""
    app = Flask("benchmark", instance_path=str(instance))
    app.config.update(
        SECRET_KEY=secrets.token_urlsafe(32),
        CIVICFORUM_SECRET_KEY=secrets.token_urlsafe(32),
        CIVICFORUM_DATABASE_URL=url,
        CIVICFORUM_TASK_QUEUE=redis or "memory",
        CIVICFORUM_TASK_WORKER=False,
        CIVICFORUM_RATELIMIT_STORAGE_URL=redis or "memory://",
        CIVICFORUM_SEARCH_BACKEND=backend,
        CIVICFORUM_SEARCH_INDEX_DIR=str(index_dir),
        CIVICFORUM_PAGE_CACHE_SECONDS=page_cache_seconds,
    )
    if per_page is not None:
        app.config.update(CIVICFORUM_POSTS_PER_PAGE=per_page, CIVICFORUM_TOPICS_PER_PAGE=per_page)
    CivicForum(app, url_prefix="/forum")
    return app


def served_forum() -> Flask:
    """The forum as gunicorn serves it: ``tests.benchmarks.apps:served_forum()``."""
    per_page = os.environ.get(ENV_PER_PAGE)
    return forum_app(
        os.environ[ENV_DATABASE],
        os.environ[ENV_BACKEND],
        Path(os.environ[ENV_INDEX]),
        Path(os.environ[ENV_INSTANCE]),
        redis=os.environ.get(ENV_REDIS) or None,
        page_cache_seconds=int(os.environ.get(ENV_PAGE_CACHE, "60")),
        per_page=int(per_page) if per_page else None,
    )
