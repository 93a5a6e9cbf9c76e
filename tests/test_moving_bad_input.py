"""Files that cannot be imported: a clear message naming the line, and nothing written."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from .test_moving import run, site, table_counts, with_demo, with_everything

Lines = list[dict[str, Any]]


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("export")
    with site(folder / "site") as old:
        with_demo(old)
        out = folder / "leesclub.jsonl"
        done = run(old, "export", "leesclub", "--out", str(out))
        assert done.exit_code == 0, done.output
    return out


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """One site with content for the module: every refused import must leave it as it
    was, which each test checks; the one test that imports comes last."""
    with site(tmp_path_factory.mktemp("target")) as new:
        with_demo(new)
        yield new


def write(path: Path, lines: Lines, *, fix_manifest: bool = True) -> Path:
    """Lines to a file; with the manifest's counts and checksum made to match, so that
    the fault under test is the one found."""
    body = [json.dumps(line, ensure_ascii=False) + "\n" for line in lines[1:]]
    manifest = dict(lines[0])
    if fix_manifest:
        counts: dict[str, int] = {}
        for line in lines[1:]:
            counts[line["kind"]] = counts.get(line["kind"], 0) + 1
        manifest["counts"] = counts
        digest = hashlib.sha256("".join(body).encode()).hexdigest()
        manifest["checksum"] = f"sha256:{digest}"
    path.write_text(json.dumps(manifest) + "\n" + "".join(body), encoding="utf-8")
    return path


def changed(source: Path, change: Callable[[Lines], None]) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        lines = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines()]
        change(lines)
        return write(folder / "changed.jsonl", lines)

    return make


def first(lines: Lines, kind: str) -> int:
    return next(n for n, line in enumerate(lines) if line["kind"] == kind)


def _version(lines: Lines) -> None:
    lines[0]["version"] = "2.0"


def _no_body(lines: Lines) -> None:
    del lines[first(lines, "post")]["body"]


def _orphan(lines: Lines) -> None:
    lines[first(lines, "post")]["topic"] = 999_999


def _duplicate(lines: Lines) -> None:
    n = first(lines, "post")
    lines.insert(n + 1, dict(lines[n]))


def _wrong_type(lines: Lines) -> None:
    lines[first(lines, "topic")]["locked"] = "yes"


def _out_of_order(lines: Lines) -> None:
    n = first(lines, "help_resource")
    lines.append(lines.pop(n))


def _long_rule_title(lines: Lines) -> None:
    lines[first(lines, "house_rule")]["title"]["en"] = "x" * 121


def _other_format(lines: Lines) -> None:
    lines[0]["format"] = "flaskbb-dump"


def _truncated_mid_line(source: Path) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        data = source.read_bytes()
        cut = folder / "cut.jsonl"
        cut.write_bytes(data[: len(data) * 2 // 3])
        return cut

    return make


def _truncated_at_line(source: Path) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        kept = source.read_text(encoding="utf-8").splitlines(keepends=True)[:-3]
        cut = folder / "cut.jsonl"
        cut.write_text("".join(kept), encoding="utf-8")
        return cut

    return make


def _not_json(source: Path) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        kept = source.read_text(encoding="utf-8").splitlines(keepends=True)
        kept[4] = "{'kind': 'member', this is not JSON}\n"
        bad = folder / "bad.jsonl"
        bad.write_text("".join(kept), encoding="utf-8")
        return bad

    return make


def _huge_line(source: Path) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        manifest = source.read_text(encoding="utf-8").splitlines(keepends=True)[0]
        huge = folder / "huge.jsonl"
        with open(huge, "w", encoding="utf-8") as out:
            out.write(manifest)
            out.write('{"kind": "community", "name": "')
            # A 2 GB line, without writing 2 GB: the rest of the file is a hole.
            out.truncate(2 * 1024**3)
        return huge

    return make


def _gz_that_is_not(source: Path) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        fake = folder / "leesclub.jsonl.gz"
        fake.write_bytes(source.read_bytes())
        return fake

    return make


def _gzip_cut_short(source: Path) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        packed = gzip.compress(source.read_bytes())
        cut = folder / "cut.jsonl.gz"
        cut.write_bytes(packed[: len(packed) // 2])
        return cut

    return make


def _edited_without_checksum(source: Path) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        text = source.read_text(encoding="utf-8")
        lines = text.splitlines(keepends=True)
        n = next(i for i, line in enumerate(lines) if '"kind":"post"' in line)
        record = json.loads(lines[n])
        record["body"] = "Iemand heeft dit stilletjes veranderd."
        lines[n] = json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
        edited = folder / "edited.jsonl"
        edited.write_text("".join(lines), encoding="utf-8")
        return edited

    return make


CASES: dict[str, tuple[Callable[[Path], Callable[[Path], Path]], list[str]]] = {
    "wrong version": (lambda s: changed(s, _version), ["line 1", "'2.0'", "version 1.x"]),
    "another format": (lambda s: changed(s, _other_format), ["line 1", "not a civicforum"]),
    "a line that is not JSON": (_not_json, ["line 5", "not a JSON object"]),
    "a record missing a field": (
        lambda s: changed(s, _no_body),
        ['"body" is a required', "field 'body'"],
    ),
    "a post pointing to no topic": (
        lambda s: changed(s, _orphan),
        ["field 'topic'", "names topic 999999"],
    ),
    "duplicate ids": (lambda s: changed(s, _duplicate), ["field 'id'", "appears twice"]),
    "a value of the wrong type": (lambda s: changed(s, _wrong_type), ["field 'locked'"]),
    "a text longer than its column": (lambda s: changed(s, _long_rule_title), ["field 'title.en'"]),
    "kinds out of order": (
        lambda s: changed(s, _out_of_order),
        ["a help_resource record after decision records"],
    ),
    "truncated in a line": (_truncated_mid_line, ["not a JSON object", "cut short"]),
    "truncated at a line": (_truncated_at_line, ["line 1", "counts", "cut short"]),
    "changed without its checksum": (_edited_without_checksum, ["checksum does not match"]),
    "a 2 GB line": (_huge_line, ["line 2", "longer than 16 MiB"]),
    "named .gz but not gzip": (_gz_that_is_not, ["is named .gz but is not gzip"]),
    "gzip cut short": (_gzip_cut_short, ["gzip data is damaged or cut short"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_bad_file_is_refused_naming_where_and_nothing_is_written(
    case: str, exported: Path, target: Flask, tmp_path: Path
) -> None:
    make, expected = CASES[case]
    bad = make(exported)(tmp_path)
    before = table_counts(target)
    done = run(target, "import", str(bad))
    assert done.exit_code == 1, done.output
    assert "Traceback" not in done.output
    assert "Nothing was imported." in done.output
    for words in expected:
        assert words in done.output, done.output
    assert table_counts(target) == before


def test_what_the_database_refuses_rolls_everything_back(tmp_path: Path) -> None:
    """Two events with one calendar UID pass every check of the file; the database's
    unique index refuses the second, and nothing of the import stays."""
    with site(tmp_path / "a") as old:
        with_everything(old)
        source = tmp_path / "leesclub.jsonl"
        assert run(old, "export", "leesclub", "--out", str(source)).exit_code == 0
    lines = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines()]
    events = [line for line in lines if line["kind"] == "event"]
    events[1]["uid"] = events[0]["uid"]
    bad = write(tmp_path / "twice.jsonl", lines)
    with site(tmp_path / "b") as new:
        before = table_counts(new)
        done = run(new, "import", str(bad))
        assert done.exit_code == 1, done.output
        assert "the database refused a record" in done.output
        assert "Nothing was imported." in done.output and "Traceback" not in done.output
        assert table_counts(new) == before


def test_a_community_that_does_not_exist_is_named(tmp_path: Path) -> None:
    with site(tmp_path / "s") as app:
        done = run(app, "export", "bestaat-niet", "--out", str(tmp_path / "x.jsonl"))
    assert done.exit_code == 1
    assert "There is no community with the address 'bestaat-niet'" in done.output
    assert not (tmp_path / "x.jsonl").exists()


def test_a_bad_address_for_the_import_is_refused(exported: Path, target: Flask) -> None:
    before = table_counts(target)
    done = run(target, "import", str(exported), "--as", "Niet Goed!")
    assert done.exit_code == 1
    assert "cannot be a community's address" in done.output
    assert table_counts(target) == before


def test_the_unchanged_file_does_import(exported: Path, target: Flask) -> None:
    """The cases above fail for their fault alone: the same file, untouched, imports."""
    done = run(target, "import", str(exported), "--as", "leesclub-2")
    assert done.exit_code == 0, done.output
