"""Driving the moderation pages as people do: fetch a form, send it with its CSRF token,
and read what the next page says. Shared by the tests of reports, measures, decisions
and transparency pages."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civicforum.moderation.models import Decision

from .helpers import form_token

EN = {"Accept-Language": "en"}


def text(response: Any) -> str:
    return str(response.get_data(as_text=True))


def visible(response: Any) -> str:
    """The page's text without tags and with entities read, as a person sees it."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", text(response))).split())


def send(
    client: FlaskClient, url: str, data: dict[str, Any], *, form_url: str | None = None
) -> Any:
    """Open the page with the form (``form_url``, default ``url``) and send it."""
    page = client.get(form_url or url, headers=EN)
    assert page.status_code == 200, (page.status_code, visible(page)[:500])
    return client.post(url, data={"csrf_token": form_token(text(page)), **data}, headers=EN)


def measure_url(slug: str, measure: str, **about: int) -> str:
    query = "&".join(f"{key}={value}" for key, value in about.items())
    return f"/forum/c/{slug}/moderation/measure?measure={measure}" + (f"&{query}" if query else "")


def take_measure(
    client: FlaskClient,
    slug: str,
    measure: str,
    *,
    rule_id: int | None,
    explanation: str = "Dit is in strijd met de regel.",
    about: dict[str, int] | None = None,
    **fields: Any,
) -> Any:
    """Take a measure through the measure form; ``rule_id=None`` sends no ground."""
    url = measure_url(slug, measure, **(about or {}))
    data: dict[str, Any] = {"explanation": explanation, **fields}
    if rule_id is not None:
        data["ground"] = f"rule-{rule_id}"
    return send(client, url, data)


def decisions(db: Session) -> int:
    db.expire_all()
    return db.scalar(select(func.count(Decision.id))) or 0


def latest_decision(db: Session) -> Decision:
    db.expire_all()
    found = db.scalars(select(Decision).order_by(Decision.id.desc()).limit(1)).one()
    return found
