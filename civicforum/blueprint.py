"""The forum's blueprint: routes of every area under one URL prefix."""

from __future__ import annotations

from flask import Blueprint

from .settings import Settings


def make_blueprint(settings: Settings) -> Blueprint:
    bp = Blueprint("civicforum", __name__, template_folder="templates", static_folder="static")
    return bp
