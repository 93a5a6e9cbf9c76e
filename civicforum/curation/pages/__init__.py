"""The pages of trusted information:

- :mod:`.reading`: a community's reliable information, an item with its badge, sources
  and history, what "verified" means, and the machine-readable list;
- :mod:`.editing`: writing an article or a verdict on a post, revising it, and
  members' questions;
- :mod:`.steps`: the workflow's steps on an item's page;
- :mod:`.dashboard`: what waits for editors.
"""

from __future__ import annotations

from flask import Blueprint


def register(bp: Blueprint) -> None:
    from . import dashboard, editing, reading, steps

    for area in (reading, editing, steps, dashboard):
        area.register(bp)
