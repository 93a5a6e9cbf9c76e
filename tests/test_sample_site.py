"""The sample library site: its own plugin extends the forum from outside the package."""

from __future__ import annotations

from pathlib import Path

from civicforum.db import Base
from civicforum.forum import services
from sample_site import create_app


def test_the_sites_own_plugin_shows_opening_hours_in_the_sites_language(
    database_url: str, tmp_path: Path
) -> None:
    app = create_app(
        {
            "CIVICFORUM_DATABASE_URL": database_url,
            "SECRET_KEY": "s" * 40,
            "CIVICFORUM_SECRET_KEY": "f" * 40,
            "WTF_CSRF_ENABLED": False,
        }
    )
    app.instance_path = str(tmp_path)
    Base.metadata.create_all(app.extensions["civicforum"].engine)
    with app.extensions["civicforum"].session_factory() as db:
        services.create_community(db, slug="leesclub", name="Leesclub")
    client = app.test_client()
    dutch = client.get("/forum/c/leesclub/").get_data(as_text=True)
    assert "Openingstijden bibliotheek" in dutch and "za 10.00–17.00 uur" in dutch
    client.post("/taal", data={"next": "/forum/c/leesclub/"})
    english = client.get("/forum/c/leesclub/").get_data(as_text=True)
    assert "Library opening hours" in english and "Sat 10:00–17:00" in english
    assert "site-hours" not in client.get("/forum/").get_data(as_text=True), (
        "only beside a community"
    )
