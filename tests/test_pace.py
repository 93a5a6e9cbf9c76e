"""Each person's pace, through the real pages: their choices on the settings page, the
one question about mail, following in one click, the late-hour note, and content
warnings that authors put on their own posts."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from civicforum.forum import services as forum_services
from civicforum.forum.models import Post
from civicforum.identity.models import PublishAs
from civicforum.pace.models import CommunityFollow, Preferences, TopicFollow
from civicforum.pace.quiet import in_window, is_quiet, parse_hhmm, quiet_ends

from .helpers import FrozenClock, actor_of, add_member, form_token, sign_in
from .test_posting import preview_then_publish

EN = {"Accept-Language": "en"}
NL = {"Accept-Language": "nl"}
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
LIMITS = forum_services.Limits(max_title_length=150, max_post_length=20000)


def text(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


def settings_form(client: FlaskClient, **fields: str) -> dict[str, str]:
    page = text(client.get("/forum/account/settings", headers=EN))
    pace = page[page.index('action="/forum/account/settings/pace"') :]
    data = {
        "csrf_token": form_token(pace),
        "digest": "never",
        "timezone": "Europe/Amsterdam",
        "quiet_start": "",
        "quiet_end": "",
    }
    data.update(fields)
    return data


def save_pace(client: FlaskClient, **fields: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/forum/account/settings/pace", data=settings_form(client, **fields), headers=EN
    )


def a_topic(db: Session, community, author, title: str = "Wat lezen we?"):  # type: ignore[no-untyped-def]
    return forum_services.start_topic(
        db,
        actor_of(db, author),
        community,
        title=title,
        body="Ik begin met *De Avonden*.",
        publish_as=PublishAs.PSEUDONYM,
        submission_token=f"t-{title}",
        limits=LIMITS,
    )


# -- quiet hours, as arithmetic ------------------------------------------------------------


def test_quiet_hours_that_wrap_midnight() -> None:
    start, end = parse_hhmm("22:30"), parse_hhmm("07:00")
    assert (start, end) == (1350, 420)
    assert in_window(23 * 60, start, end) and in_window(0, start, end)
    assert in_window(6 * 60 + 59, start, end)
    assert not in_window(7 * 60, start, end) and not in_window(22 * 60 + 29, start, end)
    assert not in_window(3 * 60, None, None)


def test_quiet_hours_within_one_day() -> None:
    assert in_window(13 * 60, 12 * 60, 14 * 60)
    assert not in_window(14 * 60, 12 * 60, 14 * 60)


@pytest.mark.parametrize("bad", ["25:00", "7", "07:60", "aa:bb", "-1:00", "", "１２:００"])
def test_times_of_day_that_are_not(bad: str) -> None:
    assert parse_hhmm(bad) is None


def test_quiet_hours_are_read_on_the_members_own_clock() -> None:
    # 21:30 UTC in December is 22:30 in Amsterdam: quiet there, not yet in London.
    moment = dt.datetime(2026, 12, 6, 21, 30, tzinfo=dt.UTC)
    assert is_quiet(moment, 22 * 60, 7 * 60, AMSTERDAM)
    assert not is_quiet(moment, 22 * 60, 7 * 60, ZoneInfo("Europe/London"))
    # They end at 07:00 the next morning, Amsterdam time.
    assert quiet_ends(moment, 22 * 60, 7 * 60, AMSTERDAM) == dt.datetime(
        2026, 12, 7, 6, 0, tzinfo=dt.UTC
    )


def test_quiet_hours_end_on_the_wall_clock_across_a_clock_change() -> None:
    # The night the clocks go back (25 October 2026): 07:00 is 06:00 UTC, not 05:00.
    moment = dt.datetime(2026, 10, 24, 22, 0, tzinfo=dt.UTC)  # 00:00 summer time
    assert quiet_ends(moment, 23 * 60, 7 * 60, AMSTERDAM) == dt.datetime(
        2026, 10, 25, 6, 0, tzinfo=dt.UTC
    )


# -- the settings page -------------------------------------------------------------------


def test_a_new_member_gets_no_mail_and_calm_defaults(client, db, make_member) -> None:  # type: ignore[no-untyped-def]
    member = make_member("Noor")
    sign_in(client, member)
    page = text(client.get("/forum/account/settings", headers=EN))
    assert "How the forum reaches you" in page
    assert re.search(r'value="never"[^>]*checked|checked[^>]*value="never"', page)
    assert "You follow nothing yet." in page
    assert db.get(Preferences, member.id) is None  # nothing stored until they choose


def test_saving_how_the_forum_reaches_me(client, db, make_member) -> None:  # type: ignore[no-untyped-def]
    member = make_member("Noor")
    sign_in(client, member)
    response = save_pace(
        client,
        digest="weekly",
        timezone="Europe/London",
        quiet_start="22:00",
        quiet_end="07:30",
        open_warnings="y",
    )
    assert response.status_code == 302
    prefs = db.get(Preferences, member.id)
    db.refresh(prefs)
    assert (prefs.digest, prefs.timezone, prefs.quiet_start, prefs.quiet_end) == (
        "weekly",
        "Europe/London",
        22 * 60,
        7 * 60 + 30,
    )
    assert prefs.open_warnings and prefs.digest_asked_at is not None
    page = text(client.get("/forum/account/settings", headers=EN))
    assert 'value="22:00"' in page and 'value="07:30"' in page
    assert "Your choices are saved." in page


def test_the_sites_time_zone_is_not_stored_as_a_choice(client, db, make_member) -> None:  # type: ignore[no-untyped-def]
    member = make_member("Noor")
    sign_in(client, member)
    assert save_pace(client, timezone="Europe/Amsterdam").status_code == 302
    assert db.get(Preferences, member.id).timezone is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"timezone": "Mars/Olympus_Mons"}, "is not a time zone we know"),
        ({"timezone": "x" * 5000}, "is not a time zone we know"),
        ({"quiet_start": "22:00"}, "Give both the start and the end"),
        ({"quiet_start": "25:00", "quiet_end": "07:00"}, "Write a time of day such as 22:00."),
        ({"quiet_start": "07:00", "quiet_end": "07:00"}, "start and end at different times"),
        ({"digest": "hourly"}, "Choose how often the forum may write to you."),
        ({"quiet_end": "07:00\x00"}, "Write a time of day such as 22:00."),
    ],
)
def test_wrong_choices_are_refused_saying_why_and_change_nothing(  # type: ignore[no-untyped-def]
    client, db, make_member, fields, message
) -> None:
    member = make_member("Noor")
    sign_in(client, member)
    response = save_pace(client, **fields)
    assert response.status_code == 422
    assert message in text(response)
    assert db.get(Preferences, member.id) is None


def test_the_pace_form_needs_its_csrf_token(client, make_member) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, make_member("Noor"))
    data = settings_form(client)
    data["csrf_token"] = "forged"
    assert client.post("/forum/account/settings/pace", data=data).status_code in (400, 422)


def test_visitors_are_sent_to_sign_in_from_the_settings(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/forum/account/settings").status_code == 302
    assert client.post("/forum/account/settings/pace", data={}).status_code == 401


def test_the_settings_page_speaks_dutch(client, make_member) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, make_member("Noor"))
    page = text(client.get("/forum/account/settings", headers=NL))
    assert "Hoe het forum je bereikt" in page and "Stille uren" in page


# -- following -----------------------------------------------------------------------------


def test_follow_a_community_and_a_topic_then_unfollow_in_one_click(  # type: ignore[no-untyped-def]
    client, db, make_member, make_community
) -> None:
    community = make_community("leesclub")
    author, reader = make_member("Ans"), make_member("Bo")
    add_member(db, community, author)
    topic = a_topic(db, community, author)
    sign_in(client, reader)

    page = text(client.get("/forum/c/leesclub/", headers=EN))
    assert "Follow this community" in page
    response = client.post(
        "/forum/c/leesclub/follow",
        data={"csrf_token": form_token(page), "next": "/forum/c/leesclub/"},
        headers=EN,
    )
    assert response.status_code == 302 and response.location == "/forum/c/leesclub/"
    page = text(client.get("/forum/c/leesclub/", headers=EN))
    assert "You follow this community" in page and "Unfollow" in page

    topic_page = text(client.get(f"/forum/t/{topic.id}/", headers=EN))
    client.post(f"/forum/t/{topic.id}/follow", data={"csrf_token": form_token(topic_page)})
    assert db.scalar(select(TopicFollow).where(TopicFollow.member_id == reader.id))

    settings = text(client.get("/forum/account/settings", headers=EN))
    assert "Leesclub" in settings and "Wat lezen we?" in settings
    client.post(
        f"/forum/t/{topic.id}/unfollow",
        data={"csrf_token": form_token(settings), "next": "/forum/account/settings"},
    )
    client.post("/forum/c/leesclub/unfollow", data={"csrf_token": form_token(settings)})
    db.expire_all()
    assert db.scalars(select(CommunityFollow)).all() == []
    assert db.scalars(select(TopicFollow)).all() == []
    assert "You follow nothing yet." in text(client.get("/forum/account/settings", headers=EN))


def test_following_twice_keeps_one_follow(client, db, make_member, make_community) -> None:  # type: ignore[no-untyped-def]
    make_community("leesclub")
    sign_in(client, make_member("Bo"))
    token = form_token(text(client.get("/forum/c/leesclub/")))
    for _ in range(2):
        assert (
            client.post("/forum/c/leesclub/follow", data={"csrf_token": token}).status_code == 302
        )
    assert len(db.scalars(select(CommunityFollow)).all()) == 1


def test_no_one_follows_what_they_may_not_read(client, db, make_member, make_community) -> None:  # type: ignore[no-untyped-def]
    secret = make_community("kring", members_only=True)
    author, outsider = make_member("Ans"), make_member("Bo")
    add_member(db, secret, author)
    topic = a_topic(db, secret, author)
    sign_in(client, outsider)
    token = form_token(text(client.get("/forum/c/kring/")))
    assert "Follow this community" not in text(client.get("/forum/c/kring/"))
    assert client.post("/forum/c/kring/follow", data={"csrf_token": token}).status_code == 403
    assert client.post(f"/forum/t/{topic.id}/follow", data={"csrf_token": token}).status_code in (
        403,
        404,
    )
    assert db.scalars(select(CommunityFollow)).all() == []
    assert db.scalars(select(TopicFollow)).all() == []


def test_following_needs_a_csrf_token_and_a_real_target(
    client, make_member, make_community
) -> None:  # type: ignore[no-untyped-def]
    make_community("leesclub")
    sign_in(client, make_member("Bo"))
    assert client.post("/forum/c/leesclub/follow", data={}).status_code == 400
    token = form_token(text(client.get("/forum/c/leesclub/")))
    assert client.post("/forum/c/nergens/follow", data={"csrf_token": token}).status_code == 404
    assert client.post("/forum/t/999999/follow", data={"csrf_token": token}).status_code == 404
    # Only paths on this site as the way back.
    response = client.post(
        "/forum/c/leesclub/follow", data={"csrf_token": token, "next": "//evil.example/"}
    )
    assert response.status_code == 302 and "evil" not in response.location


def test_visitors_see_no_follow_button(client, make_community) -> None:  # type: ignore[no-untyped-def]
    make_community("leesclub")
    assert "Follow this community" not in text(client.get("/forum/c/leesclub/", headers=EN))


# -- the one question about mail ---------------------------------------------------------


@pytest.fixture
def app_config(smtp) -> dict:  # type: ignore[no-untyped-def]
    from .smtpsink import mail_config

    _inbox, port = smtp
    return mail_config(port)


def test_the_question_about_mail_is_asked_once_in_plain_words(client, db, make_member) -> None:  # type: ignore[no-untyped-def]
    member = make_member("Noor")
    sign_in(client, member)
    page = text(client.get("/forum/", headers=EN))
    assert "Shall the forum write to you now and then?" in page
    assert "Never at night" in page
    response = client.post(
        "/forum/account/digest-question",
        data={"csrf_token": form_token(page), "weekly": "1", "next": "/forum/"},
        headers=EN,
    )
    assert response.status_code == 302
    assert db.get(Preferences, member.id).digest == "weekly"
    assert "Shall the forum write" not in text(client.get("/forum/", headers=EN))


def test_no_thanks_is_an_answer_too(client, db, make_member) -> None:  # type: ignore[no-untyped-def]
    member = make_member("Noor")
    sign_in(client, member)
    token = form_token(text(client.get("/forum/")))
    client.post("/forum/account/digest-question", data={"csrf_token": token, "never": "1"})
    prefs = db.get(Preferences, member.id)
    assert prefs.digest == "never" and prefs.digest_asked_at is not None
    assert "Shall the forum write" not in text(client.get("/forum/", headers=EN))


def test_the_question_needs_its_csrf_token(client, db, make_member) -> None:  # type: ignore[no-untyped-def]
    member = make_member("Noor")
    sign_in(client, member)
    assert client.post("/forum/account/digest-question", data={"daily": "1"}).status_code == 400
    assert db.get(Preferences, member.id) is None


def test_a_site_without_mail_asks_nothing(tmp_path, make_member) -> None:  # type: ignore[no-untyped-def]
    from .conftest import forum_app, fresh_database

    with fresh_database(tmp_path) as url, forum_app(url, tmp_path / "i") as app:
        client = app.test_client()
        db = app.extensions["civicforum"].session_factory()
        from civicforum.identity import services as identity_services

        member = identity_services.register_local_account(
            db, email="noor@example.org", password="correct horse battery", display_name="Noor"
        )
        sign_in(client, member)
        assert "Shall the forum write" not in text(client.get("/forum/", headers=EN))
        settings = text(client.get("/forum/account/settings", headers=EN))
        assert "This site sends no e-mail" in settings
        db.close()


# -- quiet hours on the pages ------------------------------------------------------------


def quiet_member(db: Session, member) -> None:  # type: ignore[no-untyped-def]
    db.add(Preferences(member_id=member.id, quiet_start=22 * 60, quiet_end=7 * 60))
    db.commit()


def test_late_at_night_the_forum_suggests_rest_instead_of_the_reply_form(  # type: ignore[no-untyped-def]
    client, db, make_member, make_community, monkeypatch
) -> None:
    community = make_community("leesclub")
    author = make_member("Ans")
    add_member(db, community, author)
    topic = a_topic(db, community, author)
    quiet_member(db, author)
    sign_in(client, author)
    clock = FrozenClock(monkeypatch, dt.datetime(2026, 12, 6, 23, 30, tzinfo=dt.UTC))  # 00:30 local

    page = text(client.get(f"/forum/t/{topic.id}/", headers=EN))
    assert "It is late." in page and "will still be here tomorrow" in page
    assert 'name="body"' not in page
    compose = text(client.get("/forum/c/leesclub/new", headers=EN))
    assert "It is late." in compose and 'name="title"' not in compose

    passed = text(client.get(f"/forum/t/{topic.id}/?write=anyway", headers=EN))
    assert 'name="body"' in passed and "It is late." not in passed
    # Passed once, the note stays away for the rest of this night.
    assert 'name="title"' in text(client.get("/forum/c/leesclub/new", headers=EN))

    # Writing itself is never refused: the note is a suggestion.
    _, published = preview_then_publish(
        client, f"/forum/t/{topic.id}/reply", body="Toch nog even dit."
    )
    assert published.status_code == 302
    assert "It is late." not in text(client.get(published.location, follow_redirects=True))

    clock.moment = dt.datetime(2026, 12, 7, 6, 0, tzinfo=dt.UTC)  # 07:00 local: morning
    assert "It is late." not in text(client.get(f"/forum/t/{topic.id}/", headers=EN))
    clock.moment = dt.datetime(2026, 12, 7, 22, 0, tzinfo=dt.UTC)  # the next night
    assert "It is late." in text(client.get(f"/forum/t/{topic.id}/", headers=EN))


def test_the_late_note_speaks_dutch(client, db, make_member, make_community, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    community = make_community("leesclub")
    author = make_member("Ans")
    add_member(db, community, author)
    topic = a_topic(db, community, author)
    quiet_member(db, author)
    sign_in(client, author)
    FrozenClock(monkeypatch, dt.datetime(2026, 12, 6, 23, 30, tzinfo=dt.UTC))
    page = text(client.get(f"/forum/t/{topic.id}/", headers=NL))
    assert "Het is laat." in page


def test_a_time_zone_no_longer_known_falls_back_to_the_sites(  # type: ignore[no-untyped-def]
    client, db, make_member, make_community, monkeypatch
) -> None:
    community = make_community("leesclub")
    author = make_member("Ans")
    add_member(db, community, author)
    topic = a_topic(db, community, author)
    db.add(
        Preferences(
            member_id=author.id, timezone="Atlantis/Capital", quiet_start=22 * 60, quiet_end=7 * 60
        )
    )
    db.commit()
    sign_in(client, author)
    FrozenClock(monkeypatch, dt.datetime(2026, 12, 6, 23, 30, tzinfo=dt.UTC))
    page = client.get(f"/forum/t/{topic.id}/", headers=EN)
    assert page.status_code == 200 and "It is late." in text(page)


# -- content warnings by authors ---------------------------------------------------------


def test_an_author_puts_their_own_post_under_a_warning(  # type: ignore[no-untyped-def]
    client, db, make_member, make_community
) -> None:
    community = make_community("leesclub")
    author, reader = make_member("Ans"), make_member("Bo")
    add_member(db, community, author)
    sign_in(client, author)
    preview, published = preview_then_publish(
        client,
        "/forum/c/leesclub/new",
        title="Over mijn moeder",
        body="Zij overleed vorig jaar.",
        warning="  verlies   en rouw ",
    )
    assert "Content warning: verlies en rouw" in text(preview)
    assert published.status_code == 302
    post = db.scalar(select(Post).where(Post.body == "Zij overleed vorig jaar."))
    assert post.author_warning == "verlies en rouw" and post.content_warning is None

    sign_in(client, reader)
    page = text(client.get(published.location, headers=EN, follow_redirects=True))
    details = re.search(r'<details class="cf-content-warning"([^>]*)>(.*?)</details>', page, re.S)
    assert details, page
    assert "open" not in details.group(1)
    assert "Content warning: verlies en rouw" in details.group(2)
    assert "Zij overleed vorig jaar." in details.group(2)
    assert "Label placed by the author" in page


def test_a_reader_who_chose_so_sees_warned_posts_opened(  # type: ignore[no-untyped-def]
    client, db, make_member, make_community
) -> None:
    community = make_community("leesclub")
    author, reader = make_member("Ans"), make_member("Bo")
    add_member(db, community, author)
    topic = forum_services.start_topic(
        db,
        actor_of(db, author),
        community,
        title="Over mijn moeder",
        body="Zij overleed vorig jaar.",
        publish_as=PublishAs.PSEUDONYM,
        submission_token="t1",
        limits=LIMITS,
        warning="rouw",
    )
    db.add(Preferences(member_id=reader.id, open_warnings=True))
    db.commit()
    sign_in(client, reader)
    page = text(client.get(f"/forum/t/{topic.id}/", headers=EN))
    assert '<details class="cf-content-warning" open>' in page


def test_the_author_changes_or_removes_their_warning_by_editing(  # type: ignore[no-untyped-def]
    client, db, make_member, make_community
) -> None:
    community = make_community("leesclub")
    author = make_member("Ans")
    add_member(db, community, author)
    topic = a_topic(db, community, author)
    post = db.scalar(select(Post).where(Post.topic_id == topic.id))
    sign_in(client, author)
    page = text(client.get(f"/forum/p/{post.id}/edit", headers=EN))
    response = client.post(
        f"/forum/p/{post.id}/edit",
        data={"csrf_token": form_token(page), "body": post.body, "warning": "spoilers"},
    )
    assert response.status_code == 302
    db.refresh(post)
    assert post.author_warning == "spoilers" and post.revisions == []  # no new text
    page = text(client.get(f"/forum/p/{post.id}/edit", headers=EN))
    assert 'value="spoilers"' in page
    client.post(
        f"/forum/p/{post.id}/edit",
        data={"csrf_token": form_token(page), "body": post.body, "warning": ""},
    )
    db.refresh(post)
    assert post.author_warning is None


def test_a_warning_label_that_is_too_long_is_refused(
    client, db, make_member, make_community
) -> None:  # type: ignore[no-untyped-def]
    community = make_community("leesclub")
    author = make_member("Ans")
    add_member(db, community, author)
    sign_in(client, author)
    preview, _ = preview_then_publish(
        client, "/forum/c/leesclub/new", title="Lang", body="Tekst.", warning="w" * 101
    )
    assert preview.status_code == 422
    assert "A warning label can be at most 100 characters" in text(preview)
    assert db.scalars(select(Post)).all() == []


# -- an address for digests, for members without a forum password --------------------------


def without_password(db: Session, member):  # type: ignore[no-untyped-def]
    """As if the member signed in through an identity provider: no address of theirs."""
    member.local_account = None
    db.commit()
    return member


def test_a_member_without_a_password_confirms_an_address_for_digests(  # type: ignore[no-untyped-def]
    app, client, db, make_member, smtp
) -> None:
    inbox, _port = smtp
    member = without_password(db, make_member("Noor"))
    sign_in(client, member)
    settings = text(client.get("/forum/account/settings", headers=EN))
    assert "The forum has no e-mail address for you" in settings
    response = client.post(
        "/forum/account/settings/address",
        data={
            "csrf_token": form_token(settings),
            "address": " Noor@Example.ORG ",
            "send_link": "1",
        },
        headers=EN,
    )
    assert response.status_code == 302
    assert db.get(Preferences, member.id) is None  # nothing stored before the link is followed
    assert app.extensions["civicforum"].tasks.run_pending() == 1
    (mail,) = inbox.messages
    assert mail["To"] == "noor@example.org"
    link = re.search(
        r"https?://\S+/forum/account/address/\S+", mail.get_payload(decode=True).decode()
    ).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]

    client_elsewhere = app.test_client()  # the link works in any browser, signed in or not
    page = client_elsewhere.get(f"/{path}", headers=EN)
    assert page.status_code == 200 and "noor@example.org" in text(page)
    assert db.get(Preferences, member.id) is None  # a GET changes nothing (link scanners)
    done = client_elsewhere.post(
        f"/{path}", data={"csrf_token": form_token(text(page))}, headers=EN
    )
    assert done.status_code == 200 and "Address confirmed" in text(done)
    db.expire_all()
    assert db.get(Preferences, member.id).email == "noor@example.org"
    assert "Digests go to noor@example.org." in text(
        client.get("/forum/account/settings", headers=EN)
    )


def test_a_forged_or_changed_confirmation_link_stores_nothing(  # type: ignore[no-untyped-def]
    app, client, db, make_member
) -> None:
    from civicforum.pace.address import confirmation_token

    member = without_password(db, make_member("Noor"))
    settings = app.extensions["civicforum"].settings
    token = confirmation_token(settings, member.id, "noor@example.org")
    for bad in (token[:-2] + "xx", "garbage", "x" * 5000):
        assert client.get(f"/forum/account/address/{bad}").status_code == 400
        assert client.post(f"/forum/account/address/{bad}", data={}).status_code == 400
    assert db.get(Preferences, member.id) is None


def test_an_address_that_is_not_one_is_refused(client, db, make_member) -> None:  # type: ignore[no-untyped-def]
    member = without_password(db, make_member("Noor"))
    sign_in(client, member)
    token = form_token(text(client.get("/forum/account/settings")))
    for bad in (
        "noor",
        "noor@",
        "@example.org",
        "noor@example",
        "a b@example.org",
        "x" * 250 + "@e.nl",
    ):
        response = client.post(
            "/forum/account/settings/address",
            data={"csrf_token": token, "address": bad, "send_link": "1"},
            headers=EN,
        )
        assert response.status_code == 422, bad
        assert "Enter a valid e-mail address." in text(response)


def test_members_with_a_password_get_digests_at_their_accounts_address(client, make_member) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, make_member("Noor"))
    page = text(client.get("/forum/account/settings", headers=EN))
    assert "Digests go to person" in page and 'name="address"' not in page
