"""What every record kind shares: the format's name and version, how values are written,
the contexts an export and an import pass to each kind, and the kinds' registry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

FORMAT = "civicforum-community"
#: major.minor: a reader takes every file of its major version; fields a newer minor
#: version added are ignored.
VERSION = "1.0"
MAJOR = 1
#: Records written or read per database round trip.
BATCH = 1000

Record = dict[str, Any]


class FormatError(Exception):
    """The file cannot be imported; ``line`` (1-based) and ``field`` say where, if known."""

    def __init__(self, message: str, *, line: int | None = None, field: str | None = None):
        self.line = line
        self.field = field
        where = []
        if line is not None:
            where.append(f"line {line}")
        if field:
            where.append(f"field {field!r}")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


# -- values ----------------------------------------------------------------------------


def when(value: dt.datetime | None) -> str | None:
    """A moment as RFC 3339 in UTC: ``2026-03-01T09:30:00Z`` (microseconds when set)."""
    if value is None:
        return None
    if value.tzinfo is not dt.UTC:  # the database hands back UTC already
        value = value.astimezone(dt.UTC)
    return value.replace(tzinfo=None).isoformat() + "Z"


def moment(text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(dt.UTC)


def day(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def level_name(value: int | None) -> str | None:
    from ..identity.models import IdentityLevel

    return IdentityLevel(value).key if value else None


def level_value(name: str | None) -> int | None:
    from ..identity.models import IdentityLevel

    return int(IdentityLevel.from_name(name)) if name else None


# -- exporting ----------------------------------------------------------------------------


@dataclass
class ExportContext:
    """What an export of one community gives each kind."""

    db: Session
    community_id: int
    with_accounts: bool
    #: URL patterns of the community's pages on this site (the ``permalinks`` record).
    permalinks: dict[str, str] = field(default_factory=dict)
    #: The members the file describes (the community's, and everyone its records name).
    member_ids: set[int] = field(default_factory=set)


# -- importing -----------------------------------------------------------------------------


@dataclass
class IdMap:
    """Ids in the file to ids in this database: a shift per table, and exceptions (members
    matched to an account that already exists here)."""

    shifts: dict[str, int] = field(default_factory=dict)
    exceptions: dict[str, dict[int, int]] = field(default_factory=dict)

    def __call__(self, kind: str, old: int | None) -> int | None:
        if old is None:
            return None
        moved = self.exceptions.get(kind)
        if moved is not None and old in moved:
            return moved[old]
        return old + self.shifts.get(kind, 0)


@dataclass
class ImportContext:
    db: Session
    community_id: int
    ids: IdMap
    with_accounts: bool
    #: Notes for the summary (members renamed, values changed because they were taken).
    notes: list[str] = field(default_factory=list)
    #: Whatever a kind keeps between batches.
    scratch: dict[str, Any] = field(default_factory=dict)


# -- the kinds ------------------------------------------------------------------------------

#: (kind, id) pairs a record refers to, each with the field it is in.
References = Iterable[tuple[str, int | None, str]]


@dataclass(frozen=True)
class RecordKind:
    """One kind of record: how it is exported, what it refers to, how it is written.

    :param name: the ``kind`` of its records.
    :param table: the table whose ids its ``id`` fields are, for the id shift on import;
        None for a kind whose records have no id of their own.
    :param export: yields the records of one community, in ascending ``id``.
    :param references: the ids of other records a record names (checked before import).
    :param write: writes a batch of records (ids already known to be free and valid).
    :param needs: a plugin that must be on to import this kind ("events"), or None.
    :param page: the key of its records' page in the ``permalinks`` record, for redirects.
    :param members: the ids of the members its records name, beyond the core kinds'.
    :param render: makes what ``write`` needs from a batch that costs much CPU (the HTML
        of posts), in another process when the import is big: a module-level function,
        whose result ``write`` finds in ``ctx.scratch["rendered"]``.
    :param schema: a JSON Schema (draft 2020-12) of its records, for a kind the shipped
        schema does not describe (a third party's plugin); its records are checked
        against it before anything is imported.
    """

    name: str
    table: str | None
    export: Callable[[ExportContext], Iterator[Record]]
    references: Callable[[Record], References]
    write: Callable[[ImportContext, list[Record]], None]
    needs: str | None = None
    page: str | None = None
    members: Callable[[ExportContext], Iterable[int]] | None = None
    schema: Mapping[str, Any] | None = None
    render: Callable[[list[Record]], Any] | None = None


def kinds_in_order(plugin_kinds: Iterable[Iterable[RecordKind]]) -> list[RecordKind]:
    """The forum's kinds, then the plugins', in the order a file holds them."""
    from .kinds import CORE_KINDS

    ordered = list(CORE_KINDS)
    names = {kind.name for kind in ordered}
    for kinds in plugin_kinds:
        for kind in kinds:
            if kind.name in names:
                raise ValueError(f"record kind {kind.name!r} is declared twice")
            names.add(kind.name)
            ordered.append(kind)
    return ordered


def nested(record: Mapping[str, Any], key: str) -> list[Record]:
    value = record.get(key) or []
    return list(value)
