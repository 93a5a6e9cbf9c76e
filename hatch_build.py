"""Compile the Dutch and English message catalogues into .mo files at build time.

Compiled catalogues are build artefacts (not in git); every wheel and every editable
install carries fresh ones, so a translation edit only needs a reinstall.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CompileCatalogues(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        root = Path(self.root) / "civicforum" / "translations"
        for po_path in sorted(root.glob("*/LC_MESSAGES/*.po")):
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file)
            with po_path.with_suffix(".mo").open("wb") as mo_file:
                write_mo(mo_file, catalog)
