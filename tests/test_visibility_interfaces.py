"""The visibility matrix of the open interfaces: the REST API, the Atom feeds (public and
through a member's feed key), the calendar files and the widget, asked by every kind of
person about everything in a forum full of secrets.

Each text that matters is a unique canary (see tests/interfacesworld.py). For every
route and every actor the answer may hold only canaries that actor may see, worked out
from the rules in an explicit table below (never from the output), and must hold those the
route is there to show them, so the test fails both when something leaks and when an
interface hides what it should show. Refusals are 403 or 404 (problem documents on the
API), never a server error.

The API and the private feeds decide by their token or key alone: every request to them
also carries the *moderator's* session cookie, which they must not read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from civicforum.curation.models import VerifiedItem
from civicforum.forum.models import Post, Topic
from civicforum.identity.models import PublishAs
from civicforum.identity.providers import SESSION_KEY

from .conftest import forum_app, fresh_database
from .interfacesworld import ACTORS, World, build, canary

API = "/forum/api/v1"
PROBLEM = "application/problem+json"
EN = {"Accept-Language": "en"}
#: What the matrix asks for that does not exist.
UNKNOWN_SLUG = "nergens"
UNKNOWN = "missing"
UNKNOWN_ID = 2**31 - 1

# -- the expectation table ---------------------------------------------------------------

# Which communities each actor may read, from policy.base.can_view_community: public ones
# for everyone, *kring* for its active members, *zorg* from the level "confirmed".
READS: dict[str, frozenset[str]] = {
    "anonymous": frozenset({"plein"}),
    # Signed up but "registered" only: not enough for zorg, and a member of nothing.
    "nonmember": frozenset({"plein"}),
    # Asked to join kring, not yet let in: a membership that is not active opens nothing.
    "pending": frozenset({"plein", "zorg"}),
    "member": frozenset({"plein", "kring", "zorg"}),
    # A mute (here, in kring) and a ban restrict posting, not reading: the policy asks a
    # member's standing (policy.moderation._restricted) only when they start a topic,
    # reply or edit, can_view_community never asks it, and a measure leaves the
    # membership active. So the muted and the banned member read what a member reads.
    "muted": frozenset({"plein", "kring", "zorg"}),
    "banned": frozenset({"plein", "kring", "zorg"}),
    # Moderators are not asked for zorg's level: they must read to moderate.
    "moderator": frozenset({"plein", "kring", "zorg"}),
    # Editors are (only moderators, admins and site admins are let off), and this one is
    # "registered" only: editor of zorg, yet it may not read there.
    "editor": frozenset({"plein", "kring"}),
}
#: The moderator and the editor hold their role in every community.
MODERATORS = frozenset({"moderator"})
EDITORS = frozenset({"editor"})

PUBLISHED = "published"
HELD = "held"  # waiting for approval: its author and the moderators
HIDDEN = "hidden"  # hidden by a moderator: its author and the moderators
DRAFT = "draft"  # information not verified (yet): the community's editors
DELETED = "deleted"  # nobody
SECRET = "secret"  # never shown by these interfaces: nobody


@dataclass(frozen=True)
class Canary:
    community: str
    state: str
    author: str | None = None


CANARIES: dict[str, Canary] = {
    "opentitle": Canary("plein", PUBLISHED),
    "openbody": Canary("plein", PUBLISHED),
    "openreply": Canary("plein", PUBLISHED),
    "anonbody": Canary("plein", PUBLISHED),
    "anontitle": Canary("plein", PUBLISHED),
    "anonopening": Canary("plein", PUBLISHED),
    # The display and real name of the author of the anonymous reply and topic: the API
    # and the feeds show an author's shown name and kind only, never the account behind it.
    "anonname": Canary("plein", SECRET),
    "anonreal": Canary("plein", SECRET),
    # A statement of reasons is for the member concerned and the moderators, on pages.
    "reasons": Canary("plein", SECRET),
    "hidden": Canary("plein", HIDDEN, "banned"),
    "deleted": Canary("plein", DELETED, "member"),
    "held": Canary("plein", HELD, "member"),
    "heldtitle": Canary("plein", HELD, "muted"),
    "heldbody": Canary("plein", HELD, "muted"),
    "closedtitle": Canary("kring", PUBLISHED),
    "closedbody": Canary("kring", PUBLISHED),
    "closedreply": Canary("kring", PUBLISHED),
    "vettedtitle": Canary("zorg", PUBLISHED),
    "vettedbody": Canary("zorg", PUBLISHED),
    "pubinfotitle": Canary("plein", PUBLISHED),
    "pubinfobody": Canary("plein", PUBLISHED),
    "infotitle": Canary("kring", PUBLISHED),
    "infobody": Canary("kring", PUBLISHED),
    # A new version of verified information, waiting for a second editor.
    "inforevision": Canary("kring", DRAFT),
    "drafttitle": Canary("kring", DRAFT),
    "draftbody": Canary("kring", DRAFT),
    "pubevent": Canary("plein", PUBLISHED),
    "event": Canary("kring", PUBLISHED),
}


def may_see(actor: str, name: str) -> bool:
    """Whether the rules let ``actor`` read the canary ``name`` anywhere."""
    found = CANARIES[name]
    if found.community not in READS[actor]:
        return False
    if found.state == PUBLISHED:
        return True
    if found.state in (HELD, HIDDEN):
        return actor == found.author or actor in MODERATORS
    if found.state == DRAFT:
        return actor in EDITORS
    return False


# Where the canaries sit. Topics: key -> (community, title); a topic's opening post has
# the topic's key. Posts: key -> (topic, body). Items: key -> (community, what readers
# are shown of it). Events: key -> (community, title).
TOPICS = {
    "plein": ("plein", "opentitle"),
    "anontopic": ("plein", "anontitle"),
    "heldtopic": ("plein", "heldtitle"),
    "kring": ("kring", "closedtitle"),
    "zorg": ("zorg", "vettedtitle"),
}
POSTS = {
    "plein": ("plein", "openbody"),
    "reply": ("plein", "openreply"),
    "anon": ("plein", "anonbody"),
    "hidden": ("plein", "hidden"),
    "deleted": ("plein", "deleted"),
    "held": ("plein", "held"),
    "anontopic": ("anontopic", "anonopening"),
    "heldtopic": ("heldtopic", "heldbody"),
    "kring": ("kring", "closedbody"),
    "kringreply": ("kring", "closedreply"),
    "zorg": ("zorg", "vettedbody"),
}
# The API and the feeds show the verified version of an item, so a draft shows nothing
# and a revision waiting for approval is not what "info" shows.
ITEMS = {
    "pubinfo": ("plein", frozenset({"pubinfotitle", "pubinfobody"})),
    "info": ("kring", frozenset({"infotitle", "infobody"})),
    "draft": ("kring", frozenset[str]()),
}
EVENTS = {"pubevent": ("plein", "pubevent"), "event": ("kring", "event")}
SLUGS = ("plein", "kring", "zorg", UNKNOWN_SLUG)


# -- what each route is for --------------------------------------------------------------

Gate = Callable[[str], bool]


def reads(slug: str) -> Gate:
    return lambda actor: slug in READS[actor]


def exists(slug: str) -> Gate:
    return lambda actor: slug != UNKNOWN_SLUG


def topic_opens(key: str) -> Gate:
    """A topic, its posts and its page are there for whoever may read its title."""
    return lambda actor: key in TOPICS and may_see(actor, TOPICS[key][1])


def post_opens(key: str) -> Gate:
    """A held post is not there for others; a hidden or deleted one keeps its place."""

    def opens(actor: str) -> bool:
        if key not in POSTS:
            return False
        topic, body = POSTS[key]
        if CANARIES[body].state == HELD:
            return may_see(actor, body)
        return topic_opens(topic)(actor)

    return opens


def item_opens(key: str) -> Gate:
    # Never verified: refused to readers, "not published" to editors.
    return lambda actor: key in ITEMS and bool(ITEMS[key][1]) and reads(ITEMS[key][0])(actor)


def event_opens(key: str) -> Gate:
    return lambda actor: key in EVENTS and reads(EVENTS[key][0])(actor)


def feed_topic_opens(key: str) -> Gate:
    """A held topic has no feed, not even for those who see its page."""
    return lambda actor: topic_opens(key)(actor) and CANARIES[TOPICS[key][1]].state == PUBLISHED


def titles_in(slug: str) -> frozenset[str]:
    return frozenset(title for community, title in TOPICS.values() if community == slug)


def bodies_in(topic: str) -> frozenset[str]:
    return frozenset(body for where, body in POSTS.values() if where == topic)


def openings_in(slug: str) -> frozenset[str]:
    return frozenset(
        POSTS[key][1] for key, (community, _title) in TOPICS.items() if community == slug
    )


def information_in(slug: str | None) -> frozenset[str]:
    return frozenset().union(
        *(shown for community, shown in ITEMS.values() if slug in (None, community))
    )


def events_in(slug: str) -> frozenset[str]:
    return frozenset(title for community, title in EVENTS.values() if community == slug)


def one(table: dict[str, tuple[str, str]], key: str) -> frozenset[str]:
    """The canary of one topic's title, post's body or event's title."""
    return frozenset({table[key][1]}) if key in table else frozenset()


@dataclass(frozen=True)
class Route:
    """One address of one interface, for one world object.

    ``interface``: "api" (the actor's token), "private" (the actor's feed key), "public"
    (a public feed or the widget: anonymous content, whoever asks) or "session" (the
    calendar file of a community, read with the actor's own session).
    """

    name: str
    interface: str
    path: str  # {id} is the object's slug or id, {key} the actor's feed key
    target: str
    kind: str  # "slug", "topic", "post", "item", "event" or "" (none)
    opens: Gate  # whether it answers 200 to the reader
    shows: frozenset[str]  # the canaries it is there to show, when the reader may see them
    operation: str = ""  # the OpenAPI path, for API routes


# The API's GET operations: OpenAPI path -> (what fills it, its gate, what it shows).
API_GETS: dict[str, tuple[str, Callable[[str], Gate], Callable[[str], frozenset[str]]]] = {
    "/communities": ("", lambda _key: lambda _actor: True, lambda _key: frozenset()),
    "/communities/{slug}": ("slug", exists, lambda _key: frozenset()),
    "/communities/{slug}/events": ("slug", reads, events_in),
    "/communities/{slug}/information": ("slug", reads, information_in),
    "/communities/{slug}/moderation-log": ("slug", exists, lambda _key: frozenset()),
    "/communities/{slug}/rules": ("slug", exists, lambda _key: frozenset()),
    "/communities/{slug}/topics": ("slug", reads, titles_in),
    "/events/{event_id}": ("event", event_opens, lambda key: one(EVENTS, key)),
    "/information/{item_id}": (
        "item",
        item_opens,
        lambda key: ITEMS[key][1] if key in ITEMS else frozenset(),
    ),
    "/posts/{post_id}": ("post", post_opens, lambda key: one(POSTS, key)),
    "/topics/{topic_id}": ("topic", topic_opens, lambda key: one(TOPICS, key)),
    "/topics/{topic_id}/posts": ("topic", topic_opens, bodies_in),
}
TARGETS = {
    "": ("",),
    "slug": SLUGS,
    "topic": (*TOPICS, UNKNOWN),
    "post": (*POSTS, UNKNOWN),
    "item": (*ITEMS, UNKNOWN),
    "event": (*EVENTS, UNKNOWN),
}


def route(
    interface: str,
    path: str,
    target: str,
    kind: str,
    opens: Gate,
    shows: frozenset[str],
    operation: str = "",
) -> Route:
    name = ("GET " if interface == "api" else "") + path.replace("{id}", target)
    return Route(name, interface, path, target, kind, opens, shows, operation)


def api_routes() -> list[Route]:
    routes = []
    for operation, (kind, gate, shows) in API_GETS.items():
        head, _brace, tail = operation.partition("{")
        path = API + (head + "{id}" + tail.partition("}")[2] if kind else operation)
        routes += [route("api", path, t, kind, gate(t), shows(t), operation) for t in TARGETS[kind]]
    return routes


def feed_routes() -> list[Route]:
    routes = []
    for slug in SLUGS:
        community = reads(slug)
        topics = titles_in(slug) | openings_in(slug)
        events = events_in(slug)
        widget = titles_in(slug) | events
        routes += [
            route("public", "/forum/c/{id}/feed.atom", slug, "slug", community, topics),
            route("private", "/forum/feeds/{key}/c/{id}.atom", slug, "slug", community, topics),
            route(
                "public",
                "/forum/c/{id}/reliable/feed.atom",
                slug,
                "slug",
                community,
                information_in(slug),
            ),
            route("session", "/forum/c/{id}/events.ics", slug, "slug", community, events),
            route(
                "private", "/forum/feeds/{key}/c/{id}/events.ics", slug, "slug", community, events
            ),
            route("public", "/forum/embed/c/{id}/latest", slug, "slug", community, widget),
            route("public", "/forum/embed/c/{id}/latest.fragment", slug, "slug", community, widget),
            route("public", "/forum/embed/c/{id}/latest.json", slug, "slug", community, widget),
        ]
    for topic in (*TOPICS, UNKNOWN):
        opens, shows = feed_topic_opens(topic), one(TOPICS, topic) | bodies_in(topic)
        routes += [
            route("public", "/forum/t/{id}/feed.atom", topic, "topic", opens, shows),
            route("private", "/forum/feeds/{key}/t/{id}.atom", topic, "topic", opens, shows),
        ]
    everything = information_in(None)
    routes.append(
        route("public", "/forum/information/feed.atom", "", "", lambda _a: True, everything)
    )
    return routes


ROUTES = {r.name: r for r in api_routes() + feed_routes()}


# -- the forum, once for the module ------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """One forum for the whole matrix: the cases only read, so they can share it. The
    API's rate limit is raised: the matrix asks far more than a person would."""
    directory = tmp_path_factory.mktemp("interfaces")
    with (
        fresh_database(directory, tables=True) as url,
        forum_app(
            url, directory / "instance", CIVICFORUM_API_RATE_LIMIT="100000 per minute"
        ) as host,
    ):
        yield host


@pytest.fixture(scope="module")
def world(site: Flask) -> World:
    forum = site.extensions["civicforum"]
    with forum.session_factory() as db:
        return build(db, forum.settings.secret_key)


def as_session(client: FlaskClient, world: World, actor: str) -> None:
    """The forum session a sign-in would give ``actor`` (none for "anonymous")."""
    with client.session_transaction() as session:
        session.pop(SESSION_KEY, None)
        if actor in world.sessions:
            session[SESSION_KEY] = world.sessions[actor]


def address(route: Route, world: World, actor: str) -> str:
    ids = {
        "": "",
        "slug": route.target,
        "topic": world.topics.get(route.target, UNKNOWN_ID),
        "post": world.posts.get(route.target, UNKNOWN_ID),
        "item": world.items.get(route.target, UNKNOWN_ID),
        "event": world.events.get(route.target, UNKNOWN_ID),
    }[route.kind]
    return route.path.format(id=ids, key=world.feed_keys[actor])


def fetch(client: FlaskClient, route: Route, world: World, actor: str) -> tuple[int, str, str]:
    """Ask as ``actor``: its status, media type and body (iCalendar lines unfolded)."""
    headers = dict(EN)
    if route.interface in ("api", "private"):
        as_session(client, world, "moderator")
    else:
        as_session(client, world, actor)
    if route.interface == "api" and actor in world.api_tokens:
        headers["Authorization"] = f"Bearer {world.api_tokens[actor]}"
    response = client.get(address(route, world, actor), headers=headers)
    body = response.get_data(as_text=True)
    if response.mimetype == "text/calendar":
        body = body.replace("\r\n ", "").replace("\r\n\t", "")
    return response.status_code, response.mimetype or "", body


def reader(route: Route, actor: str) -> str:
    """Whose view the route must give: a public feed and the widget are anonymous."""
    return "anonymous" if route.interface == "public" else actor


def allowed(route: Route, actor: str) -> frozenset[str]:
    """Every canary the answer may hold. Feeds go further than pages: what waits for
    approval, was hidden or deleted stays out of every feed, for everyone."""
    who = reader(route, actor)
    return frozenset(
        name
        for name in CANARIES
        if may_see(who, name) and (route.interface == "api" or CANARIES[name].state == PUBLISHED)
    )


CASES = [(name, actor) for name in ROUTES for actor in ACTORS]


@pytest.mark.parametrize(("route_name", "actor"), CASES, ids=[f"{r} as {a}" for r, a in CASES])
def test_each_interface_shows_each_actor_what_they_may_see_and_nothing_else(
    site: Flask, world: World, route_name: str, actor: str
) -> None:
    route = ROUTES[route_name]
    status, mimetype, body = fetch(site.test_client(), route, world, actor)
    found = {name for name in CANARIES if canary(name) in body}
    leaked = found - allowed(route, actor)
    assert not leaked, f"{route_name} as {actor}: leaked {sorted(leaked)}"
    # Without an account there is no feed key: "anonymous" tries one that opens nothing.
    keyless = route.interface == "private" and actor == "anonymous"
    if route.opens(reader(route, actor)) and not keyless:
        assert status == 200, f"{route_name} as {actor}: {status}, expected 200: {body[:300]}"
        missing = (route.shows & allowed(route, actor)) - found
        assert not missing, f"{route_name} as {actor}: does not show {sorted(missing)}"
    else:
        assert status in (403, 404), f"{route_name} as {actor}: {status}, expected a refusal"
        if route.interface == "api":
            assert mimetype == PROBLEM, f"{route_name} as {actor}: a refusal as {mimetype}"


# -- the matrix itself -------------------------------------------------------------------


def test_the_matrix_asks_every_get_operation_of_the_api(site: Flask) -> None:
    """An operation added to the API (or by a plugin) must join the matrix."""
    document = site.test_client().get(f"{API}/openapi.json").get_json()
    offered = {path for path, operations in document["paths"].items() if "get" in operations}
    asked = {r.operation for r in ROUTES.values() if r.interface == "api"}
    assert offered == asked


def test_the_world_is_what_the_table_says(site: Flask, world: World) -> None:
    """Each canary sits where the table puts it, in the state it names: otherwise the
    matrix would check the wrong thing."""
    with site.extensions["civicforum"].session_factory() as db:
        for key, (topic_key, body) in POSTS.items():
            post = db.get(Post, world.posts[key])
            assert post is not None and canary(body) in post.body
            assert post.topic_id == world.topics[topic_key]
            state = CANARIES[body].state
            assert (post.held, post.is_hidden, post.is_deleted) == (
                state == HELD,
                state == HIDDEN,
                state == DELETED,
            ), key
        for key, (slug, title) in TOPICS.items():
            topic = db.get(Topic, world.topics[key])
            assert topic is not None and canary(title) in topic.title
            assert (topic.community.slug, topic.held) == (slug, CANARIES[title].state == HELD)
        draft, info = (
            db.get(VerifiedItem, world.items["draft"]),
            db.get(VerifiedItem, world.items["info"]),
        )
        assert draft is not None and draft.published_revision_id is None
        assert info is not None and info.published is not None and info.pending is not None
        assert canary("infotitle") == info.published.title
        assert canary("inforevision") == info.pending.title
        anonymous = db.scalars(
            select(Post).where(Post.id.in_([world.posts["anon"], world.posts["anontopic"]]))
        ).all()
        for post in anonymous:
            assert post.publish_as == PublishAs.ANONYMOUS and post.author is not None
            assert (post.author.display_name, post.author.real_name) == (
                canary("anonname"),
                canary("anonreal"),
            )
