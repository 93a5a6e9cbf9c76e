"""Reading and writing through the real pages: topics, replies, previews, edits, deletes."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy import func, select

from civicforum.forum.models import Post, Topic
from civicforum.identity.models import IdentityLevel

from .helpers import add_member, form_token, sign_in

EN = {"Accept-Language": "en"}


def text(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


def preview_then_publish(client: FlaskClient, url: str, **fields: str) -> tuple[object, object]:
    """Submit a compose form as a person would: preview first, then publish."""
    page = client.get(url, headers=EN)
    assert page.status_code == 200, text(page)
    data = {
        "csrf_token": form_token(text(page)),
        "submission_token": form_token(text(page), "submission_token"),
        "publish_as": "pseudonym",
        "preview": "1",
        **fields,
    }
    preview = client.post(url, data=data, headers=EN)
    if preview.status_code != 200:
        return preview, None
    data.pop("preview")
    data["previewed"] = form_token(text(preview), "previewed")
    data["publish"] = "1"
    return preview, client.post(url, data=data, headers=EN)


def setup_community(db, make_member, make_community, **kw):  # type: ignore[no-untyped-def]
    community = make_community("leesclub", **kw)
    author = make_member("Ans")
    add_member(db, community, author)
    return community, author


def test_start_a_topic_with_preview_then_reply_with_quote(
    client, db, make_member, make_community
) -> None:  # type: ignore[no-untyped-def]
    community, author = setup_community(db, make_member, make_community)
    sign_in(client, author)
    preview, published = preview_then_publish(
        client, "/forum/c/leesclub/new", title="Wie leest er mee?", body="Ik lees *De Avonden*."
    )
    assert "Preview: this is how it will look" in text(preview)
    assert "<em>De Avonden</em>" in text(preview)
    assert "Shown to others:" in text(preview)
    assert published.status_code == 302
    topic = db.scalar(select(Topic))
    assert topic.title == "Wie leest er mee?"
    page = text(client.get(f"/forum/t/{topic.id}/", headers=EN))
    assert "<em>De Avonden</em>" in page and "Ans" in page

    first_post = db.scalar(select(Post))
    quote_page = text(client.get(f"/forum/t/{topic.id}/reply?quote={first_post.id}", headers=EN))
    assert "&gt; **Ans:**" in quote_page and "&gt; Ik lees *De Avonden*." in quote_page
    _, published = preview_then_publish(
        client, f"/forum/t/{topic.id}/reply", body="> **Ans:**\n> Ik lees mee\n\nIk ook!"
    )
    assert published.status_code == 302
    permalink = published.headers["Location"]
    landed = client.get(permalink)
    assert landed.status_code == 302 and re.search(
        rf"/forum/t/{topic.id}/#post-\d+$", landed.headers["Location"]
    )
    assert "<blockquote>" in text(client.get(f"/forum/t/{topic.id}/", headers=EN))


def test_publishing_without_a_preview_of_that_exact_text_shows_the_preview_again(
    client, db, make_member, make_community
) -> None:  # type: ignore[no-untyped-def]
    community, author = setup_community(db, make_member, make_community)
    sign_in(client, author)
    page = text(client.get("/forum/c/leesclub/new", headers=EN))
    response = client.post(
        "/forum/c/leesclub/new",
        headers=EN,
        data={
            "csrf_token": form_token(page),
            "submission_token": form_token(page, "submission_token"),
            "title": "Rechtstreeks",
            "body": "zonder voorbeeld",
            "publish_as": "pseudonym",
            "publish": "1",
            "previewed": "forged",
        },
    )
    assert response.status_code == 200
    assert "Preview: this is how it will look" in text(response)
    assert db.scalar(select(func.count(Topic.id))) == 0
    page = text(client.get("/forum/c/leesclub/new", headers=EN))
    preview_only = client.post(
        "/forum/c/leesclub/new",
        headers=EN,
        data={
            "csrf_token": form_token(page),
            "submission_token": form_token(page, "submission_token"),
            "title": "Alleen bekijken",
            "body": "voorbeeld",
            "publish_as": "pseudonym",
            "preview": "1",
        },
    )
    assert "Alleen bekijken" in text(preview_only)
    assert db.scalar(select(func.count(Topic.id))) == 0, "nothing is published at the preview step"


def test_a_reply_submitted_twice_creates_one_post(client, db, make_member, make_community) -> None:  # type: ignore[no-untyped-def]
    community, author = setup_community(db, make_member, make_community)
    sign_in(client, author)
    _, published = preview_then_publish(
        client, "/forum/c/leesclub/new", title="Dubbel", body="Eerste"
    )
    topic = db.scalar(select(Topic))
    url = f"/forum/t/{topic.id}/reply"
    page = text(client.get(url, headers=EN))
    data = {
        "csrf_token": form_token(page),
        "submission_token": form_token(page, "submission_token"),
        "publish_as": "pseudonym",
        "body": "Een keer",
        "preview": "1",
    }
    preview = client.post(url, data=data, headers=EN)
    data.pop("preview")
    data.update(previewed=form_token(text(preview), "previewed"), publish="1")
    first = client.post(url, data=data, headers=EN)
    second = client.post(url, data=data, headers=EN)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert db.scalar(select(func.count(Post.id)).where(Post.topic_id == topic.id)) == 2
    db.expire_all()
    assert db.get(Topic, topic.id).post_count == 2


def test_bad_input_gets_a_form_error_and_nothing_is_written(
    client, db, make_member, make_community
) -> None:  # type: ignore[no-untyped-def]
    community, author = setup_community(db, make_member, make_community)
    sign_in(client, author)
    cases = [
        ({"title": "x" * 151, "body": "fine"}, "A title can be at most 150 characters."),
        ({"title": "ok title", "body": "   "}, "Write something before you post."),
        ({"title": "ok title", "body": "y" * 20001}, "A post can be at most 20000 characters"),
        ({"title": "ok title", "body": "\x00\x01"}, "Write something before you post."),
    ]
    for fields, message in cases:
        preview, _ = preview_then_publish(client, "/forum/c/leesclub/new", **fields)
        assert preview.status_code == 422
        assert message in text(preview)
    assert db.scalar(select(func.count(Topic.id))) == 0


def test_invalid_utf8_in_a_form_is_no_server_error(client, db, make_member, make_community) -> None:  # type: ignore[no-untyped-def]
    community, author = setup_community(db, make_member, make_community)
    sign_in(client, author)
    page = text(client.get("/forum/c/leesclub/new"))
    body = (
        b"csrf_token="
        + form_token(page).encode()
        + b"&title=%ff%fe+titel&body=%c3%28+tekst&preview=1"
        b"&publish_as=pseudonym&submission_token=abc"
    )
    response = client.post(
        "/forum/c/leesclub/new", data=body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code < 500


def test_edit_keeps_the_earlier_text_in_a_visible_history(
    client, db, make_member, make_community
) -> None:  # type: ignore[no-untyped-def]
    community, author = setup_community(db, make_member, make_community)
    sign_in(client, author)
    preview_then_publish(client, "/forum/c/leesclub/new", title="Over tijd", body="Eerste versie")
    post = db.scalar(select(Post))
    page = text(client.get(f"/forum/p/{post.id}/edit", headers=EN))
    assert "Eerste versie" in page
    saved = client.post(
        f"/forum/p/{post.id}/edit",
        headers=EN,
        data={"csrf_token": form_token(page), "body": "Tweede versie"},
    )
    assert saved.status_code == 302
    topic_page = text(client.get(f"/forum/t/{post.topic_id}/", headers=EN))
    assert "Tweede versie" in topic_page and "Eerste versie" not in topic_page
    assert f"/forum/p/{post.id}/history" in topic_page
    history = text(client.get(f"/forum/p/{post.id}/history", headers=EN))
    assert history.index("Tweede versie") < history.index("Eerste versie")


def test_others_cannot_edit_or_delete_a_post(client, db, make_member, make_community) -> None:  # type: ignore[no-untyped-def]
    community, author = setup_community(db, make_member, make_community)
    sign_in(client, author)
    preview_then_publish(client, "/forum/c/leesclub/new", title="Van mij", body="Mijn tekst")
    post = db.scalar(select(Post))
    other = make_member("Bram")
    add_member(db, community, other)
    sign_in(client, other)
    assert client.get(f"/forum/p/{post.id}/edit").status_code == 403
    page = text(client.get(f"/forum/t/{post.topic_id}/"))
    response = client.post(f"/forum/p/{post.id}/delete", data={"csrf_token": form_token(page)})
    assert response.status_code == 403
    db.expire_all()
    assert db.get(Post, post.id).deleted_at is None


def test_delete_own_post_keeps_its_place_but_not_its_text(
    client, db, make_member, make_community
) -> None:  # type: ignore[no-untyped-def]
    community, author = setup_community(db, make_member, make_community)
    sign_in(client, author)
    preview_then_publish(client, "/forum/c/leesclub/new", title="Weg ermee", body="Geheimpje")
    post = db.scalar(select(Post))
    confirm = text(client.get(f"/forum/p/{post.id}/delete", headers=EN))
    assert "Delete your post?" in confirm
    client.post(f"/forum/p/{post.id}/delete", data={"csrf_token": form_token(confirm)})
    page = text(client.get(f"/forum/t/{post.topic_id}/", headers=EN))
    assert "Geheimpje" not in page and "This post was deleted." in page


def test_forms_without_a_csrf_token_are_refused(client, db, make_member, make_community) -> None:  # type: ignore[no-untyped-def]
    community, author = setup_community(db, make_member, make_community)
    sign_in(client, author)
    response = client.post(
        "/forum/c/leesclub/new",
        headers=EN,
        data={"title": "Geen token", "body": "tekst", "publish": "1", "publish_as": "pseudonym"},
    )
    assert response.status_code == 422
    assert db.scalar(select(func.count(Topic.id))) == 0
    left = client.post("/forum/c/leesclub/join", headers=EN)
    assert left.status_code == 400


def test_posting_needs_the_communitys_identity_level(
    client, db, make_member, make_community
) -> None:  # type: ignore[no-untyped-def]
    community = make_community("patienten", level=IdentityLevel.VERIFIED)
    member = make_member("Cor")
    add_member(db, community, member)
    sign_in(client, member)
    response = client.get("/forum/c/patienten/new", headers=EN)
    assert response.status_code == 403
    assert "verified" in text(response)


def test_replies_to_a_locked_topic_are_refused(client, db, make_member, make_community) -> None:  # type: ignore[no-untyped-def]
    community, author = setup_community(db, make_member, make_community)
    sign_in(client, author)
    preview_then_publish(client, "/forum/c/leesclub/new", title="Op slot", body="Tekst")
    topic = db.scalar(select(Topic))
    topic.is_locked = True
    db.commit()
    assert client.get(f"/forum/t/{topic.id}/reply", headers=EN).status_code == 403
    assert "This topic is locked" in text(client.get(f"/forum/t/{topic.id}/", headers=EN))


def test_anonymous_posts_hide_the_name_from_others_but_not_from_moderators(
    client, db, make_member, make_community
) -> None:  # type: ignore[no-untyped-def]
    from civicforum.forum.models import Role

    community, author = setup_community(db, make_member, make_community)
    moderator = make_member("Moderator Mo")
    add_member(db, community, moderator, Role.MODERATOR)
    reader = make_member("Lezer Lies")
    sign_in(client, author)
    page = client.get("/forum/c/leesclub/new", headers=EN)
    data = {
        "csrf_token": form_token(text(page)),
        "submission_token": form_token(text(page), "submission_token"),
        "title": "Iets persoonlijks",
        "body": "Liever anoniem",
        "publish_as": "anonymous",
        "preview": "1",
    }
    preview = client.post("/forum/c/leesclub/new", data=data, headers=EN)
    assert "As “anonymous member”" in text(preview)
    data.pop("preview")
    data.update(previewed=form_token(text(preview), "previewed"), publish="1")
    client.post("/forum/c/leesclub/new", data=data, headers=EN)
    topic = db.scalar(select(Topic))
    sign_in(client, reader)
    seen = text(client.get(f"/forum/t/{topic.id}/", headers=EN))
    assert "anonymous member" in seen and "Ans" not in seen
    sign_in(client, moderator)
    assert "(Ans)" in text(client.get(f"/forum/t/{topic.id}/", headers=EN))


def test_no_popularity_counts_anywhere(client, db, make_member, make_community) -> None:  # type: ignore[no-untyped-def]
    community, author = setup_community(db, make_member, make_community)
    sign_in(client, author)
    preview_then_publish(client, "/forum/c/leesclub/new", title="Tellen", body="Niets tellen")
    topic = db.scalar(select(Topic))
    for url in ["/forum/", "/forum/c/leesclub/", f"/forum/t/{topic.id}/"]:
        page = text(client.get(url, headers=EN)).lower()
        for word in ("likes", "views", "followers", "replies", "leden", "members:"):
            assert word not in page, (url, word)
