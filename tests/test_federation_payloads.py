"""Reading what other servers send: real Lemmy, Mastodon and GNU social payloads (see
tests/fixtures/federation/README.md for where each comes from), bodies that are not
activities, and hostile HTML, which must come out as harmless Markdown.

No app and no database: every test reads a document the way the inbox will and checks
what the inbox would act on; the actors' keys are fetched from a real HTTP server on
loopback, as from their own servers.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from civicforum.markup import render_markdown
from civicforum.plugins.federation.fetching import ACTIVITY_JSON, Policy
from civicforum.plugins.federation.incoming import (
    MAX_DEPTH,
    MAX_ITEMS,
    PUBLIC,
    NotActivity,
    parse_activity,
    parse_announce,
    parse_delete,
    parse_follow,
    parse_undo,
    parse_vote,
    read_json,
    same_origin,
)
from civicforum.plugins.federation.keys import RemoteKeys
from civicforum.plugins.federation.remotetext import MAX_NESTING, UnreadableHTML, to_markdown
from civicforum.plugins.federation.replies import note_of, parse_note

FIXTURES = Path(__file__).parent / "fixtures" / "federation"
EVERY_FIXTURE = sorted(str(path.relative_to(FIXTURES)) for path in FIXTURES.glob("*/*.json"))
# The objects and actors among them are read by the tests of notes and keys below.
ACTIVITIES = [
    name for name in EVERY_FIXTURE if "actor" in json.loads((FIXTURES / name).read_text("utf-8"))
]
# The forum's default longest post (CIVICFORUM_MAX_POST_LENGTH).
MAX_LENGTH = 20_000
LOOPBACK = Policy(allow_http=True, allow_private=True)


def load(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((FIXTURES / name).read_text("utf-8"))
    return document


def refusal(call: Any, *args: Any, **kwargs: Any) -> NotActivity:
    with pytest.raises(NotActivity) as raised:
        call(*args, **kwargs)
    return raised.value


def never_local(address: str) -> bool:
    return False


# -- every fixture is read -----------------------------------------------------------------


def test_the_fixtures_are_all_there() -> None:
    assert len(EVERY_FIXTURE) == 20 and len(ACTIVITIES) == 16


@pytest.mark.parametrize("name", ACTIVITIES)
def test_every_real_activity_is_read_with_its_id_and_actor(name: str) -> None:
    document = load(name)
    activity = parse_activity(document)
    assert activity.id == document["id"]
    assert activity.actor == document["actor"]
    assert activity.raw is document


# -- following ----------------------------------------------------------------------------


def test_a_lemmy_follow_names_the_group() -> None:
    activity = parse_activity(load("lemmy/follow.json"))
    assert activity.type == "Follow" and activity.handled
    assert activity.actor == "http://ds9.lemmy.ml/u/lemmy_alpha"
    assert parse_follow(activity) == "http://enterprise.lemmy.ml/c/main"
    assert activity.to == ("http://enterprise.lemmy.ml/c/main",)


def test_a_mastodon_follow_names_the_group() -> None:
    activity = parse_activity(load("mastodon/follow.json"))
    assert parse_follow(activity) == "https://ds9.lemmy.ml/c/testcom"
    assert activity.actor == "https://masto.asonix.dog/users/asonix"


@pytest.mark.parametrize(
    ("name", "follow_id", "group"),
    [
        (
            "lemmy/undo_follow.json",
            "http://ds9.lemmy.ml/activities/follow/dc2f1bc5-f3a0-4daa-a46b-428cbfbd023c",
            "http://enterprise.lemmy.ml/c/main",
        ),
        (
            "mastodon/undo_follow.json",
            "https://masto.asonix.dog/1ea87517-63c5-4118-8831-460ee641b2cf",
            "https://ds9.lemmy.ml/c/testcom",
        ),
    ],
)
def test_an_undone_follow_says_which_follow_of_which_group(
    name: str, follow_id: str, group: str
) -> None:
    undone = parse_undo(parse_activity(load(name)))
    assert undone.id == follow_id
    assert undone.type == "Follow"
    assert undone.activity is not None and undone.activity.object_id == group


def test_no_one_undoes_another_actors_follow() -> None:
    document = load("mastodon/undo_follow.json")
    document["object"]["actor"] = "https://masto.asonix.dog/users/someone-else"
    assert refusal(parse_undo, parse_activity(document)).reason == "actor"


def test_an_undo_of_an_address_only_gives_the_address() -> None:
    document = load("mastodon/undo_follow.json")
    document["object"] = document["object"]["id"]
    undone = parse_undo(parse_activity(document))
    assert undone.id == document["object"] and undone.type is None


# -- replies ------------------------------------------------------------------------------


def test_a_lemmy_comment_is_a_reply_with_its_markdown() -> None:
    activity = parse_activity(load("lemmy/create_comment.json"))
    note = note_of(activity, max_length=MAX_LENGTH)
    assert note.id == "http://ds9.lemmy.ml/comment/1"
    assert note.author == "http://ds9.lemmy.ml/u/lemmy_alpha"
    assert note.in_reply_to == "http://ds9.lemmy.ml/post/1"
    assert note.markdown == "hello"
    assert note.audience == "http://ds9.lemmy.ml/u/lemmy_alpha"
    assert note.published == dt.datetime(2021, 11, 1, 11, 45, 49, 794920, tzinfo=dt.UTC)
    assert note.summary is None and not note.sensitive
    assert note.to == (PUBLIC,)
    assert "http://enterprise.lemmy.ml/c/main" in note.cc


def test_a_lemmy_note_names_its_community_and_keeps_its_markdown_source() -> None:
    document = load("lemmy/note.json")
    note = parse_note(document, "https://enterprise.lemmy.ml/u/picard", max_length=MAX_LENGTH)
    assert note.markdown == "first comment!"
    assert note.audience == "https://enterprise.lemmy.ml/c/tenforward"
    assert note.in_reply_to == "https://enterprise.lemmy.ml/post/55143"
    assert note.mentions == ("https://enterprise.lemmy.ml/u/picard",)
    assert note.updated == dt.datetime(2021, 3, 1, 13, 43, 3, 955787, tzinfo=dt.UTC)
    # The source is taken as written, not rebuilt from the HTML (which would give *first*).
    document["source"]["content"] = "_first_ comment, ![a photo](https://lemmy.example/p.jpg)"
    document["content"] = "<p><em>first</em> comment</p>"
    note = parse_note(document, "https://enterprise.lemmy.ml/u/picard", max_length=MAX_LENGTH)
    assert note.markdown == "_first_ comment, ![a photo](https://lemmy.example/p.jpg)"
    html = render_markdown(note.markdown)
    assert "<em>first</em>" in html
    assert "<img" not in html and 'href="https://lemmy.example/p.jpg"' in html


def test_a_mastodon_reply_becomes_markdown_with_its_mention_as_a_link() -> None:
    activity = parse_activity(load("mastodon/create_note.json"))
    note = note_of(activity, max_length=MAX_LENGTH)
    assert note.id == "https://mastodon.madrid/users/felix/statuses/107224289116410645"
    assert note.in_reply_to == "https://mamot.fr/users/retiolus/statuses/107224244380204526"
    assert note.url == "https://mastodon.madrid/@felix/107224289116410645"
    assert note.markdown.startswith(
        "[@retiolus](https://mamot.fr/@retiolus) i have never been disappointed by a thinkpad."
    )
    assert note.mentions == ("https://mamot.fr/users/retiolus",)
    assert PUBLIC in note.cc  # "unlisted": public, though not addressed to it first
    html = render_markdown(note.markdown)
    assert '<a href="https://mamot.fr/@retiolus" rel="nofollow ugc noopener">@retiolus</a>' in html


def test_a_mastodon_reply_with_an_image_shows_a_link_and_no_image() -> None:
    note = parse_note(
        load("mastodon/note_with_attachment.json"),
        "https://floss.social/users/kde",
        max_length=MAX_LENGTH,
    )
    image = (
        "https://cdn.masto.host/floss/media_attachments/files/113/306/826/682/985/891/"
        "original/c8d906a2f2ab2334.jpg"
    )
    assert note.attachments == (image,)
    assert note.mentions == ("https://lemmy.kde.social/c/kde",)
    html = render_markdown(note.markdown)
    assert "<img" not in html
    assert f'<a href="{image}" rel="nofollow ugc noopener">The KDE dragons Katie and Konqi' in html
    # Mastodon's shortened link (hidden spans) is the whole address again.
    assert (
        '<a href="https://kde.org/donate/" rel="nofollow ugc noopener">https://kde.org/donate/</a>'
        in html
    )
    assert "<p>[3/3]</p>" in html


def test_a_mastodon_edit_is_read_with_its_time() -> None:
    activity = parse_activity(load("mastodon/update_note.json"))
    assert activity.type == "Update" and activity.handled
    note = note_of(activity, max_length=MAX_LENGTH)
    assert note.markdown == "test"
    assert note.updated == dt.datetime(2025, 1, 28, 20, 39, 36, tzinfo=dt.UTC)
    assert note.in_reply_to == "https://pol.social/users/aemstuz/statuses/113907854282654767"
    assert len(note.mentions) == 4


def test_a_content_warning_comes_with_the_reply() -> None:
    document = load("mastodon/create_note_cw_hashtag.json")
    # As sent, a new post that answers nothing: not for the forum.
    assert refusal(note_of, parse_activity(document)).reason == "not-reply"
    document["object"]["inReplyTo"] = "https://forum.example/forum/t/1/"
    note = note_of(parse_activity(document), max_length=MAX_LENGTH)
    assert note.summary == "cw" and note.sensitive
    assert note.mentions == ("http://localtesting.pleroma.lol/users/lain",)
    html = render_markdown(note.markdown)
    assert (
        '<a href="http://localtesting.pleroma.lol/users/lain" rel="nofollow ugc noopener">@lain</a> #moo'
        in html
    )


def test_a_plain_text_source_is_not_taken_for_markdown() -> None:
    document = load("other/gnusocial_create_note.json")
    note = note_of(parse_activity(document), max_length=MAX_LENGTH)
    assert note.markdown == "yay ^^"
    document["object"]["source"]["content"] = "*stars*"
    document["object"]["content"] = "<p>*stars*</p>"
    note = note_of(parse_activity(document), max_length=MAX_LENGTH)
    html = render_markdown(note.markdown)
    assert "<em>" not in html and "*stars*" in html


def test_a_lemmy_post_is_refused_as_a_new_topic() -> None:
    refused = refusal(note_of, parse_activity(load("lemmy/create_page.json")))
    assert refused.reason == "topic" and refused.status == 422
    assert "only replies" in str(refused)


# -- deleting, announcing, voting ---------------------------------------------------------


def test_a_deletion_names_what_it_removes_as_an_address_or_a_tombstone() -> None:
    assert parse_delete(parse_activity(load("lemmy/delete_page.json"))) == (
        "http://ds9.lemmy.ml/post/1"
    )
    assert parse_delete(parse_activity(load("mastodon/delete_tombstone.json"))) == (
        "https://mastodon.madrid/users/felix/statuses/107773559874184870"
    )


def test_no_one_deletes_what_is_on_another_server() -> None:
    document = load("mastodon/delete_tombstone.json")
    document["object"]["id"] = "https://forum.example/forum/p/1/"
    refused = refusal(parse_delete, parse_activity(document))
    assert refused.reason == "origin"


def test_a_lemmy_announce_passes_on_the_activity_it_carries() -> None:
    announced = parse_announce(
        parse_activity(load("lemmy/announce_create_page.json")), is_local=never_local
    )
    assert announced.object_id == (
        "http://enterprise.lemmy.ml/activities/create/2807c9ec-3ad8-4859-a9e0-28b59b6e499f"
    )
    assert announced.activity is not None
    assert announced.activity.type == "Create"
    assert announced.activity.actor == "http://enterprise.lemmy.ml/u/lemmy_beta"


def test_an_announce_loop_is_refused() -> None:
    document = load("lemmy/announce_create_page.json")
    own = parse_activity(document)
    refused = refusal(parse_announce, own, is_local=lambda address: address == own.actor)
    assert refused.reason == "loop"
    wrapped = copy.deepcopy(document)
    wrapped["id"] = "http://enterprise.lemmy.ml/activities/announce/again"
    wrapped["object"] = {key: value for key, value in document.items() if key != "@context"}
    assert refusal(parse_announce, parse_activity(wrapped), is_local=never_local).reason == "loop"


@pytest.mark.parametrize(
    ("name", "target"),
    [
        ("lemmy/like_note.json", "http://ds9.lemmy.ml/comment/1"),
        ("lemmy/dislike_page.json", "http://ds9.lemmy.ml/post/1"),
        ("mastodon/like_page.json", "https://ds9.lemmy.ml/post/147"),
    ],
)
def test_votes_are_read_and_left_alone(name: str, target: str) -> None:
    activity = parse_activity(load(name))
    assert not activity.handled
    assert parse_vote(activity) == target


def test_an_unknown_type_is_read_but_not_handled() -> None:
    document = load("lemmy/like_note.json")
    document["type"] = "EmojiReact"
    activity = parse_activity(document)
    assert activity.type == "EmojiReact" and not activity.handled
    document["type"] = ["as:Follow", "lemmy:Extra"]
    assert parse_activity(document).type == "Follow"


# -- actors and their keys ------------------------------------------------------------------


@pytest.fixture(scope="module")
def actor_server() -> Iterator[tuple[str, dict[str, bytes]]]:
    """A real HTTP server on loopback that publishes actor documents, by path."""
    published: dict[str, bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = published.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", ACTIVITY_JSON)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", published
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("name", "origin"),
    [
        ("lemmy/person.json", "https://enterprise.lemmy.ml"),
        ("mastodon/person.json", "https://ap.example.com"),
    ],
)
def test_the_key_of_a_real_actor_is_believed(
    name: str, origin: str, actor_server: tuple[str, dict[str, bytes]]
) -> None:
    base, published = actor_server
    # The actor as its server publishes it, moved to the loopback server's address.
    actor = json.loads((FIXTURES / name).read_text("utf-8").replace(origin, base))
    published[urlsplit(actor["id"]).path] = json.dumps(actor).encode()
    key_id = actor["publicKey"]["id"]
    assert same_origin(key_id, actor["id"])
    key = RemoteKeys(LOOPBACK).key(key_id)
    assert key.owner == actor["id"]
    loaded = serialization.load_pem_public_key(key.pem.encode())
    assert isinstance(loaded, rsa.RSAPublicKey) and loaded.key_size == 2048


def test_same_origin_compares_scheme_host_and_port() -> None:
    assert same_origin("https://Mastodon.Example/users/a", "https://mastodon.example:443/x")
    assert same_origin("http://lemmy.example/u/a#main-key", "http://lemmy.example:80/u/a")
    assert not same_origin("https://mastodon.example/a", "http://mastodon.example/a")
    assert not same_origin("https://mastodon.example/a", "https://mastodon.example:8443/a")
    assert not same_origin("https://mastodon.example/a", "https://evil.mastodon.example.net/a")
    assert not same_origin("javascript:alert(1)", "javascript:alert(1)")
    assert not same_origin("https://[::1/a", "https://[::1/a")


# -- bodies that are not activities ------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [b"not json", b"\xff\xfe{}", b'{"a": NaN}', b"[" * 100_000 + b"]" * 100_000],
)
def test_bodies_that_are_not_json_are_refused(body: bytes) -> None:
    refused = refusal(read_json, body)
    assert refused.reason == "json" and refused.status == 400


@pytest.mark.parametrize("document", [[], "Follow", None, 3])
def test_json_that_is_not_an_object_is_refused(document: object) -> None:
    assert refusal(parse_activity, document).reason == "json"


@pytest.mark.parametrize(
    "context",
    [None, "https://schema.org", ["https://w3id.org/security/v1"], {"as": "x"}, 1],
)
def test_an_activity_must_name_activitystreams(context: object) -> None:
    document = load("mastodon/follow.json")
    if context is None:
        del document["@context"]
    else:
        document["@context"] = context
    refused = refusal(parse_activity, document)
    assert refused.reason == "context" and refused.status == 400


def test_the_http_form_of_the_activitystreams_context_is_accepted() -> None:
    document = load("mastodon/follow.json")
    document["@context"] = ["http://www.w3.org/ns/activitystreams", {"toot": "x"}]
    assert parse_activity(document).type == "Follow"


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("id", None, "id"),
        ("id", "1ea87517", "id"),
        ("id", "file:///etc/passwd", "id"),
        ("id", "https://user:pass@masto.asonix.dog/1", "id"),
        ("id", "https://masto.asonix.dog/a b", "id"),
        ("id", "https://masto.asonix.dog/" + "a" * 3000, "id"),
        ("id", "https://elsewhere.example/1", "origin"),
        ("actor", None, "actor"),
        ("actor", "asonix", "actor"),
        ("actor", "javascript:alert(1)", "actor"),
        ("actor", "file:///etc/passwd", "actor"),
        (
            "actor",
            ["https://masto.asonix.dog/users/a", "https://masto.asonix.dog/users/b"],
            "actor",
        ),
        ("type", None, "type"),
        ("type", "Fol low", "type"),
        ("object", "javascript:alert(1)", "object"),
        ("object", {"id": "data:text/html,<script>", "type": "Group"}, "object"),
        ("object", ["https://ds9.lemmy.ml/c/a", "https://ds9.lemmy.ml/c/b"], "object"),
    ],
)
def test_activities_with_a_bad_field_are_refused(field: str, value: object, reason: str) -> None:
    document = load("mastodon/follow.json")
    if value is None:
        del document[field]
    else:
        document[field] = value
    assert refusal(parse_activity, document).reason == reason


@pytest.mark.parametrize(
    "actor",
    [
        {"id": "https://masto.asonix.dog/users/asonix", "type": "Person"},
        ["https://masto.asonix.dog/users/asonix"],
    ],
)
def test_an_actor_may_come_as_an_object_or_a_list_of_one(actor: object) -> None:
    document = load("mastodon/follow.json")
    document["actor"] = actor
    assert parse_activity(document).actor == "https://masto.asonix.dog/users/asonix"


def test_deeply_nested_documents_are_refused() -> None:
    document = load("mastodon/follow.json")
    nested: dict[str, Any] = {}
    document["tag"] = nested
    for _level in range(MAX_DEPTH + 5):
        nested["n"] = {}
        nested = nested["n"]
    assert refusal(parse_activity, document).reason == "depth"


def test_huge_lists_are_refused() -> None:
    document = load("mastodon/follow.json")
    document["cc"] = [f"https://masto.asonix.dog/users/{n}" for n in range(MAX_ITEMS + 1)]
    assert refusal(parse_activity, document).reason == "size"
    document["cc"] = [[n for n in range(900)] for _list in range(30)]
    assert refusal(parse_activity, document).reason == "size"


# -- notes that are refused ----------------------------------------------------------------

ACTOR = "https://mastodon.madrid/users/felix"


def mastodon_note() -> dict[str, Any]:
    note: dict[str, Any] = load("mastodon/create_note.json")["object"]
    return note


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"content": None, "contentMap": None}, "empty"),
        ({"content": "<p> </p><script>alert(1)</script>", "contentMap": None}, "empty"),
        ({"attributedTo": "https://mastodon.madrid/users/somebody"}, "attribution"),
        ({"attributedTo": None}, "attribution"),
        ({"id": "https://mamot.fr/users/felix/statuses/1"}, "origin"),
        ({"id": "javascript:alert(1)"}, "id"),
        ({"type": "Page"}, "topic"),
        ({"type": "Article"}, "topic"),
        ({"type": "Question"}, "kind"),
        ({"inReplyTo": None}, "not-reply"),
        ({"to": ["https://mastodon.madrid/users/felix/followers"], "cc": []}, "private"),
        ({"content": "<div>" * (MAX_NESTING + 1) + "deep"}, "content"),
    ],
)
def test_notes_the_forum_does_not_take(change: dict[str, Any], reason: str) -> None:
    note = mastodon_note()
    for key, value in change.items():
        if value is None:
            note.pop(key, None)
        else:
            note[key] = value
    refused = refusal(parse_note, note, ACTOR, max_length=MAX_LENGTH)
    assert refused.reason == reason


def test_a_note_attributed_in_a_list_or_object_with_its_actor_is_taken() -> None:
    note = mastodon_note()
    note["attributedTo"] = [{"type": "Person", "id": ACTOR}, "https://mastodon.madrid/c/group"]
    assert parse_note(note, ACTOR, max_length=MAX_LENGTH).author == ACTOR


def test_a_note_longer_than_the_forums_posts_is_refused() -> None:
    note = mastodon_note()
    note["content"] = "<p>" + "a" * 501 + "</p>"
    assert refusal(parse_note, note, ACTOR, max_length=500).reason == "length"
    note["content"] = "<p>" + "a" * 500 + "</p>"
    assert parse_note(note, ACTOR, max_length=500).markdown == "a" * 500
    # Markup far beyond any post is refused before it is read.
    note["content"] = "<span></span>" * 1000
    assert refusal(parse_note, note, ACTOR, max_length=500).reason == "length"
    lemmy = load("lemmy/note.json")
    lemmy["source"]["content"] = "b" * 501
    refused = refusal(parse_note, lemmy, "https://enterprise.lemmy.ml/u/picard", max_length=500)
    assert refused.reason == "length" and refused.status == 422


def test_a_create_must_carry_its_note() -> None:
    document = load("mastodon/create_note.json")
    document["object"] = document["object"]["id"]
    assert refusal(note_of, parse_activity(document)).reason == "object"


# -- hostile HTML --------------------------------------------------------------------------

HOSTILE = [
    "<script>alert(1)</script><p>text</p>",
    '<p onclick="alert(1)">text</p>',
    '<img src="x" onerror="alert(1)">',
    '<img src="https://evil.example/x.png" onerror="alert(1)" alt="a cat">',
    '<a href="javascript:alert(1)">click</a>',
    '<a href="JaVaScRiPt:alert(1)">click</a>',
    '<a href="jav&#x09;ascript:alert(1)">click</a>',
    '<a href="  javascript:alert(1)">click</a>',
    '<a href="vbscript:msgbox(1)">click</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">click</a>',
    '<img src="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=" alt="pic">',
    '<style>body { background: url("javascript:alert(1)") }</style><p style="color:red">text</p>',
    '<iframe src="javascript:alert(1)"></iframe><iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<svg onload="alert(1)"><script>alert(1)</script></svg>',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '<object data="https://evil.example/x.swf"></object><embed src="https://evil.example/x">',
    '<form action="https://evil.example"><input name="password"><button>Go</button></form>',
    '<a href="https://ok.example/" onmouseover="alert(1)">link</a>',
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    '<p>\u202egnp.exe</p><a href="https://ok.example/\u202e">\u2066x\u2069</a>',
    "<p>nul\x00byte\x01and\x1fcontrols</p>",
    '<a href="https://ok.example/"><img src="https://evil.example/x.png" alt="inside"></a>',
    '<video src="https://evil.example/v.mp4" poster="https://evil.example/p.png">v</video>',
    '<audio src="https://evil.example/a.mp3">a</audio><base href="https://evil.example/">',
    '<meta http-equiv="refresh" content="0;url=https://evil.example/"><link rel="stylesheet" href="https://evil.example/s.css">',
    "<!-- <script>alert(1)</script> --><p>comment</p>",
    '<a href="/forum/admin">relative</a><a href="//evil.example/x">protocol relative</a>',
]
DANGEROUS = [
    "<script",
    "<img",
    "<iframe",
    "<svg",
    "<math",
    "<object",
    "<embed",
    "<style",
    "<form",
    "<input",
    "<video",
    "<audio",
    "<base",
    "<meta",
    "<link",
    "onerror",
    "onclick",
    "onload",
    "onmouseover",
    "style=",
    "srcdoc",
    "javascript:",
    "vbscript:",
    "data:",
    'href="/',
    "\u202e",
    "\u2066",
    "\u2069",
    "\x00",
    "\x01",
]


@pytest.mark.parametrize("html", HOSTILE)
def test_nothing_dangerous_survives_markdown_and_the_forums_rendering(html: str) -> None:
    markdown = to_markdown(html)
    assert "![" not in markdown
    rendered = render_markdown(markdown)
    for danger in DANGEROUS:
        assert danger not in rendered.lower(), f"{danger!r} survived in {rendered!r}"


@pytest.mark.parametrize(
    ("html", "shown"),
    [
        (
            '<img src="https://evil.example/x.png" onerror="alert(1)" alt="a cat">',
            '<p><a href="https://evil.example/x.png" rel="nofollow ugc noopener">a cat</a></p>',
        ),
        ('<a href="javascript:alert(1)">click</a>', "<p>click</p>"),
        ("&lt;script&gt;alert(1)&lt;/script&gt;", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
        ("<p>nul\x00byte\x01and\x1fcontrols</p>", "<p>nulbyteandcontrols</p>"),
        (
            '<a href="https://ok.example/"><img src="https://evil.example/x.png" alt="inside"></a>',
            '<p><a href="https://ok.example/" rel="nofollow ugc noopener">inside</a></p>',
        ),
        (
            '<video src="https://evil.example/v.mp4">the talk</video>',
            '<p><a href="https://evil.example/v.mp4" rel="nofollow ugc noopener">the talk</a></p>',
        ),
        ("<p>\u202egnp.exe</p>", "<p>gnp.exe</p>"),
    ],
)
def test_hostile_html_keeps_what_a_reader_should_see(html: str, shown: str) -> None:
    assert render_markdown(to_markdown(html)).strip() == shown


def test_text_that_looks_like_markdown_stays_text() -> None:
    html = "<p># not a heading</p><p>2024. a year</p><p>*not bold* [not](a link)</p>"
    rendered = render_markdown(to_markdown(html))
    assert "<h1>" not in rendered and "<ol" not in rendered and "<em>" not in rendered
    assert "<a " not in rendered
    assert "# not a heading" in rendered and "[not](a link)" in rendered


def test_html_nested_beyond_reason_is_not_read() -> None:
    with pytest.raises(UnreadableHTML):
        to_markdown("<span>" * (MAX_NESTING + 1) + "x")
    assert to_markdown("<span>" * (MAX_NESTING - 2) + "x") == "x"
