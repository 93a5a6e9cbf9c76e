"""Writing a checked export file into this forum's database, in one transaction.

The file is read twice: :func:`~.reading.check_file` checks all of it first; then the
records are written in batches, kind by kind, while their checksum is taken again (a
file changed between the two readings is refused). Nothing is committed until the last
record is written, so a failure leaves the database as it was.

Ids: every table's ids in the file are shifted past the highest id here, or kept when
they are free (on a new site, every id stays what it was, and an export of the import
gives the same records). Members matched to an account that exists here (``--with-
accounts`` files) become that account.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import re
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sqlalchemy import func, select, table, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ..clock import now
from ..events import CommunityImported, record
from ..forum.models import SLUG_MAX, Community
from .content import count_posts
from .models import CommunityImport
from .reading import Checked, check_file, lines, parse
from .records import BATCH, FormatError, IdMap, ImportContext, Record, RecordKind

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
#: From how many records to render (posts' HTML) in other processes.
PARALLEL_FROM = 5000
#: Batches rendered ahead of the one being written.
PIPELINE = 3


class ImportRefused(Exception):
    """The file is sound, but this site cannot take it as asked (a slug that is taken)."""


@dataclass
class Imported:
    community_id: int | None
    slug: str
    counts: Counter[str]
    #: True when this file was imported before: nothing changed.
    already: bool = False
    imported_at: str = ""
    notes: list[str] = field(default_factory=list)


def _shift(db: Session, table_name: str, low: int) -> int:
    highest = db.scalar(select(func.max(text("id"))).select_from(table(table_name))) or 0
    return 0 if highest < low else highest - low + 1


def import_file(
    db: Session,
    path: Path,
    kinds: list[RecordKind],
    *,
    slug: str | None = None,
    redirects: IO[str] | None = None,
    target_links: Callable[[str], dict[str, str]] | None = None,
    progress: Callable[[str, int], None] = lambda kind, written: None,
    jobs: int | None = None,
) -> Imported:
    """Import the community in ``path``; commits on success, rolls back on any failure.

    :param slug: the community's address here; by default the one in the file.
    :param redirects: where to write ``old-path new-url`` lines for the old permalinks.
    :param target_links: this site's URL patterns for a community's address (see
        :func:`.export.permalinks`), for the redirects.
    :param jobs: processes rendering posts' HTML beside this one for a big file; None: one
        a core (at most 4); 0: none (the least memory, about three quarters of the speed).
    :raises FormatError: the file is not sound (nothing was written).
    :raises ImportRefused: the slug is taken here (nothing was written).
    """
    checked = check_file(path, kinds)
    checksum = checked.manifest["checksum"]
    before = db.scalar(select(CommunityImport).where(CommunityImport.checksum == checksum))
    if before is not None:
        current = db.get(Community, before.community_id) if before.community_id else None
        return Imported(
            community_id=before.community_id,
            slug=current.slug if current else checked.community["slug"],
            counts=Counter(json.loads(before.counts)),
            already=True,
            imported_at=before.imported_at.strftime("%Y-%m-%d %H:%M"),
        )
    slug = slug or checked.community["slug"]
    if not _SLUG.match(slug) or len(slug) > SLUG_MAX:
        raise ImportRefused(
            f"{slug!r} cannot be a community's address: use lower-case letters, digits and "
            f"hyphens, at most {SLUG_MAX} characters"
        )
    if db.scalar(select(Community.id).where(Community.slug == slug)) is not None:
        raise ImportRefused(
            f"a community with the address {slug!r} exists on this site already; import it "
            "under another address with --as NEW-ADDRESS"
        )
    try:
        links = target_links(slug) if target_links is not None else None
        imported = _write(db, path, kinds, checked, slug, redirects, links, progress, jobs)
        db.commit()
    except SQLAlchemyError as error:
        # A record the schema lets through but this database will not take (two events
        # with one calendar UID, say): all of it is rolled back.
        db.rollback()
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise ImportRefused(f"the database refused a record ({reason})") from error
    except BaseException:
        db.rollback()
        raise
    return imported


def _write(
    db: Session,
    path: Path,
    kinds: list[RecordKind],
    checked: Checked,
    slug: str,
    redirects: IO[str] | None,
    target_links: dict[str, str] | None,
    progress: Callable[[str, int], None],
    jobs: int | None,
) -> Imported:
    manifest = checked.manifest
    # The log row first: on SQLite this write takes the database's lock, so the highest
    # ids read next cannot change before the records are in.
    log = CommunityImport(
        checksum=manifest["checksum"],
        source_site=(manifest.get("source") or {}).get("site"),
        source_community=checked.community["slug"],
    )
    db.add(log)
    db.flush()
    ids = IdMap()
    by_name = {kind.name: kind for kind in kinds}
    for name, (low, high) in checked.ranges.items():
        table_name = by_name[name].table
        assert table_name is not None
        ids.shifts[name] = _shift(db, table_name, low)
        _reserve(db, table_name, high + ids.shifts[name])
    community_id = ids("community", checked.community["id"])
    assert community_id is not None
    ctx = ImportContext(
        db=db, community_id=community_id, ids=ids, with_accounts=bool(manifest.get("with_accounts"))
    )
    ctx.scratch["slug"] = slug
    digest = hashlib.sha256()
    written = 0
    with _renderers(checked, kinds, jobs) as pool:
        pending: deque[tuple[RecordKind, list[Record], Future[Any] | None]] = deque()

        def write(kind: RecordKind, batch: list[Record], rendered: Future[Any] | None) -> None:
            nonlocal written
            if rendered is not None:
                ctx.scratch["rendered"] = rendered.result()
            kind.write(ctx, batch)
            if redirects is not None and kind.page:
                _redirect(ctx, redirects, kind, batch, target_links or {})
            written += len(batch)
            progress(kind.name, written)

        def hand_on(kind: RecordKind, batch: list[Record]) -> None:
            """Write the batch, or queue it while other processes render it; writes
            always happen in the file's order."""
            if pool is not None and kind.render is not None:
                pending.append((kind, batch, pool.submit(kind.render, batch)))
                while len(pending) > PIPELINE:
                    write(*pending.popleft())
                return
            while pending:
                write(*pending.popleft())
            write(kind, batch, None)

        batch: list[Record] = []
        current: RecordKind | None = None
        for number, data in lines(path):
            if number == 1:
                continue
            digest.update(data)
            item = parse(number, data)
            kind = by_name[item["kind"]]
            if current is not None and (kind is not current or len(batch) >= BATCH):
                hand_on(current, batch)
                batch = []
            current = kind
            batch.append(item)
        if current is not None and batch:
            hand_on(current, batch)
        while pending:
            write(*pending.popleft())
    if manifest["checksum"] != f"sha256:{digest.hexdigest()}":
        raise FormatError("the file changed while it was being imported; nothing was written")
    count_posts(ctx)
    if redirects is not None and target_links:
        old = ctx.scratch.get("permalinks", {})
        if old.get("community") and target_links.get("community"):
            redirects.write(f"{old['community']} {_absolute(target_links, 'community')}\n")
    log.community_id = community_id
    log.counts = json.dumps(dict(checked.counts), sort_keys=True)
    log.imported_at = now()
    record(db, CommunityImported(community_id=community_id))
    return Imported(
        community_id=community_id,
        slug=slug,
        counts=checked.counts,
        imported_at=log.imported_at.strftime("%Y-%m-%d %H:%M"),
        notes=ctx.notes,
    )


@contextmanager
def _renderers(
    checked: Checked, kinds: list[RecordKind], jobs: int | None
) -> Iterator[Executor | None]:
    """Processes that render the HTML of a big import beside the one that writes it; none
    for a small one (starting them costs more than they save), on one core, or when
    ``jobs`` is 0."""
    heavy = sum(checked.counts[kind.name] for kind in kinds if kind.render is not None)
    cores = os.cpu_count() or 1
    workers = min(cores, 4) if jobs is None else jobs
    if heavy < PARALLEL_FROM or workers < 1 or (jobs is None and cores < 2):
        yield None
        return
    # "spawn": the workers start clean, without this process's database connections.
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context("spawn")
    ) as pool:
        yield pool


def _reserve(db: Session, table_name: str, highest: int) -> None:
    """On PostgreSQL, move the table's id sequence past the ids being written, so that
    neither this import's later rows nor anyone else's take one of them."""
    if db.get_bind().dialect.name != "postgresql":
        return
    db.execute(
        text(
            "SELECT setval(pg_get_serial_sequence(:t, 'id'), "
            "GREATEST(:n, (SELECT last_value FROM pg_sequences WHERE "
            "schemaname = current_schema() AND sequencename = :s)))"
        ),
        {"t": table_name, "n": highest, "s": f"{table_name}_id_seq"},
    )


def _absolute(links: dict[str, str], page: str, ident: int | None = None) -> str:
    path = links[page] if ident is None else links[page].replace("{id}", str(ident))
    return f"{links.get('base', '')}{path}"


def _redirect(
    ctx: ImportContext,
    out: IO[str],
    kind: RecordKind,
    batch: list[Record],
    target_links: dict[str, str],
) -> None:
    old = ctx.scratch.get("permalinks", {})
    assert kind.page is not None
    if kind.page not in old or kind.page not in target_links:
        return
    for item in batch:
        new = ctx.ids(kind.name, item["id"])
        out.write(
            f"{old[kind.page].replace('{id}', str(item['id']))} "
            f"{_absolute(target_links, kind.page, new)}\n"
        )
