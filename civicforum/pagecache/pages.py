"""The pages one process keeps, and the hooks that serve and keep them."""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from threading import Lock
from typing import Any

from flask import Blueprint, Flask, Response, g, request, request_finished, session
from flask.blueprints import BlueprintSetupState
from sqlalchemy.engine import Engine

from ..extension import ForumState, state
from .writes import current_generation

#: The pages kept: the forum's most read, the same for every visitor.
ENDPOINTS = frozenset({"civicforum.index", "civicforum.community", "civicforum.topic"})

# Headers a kept page is handed back with; the rest are added again by the app's hooks
# (which run for a kept page as for any other).
KEPT_HEADERS = ("Content-Type", "Content-Language", "Link", "Vary")

# The generation and key of a page this request renders, to keep it once rendered.
_TO_KEEP = "_civicforum_page_to_keep"


@dataclass(frozen=True)
class KeptPage:
    body: bytes
    headers: tuple[tuple[str, str], ...]
    until: float


class PageStore:
    """The pages of one process, least recently read first out, within a size in bytes.

    Only pages of the latest page generation seen are kept: a request that reads another
    number (a write happened, or a database was restored) empties the store, and a page
    rendered under a number that is no longer the latest is not stored.
    """

    def __init__(self, seconds: int, megabytes: int, reader: Engine | None = None) -> None:
        #: Where the page generation is read (``db.make_quick_reader``).
        self.reader = reader
        self.seconds = seconds
        self.limit = megabytes * 1024 * 1024
        self.size = 0
        self.generation: int | None = None
        self._pages: OrderedDict[tuple[Any, ...], KeptPage] = OrderedDict()
        self._lock = Lock()

    def get(self, generation: int, key: tuple[Any, ...]) -> KeptPage | None:
        with self._lock:
            if generation != self.generation:
                self._pages.clear()
                self.size = 0
                self.generation = generation
                return None
            page = self._pages.get(key)
            if page is None:
                return None
            if page.until < time.monotonic():
                self._drop(key)
                return None
            self._pages.move_to_end(key)
            return page

    def put(
        self,
        generation: int,
        key: tuple[Any, ...],
        body: bytes,
        headers: tuple[tuple[str, str], ...],
    ) -> None:
        if len(body) > self.limit // 4:
            return
        with self._lock:
            if generation != self.generation:
                return
            if key in self._pages:
                self._drop(key)
            self._pages[key] = KeptPage(body, headers, time.monotonic() + self.seconds)
            self.size += len(body)
            while self.size > self.limit:
                self._drop(next(iter(self._pages)))

    def _drop(self, key: tuple[Any, ...]) -> None:
        self.size -= len(self._pages.pop(key).body)


def _visitor_request(forum: ForumState) -> bool:
    """A request that any visitor could have made: nothing in it names a person (the
    forum's own sign-ins live in the session; the host may know people otherwise)."""
    if request.method != "GET" or request.endpoint not in ENDPOINTS:
        return False
    if session or "Authorization" in request.headers:
        return False
    if forum.identity.signed_in_by_host:
        return False
    forum.identity.nobody_signed_in()
    return True


def _key(forum: ForumState) -> tuple[Any, ...]:
    """What a visitor's page depends on besides the forum's rows: the address, and what
    its language is chosen from when nobody is signed in (the host's choice, else the
    browser's; ``i18n.get_locale``)."""
    host_choice = forum.locale_selector() if forum.locale_selector is not None else None
    return (
        request.scheme,
        request.host,
        request.full_path,
        host_choice,
        request.headers.get("Accept-Language", ""),
    )


def _serve_kept() -> Response | None:
    forum = state()
    store: PageStore | None = forum.pages
    if store is None or not _visitor_request(forum):
        return None
    generation = current_generation(store.reader or forum.engine)
    if generation is None:
        return None
    key = _key(forum)
    page = store.get(generation, key)
    if page is None:
        setattr(g, _TO_KEEP, (generation, key))
        return None
    return Response(page.body, 200, headers=list(page.headers))


def _keep(sender: Flask, response: Response, **_: Any) -> None:
    """Keep what this request rendered, as it leaves: after every ``after_request`` hook
    of the forum and the host (any may mark it as one person's) and the session's."""
    to_keep: tuple[int, tuple[Any, ...]] | None = g.pop(_TO_KEEP, None)
    if to_keep is None:
        return
    store: PageStore | None = state(sender).pages
    if store is None:
        return
    if (
        response.status_code != 200
        or response.mimetype != "text/html"
        or response.direct_passthrough
        or session
        or session.modified
        or "Set-Cookie" in response.headers
        # Marked as one person's (by a plugin's hook or the host's): theirs alone.
        or response.cache_control.no_store
        or response.cache_control.private
    ):
        return
    headers = tuple((name, value) for name, value in response.headers if name in KEPT_HEADERS)
    generation, key = to_keep
    store.put(generation, key, response.get_data(), headers)


def register(bp: Blueprint) -> None:
    """Serve kept pages before the view runs, and keep what the view rendered once the
    app has finished the response."""
    bp.before_request(_serve_kept)

    def listen(setup: BlueprintSetupState) -> None:
        request_finished.connect(_keep, setup.app)

    bp.record_once(listen)
