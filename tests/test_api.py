"""The REST API as a client sees it: reading, keyset pages, replying and answering events
with a token through the same rules as the pages, problem documents, rate-limit fields
and CORS."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civicforum.forum import services as forum_services
from civicforum.forum.models import Community, Post, Role, Topic
from civicforum.identity.models import Member, PublishAs
from civicforum.moderation import measures
from civicforum.moderation.measures import Grounds, Target
from civicforum.moderation.models import Measure
from civicforum.moderation.premoderation import Premoderation, set_premoderation
from civicforum.plugins.events.models import LocalEvent
from civicforum.tokens.models import TokenScope
from civicforum.tokens.services import create_api_token, revoke

from .conftest import LIMITS
from .helpers import ModerationWorld, actor_of, add_member, moderation_world

API = "/forum/api/v1"
PROBLEM = "application/problem+json"


@pytest.fixture
def world(
    db: Session, make_member: Callable[..., Member], make_community: Callable[..., Community]
) -> ModerationWorld:
    return moderation_world(db, make_member, make_community)


def token_for(db: Session, member: Member, scope: TokenScope = TokenScope.POST) -> str:
    _token, secret = create_api_token(db, member, name="script", scope=scope, days=30)
    return secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def add_topics(db: Session, world: ModerationWorld, count: int) -> list[Topic]:
    actor = actor_of(db, world.author)
    return [
        forum_services.start_topic(
            db,
            actor,
            world.community,
            title=f"Onderwerp {n:02d}",
            body=f"Tekst {n}",
            publish_as=PublishAs.PSEUDONYM,
            submission_token=f"t{n}",
            limits=LIMITS,
        )
        for n in range(count)
    ]


def posts_in(db: Session, topic: Topic) -> int:
    db.expire_all()
    return db.scalar(select(func.count(Post.id)).where(Post.topic_id == topic.id)) or 0


def problem(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json(force=True)
    assert body["status"] == status and body["title"] and body["type"] == "about:blank"
    if code is not None:
        assert body["code"] == code, body
    return body


# -- reading -----------------------------------------------------------------------------


def test_communities_list_says_which_the_caller_may_read(
    client: FlaskClient, db: Session, world: ModerationWorld, make_community: Any
) -> None:
    make_community("besloten", members_only=True)
    response = client.get(f"{API}/communities")
    assert response.status_code == 200
    by_slug = {c["slug"]: c for c in response.get_json()["items"]}
    assert by_slug["leesclub"]["readable"] is True
    assert by_slug["besloten"]["readable"] is False
    assert by_slug["besloten"]["visibility"] == "members"
    links = by_slug["leesclub"]["links"]
    assert links["html"] == "http://localhost/forum/c/leesclub/"
    assert client.get(links["topics"]).status_code == 200
    assert client.get(links["events"]).status_code == 200


def test_topics_come_in_keyset_pages_by_latest_activity(
    client: FlaskClient, db: Session, world: ModerationWorld
) -> None:
    made = add_topics(db, world, 5)
    seen: list[str] = []
    url = f"{API}/communities/leesclub/topics?limit=2"
    pages = 0
    while url:
        body = client.get(url).get_json()
        seen += [t["title"] for t in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        url = f"{API}/communities/leesclub/topics?limit=2&cursor={cursor}" if cursor else ""
    newest_first = [t.title for t in reversed(made)] + [world.topic.title]
    assert seen == newest_first
    assert pages == 3
    # Someone replies to the oldest of the new topics: it comes first now.
    forum_services.reply(
        db,
        actor_of(db, world.reader),
        made[0],
        body="Ik ook!",
        publish_as=PublishAs.PSEUDONYM,
        submission_token="bump",
        limits=LIMITS,
    )
    first = client.get(f"{API}/communities/leesclub/topics?limit=1").get_json()
    assert first["items"][0]["title"] == made[0].title


def test_posts_of_a_topic_in_pages_with_hidden_ones_in_place_without_text(
    client: FlaskClient, db: Session, world: ModerationWorld
) -> None:
    reader = actor_of(db, world.reader)
    for n in range(3):
        forum_services.reply(
            db,
            reader,
            world.topic,
            body=f"Antwoord {n}",
            publish_as=PublishAs.PSEUDONYM,
            submission_token=f"r{n}",
            limits=LIMITS,
        )
    hidden = db.scalars(select(Post).where(Post.body == "Antwoord 1")).one()
    measures.take_measure(
        db,
        actor_of(db, world.moderator),
        Measure.HIDE_POST,
        Target(post=hidden),
        Grounds(rule_id=world.rule.id, explanation="Kwetsend."),
    )
    first = client.get(f"{API}/topics/{world.topic.id}/posts?limit=3").get_json()
    assert [p["body"] for p in first["items"]] == ["Ik lees De Avonden.", "Antwoord 0", None]
    assert first["items"][2]["state"] == "hidden"
    assert first["items"][2]["body_html"] is None
    rest = client.get(
        f"{API}/topics/{world.topic.id}/posts?limit=3&cursor={first['next_cursor']}"
    ).get_json()
    assert [p["body"] for p in rest["items"]] == ["Antwoord 2"]
    assert rest["next_cursor"] is None
    # The author and the moderators read the hidden text, as on the page.
    own = client.get(f"{API}/posts/{hidden.id}", headers=bearer(token_for(db, world.reader)))
    assert own.get_json()["body"] == "Antwoord 1"
    anonymous = client.get(f"{API}/posts/{hidden.id}").get_json()
    assert anonymous["body"] is None and anonymous["state"] == "hidden"


def test_members_only_content_needs_a_members_token(
    client: FlaskClient, db: Session, make_community: Any, make_member: Any
) -> None:
    club = make_community("besloten", members_only=True)
    member, outsider = make_member("Lid"), make_member("Buiten")
    add_member(db, club, member)
    forum_services.start_topic(
        db,
        actor_of(db, member),
        club,
        title="Alleen voor leden",
        body="Geheim",
        publish_as=PublishAs.PSEUDONYM,
        submission_token="m1",
        limits=LIMITS,
    )
    url = f"{API}/communities/besloten/topics"
    body = problem(client.get(url), 403, "not-allowed")
    assert "members only" in body["detail"] or "leden" in body["detail"]
    problem(client.get(url, headers=bearer(token_for(db, outsider))), 403)
    titles = [
        t["title"]
        for t in client.get(url, headers=bearer(token_for(db, member))).get_json()["items"]
    ]
    assert titles == ["Alleen voor leden"]


def test_rules_and_the_public_moderation_log(
    client: FlaskClient, db: Session, world: ModerationWorld
) -> None:
    measures.take_measure(
        db,
        actor_of(db, world.moderator),
        Measure.HIDE_POST,
        Target(post=world.post),
        Grounds(rule_id=world.rule.id, explanation="Kwetsend."),
    )
    rules = client.get(f"{API}/communities/leesclub/rules", headers={"Accept-Language": "en"})
    assert rules.get_json()["items"][0]["title"] == "Be kind"
    log = client.get(f"{API}/communities/leesclub/moderation-log").get_json()
    assert [(e["measure"], e["rule_number"]) for e in log["items"]] == [("hide_post", 1)]
    assert "Kwetsend" not in json.dumps(log)  # the log names no one and quotes nothing


def test_events_and_answering_them(
    client: FlaskClient, db: Session, world: ModerationWorld
) -> None:
    start = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
    event = LocalEvent(
        community_id=world.community.id,
        uid="api-test@example.org",
        title="Leesavond",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        capacity=1,
        show_places_left=True,
    )
    db.add(event)
    db.commit()
    listed = client.get(f"{API}/communities/leesclub/events").get_json()["items"]
    assert [(e["title"], e["places_left"]) for e in listed] == [("Leesavond", 1)]
    url = f"{API}/events/{event.id}/answer"
    problem(client.put(url, json={"answer": "going"}), 401, "token-needed")
    problem(
        client.put(
            url,
            json={"answer": "going"},
            headers=bearer(token_for(db, world.reader, TokenScope.READ)),
        ),
        403,
        "insufficient-scope",
    )
    going = client.put(url, json={"answer": "going"}, headers=bearer(token_for(db, world.reader)))
    assert going.status_code == 200
    assert going.get_json()["my_answer"] == {"answer": "going", "waiting": False}
    second = client.put(url, json={"answer": "going"}, headers=bearer(token_for(db, world.author)))
    assert second.get_json()["my_answer"] == {"answer": "going", "waiting": True}
    assert second.get_json()["places_left"] == 0
    problem(
        client.put(url, json={"answer": "perhaps"}, headers=bearer(token_for(db, world.author))),
        422,
        "invalid",
    )


# -- replying ----------------------------------------------------------------------------


def test_a_reply_with_a_token_is_published_like_one_from_the_page(
    client: FlaskClient, db: Session, world: ModerationWorld
) -> None:
    headers = {**bearer(token_for(db, world.reader)), "Idempotency-Key": "reply-1"}
    url = f"{API}/topics/{world.topic.id}/posts"
    response = client.post(
        url, json={"body": "Mooi **boek**.", "content_warning": "spoiler"}, headers=headers
    )
    assert response.status_code == 201
    post = response.get_json()
    assert post["body_html"] == "<p>Mooi <strong>boek</strong>.</p>\n"
    assert post["author"] == {"name": "Bram", "kind": "pseudonym"}
    assert post["content_warning"] == "spoiler"
    assert response.headers["Location"] == post["links"]["self"]
    # The same key again: the same post, not a second one.
    again = client.post(url, json={"body": "Mooi **boek**."}, headers=headers)
    assert again.get_json()["id"] == post["id"]
    assert posts_in(db, world.topic) == 2
    page = client.get(f"/forum/t/{world.topic.id}/").get_data(as_text=True)
    assert "Mooi <strong>boek</strong>." in page


def test_replies_through_the_api_meet_the_same_rules(
    client: FlaskClient, db: Session, world: ModerationWorld, make_member: Any
) -> None:
    url = f"{API}/topics/{world.topic.id}/posts"
    outsider = make_member("Nieuw")
    body = problem(
        client.post(url, json={"body": "Hoi"}, headers=bearer(token_for(db, outsider))),
        403,
        "join-first",
    )
    assert body["detail"]
    # A mute refuses, saying until when.
    measures.take_measure(
        db,
        actor_of(db, world.moderator),
        Measure.MUTE,
        Target(member=world.reader, community=world.community),
        Grounds(rule_id=world.rule.id, explanation="Even rust."),
        duration=dt.timedelta(hours=2),
    )
    muted = problem(
        client.post(url, json={"body": "Hoi"}, headers=bearer(token_for(db, world.reader))), 403
    )
    assert "muted" in muted["detail"] or "gedempt" in muted["detail"]
    # Pre-moderation holds the reply: 202, seen by its author, not by others.
    set_premoderation(db, actor_of(db, world.moderator), world.community, Premoderation(0, True))
    held = client.post(
        url, json={"body": "Wacht even"}, headers=bearer(token_for(db, world.author))
    )
    assert held.status_code == 202 and held.get_json()["state"] == "held"
    anonymous = client.get(f"{API}/topics/{world.topic.id}/posts").get_json()["items"]
    assert "Wacht even" not in json.dumps(anonymous)
    assert posts_in(db, world.topic) == 2


def test_the_pace_limit_applies_to_api_replies(
    make_community: Any, make_member: Any, db: Session, app: Flask, client: FlaskClient
) -> None:
    community = make_community("snel")
    member = make_member("Vlot")
    add_member(db, community, member)
    topic = forum_services.start_topic(
        db,
        actor_of(db, member),
        community,
        title="Tempo",
        body="Eerste",
        publish_as=PublishAs.PSEUDONYM,
        submission_token="first",
        limits=LIMITS,
    )
    headers = bearer(token_for(db, member))
    statuses = [
        client.post(
            f"{API}/topics/{topic.id}/posts", json={"body": f"Nummer {n}"}, headers=headers
        ).status_code
        for n in range(4)
    ]
    # A new member may publish 3 an hour (the topic above was not counted: it came
    # through the service, not a page or the API).
    assert statuses == [201, 201, 201, 429]
    refused = client.post(
        f"{API}/topics/{topic.id}/posts", json={"body": "nog een"}, headers=headers
    )
    assert int(refused.headers["Retry-After"]) > 0
    problem(refused, 429, "too-soon")
    assert posts_in(db, topic) == 4


def test_a_revoked_or_expired_token_is_refused(
    client: FlaskClient, db: Session, world: ModerationWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    token, secret = create_api_token(db, world.reader, name="oud", scope=TokenScope.POST, days=30)
    assert client.get(f"{API}/communities", headers=bearer(secret)).status_code == 200
    revoke(db, world.reader, token.id)
    body = problem(client.get(f"{API}/communities", headers=bearer(secret)), 401, "token-revoked")
    assert body["detail"]
    _token, later = create_api_token(db, world.reader, name="kort", scope=TokenScope.POST, days=30)
    future = dt.datetime.now(dt.UTC) + dt.timedelta(days=31)
    monkeypatch.setattr("civicforum.clock.now", lambda: future)
    response = client.post(
        f"{API}/topics/{world.topic.id}/posts", json={"body": "te laat"}, headers=bearer(later)
    )
    problem(response, 401, "token-expired")
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert posts_in(db, world.topic) == 1


# -- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("send", "status", "code"),
    [
        (dict(data="{not json", content_type="application/json"), 400, "malformed-json"),
        (dict(data='["a list"]', content_type="application/json"), 422, "invalid"),
        (
            dict(data="body=Hoi", content_type="application/x-www-form-urlencoded"),
            415,
            "json-expected",
        ),
        (
            dict(data=json.dumps({"body": "x" * 1_000_000}), content_type="application/json"),
            413,
            "too-large",
        ),
        (dict(json={"body": "Hoi", "sticky": True}), 422, "invalid"),
        (dict(json={"body": ""}), 422, "invalid"),
        (dict(json={"body": 7}), 422, "invalid"),
        (dict(json={"body": "Hoi", "publish_as": "koning"}), 422, "invalid"),
        (dict(json={"body": "Hoi", "content_warning": "x" * 101}), 422, "invalid"),
        (dict(json={"body": "   "}), 422, "invalid"),
    ],
)
def test_bad_bodies_get_a_problem_and_write_nothing(
    client: FlaskClient,
    db: Session,
    world: ModerationWorld,
    send: dict[str, Any],
    status: int,
    code: str,
) -> None:
    response = client.post(
        f"{API}/topics/{world.topic.id}/posts", headers=bearer(token_for(db, world.reader)), **send
    )
    body = problem(response, status, code)
    if "sticky" in json.dumps(send.get("json", {})):
        assert body["errors"] == {"sticky": ["Unknown field."]}
    assert posts_in(db, world.topic) == 1


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/communities/leesclub/topics?cursor=bm9wZQ", 400, "invalid-cursor"),
        # Not even the shape of a cursor: the query's schema refuses it.
        ("/communities/leesclub/topics?cursor=%%%", 400, "invalid-query"),
        # A cursor of another list is refused too.
        ("/communities/leesclub/topics?cursor=WyJwb3N0cyIsMV0", 400, "invalid-cursor"),
        ("/communities/leesclub/topics?limit=0", 400, "invalid-query"),
        ("/communities/leesclub/topics?limit=abc", 400, "invalid-query"),
        ("/communities/leesclub/topics?access_token=cfa_x", 400, "token-in-query"),
        ("/topics/99999999999", 404, "not-found"),
        ("/topics/-1", 404, "not-found"),
        ("/communities/geen-club", 404, "not-found"),
        ("/no/such/thing", 404, "not-found"),
    ],
)
def test_bad_addresses_get_a_problem(
    client: FlaskClient, world: ModerationWorld, path: str, status: int, code: str
) -> None:
    problem(client.get(API + path), status, code)


def test_a_token_where_the_header_is_required_and_malformed_headers(
    client: FlaskClient, db: Session, world: ModerationWorld
) -> None:
    secret = token_for(db, world.reader)
    url = f"{API}/topics/{world.topic.id}/posts"
    problem(client.post(f"{url}?token={secret}", json={"body": "Hoi"}), 400, "token-in-query")
    problem(client.post(url, json={"body": "Hoi"}, headers={"Authorization": secret}), 401)
    problem(client.post(url, json={"body": "Hoi"}, headers={"Authorization": "Basic YTpi"}), 401)
    problem(
        client.post(url, json={"body": "Hoi"}, headers={"Idempotency-Key": "é", **bearer(secret)}),
        400,
    )
    problem(client.delete(url, headers=bearer(secret)), 405, "method-not-allowed")
    assert posts_in(db, world.topic) == 1


# -- rate limits, CORS, the document -----------------------------------------------------


def test_every_answer_says_what_is_left_and_a_refusal_when_to_come_back(
    database_url: str, tmp_path: Any
) -> None:
    from .conftest import forum_app

    with forum_app(database_url, tmp_path / "rl", CIVICFORUM_API_RATE_LIMIT="5 per minute") as host:
        client = host.test_client()
        answers = [client.get(f"{API}/communities") for _ in range(6)]
    assert answers[0].headers["RateLimit-Policy"] == '"5-per-1-minute";q=5;w=60'
    assert [a.headers["RateLimit"].split(";")[1] for a in answers[:5]] == [
        "r=4",
        "r=3",
        "r=2",
        "r=1",
        "r=0",
    ]
    refused = problem(answers[5], 429, "rate-limited")
    assert 0 < int(answers[5].headers["Retry-After"]) <= 60
    assert refused["detail"]


def test_cors_is_off_by_default(client: FlaskClient, world: ModerationWorld) -> None:
    response = client.get(f"{API}/communities", headers={"Origin": "https://elders.example"})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_cors_for_the_origins_a_site_allows(database_url: str, tmp_path: Any) -> None:
    from .conftest import forum_app

    with forum_app(
        database_url, tmp_path / "cors", CIVICFORUM_API_CORS_ORIGINS=["https://www.bieb.example"]
    ) as host:
        client = host.test_client()
        allowed = client.get(f"{API}/communities", headers={"Origin": "https://www.bieb.example"})
        assert allowed.headers["Access-Control-Allow-Origin"] == "https://www.bieb.example"
        assert "RateLimit" in allowed.headers["Access-Control-Expose-Headers"]
        other = client.get(f"{API}/communities", headers={"Origin": "https://elders.example"})
        assert "Access-Control-Allow-Origin" not in other.headers
        preflight = client.options(
            f"{API}/topics/1/posts",
            headers={
                "Origin": "https://www.bieb.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "Authorization, Content-Type",
            },
        )
        assert preflight.status_code == 200
        assert "authorization" in preflight.headers["Access-Control-Allow-Headers"].lower()


def test_the_document_describes_every_route_of_the_api(app: Flask, client: FlaskClient) -> None:
    document = client.get(f"{API}/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    described = {
        (path, method.upper())
        for path, operations in document["paths"].items()
        for method in operations
        if method != "parameters"
    }
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("civicforum.api.") and not rule.endpoint.startswith(
            (
                "civicforum.api.method_not_allowed",
                "civicforum.api.unknown_path",
                "civicforum.api.openapi",
            )
        ):
            path = rule.rule.removeprefix(API)
            for name in rule.arguments:
                path = path.replace(f"<int:{name}>", f"{{{name}}}").replace(
                    f"<{name}>", f"{{{name}}}"
                )
            routed |= {(path, m) for m in rule.methods or () if m not in ("HEAD", "OPTIONS")}
    assert described == routed
    assert ("/topics/{topic_id}/posts", "POST") in described
    assert document["paths"]["/topics/{topic_id}/posts"]["post"]["security"] == [{"token": []}]


def test_the_api_ignores_the_session_cookie(
    client: FlaskClient, db: Session, world: ModerationWorld, make_community: Any
) -> None:
    from .helpers import sign_in

    club = make_community("besloten", members_only=True)
    add_member(db, club, world.reader, Role.MEMBER)
    sign_in(client, world.reader)
    assert client.get("/forum/c/besloten/").status_code == 200
    problem(client.get(f"{API}/communities/besloten/topics"), 403)
    problem(
        client.post(f"{API}/topics/{world.topic.id}/posts", json={"body": "Hoi"}),
        401,
        "token-needed",
    )
