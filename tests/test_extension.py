"""The embedding contract: init_app, per-app state, overridable templates, host layout."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from flask import Flask

from civicforum import CivicForum
from civicforum.db import Base


def host(tmp_path: Path, name: str) -> Flask:
    app = Flask(name, instance_path=str(tmp_path / name))
    app.config.update(
        SECRET_KEY=secrets.token_hex(32),
        CIVICFORUM_SECRET_KEY=secrets.token_hex(32),
        CIVICFORUM_DATABASE_URL=f"sqlite:///{tmp_path / name}.db",
    )
    return app


def test_a_second_init_on_one_app_raises_with_a_fix(tmp_path: Path) -> None:
    app = host(tmp_path, "one")
    forum = CivicForum(app)
    with pytest.raises(RuntimeError, match="already initialised"):
        forum.init_app(app)


def test_one_extension_serves_two_apps_with_their_own_state(tmp_path: Path) -> None:
    forum = CivicForum(url_prefix="/praten")
    first, second = host(tmp_path, "first"), host(tmp_path, "second")
    second.config["CIVICFORUM_POSTS_PER_PAGE"] = 50
    forum.init_app(first)
    forum.init_app(second)
    a, b = first.extensions["civicforum"], second.extensions["civicforum"]
    assert a is not b and a.engine is not b.engine
    assert (a.settings.posts_per_page, b.settings.posts_per_page) == (20, 50)
    assert not [v for v in vars(forum).values() if isinstance(v, Flask)]
    Base.metadata.create_all(a.engine)
    assert first.test_client().get("/praten/").status_code == 200


def test_using_the_forum_without_init_app_says_what_to_do(tmp_path: Path) -> None:
    from civicforum.extension import state

    app = host(tmp_path, "bare")
    with app.app_context(), pytest.raises(RuntimeError, match="Did you forget"):
        state()


def test_pages_extend_the_hosts_base_template_and_host_overrides_win(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    (templates / "civicforum").mkdir(parents=True)
    (templates / "host_base.html").write_text(
        '<!doctype html><html lang="{{ civicforum_locale }}"><title>{% block title %}{% endblock %}</title>'
        "<body><div id=host-chrome>Library header</div>{% block content %}{% endblock %}</body></html>"
    )
    (templates / "civicforum" / "sign_in.html").write_text(
        '{% extends "civicforum/layout.html" %}{% block forum_content %}<p>Our own sign-in page</p>{% endblock %}'
    )
    app = Flask("host", instance_path=str(tmp_path / "i"), template_folder=str(templates))
    app.config.update(
        SECRET_KEY=secrets.token_hex(32),
        CIVICFORUM_SECRET_KEY=secrets.token_hex(32),
        CIVICFORUM_DATABASE_URL=f"sqlite:///{tmp_path / 'h.db'}",
        CIVICFORUM_BASE_TEMPLATE="host_base.html",
    )
    CivicForum(app)
    Base.metadata.create_all(app.extensions["civicforum"].engine)
    client = app.test_client()
    index = client.get("/forum/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Library header" in index
    assert "<h1>Communities</h1>" in index
    missing = client.get("/forum/c/no-such-community/")
    assert missing.status_code == 404 and "Library header" in missing.get_data(as_text=True)
    assert "Our own sign-in page" in client.get("/forum/account/sign-in").get_data(as_text=True)


def test_unknown_paths_under_the_prefix_get_the_forums_not_found_page(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/forum/this/does/not/exist", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert "This page does not exist" in response.get_data(as_text=True)


def test_every_page_links_only_to_its_own_origin(client) -> None:  # type: ignore[no-untyped-def]
    import re

    for url in ["/forum/", "/forum/account/sign-in", "/forum/account/register"]:
        html = client.get(url).get_data(as_text=True)
        for attr in re.findall(r'(?:src|href)="([^"]+)"', html):
            assert not attr.startswith(("http:", "https:", "//")), attr
