"""Trusted information through the real pages: an editor writes, a second editor
approves, readers see the badge with its provenance and the sources, machines read
schema.org JSON-LD; a post's verdict is marked in its topic without moving it; the
dashboard and the daily command list what is due."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civicforum.curation import workflow
from civicforum.curation.content import Content, Source
from civicforum.curation.models import ItemTransition, Verdict, VerifiedItem
from civicforum.forum.models import Community
from civicforum.identity.models import Member

from .helpers import CurationWorld, FrozenClock, actor_of, curation_world, sign_in
from .moderationpages import EN, send, text, visible

START = dt.datetime(2030, 3, 3, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    return FrozenClock(monkeypatch, START)


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"CIVICFORUM_SITE_NAME": "Bibliotheek Voorbeeldstad"}


@pytest.fixture
def world(
    db: Session,
    make_member: Callable[..., Member],
    make_community: Callable[..., Community],
    clock: FrozenClock,
) -> CurationWorld:
    return curation_world(db, make_member, make_community)


ARTICLE = {
    "title": "DigiD aanvragen",
    "body": "Je vraagt DigiD aan op **digid.nl**.",
    "sources-0-citation": "DigiD, Aanvragen",
    "sources-0-url": "https://www.digid.nl/aanvragen",
    "sources-0-consulted_on": "2030-03-01",
    "sources-1-citation": "Rijksoverheid, DigiD",
    "sources-1-url": "https://www.rijksoverheid.nl/digid",
    "sources-1-consulted_on": "2030-02-27",
}


def step(client: FlaskClient, item_id: int, action: str, **fields: str) -> Any:
    data = {f"{action}-{name}": value for name, value in fields.items()}
    page = text(client.get(f"/forum/info/{item_id}", headers=EN))
    # The session's CSRF token, from whichever form the page has (the step's own form
    # may be missing: the page says why this editor cannot take the step).
    token = re.search(r'name="[a-z]*-?csrf_token"[^>]*value="([^"]*)"', page) or re.search(
        r'value="([^"]*)"[^>]*name="[a-z]*-?csrf_token"', page
    )
    assert token, "no form on the page"
    return client.post(
        f"/forum/info/{item_id}/step/{action}",
        data={f"{action}-csrf_token": token.group(1), **data},
        headers=EN,
    )


def written_article(client: FlaskClient, world: CurationWorld, **fields: str) -> Any:
    sign_in(client, world.editor)
    return send(client, "/forum/c/digitale-hulp/reliable/new", {**ARTICLE, **fields})


def latest(db: Session) -> VerifiedItem:
    db.expire_all()
    return db.scalars(select(VerifiedItem).order_by(VerifiedItem.id.desc()).limit(1)).one()


def json_ld(html: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert found, "no JSON-LD on the page"
    parsed: dict[str, Any] = json.loads(found.group(1))
    return parsed


def test_written_approved_and_shown_with_its_provenance(
    client: FlaskClient, db: Session, world: CurationWorld
) -> None:
    done = written_article(client, world, health="y")
    assert done.status_code == 302, visible(done)[:500]
    item = latest(db)
    # A draft is for editors only.
    sign_in(client, world.reader)
    assert client.get(f"/forum/info/{item.id}").status_code == 403
    sign_in(client, world.editor)
    assert step(client, item.id, "submit").status_code == 302
    assert "A second editor must approve this" in visible(
        client.get(f"/forum/info/{item.id}", headers=EN)
    )
    own = step(client, item.id, "approve", review_due="2031-03-03")
    assert own.status_code == 403
    assert "A second editor must approve this" in visible(own)
    sign_in(client, world.second_editor)
    assert (
        step(
            client, item.id, "approve", review_due="2031-03-03", note="Bronnen nagelezen."
        ).status_code
        == 302
    )

    sign_in(client, None)
    page = client.get(f"/forum/info/{item.id}", headers=EN)
    shown = visible(page)
    assert "Checked by the editors of Bibliotheek Voorbeeldstad on March 3, 2030" in shown
    assert "2 sources" in shown and "next check March 3, 2031" in shown
    assert "What “checked” means" in shown
    assert "DigiD, Aanvragen" in shown and "consulted on March 1, 2030" in shown
    assert "written by Joost and approved by Ingrid" in shown
    assert "Sent for review" in shown and "Bronnen nagelezen." in shown  # the history
    described = json_ld(text(page))
    assert described["@context"] == "https://schema.org"
    assert described["@type"] == "MedicalWebPage"
    for key in ("reviewedBy", "lastReviewed", "citation", "expires"):
        assert described[key], key
    assert described["lastReviewed"] == "2030-03-03" and described["expires"] == "2031-03-03"
    assert described["reviewedBy"] == {"@type": "Organization", "name": "Bibliotheek Voorbeeldstad"}
    assert [c["url"] for c in described["citation"]] == [
        "https://www.digid.nl/aanvragen",
        "https://www.rijksoverheid.nl/digid",
    ]
    listed = visible(client.get("/forum/c/digitale-hulp/reliable/", headers=EN))
    assert "DigiD aanvragen" in listed
    machine = client.get("/forum/c/digitale-hulp/reliable.json").get_json()
    assert [entry["title"] for entry in machine["items"]] == ["DigiD aanvragen"]
    assert machine["items"][0]["trusted"] is True
    assert machine["items"][0]["sources"][1]["consulted_on"] == "2030-02-27"


def test_out_of_date_information_loses_its_badge(
    client: FlaskClient, db: Session, world: CurationWorld, clock: FrozenClock, app: Flask
) -> None:
    editor, second = actor_of(db, world.editor), actor_of(db, world.second_editor)
    item = workflow.create_article(
        db,
        editor,
        world.community,
        Content(
            "E-books lenen",
            "Drie weken.",
            (Source("Bibliotheek", "https://www.onlinebibliotheek.nl", dt.date(2030, 3, 1)),),
        ),
    )
    workflow.submit(db, editor, item)
    workflow.approve(db, second, item, START + dt.timedelta(days=20))
    sign_in(client, world.editor)
    board = visible(client.get("/forum/editors/", headers=EN))
    assert "To be checked again within 30 days" in board and "E-books lenen" in board
    clock.advance(days=21)
    sign_in(client, None)
    page = visible(client.get(f"/forum/info/{item.id}", headers=EN))
    assert "Verification out of date" in page
    assert "Checked by the editors of" not in page
    # The daily command lists it, and records the step.
    result = app.test_cli_runner().invoke(args=["civicforum", "information", "due", "--mark"])
    assert result.exit_code == 0, result.output
    assert "E-books lenen" in result.stdout and "due" in result.stdout
    assert "1 item(s) to check; 1 marked as due for review." in result.stderr
    assert (
        db.scalar(select(func.count(ItemTransition.id)).where(ItemTransition.action == "due")) == 1
    )
    soon = app.test_cli_runner().invoke(
        args=["civicforum", "information", "due", "--within", "400"]
    )
    assert "E-books lenen" in soon.stdout


def test_a_revision_waits_while_the_checked_version_stays(
    client: FlaskClient, db: Session, world: CurationWorld
) -> None:
    written_article(client, world)
    item = latest(db)
    step(client, item.id, "submit")
    sign_in(client, world.second_editor)
    step(client, item.id, "approve", review_due="2031-01-01")
    sign_in(client, world.editor)
    edit = client.get(f"/forum/info/{item.id}/edit", headers=EN)
    assert "This information is checked." in visible(edit)
    assert 'value="https://www.digid.nl/aanvragen"' in text(edit)
    changed = send(
        client,
        f"/forum/info/{item.id}/edit",
        {**ARTICLE, "body": "Een nieuwe zin die nog niemand controleerde."},
    )
    assert changed.status_code == 302
    sign_in(client, None)
    public = visible(client.get(f"/forum/info/{item.id}", headers=EN))
    assert "Je vraagt DigiD aan op" in public
    assert "nog niemand controleerde" not in public
    sign_in(client, world.second_editor)
    review = visible(client.get(f"/forum/info/{item.id}", headers=EN))
    assert (
        "Version 2, waiting for a second editor" in review and "nog niemand controleerde" in review
    )
    assert step(client, item.id, "approve", review_due="2031-06-01").status_code == 302
    sign_in(client, None)
    assert "nog niemand controleerde" in visible(client.get(f"/forum/info/{item.id}", headers=EN))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {
                "sources-0-citation": "",
                "sources-0-url": "",
                "sources-0-consulted_on": "",
                "sources-1-citation": "",
                "sources-1-url": "",
                "sources-1-consulted_on": "",
            },
            "Give at least one source.",
        ),
        (
            {"sources-1-url": "ftp://files.example.org/digid.pdf"},
            "A source's web address starts with https:// or http://.",
        ),
        (
            {"sources-0-consulted_on": "2030-12-31"},
            "A source cannot have been consulted in the future.",
        ),
        ({"sources-0-consulted_on": "gisteren"}, "Not a valid date value."),
        ({"title": ""}, "Give the information a title."),
    ],
)
def test_bad_articles_are_refused_beside_the_field(
    client: FlaskClient, db: Session, world: CurationWorld, fields: dict[str, str], message: str
) -> None:
    refused = written_article(client, world, **fields)
    assert refused.status_code == 422
    assert message in visible(refused)
    assert db.scalar(select(func.count(VerifiedItem.id))) == 0


def test_a_date_to_check_again_in_the_past_is_refused(
    client: FlaskClient, db: Session, world: CurationWorld
) -> None:
    written_article(client, world)
    item = latest(db)
    step(client, item.id, "submit")
    sign_in(client, world.second_editor)
    refused = step(client, item.id, "approve", review_due="2030-03-01")
    assert refused.status_code == 422
    assert "The date to check it again must lie in the future." in visible(refused)
    assert latest(db).status == "in_review"


def test_a_verdict_is_marked_in_its_topic_without_moving_it(
    client: FlaskClient, db: Session, world: CurationWorld
) -> None:
    from .test_posting import preview_then_publish

    sign_in(client, world.reader)
    preview_then_publish(
        client, f"/forum/t/{world.topic.id}/reply", body="Bij mij werkte dat niet."
    )
    before = re.findall(r'id="post-(\d+)"', text(client.get(f"/forum/t/{world.topic.id}/")))
    sign_in(client, world.editor)
    form = visible(client.get(f"/forum/p/{world.post.id}/verify", headers=EN))
    assert "Check a post" in form and "Leg het paspoort plat neer" in form
    done = send(
        client,
        f"/forum/p/{world.post.id}/verify",
        {
            "title": "Plat neerleggen helpt bij het scannen",
            "verdict": "accurate",
            "body": "Dat klopt: zo leest de telefoon de chip.",
            "sources-0-citation": "DigiD, Hulp",
            "sources-0-url": "https://www.digid.nl/hulp",
            "sources-0-consulted_on": "2030-03-02",
        },
    )
    assert done.status_code == 302, visible(done)[:400]
    item = latest(db)
    step(client, item.id, "submit")
    sign_in(client, world.second_editor)
    step(client, item.id, "approve", review_due="2031-03-03")
    sign_in(client, None)
    topic = text(client.get(f"/forum/t/{world.topic.id}/", headers=EN))
    assert re.findall(r'id="post-(\d+)"', topic) == before  # the same order
    assert "Checked by the editors" in visible(
        client.get(f"/forum/t/{world.topic.id}/", headers=EN)
    )
    assert f'/forum/info/{item.id}"' in topic
    described = json_ld(text(client.get(f"/forum/info/{item.id}", headers=EN)))
    assert described["@type"] == "ClaimReview"
    assert described["claimReviewed"] == "Plat neerleggen helpt bij het scannen"
    assert described["reviewRating"]["ratingValue"] == 3
    assert described["reviewRating"]["alternateName"] == "Accurate"
    assert described["author"]["@type"] == "Organization"
    assert described["itemReviewed"]["appearance"]["url"].endswith(f"/forum/p/{world.post.id}")


def test_a_verdict_on_a_hidden_post_is_refused(
    client: FlaskClient, db: Session, world: CurationWorld
) -> None:
    world.post.hidden_at = START
    db.commit()
    sign_in(client, world.editor)
    refused = client.get(f"/forum/p/{world.post.id}/verify", headers=EN)
    assert refused.status_code == 403
    assert "A hidden post, or one waiting for approval, cannot be verified." in visible(refused)


def test_a_member_questions_it_and_an_editor_answers(
    client: FlaskClient, db: Session, world: CurationWorld
) -> None:
    written_article(client, world)
    item = latest(db)
    step(client, item.id, "submit")
    sign_in(client, world.second_editor)
    step(client, item.id, "approve", review_due="2031-03-03")
    sign_in(client, world.reader)
    url = f"/forum/info/{item.id}/question"
    refused = send(
        client,
        url,
        {"question": "Kan het ook zonder app?", "citation": "Forum", "url": "geen-adres"},
        form_url=f"/forum/info/{item.id}",
    )
    assert refused.status_code == 422 and "starts with https://" in visible(refused)
    asked = send(
        client,
        url,
        {"question": "Kan het ook zonder app?", "citation": "DigiD", "url": "https://www.digid.nl"},
        form_url=f"/forum/info/{item.id}",
    )
    assert asked.status_code == 302
    page = visible(client.get(f"/forum/info/{item.id}", headers=EN))
    assert "A member has raised a question about this" in page and "Kan het ook zonder app?" in page
    sign_in(client, world.second_editor)
    board = visible(client.get("/forum/editors/", headers=EN))
    assert "Questioned by members" in board and "DigiD aanvragen" in board
    sign_in(client, world.editor)  # who wrote it: another editor must answer
    assert "A second editor must answer this" in visible(
        client.get(f"/forum/info/{item.id}", headers=EN)
    )
    sign_in(client, world.second_editor)
    assert step(client, item.id, "uphold", note="Ja, met sms-controle.").status_code == 302
    sign_in(client, None)
    page = visible(client.get(f"/forum/info/{item.id}", headers=EN))
    assert "Ja, met sms-controle." in page
    assert "A member has raised a question" not in page


def test_who_sees_and_does_what(client: FlaskClient, db: Session, world: CurationWorld) -> None:
    sign_in(client, world.member)
    assert client.get("/forum/c/digitale-hulp/reliable/new").status_code == 403
    assert client.get(f"/forum/p/{world.post.id}/verify").status_code == 403
    assert client.get("/forum/editors/").status_code == 403
    sign_in(client, None)
    assert client.get("/forum/editors/").status_code == 403
    assert client.get("/forum/verified").status_code == 200
    sign_in(client, world.editor)
    assert client.get("/forum/editors/").status_code == 200
    assert "/forum/editors/" in text(client.get("/forum/", headers=EN))


def test_a_verdict_outlives_its_post_without_showing_it(
    client: FlaskClient, db: Session, world: CurationWorld
) -> None:
    editor, second = actor_of(db, world.editor), actor_of(db, world.second_editor)
    item = workflow.create_verification(
        db,
        editor,
        world.post,
        Content(
            "Plat neerleggen helpt",
            "Klopt.",
            (Source("DigiD", "https://www.digid.nl/hulp", dt.date(2030, 3, 1)),),
            Verdict.ACCURATE,
        ),
    )
    workflow.submit(db, editor, item)
    workflow.approve(db, second, item, START + dt.timedelta(days=300))
    world.post.deleted_at = START
    db.commit()
    sign_in(client, world.reader)
    page = visible(client.get(f"/forum/info/{item.id}", headers=EN))
    assert "Plat neerleggen helpt" in page and "Accurate" in page
    assert "Leg het paspoort plat neer" not in page
