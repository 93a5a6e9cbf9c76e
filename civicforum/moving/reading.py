"""Reading an export file back, and checking all of it before anything is written.

:func:`check_file` reads the file once, streaming, and raises :class:`FormatError` at the
first problem, naming the line and the field: a file that is not what its name says
(gzip), a line too long or not JSON, a manifest of another format or a newer major
version, a record the schema refuses, kinds out of order, an id that repeats or goes
back, a reference to a record the file does not hold, counts or a checksum that do not
match (a file cut short or changed). Memory stays small: per kind, the ids seen so far
in a packed array, searched by bisection.
"""

from __future__ import annotations

import bisect
import gzip
import hashlib
import json
import zlib
from array import array
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .records import FORMAT, MAJOR, FormatError, Record, RecordKind

# jsonschema_rs (~3 MiB a process) is loaded by the first file read, not by every process.
if TYPE_CHECKING:
    from jsonschema_rs import Draft202012Validator, ValidationError

#: The longest line read: a post is at most tens of kilobytes; a community record with
#: long house rules a few hundred. Anything longer is refused without reading it whole.
MAX_LINE = 16 * 1024 * 1024
SCHEMA = "community-export.schema.json"


@cache
def schema() -> dict[str, Any]:
    text = resources.files(__package__).joinpath(SCHEMA).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@cache
def validator(kind: str) -> Draft202012Validator:
    """The schema's rules for one kind (the file's schema picks them by ``kind`` too)."""
    from jsonschema_rs import Draft202012Validator

    whole = schema()
    return Draft202012Validator({"$ref": f"#/$defs/{kind}", "$defs": whole["$defs"]})


def validator_for(kind: RecordKind) -> Draft202012Validator:
    """The shipped schema's rules for a kind it describes; else the plugin's own."""
    from jsonschema_rs import Draft202012Validator

    if kind.name in schema()["$defs"]:
        return validator(kind.name)
    return Draft202012Validator(dict(kind.schema or {"type": "object", "required": ["kind"]}))


def open_file(path: Path) -> IO[bytes]:
    """The file's bytes, uncompressed when it is gzip (by its first bytes, not its name)."""
    with open(path, "rb") as probe:
        magic = probe.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    if path.name.endswith(".gz"):
        raise FormatError(f"{path.name} is named .gz but is not gzip-compressed")
    return open(path, "rb")


def lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """(number, bytes) of each line, refusing one longer than :data:`MAX_LINE`."""
    number = 0
    try:
        with open_file(path) as stream:
            while True:
                data = stream.readline(MAX_LINE + 1)
                if not data:
                    return
                number += 1
                if len(data) > MAX_LINE:
                    raise FormatError(
                        f"the line is longer than {MAX_LINE // (1024 * 1024)} MiB; "
                        "no record is that long",
                        line=number,
                    )
                yield number, data
    except (EOFError, zlib.error, gzip.BadGzipFile) as error:
        raise FormatError(
            f"the gzip data is damaged or cut short after line {number} ({error})"
        ) from error


def parse(number: int, data: bytes) -> Record:
    try:
        record = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        hint = "" if data.endswith(b"\n") else " (the file may be cut short)"
        raise FormatError(f"not a JSON object: {error}{hint}", line=number) from error
    if not isinstance(record, dict):
        raise FormatError("not a JSON object", line=number)
    return record


@dataclass
class Checked:
    """What a file holds, known to be whole and consistent."""

    manifest: Record
    community: Record
    counts: Counter[str]
    #: Per kind with ids: the lowest and highest id.
    ranges: dict[str, tuple[int, int]] = field(default_factory=dict)


def _first_error(checker: Draft202012Validator, record: Record) -> ValidationError | None:
    """The first thing the schema refuses in ``record``, or None (most records pass the
    quick check and are not looked at twice)."""
    if checker.is_valid(record):
        return None
    return min(checker.iter_errors(record), key=lambda e: len(list(e.instance_path)))


def _check_manifest(record: Record) -> None:
    errors = _first_error(validator("manifest"), record)
    if record.get("kind") != "manifest":
        raise FormatError("the first line must be the manifest", line=1, field="kind")
    if record.get("format") != FORMAT:
        raise FormatError(
            f"this is not a civicforum community export (format {record.get('format')!r})",
            line=1,
            field="format",
        )
    version = str(record.get("version", ""))
    major = version.split(".", 1)[0]
    if not major.isdecimal() or int(major) != MAJOR:
        raise FormatError(
            f"format version {version!r} cannot be read by this forum, which reads "
            f"version {MAJOR}.x; a newer civicforum made it",
            line=1,
            field="version",
        )
    if errors is not None:
        raise FormatError(errors.message, line=1, field=_field(errors))


def _field(error: ValidationError) -> str:
    """Where the error is, as ``revisions[0].body``; for a missing field, its name."""
    steps = list(error.instance_path)
    if error.kind.name == "required":
        steps.append(str(error.kind.property))  # type: ignore[attr-defined]
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in steps)
    return path.lstrip(".") or "kind"


def check_file(path: Path, kinds: list[RecordKind]) -> Checked:
    """Read all of ``path`` and check it; raises :class:`FormatError` at the first fault."""
    order = {kind.name: n for n, kind in enumerate(kinds)}
    by_name = {kind.name: kind for kind in kinds}
    seen: dict[str, array[int]] = {kind.name: array("q") for kind in kinds if kind.table}
    counts: Counter[str] = Counter()
    digest = hashlib.sha256()
    manifest: Record | None = None
    community: Record | None = None
    position = 0
    last = 0
    validators = {kind.name: validator_for(kind) for kind in kinds}
    for number, data in lines(path):
        record = parse(number, data)
        if manifest is None:
            _check_manifest(record)
            manifest = record
            continue
        digest.update(data)
        name = record.get("kind")
        if name not in order:
            described = schema()["$defs"].get(name) if isinstance(name, str) else None
            if described and str(described.get("description", "")).startswith("("):
                plugin = described["description"][1:].split(")", 1)[0]
                raise FormatError(
                    f"{name} records need the {plugin}, which is off on this site; switch "
                    "it on (CIVICFORUM_PLUGINS) and import again",
                    line=number,
                    field="kind",
                )
            raise FormatError(f"unknown record kind {name!r}", line=number, field="kind")
        kind = by_name[name]
        if order[name] < position:
            raise FormatError(
                f"a {name} record after {kinds[position].name} records; a file holds its "
                f"kinds in this order: {', '.join(order)}",
                line=number,
                field="kind",
            )
        if order[name] > position:
            position, last = order[name], 0
        error = _first_error(validators[name], record)
        if error is not None:
            raise FormatError(error.message, line=number, field=_field(error))
        if name == "community":
            if community is not None:
                raise FormatError("a second community record", line=number, field="kind")
            community = record
        if kind.table:
            ident = record["id"]
            if ident <= last:
                raise FormatError(
                    f"{name} id {ident} "
                    + ("appears twice" if _holds(seen[name], ident) else "is out of order")
                    + "; the ids of each kind ascend",
                    line=number,
                    field="id",
                )
            seen[name].append(ident)
            last = ident
        for target, ident, where in kind.references(record):
            if ident is not None and not _holds(seen.get(target, array("q")), ident):
                raise FormatError(
                    f"names {target} {ident}, which the file does not hold (before this line)",
                    line=number,
                    field=where,
                )
        counts[name] += 1
    if manifest is None:
        raise FormatError("the file is empty")
    if community is None:
        raise FormatError("the file holds no community record")
    expected = {name: n for name, n in manifest["counts"].items() if n}
    if dict(counts) != expected:
        raise FormatError(
            f"the manifest counts {_counted(expected)}, the file holds {_counted(counts)}: "
            "it was cut short or changed",
            line=1,
            field="counts",
        )
    if manifest["checksum"] != f"sha256:{digest.hexdigest()}":
        raise FormatError(
            "the checksum does not match the records: the file was changed or damaged",
            line=1,
            field="checksum",
        )
    ranges = {name: (ids[0], ids[-1]) for name, ids in seen.items() if ids}
    return Checked(manifest=manifest, community=community, counts=counts, ranges=ranges)


def _holds(ids: array[int], ident: int) -> bool:
    at = bisect.bisect_left(ids, ident)
    return at < len(ids) and ids[at] == ident


def _counted(counts: dict[str, int] | Counter[str]) -> str:
    return ", ".join(f"{n} {name}" for name, n in sorted(counts.items())) or "nothing"
