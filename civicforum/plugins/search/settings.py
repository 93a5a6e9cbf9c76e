"""The search plugin's settings: which backend, where the Whoosh index lives, and how
many results a page shows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...errors import ConfigError
from ...settings import Spec

BACKEND_KEY = "CIVICFORUM_SEARCH_BACKEND"
FOLDER_KEY = "CIVICFORUM_SEARCH_INDEX_DIR"
PER_PAGE_KEY = "CIVICFORUM_SEARCH_RESULTS_PER_PAGE"


def _backend_name(key: str, value: Any) -> str:
    if value not in ("whoosh", "postgresql"):
        raise ConfigError(key, f"expected 'whoosh' or 'postgresql', got {value!r}")
    return str(value)


def _folder(key: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str | Path) or not str(value).strip():
        raise ConfigError(key, f"expected a folder path, got {value!r}")
    return str(value)


def _per_page(key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 5 <= value <= 50:
        raise ConfigError(key, f"expected a whole number from 5 to 50, got {value!r}")
    return value


SPECS: tuple[Spec, ...] = (
    Spec(
        BACKEND_KEY,
        "whoosh",
        _backend_name,
        "`whoosh` (an index folder on this machine) or `postgresql` (full-text search in the forum's PostgreSQL database, for sites on several machines).",
    ),
    Spec(
        FOLDER_KEY,
        None,
        _folder,
        "Folder of the Whoosh index. Default: `search-index` in the app's instance folder.",
    ),
    Spec(PER_PAGE_KEY, 20, _per_page, "Results on one page of the search."),
)
