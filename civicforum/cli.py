"""``flask civicforum ...``: the forum's command line."""

from __future__ import annotations

import click
from flask.cli import AppGroup

forum_cli = AppGroup("civicforum", help="Manage the forum: database, administrators, demo data.")
