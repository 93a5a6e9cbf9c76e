"""Personal tokens on the member's settings page: API tokens shown once and kept only as a
hash, refused once revoked or expired; the feed key that makes private feed and calendar
addresses, the same on every visit until the member makes a new one or stops it; and
what erasure and the member's copy of their data do with them."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.routing import BuildError

from civicforum.extension import state
from civicforum.forum.models import Community
from civicforum.i18n import translations
from civicforum.identity.models import Member
from civicforum.pace import services as pace_services
from civicforum.privacy import export
from civicforum.privacy.erasure import erase_member
from civicforum.tokens import services
from civicforum.tokens.models import PersonalToken, TokenKind, TokenScope
from civicforum.tokens.services import TokenRefused, check_token

from .helpers import FrozenClock, add_member, form_token, sign_in
from .privacyworld import made_export, scan, zip_texts
from .test_privacy_export import schema

EN = {"Accept-Language": "en"}
SETTINGS = "/forum/account/settings"
API_SECRET = re.compile(r"cfa_[A-Za-z0-9_-]{43}")
FEED_SECRET = re.compile(r"cff_[A-Za-z0-9_-]{43}")


@pytest.fixture
def app_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    """English; a test may add settings with ``indirect`` parametrisation."""
    return {"CIVICFORUM_DEFAULT_LANGUAGE": "en", **getattr(request, "param", {})}


def text(response: Any) -> str:
    return str(response.get_data(as_text=True))


def settings_page(client: FlaskClient) -> str:
    page = client.get(SETTINGS, headers=EN)
    assert page.status_code == 200
    return text(page)


def make_token(client: FlaskClient, **fields: str) -> Any:
    """Fill in and send the form for a new API token, as a browser would."""
    data = {
        "csrf_token": form_token(settings_page(client)),
        "name": "My newsletter script",
        "scope": "read",
        "days": "90",
    }
    data.update(fields)
    return client.post("/forum/account/tokens", data=data, headers=EN)


def secret_in(page: str) -> str:
    found = API_SECRET.search(page)
    assert found, "no new token on the page"
    return found.group(0)


def tokens_of(db: Session, member: Member) -> list[PersonalToken]:
    db.expire_all()
    query = select(PersonalToken).where(PersonalToken.member_id == member.id)
    return list(db.scalars(query.order_by(PersonalToken.id)))


def count_tokens(db: Session) -> int:
    db.expire_all()
    return db.scalar(select(func.count(PersonalToken.id))) or 0


def revoke_on_page(client: FlaskClient, token_id: int) -> Any:
    token = form_token(settings_page(client))
    return client.post(
        f"/forum/account/tokens/{token_id}/revoke", data={"csrf_token": token}, headers=EN
    )


def press_feed_button(client: FlaskClient, button: str) -> Any:
    token = form_token(settings_page(client))
    return client.post(
        "/forum/account/feed-key", data={"csrf_token": token, button: "x"}, headers=EN
    )


def secret_key(app: Flask) -> str:
    return state(app).settings.secret_key


# -- API tokens ------------------------------------------------------------------------


def test_a_new_token_is_shown_once_and_only_its_hash_is_kept(
    app: Flask, client: FlaskClient, db: Session, make_member: Callable[..., Member]
) -> None:
    ann = make_member("Ann")
    sign_in(client, ann)
    assert "You have no tokens." in settings_page(client)

    made = make_token(client, scope="read+post", days="30")
    assert made.status_code == 200
    page = text(made)
    secret = secret_in(page)
    assert "it will not be shown again" in page
    assert 'id="cf-new-token"' in page and 'for="cf-new-token"' in page and "readonly" in page
    assert made.headers["Cache-Control"] == "no-store"
    assert secret not in client.get_cookie("session").value  # type: ignore[union-attr]

    # The next visit lists the token, but no longer shows it.
    later = settings_page(client)
    assert secret not in later and not API_SECRET.search(later)
    assert "My newsletter script" in later and "Read and post" in later and "never" in later

    (token,) = tokens_of(db, ann)
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert (token.kind, token.scope, token.nonce) == ("api", "read+post", None)
    assert token.expires_at == token.created_at + dt.timedelta(days=30)
    assert scan(state(app).engine, -1, [secret, secret.removeprefix("cfa_")]) == []

    found = check_token(db, secret, TokenKind.API)
    assert found.id == token.id and found.member.id == ann.id
    assert "never" not in settings_page(client).split("My newsletter script")[1].split("</tr>")[0]


def test_the_settings_page_still_shows_the_members_other_choices(
    client: FlaskClient, db: Session, make_member: Callable[..., Member]
) -> None:
    """The answer to the token form is the whole settings page: the pace form in it
    shows what the member saved, not the empty fields of the token form."""
    ann = make_member("Ann")
    pace_services.update_pace(
        db,
        ann,
        digest="never",
        timezone="Europe/London",
        quiet_start=22 * 60,
        quiet_end=7 * 60,
        open_warnings=True,
    )
    sign_in(client, ann)
    page = text(make_token(client))
    assert 'value="22:00"' in page and 'value="07:00"' in page
    assert re.search(
        r'<option selected value="Europe/London">|<option value="Europe/London" selected', page
    )


def test_revoked_expired_unknown_and_other_kinds_of_tokens_are_refused(
    app: Flask,
    client: FlaskClient,
    db: Session,
    make_member: Callable[..., Member],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = FrozenClock(monkeypatch, dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
    ann = make_member("Ann")
    sign_in(client, ann)
    revoked = secret_in(text(make_token(client, name="Old script")))
    expiring = secret_in(text(make_token(client, name="Short-lived", days="30")))
    (first, second) = tokens_of(db, ann)

    answer = revoke_on_page(client, first.id)
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith("/forum/account/settings#cf-tokens")
    page = text(client.get(answer.headers["Location"], headers=EN))
    assert "“Old script” is revoked" in page and "Revoked" in page
    with pytest.raises(TokenRefused) as refused:
        check_token(db, revoked, TokenKind.API)
    assert refused.value.reason == "revoked"
    assert str(refused.value) == "This token was revoked. Make a new one on your settings page."

    assert check_token(db, expiring, TokenKind.API).id == second.id
    clock.advance(days=30)
    with pytest.raises(TokenRefused) as refused:
        check_token(db, expiring, TokenKind.API)
    assert refused.value.reason == "expired"
    assert "expired" in str(refused.value)
    assert "Expired" in settings_page(client)

    feed_key = services.feed_secret(db, ann, secret_key(app), create=True)
    assert feed_key is not None
    active = secret_in(text(make_token(client, name="Fresh")))
    for presented, kind in (
        ("cfa_" + "A" * 43, TokenKind.API),  # well formed, never made
        ("", TokenKind.API),
        ("x" * 10_000, TokenKind.API),
        (active, TokenKind.FEED),  # an API token is no feed key
        (feed_key, TokenKind.API),  # and a feed key opens no API
    ):
        with pytest.raises(TokenRefused) as refused:
            check_token(db, presented, kind)
        assert refused.value.reason == "unknown"
        assert str(refused.value) == "This token is not known here. Check that it was copied whole."
    assert check_token(db, active, TokenKind.API).name == "Fresh"


def test_a_use_is_written_down_at_most_every_five_minutes(
    client: FlaskClient,
    db: Session,
    make_member: Callable[..., Member],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    clock = FrozenClock(monkeypatch, start)
    ann = make_member("Ann")
    token, secret = services.create_api_token(
        db, ann, name="Script", scope=TokenScope.READ, days=90
    )

    def last_used() -> dt.datetime | None:
        db.expire_all()
        return db.get(PersonalToken, token.id).last_used_at  # type: ignore[union-attr]

    assert last_used() is None
    check_token(db, secret, TokenKind.API)
    assert last_used() == start
    clock.advance(minutes=4, seconds=59)
    assert check_token(db, secret, TokenKind.API).last_used_at == start
    assert last_used() == start
    clock.advance(seconds=1)
    check_token(db, secret, TokenKind.API)
    assert last_used() == start + dt.timedelta(minutes=5)

    sign_in(client, ann)
    row = settings_page(client).split("Script</th>")[1].split("</tr>")[0]
    assert "never" not in row and "2026-03-02T09:05:00+00:00" in row


def test_revoked_and_expired_tokens_leave_the_list_after_thirty_days(
    app: Flask,
    client: FlaskClient,
    db: Session,
    make_member: Callable[..., Member],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = FrozenClock(monkeypatch, dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
    ann = make_member("Ann")
    gone, _secret = services.create_api_token(
        db, ann, name="Revoked script", scope=TokenScope.READ, days=365
    )
    services.create_api_token(db, ann, name="Monthly script", scope=TokenScope.READ, days=30)
    services.revoke(db, ann, gone.id)
    clock.advance(days=29)
    names = [t.name for t in services.member_tokens(db, ann)]
    assert names == ["Monthly script", "Revoked script"]  # newest first
    clock.advance(days=2)
    assert [t.name for t in services.member_tokens(db, ann)] == ["Monthly script"]
    sign_in(client, ann)
    page = settings_page(client)
    assert "Revoked script" not in page and "Monthly script" in page and "Expired" in page

    # Making a new token clears the member's long-ended ones from the database too.
    make_token(client, name="New script")
    assert [t.name for t in tokens_of(db, ann)] == ["Monthly script", "New script"]
    clock.advance(days=31)
    # The daily purge removes them.
    purged = app.test_cli_runner().invoke(args=["civicforum", "purge"])
    assert "Ended personal tokens removed: 1." in purged.output
    assert [t.name for t in tokens_of(db, ann)] == ["New script"]


def test_at_most_twenty_active_api_tokens(
    client: FlaskClient, db: Session, make_member: Callable[..., Member]
) -> None:
    ann = make_member("Ann")
    for n in range(services.MAX_ACTIVE_API_TOKENS):
        services.create_api_token(db, ann, name=f"Script {n}", scope=TokenScope.READ, days=30)
    sign_in(client, ann)
    refused = make_token(client, name="One too many")
    assert refused.status_code == 422
    assert "You have 20 active API tokens, the most there can be." in text(refused)
    assert count_tokens(db) == 20 and not API_SECRET.search(text(refused))

    assert revoke_on_page(client, tokens_of(db, ann)[0].id).status_code == 303
    assert make_token(client, name="One too many").status_code == 200
    assert count_tokens(db) == 21


# -- refusals ---------------------------------------------------------------------------


def test_another_member_cannot_revoke_your_token(
    client: FlaskClient, db: Session, make_member: Callable[..., Member]
) -> None:
    ann, bob = make_member("Ann"), make_member("Bob")
    token, secret = services.create_api_token(
        db, ann, name="Ann's script", scope=TokenScope.READ, days=90
    )
    sign_in(client, bob)
    assert "Ann's script" not in settings_page(client)
    for token_id in (token.id, token.id + 1000, 2**31 - 1):
        answer = revoke_on_page(client, token_id)
        assert answer.status_code == 404
        assert "Not found" in text(answer)
    assert check_token(db, secret, TokenKind.API).id == token.id
    assert tokens_of(db, ann)[0].revoked_at is None


def test_visitors_are_sent_to_sign_in(
    client: FlaskClient, db: Session, make_member: Callable[..., Member]
) -> None:
    ann = make_member("Ann")
    token, _secret = services.create_api_token(
        db, ann, name="Script", scope=TokenScope.READ, days=90
    )
    page = client.get(SETTINGS, headers=EN)
    assert page.status_code == 302 and "/forum/account/sign-in" in page.headers["Location"]
    token_field = form_token(text(client.get("/forum/account/sign-in", headers=EN)))
    for path, data in (
        ("/forum/account/tokens", {"name": "Mine", "scope": "read", "days": "90"}),
        (f"/forum/account/tokens/{token.id}/revoke", {}),
        ("/forum/account/feed-key", {"make": "x"}),
    ):
        answer = client.post(path, data={"csrf_token": token_field, **data}, headers=EN)
        assert answer.status_code == 303
        assert "/forum/account/sign-in" in answer.headers["Location"]
    assert [(t.name, t.revoked_at) for t in tokens_of(db, ann)] == [("Script", None)]
    assert count_tokens(db) == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": ""}, "Give the token a name"),
        ({"name": "   \t "}, "Give the token a name"),
        ({"name": "x" * 81}, "A name can be at most 80 characters; it has 81."),
        ({"name": "x" * 1_000_000}, "A name can be at most 80 characters; it has 1000000."),
        ({"scope": "admin"}, "Choose what the token may do."),
        ({"scope": ""}, "Choose what the token may do."),
        ({"days": "7"}, "Choose how long the token works: 30, 90 or 365 days."),
        ({"days": "ninety"}, "Choose how long the token works: 30, 90 or 365 days."),
        ({"days": "-90"}, "Choose how long the token works: 30, 90 or 365 days."),
        ({"days": "9" * 40}, "Choose how long the token works: 30, 90 or 365 days."),
    ],
)
def test_bad_input_is_refused_saying_why_and_writes_nothing(
    client: FlaskClient,
    db: Session,
    make_member: Callable[..., Member],
    fields: dict[str, str],
    message: str,
) -> None:
    sign_in(client, make_member("Ann"))
    answer = make_token(client, **fields)
    assert answer.status_code == 422
    page = text(answer)
    assert message in page
    assert 'aria-invalid="true"' in page or "cf-field-error" in page
    assert not API_SECRET.search(page)
    assert count_tokens(db) == 0


def test_every_form_needs_its_csrf_token(
    app: Flask, client: FlaskClient, db: Session, make_member: Callable[..., Member]
) -> None:
    ann = make_member("Ann")
    token, secret = services.create_api_token(
        db, ann, name="Script", scope=TokenScope.READ, days=90
    )
    sign_in(client, ann)
    for data in ({}, {"csrf_token": "forged"}):
        made = client.post(
            "/forum/account/tokens",
            data={"name": "Mine", "scope": "read", "days": "90", **data},
            headers=EN,
        )
        assert made.status_code == 400
        assert "The form expired or came from elsewhere" in text(made)
        revoked = client.post(f"/forum/account/tokens/{token.id}/revoke", data=data, headers=EN)
        assert revoked.status_code == 400
        feed = client.post("/forum/account/feed-key", data={"make": "x", **data}, headers=EN)
        assert feed.status_code == 400
    assert count_tokens(db) == 1
    assert check_token(db, secret, TokenKind.API).id == token.id
    assert services.feed_secret(db, ann, secret_key(app)) is None


# -- the feed key -------------------------------------------------------------------------


def expected_addresses(app: Flask, key: str, slug: str) -> list[str]:
    """The private addresses the settings page should offer, as far as the forum
    serves them on this site."""
    found = []
    with app.test_request_context():
        for endpoint in ("civicforum.private_community_feed", "civicforum.events.private_calendar"):
            try:
                found.append(url_for(endpoint, key=key, slug=slug, _external=True))
            except BuildError:
                continue
    return found


def test_the_feed_key_stays_the_same_until_a_new_one_stops_it(
    app: Flask,
    client: FlaskClient,
    db: Session,
    make_member: Callable[..., Member],
    make_community: Callable[..., Community],
) -> None:
    ann = make_member("Ann")
    club = make_community("leesclub", members_only=True)
    add_member(db, club, ann)
    make_community("open-huis")  # public: it needs no private address
    sign_in(client, ann)
    page = settings_page(client)
    assert "Make my private addresses" in page and not FEED_SECRET.search(page)

    made = press_feed_button(client, "make")
    assert made.status_code == 303 and made.headers["Location"].endswith("#cf-feed-key")
    first = client.get(SETTINGS, headers=EN)
    assert first.headers["Cache-Control"] == "no-store"
    assert "Your private addresses are ready." in text(first)
    key = services.feed_secret(db, ann, secret_key(app))
    assert key is not None and FEED_SECRET.fullmatch(key)

    def feed_section(page: str) -> str:
        return page.split('id="cf-feed-key"')[1].split("</section>")[0]

    # The same addresses on every visit.
    assert feed_section(text(first)) == feed_section(settings_page(client))
    addresses = expected_addresses(app, key, "leesclub")
    for address in addresses:
        assert address in text(first)
    if not addresses:
        assert "This site offers no private addresses yet." in text(first)
    assert "open-huis" not in feed_section(text(first))
    assert check_token(db, key, TokenKind.FEED).member_id == ann.id
    # The database holds neither the key nor anything the key shows as.
    assert scan(state(app).engine, -1, [key, key.removeprefix("cff_")]) == []

    # Making it again is harmless; making new addresses stops the old ones.
    press_feed_button(client, "make")
    assert services.feed_secret(db, ann, secret_key(app)) == key
    renewed = press_feed_button(client, "renew")
    assert renewed.status_code == 303
    page = text(client.get(renewed.headers["Location"], headers=EN))
    assert "the old ones no longer work" in page and key not in page
    new_key = services.feed_secret(db, ann, secret_key(app))
    assert new_key is not None and new_key != key
    with pytest.raises(TokenRefused) as refused:
        check_token(db, key, TokenKind.FEED)
    assert refused.value.reason == "revoked"
    assert check_token(db, new_key, TokenKind.FEED).member_id == ann.id
    active = [t for t in tokens_of(db, ann) if t.kind == "feed" and t.revoked_at is None]
    assert len(active) == 1

    stopped = press_feed_button(client, "stop")
    assert stopped.status_code == 303
    page = text(client.get(stopped.headers["Location"], headers=EN))
    assert "Your private addresses are stopped." in page and new_key not in page
    assert "Make my private addresses" in page
    with pytest.raises(TokenRefused):
        check_token(db, new_key, TokenKind.FEED)


@pytest.mark.parametrize("app_config", [{"CIVICFORUM_PLUGINS": ["search"]}], indirect=True)
def test_without_the_events_plugin_there_is_no_calendar_address(
    app: Flask,
    client: FlaskClient,
    db: Session,
    make_member: Callable[..., Member],
    make_community: Callable[..., Community],
) -> None:
    ann = make_member("Ann")
    add_member(db, make_community("leesclub", members_only=True), ann)
    sign_in(client, ann)
    press_feed_button(client, "make")
    page = settings_page(client)
    key = services.feed_secret(db, ann, secret_key(app))
    assert key is not None
    assert "Calendar (iCalendar)" not in page and ".ics" not in page
    for address in expected_addresses(app, key, "leesclub"):
        assert address in page


def test_a_member_of_no_private_community_is_told_where_addresses_appear(
    client: FlaskClient, db: Session, make_member: Callable[..., Member]
) -> None:
    sign_in(client, make_member("Ann"))
    press_feed_button(client, "make")
    page = settings_page(client)
    assert "You are not a member of a members-only community." in page


def test_a_new_secret_key_gives_addresses_that_work(
    app: Flask, db: Session, make_member: Callable[..., Member]
) -> None:
    """When the site's secret key is changed, the key the page shows is the one that
    works: the old addresses stop, the member copies the new ones."""
    ann = make_member("Ann")
    old = services.feed_secret(db, ann, "first secret key of this site", create=True)
    new = services.feed_secret(db, ann, "second secret key of this site")
    assert old is not None and new is not None and new != old
    assert check_token(db, new, TokenKind.FEED).member_id == ann.id
    with pytest.raises(TokenRefused):
        check_token(db, old, TokenKind.FEED)


# -- erasure and the member's copy of their data ---------------------------------------


def test_erasure_removes_the_members_tokens(
    app: Flask, db: Session, make_member: Callable[..., Member]
) -> None:
    ann, bob = make_member("Ann"), make_member("Bob")
    _token, secret = services.create_api_token(
        db, ann, name="Ann's script", scope=TokenScope.POST, days=90
    )
    services.feed_secret(db, ann, secret_key(app), create=True)
    services.create_api_token(db, bob, name="Bob's script", scope=TokenScope.READ, days=90)
    ann_id = ann.id
    with app.app_context():
        erase_member(db, ann, keep_posts=False, folder=export.exports_folder(app))
    assert scan(state(app).engine, ann_id, ["Ann's script"]) == []
    assert [t.name for t in db.scalars(select(PersonalToken))] == ["Bob's script"]
    with pytest.raises(TokenRefused):
        check_token(db, secret, TokenKind.API)


def test_the_copy_of_a_members_data_lists_their_tokens_without_any_secret(
    app: Flask, db: Session, make_member: Callable[..., Member]
) -> None:
    from jsonschema import Draft202012Validator

    ann = make_member("Ann")
    token, secret = services.create_api_token(
        db, ann, name="Newsletter script", scope=TokenScope.POST, days=30
    )
    feed_key = services.feed_secret(db, ann, secret_key(app), create=True)
    assert feed_key is not None
    check_token(db, secret, TokenKind.API)
    files = zip_texts(made_export(app, db, ann))
    document = json.loads(files["member.json"])
    validator = Draft202012Validator(schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)
    assert sorted(e.message for e in validator.iter_errors(document)) == []
    listed = document["personal_tokens"]
    assert [(t["kind"], t["name"], t["scope"]) for t in listed] == [
        ("api", "Newsletter script", "read+post"),
        ("feed", "", "read"),
    ]
    assert listed[0]["last_used_at"] is not None and listed[0]["expires_at"] is not None
    assert listed[1]["expires_at"] is None
    everything = "\n".join(files.values())
    rows = tokens_of(db, ann)
    for hidden in (secret, feed_key, *(r.token_hash for r in rows), *(r.nonce or "" for r in rows)):
        assert not hidden or hidden not in everything
    # The copy's README is in the member's language (here the site's default, Dutch).
    sentence = translations("nl").gettext(
        "Your API tokens and your feed key are listed in member.json by name, kind and "
        "dates only: the tokens themselves are not in this copy."
    )
    assert "member.json" in sentence and sentence in files["README.txt"]
    assert token.id  # the token itself stays usable: the copy changes nothing
