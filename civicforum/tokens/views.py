"""Placeholder: routes are added here."""

from __future__ import annotations

from flask import Blueprint


def register(bp: Blueprint) -> None:
    return None
