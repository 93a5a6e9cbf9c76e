"""Placeholder: routes are added here."""

from __future__ import annotations

from flask import Blueprint

from ..settings import Settings


def register(bp: Blueprint, settings: Settings) -> None:
    return None
