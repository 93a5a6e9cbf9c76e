"""Local accounts, the host's login, password reset over real SMTP, sign-in limits."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civicforum import CivicForum
from civicforum.db import Base
from civicforum.identity.models import ExternalIdentity, LocalAccount, Member
from civicforum.identity.reset import RESET_TASK

from .conftest import PASSWORD, make_host_app
from .helpers import form_token
from .smtpsink import Inbox, mail_config
from .test_digest_mail import Sink
from .test_faults_mail import SilentServer

EN = {"Accept-Language": "en"}
NL = {"Accept-Language": "nl"}


def text(response: Any) -> str:
    return str(response.get_data(as_text=True))


@pytest.fixture
def mail_server() -> Iterator[SilentServer]:
    """Where the mail server should be: a port that takes connections and never answers
    (a request that tried to send would hang there), refusing them all once closed."""
    silent = SilentServer()
    yield silent
    silent.close()


@pytest.fixture
def sink(mail_server: SilentServer) -> Iterator[Sink]:
    """The mail server once it is back, on the port the forum was told of."""
    back = Sink()
    back.port = mail_server.port
    yield back
    back.stop()


@pytest.fixture
def app_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    if "smtp" in request.fixturenames:
        _, port = request.getfixturevalue("smtp")
        return mail_config(port)
    if "mail_server" in request.fixturenames:
        return mail_config(request.getfixturevalue("mail_server").port)
    return {}


def register(client: FlaskClient, **fields: str) -> Any:
    page = text(client.get("/forum/account/register", headers=EN))
    data = {"display_name": "Lotte", "email": "lotte@example.org", "password": PASSWORD, **fields}
    return client.post(
        "/forum/account/register", headers=EN, data={"csrf_token": form_token(page), **data}
    )


def sign_in_form(client: FlaskClient, email: str, password: str) -> Any:
    page = text(client.get("/forum/account/sign-in", headers=EN))
    return client.post(
        "/forum/account/sign-in",
        headers=EN,
        data={"csrf_token": form_token(page), "email": email, "password": password},
    )


def sign_out(client: FlaskClient) -> Any:
    page = text(client.get("/forum/", headers=EN))
    return client.post("/forum/account/sign-out", data={"csrf_token": form_token(page)})


def test_register_sign_out_and_sign_in_again(client: FlaskClient, db: Session) -> None:
    assert register(client).status_code == 302
    page = text(client.get("/forum/", headers=EN))
    assert "Lotte" in page and "lotte@example.org" not in page
    assert sign_out(client).status_code == 302
    assert "Sign in" in text(client.get("/forum/", headers=EN))
    assert sign_in_form(client, "LOTTE@example.org ", PASSWORD).status_code == 302
    assert "Lotte" in text(client.get("/forum/", headers=EN))
    account = db.scalar(select(LocalAccount))
    assert account is not None and account.password_hash.startswith("$argon2id$")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"email": "not-an-address"}, "Enter a valid e-mail address."),
        ({"password": "short"}, "A password needs at least 10 characters."),
        ({"display_name": "x"}, "A name needs 2 to 40 characters."),
        ({"display_name": "y" * 41}, "A name needs 2 to 40 characters."),
    ],
)
def test_registration_errors_are_shown_and_nothing_is_written(
    client: FlaskClient, db: Session, fields: dict[str, str], message: str
) -> None:
    response = register(client, **fields)
    assert response.status_code == 422
    assert message in text(response)
    assert db.scalar(select(func.count(Member.id))) == 0


def test_names_and_addresses_are_unique(client: FlaskClient, db: Session) -> None:
    register(client)
    sign_out(client)
    assert "That name is taken" in text(
        register(client, email="other@example.org", display_name="LOTTE")
    )
    assert "exists already" in text(register(client, display_name="Other"))
    assert db.scalar(select(func.count(Member.id))) == 1


def test_wrong_password_and_unknown_address_get_the_same_answer(client: FlaskClient) -> None:
    register(client)
    sign_out(client)
    wrong = sign_in_form(client, "lotte@example.org", "wrong password!")
    unknown = sign_in_form(client, "nobody@example.org", PASSWORD)
    assert wrong.status_code == unknown.status_code == 422
    assert "do not match" in text(wrong) and "do not match" in text(unknown)


def test_sign_in_is_limited_and_says_when_to_try_again(client: FlaskClient, app: Flask) -> None:
    register(client)
    sign_out(client)
    for _ in range(5):
        assert sign_in_form(client, "lotte@example.org", "wrong password!").status_code == 422
    limited = sign_in_form(client, "lotte@example.org", PASSWORD)
    assert limited.status_code == 429
    assert re.search(r"Try again in 1[45] minutes", text(limited))
    storage = app.extensions["civicforum"].limiter._limiter.storage
    assert "127.0.0.1" not in repr(vars(storage)), "the limiter keeps no IP address"


def test_sign_in_redirects_only_within_the_site(client: FlaskClient) -> None:
    register(client)
    sign_out(client)
    for target, expected in [
        ("/forum/c/x/", "/forum/c/x/"),
        ("//evil.example/", "/forum/"),
        ("https://evil.example/", "/forum/"),
    ]:
        page = text(client.get(f"/forum/account/sign-in?next={target}", headers=EN))
        response = client.post(
            "/forum/account/sign-in",
            data={
                "csrf_token": form_token(page),
                "email": "lotte@example.org",
                "password": PASSWORD,
                "next": form_token(page, "next"),
            },
        )
        assert response.headers["Location"] == expected
        sign_out(client)


def test_sign_out_needs_a_form_post(client: FlaskClient) -> None:
    register(client)
    assert client.get("/forum/account/sign-out").status_code in (404, 405)
    assert client.post("/forum/account/sign-out").status_code == 400
    assert "Lotte" in text(client.get("/forum/", headers=EN))


def reset_link(inbox: Inbox) -> str:
    body = inbox.messages[-1].get_payload(decode=True).decode()  # type: ignore[union-attr]
    match = re.search(r"http://localhost(/forum/account/reset/\S+)", body)
    assert match, body
    return match.group(1)


def request_reset(client: FlaskClient, email: str, headers: dict[str, str] = EN) -> Any:
    page = text(client.get("/forum/account/reset", headers=headers))
    return client.post(
        "/forum/account/reset",
        headers=headers,
        data={"csrf_token": form_token(page), "email": email},
    )


def send_queued_mail(app: Flask) -> int:
    """Run the queued tasks, as the worker would: how many ran."""
    return int(app.extensions["civicforum"].tasks.run_pending())


def test_password_reset_by_mail_works_once(client: FlaskClient, smtp: tuple[Inbox, int]) -> None:
    inbox, _ = smtp
    register(client)
    other_device = client.application.test_client()
    assert sign_in_form(other_device, "lotte@example.org", PASSWORD).status_code == 302
    sign_out(client)
    send_queued_mail(client.application)
    response = request_reset(client, "lotte@example.org")
    assert "we have sent it a link" in text(response)
    assert inbox.messages == [], "the mail waits in the queue, not in the request"
    assert send_queued_mail(client.application) == 1
    assert len(inbox.messages) == 1
    assert inbox.messages[0]["To"] == "lotte@example.org"
    assert inbox.messages[0]["From"] == "forum@bibliotheek.example.org"
    assert inbox.messages[0]["Subject"] == "Reset your password", "in the language asked in"
    link = reset_link(inbox)
    page = text(client.get(link, headers=EN))
    saved = client.post(
        link, headers=EN, data={"csrf_token": form_token(page), "password": "a brand new secret"}
    )
    assert saved.status_code == 302
    assert "Lotte" in text(client.get("/forum/", headers=EN))
    again = client.get(link, headers=EN)
    assert again.status_code == 400 and "used already" in text(again)
    assert "My settings" not in text(other_device.get("/forum/", headers=EN)), "other sessions end"
    sign_out(client)
    assert sign_in_form(client, "lotte@example.org", PASSWORD).status_code == 422
    assert sign_in_form(client, "lotte@example.org", "a brand new secret").status_code == 302


def test_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(
    client: FlaskClient, smtp: tuple[Inbox, int]
) -> None:
    inbox, _ = smtp
    send_queued_mail(client.application)
    response = request_reset(client, "nobody@example.org")
    assert "we have sent it a link" in text(response)
    assert send_queued_mail(client.application) == 0
    assert inbox.messages == []


def test_a_reset_link_is_valid_from_when_its_mail_left_and_cannot_be_tampered_with(
    client: FlaskClient, smtp: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, _ = smtp
    register(client)
    sign_out(client)
    real_time = time.time

    def an_hour_ago() -> float:
        return real_time() - 3601

    # Asked an hour ago, but the mail left only now (its server was away): a full hour.
    monkeypatch.setattr(time, "time", an_hour_ago)
    request_reset(client, "lotte@example.org")
    monkeypatch.setattr(time, "time", real_time)
    send_queued_mail(client.application)
    assert client.get(reset_link(inbox), headers=EN).status_code == 200

    # Mailed an hour ago: expired.
    monkeypatch.setattr(time, "time", an_hour_ago)
    request_reset(client, "lotte@example.org")
    send_queued_mail(client.application)
    monkeypatch.setattr(time, "time", real_time)
    expired = client.get(reset_link(inbox), headers=EN)
    assert expired.status_code == 400 and "expired" in text(expired)
    tampered = client.get(reset_link(inbox)[:-3] + "abc", headers=EN)
    assert tampered.status_code == 400 and "not complete" in text(tampered)


def test_while_the_mail_server_is_down_every_address_gets_the_same_page_and_the_mail_waits(
    app: Flask, client: FlaskClient, mail_server: SilentServer, sink: Sink
) -> None:
    register(client)
    sign_out(client)
    tasks = app.extensions["civicforum"].tasks
    tasks.run_pending()

    member = request_reset(client, "lotte@example.org", NL)
    stranger = request_reset(client, "nobody@example.org", NL)
    assert not mail_server.was_called(), "the page did not wait for the mail server"
    assert member.status_code == stranger.status_code == 200
    assert text(member) == text(stranger), "no one learns from the page who is a member"
    assert "we have sent it a link" not in text(member), "the page is in Dutch"

    mail_server.close()
    assert tasks.run_pending() == 1, "one mail to send: for the address with an account"
    scheduled = [task.name for task in tasks.huey.scheduled()]
    assert scheduled == [RESET_TASK], "the refused mail waits for its retry"

    sink.start()
    assert tasks.run_pending(retries_too=True) == 1
    assert tasks.waiting() == 0
    [mail] = sink.inbox.messages
    assert mail["To"] == "lotte@example.org"
    assert mail["Subject"] == "Je wachtwoord opnieuw instellen", "in the language asked in"
    body = mail.get_payload(decode=True).decode()  # type: ignore[union-attr]
    match = re.search(r"http://localhost(/forum/account/reset/\S+)", body)
    assert match, body
    page = client.get(match.group(1), headers=NL)
    assert page.status_code == 200 and 'name="password"' in text(page)


def test_a_reset_for_an_account_erased_before_its_mail_left_sends_nothing(
    app: Flask, client: FlaskClient, smtp: tuple[Inbox, int]
) -> None:
    inbox, _ = smtp
    register(client)
    sign_out(client)
    send_queued_mail(app)
    request_reset(client, "lotte@example.org")
    erased = app.test_cli_runner().invoke(
        args=["civicforum", "members", "erase", "lotte@example.org", "--yes"]
    )
    assert erased.exit_code == 0, erased.output
    assert send_queued_mail(app) >= 1
    assert app.extensions["civicforum"].tasks.waiting() == 0, "nothing left to try again"
    assert inbox.messages == []


def test_without_mail_the_reset_page_says_so(client: FlaskClient) -> None:
    assert "cannot send e-mail" in text(client.get("/forum/account/reset", headers=EN))


def test_production_hashing_uses_argon2id_with_sound_parameters(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    from civicforum.identity import services

    from .conftest import PRODUCTION_HASHER

    monkeypatch.setattr(services, "_hasher", PRODUCTION_HASHER)
    member = services.register_local_account(
        db, email="p@example.org", password=PASSWORD, display_name="Prod"
    )
    assert member.local_account is not None
    assert re.match(r"^\$argon2id\$v=19\$m=65536,t=3,p=4\$", member.local_account.password_hash)


# -- the host's own login ----------------------------------------------------------------


def host_app(database_url: str, tmp_path: Any, who: dict[str, Any], **config: Any) -> Flask:
    app = make_host_app(database_url, tmp_path / "instance", **config)
    CivicForum(app, host_identity=lambda: who.get("user"))
    Base.metadata.create_all(app.extensions["civicforum"].engine)
    return app


def test_the_hosts_login_links_a_member_automatically(database_url: str, tmp_path: Any) -> None:
    who: dict[str, Any] = {"user": ("u-17", "Joost")}
    app = host_app(database_url, tmp_path, who)
    client = app.test_client()
    page = text(client.get("/forum/", headers=EN))
    assert "Joost" in page
    assert "Sign out" not in page, "the host signs people out, not the forum"
    client.get("/forum/", headers=EN)
    session = app.extensions["civicforum"].session_factory()
    identities = session.scalars(select(ExternalIdentity)).all()
    assert [(i.provider, i.subject) for i in identities] == [("host", "u-17")]
    assert identities[0].member.level.key == "confirmed"
    who["user"] = ("u-18", "joost")
    assert "joost 2" in text(client.get("/forum/", headers=EN)), "names stay unique"
    who["user"] = None
    assert "Sign in" in text(client.get("/forum/", headers=EN))
    session.close()


def test_local_accounts_can_be_switched_off(database_url: str, tmp_path: Any) -> None:
    app = host_app(database_url, tmp_path, {}, CIVICFORUM_LOCAL_ACCOUNTS=False)
    client = app.test_client()
    assert client.get("/forum/account/register").status_code == 404
    assert "Create account" not in text(client.get("/forum/", headers=EN))
