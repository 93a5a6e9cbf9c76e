"""What every test app would otherwise build again: compiled templates and URL builders.

The suite makes a host app with the forum mounted for nearly every test (some 2,700 a
pass). Two costs of a new app are the same work done again, with the same result, in
each of them:

- Jinja compiles each template the first time an app renders it (~15 ms a page);
- Werkzeug compiles two URL-building functions for each of the forum's ~150 routes with
  :mod:`ast` when the blueprint is registered (~35 ms an app).

:func:`share_compiled_work` lets the apps of one test process share that work: Jinja's
own bytecode cache (which checks each template's source, so a changed or host-overridden
template is compiled anew), and each route's builder kept by everything it is made from.
Apps still get their own routes, templates, settings and database; only the compiling
is done once.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from werkzeug.routing import Rule


class SharedTemplates(BytecodeCache):
    """Compiled templates in memory, for every app of the process."""

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self.compiled.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


def share_compiled_work() -> None:
    """Share compiled templates and URL builders between the apps of this process."""
    Flask.jinja_options = {**Flask.jinja_options, "bytecode_cache": SharedTemplates()}
    compile_builder = getattr(Rule, "_compile_builder", None)
    if compile_builder is None:  # another Werkzeug: apps compile their own, as before
        return
    builders: dict[tuple[Any, ...], Any] = {}

    def shared_builder(rule: Rule, append_unknown: bool = True) -> Any:
        # The builder is made from the rule's text, its parsed parts and its defaults
        # (each default written by its converter): the same for the same route in any app.
        key = (
            rule.rule,
            tuple(rule._trace),
            repr(sorted((rule.defaults or {}).items())),
            tuple((name, type(conv)) for name, conv in sorted(rule._converters.items())),
            append_unknown,
        )
        builder = builders.get(key)
        if builder is None:
            builder = builders[key] = compile_builder(rule, append_unknown)
        return builder

    Rule._compile_builder = shared_builder  # type: ignore[method-assign]
