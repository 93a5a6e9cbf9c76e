"""The REST API under ``/api/v1/``: read what the pages show, reply and answer events
with a personal token, described by an OpenAPI 3.1 document generated from the code."""

from __future__ import annotations

from flask import Blueprint

from ..pluginmanager import Plugins


def register(bp: Blueprint, plugins: Plugins) -> None:
    return None
