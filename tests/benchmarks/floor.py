"""The floor the page benchmark measures the forum against: a bare Flask app that renders
each page's HTML from a Jinja template. It lives alone so that its gunicorn worker imports
Flask and nothing of the forum (its memory is a floor too)."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, render_template

ENV_FLOOR = "CIVICFORUM_BENCH_FLOOR_DIR"


def floor_app() -> Flask:
    """The floor: each page's HTML as a Jinja template (kept verbatim by ``raw``), served
    by a bare Flask app with ``render_template``: ``tests.benchmarks.floor:floor_app()``."""
    folder = Path(os.environ[ENV_FLOOR])
    app = Flask("floor", template_folder=str(folder / "templates"))
    (folder / "templates").mkdir(exist_ok=True)
    for file in sorted(folder.glob("*.html")):
        template = folder / "templates" / file.name
        template.write_text("{% raw %}" + file.read_text() + "{% endraw %}")

        def view(name: str = file.name) -> str:
            return render_template(name)

        app.add_url_rule(f"/{file.stem}", file.stem, view)
    app.add_url_rule("/ready", "ready", lambda: "ready")
    return app
