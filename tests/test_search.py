"""Search: what each searcher finds, on every backend; indexing after the domain events;
and bad input on the search page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from civicforum.forum import services as forum_services
from civicforum.forum.models import Role
from civicforum.identity.models import PublishAs
from civicforum.plugins.search.indexer import Indexer
from civicforum.policy import Actor

from .helpers import actor_of, add_member
from .searchworld import (
    LIMITS,
    SearchWorld,
    ask,
    backends,
    post_of,
    search_world,
    searching,
    words_found,
)


@pytest.fixture(params=backends())
def app_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    return {"CIVICFORUM_SEARCH_BACKEND": request.param}


@pytest.fixture
def indexer(app: Flask) -> Iterator[Indexer]:
    with searching(app) as found:
        yield found


@pytest.fixture
def world(db: Session, indexer: Indexer, make_member, make_community) -> SearchWorld:  # type: ignore[no-untyped-def]
    return search_world(db, make_member, make_community)


PUBLIC = {"appel", "peer", "kers", "citroen"}


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", PUBLIC),
        ("outsider", PUBLIC),
        ("member", PUBLIC | {"druif"}),
        # The author sees their own hidden post; the held topic is another's.
        ("author", PUBLIC | {"druif", "pruim"}),
        ("moderator", PUBLIC | {"pruim", "mango"}),
        ("editor", PUBLIC | {"limoen"}),
    ],
)
def test_each_searcher_finds_what_they_may_read_and_nothing_else(
    db: Session, indexer: Indexer, world: SearchWorld, who: str, expected: set[str]
) -> None:
    member = None if who == "anonymous" else getattr(world, who)
    answer = ask(db, indexer, actor_of(db, member), "zeldzaam")
    assert words_found(world, answer) == expected
    # The count shown is of what may be read: no hidden hit shows in it.
    assert answer.total == len(expected)
    for word in {
        "appel",
        "peer",
        "kers",
        "pruim",
        "vijg",
        "druif",
        "mango",
        "citroen",
        "limoen",
    } - expected:
        alone = ask(db, indexer, actor_of(db, member), word)
        assert alone.results == [] and alone.total == 0, word


def test_a_deleted_post_is_found_by_nobody(
    db: Session, indexer: Indexer, world: SearchWorld
) -> None:
    for member in (None, world.author, world.moderator):
        assert ask(db, indexer, actor_of(db, member), "vijg").total == 0


def test_anonymous_posts_are_not_found_by_their_authors_name(
    db: Session, indexer: Indexer, world: SearchWorld
) -> None:
    reader = actor_of(db, world.member)
    by_ans = ask(db, indexer, reader, "zeldzaam", author="ans")
    assert words_found(world, by_ans) == {"appel", "peer", "druif"}
    assert "kers" not in words_found(
        world, ask(db, indexer, reader, "zeldzaam", author="Ans de Vries")
    )
    # The result itself says "anonymous member".
    (anonymous,) = ask(db, indexer, reader, "kers").results
    assert anonymous.found.author == "anoniem lid"  # the forum speaks Dutch by default


def test_dutch_stemming_and_case(db: Session, indexer: Indexer, world: SearchWorld) -> None:
    reader = Actor()
    assert "appel" in words_found(world, ask(db, indexer, reader, "boek"))
    assert "appel" in words_found(world, ask(db, indexer, reader, "BOEKEN"))
    # Only stop words: a clear sentence, no results.
    answer = ask(db, indexer, reader, "de het een")
    assert (
        answer.results == [] and "te vaak voor" in answer.message
    )  # "too common", in the default Dutch


def test_phrases_and_leaving_words_out(db: Session, indexer: Indexer, world: SearchWorld) -> None:
    reader = Actor()
    assert words_found(world, ask(db, indexer, reader, '"stel de avonden"')) == {"peer"}
    assert words_found(world, ask(db, indexer, reader, '"avonden stel"')) == set()
    assert words_found(world, ask(db, indexer, reader, "zeldzaam -kers -peer")) == {
        "appel",
        "citroen",
    }


def test_filters_kind_community_and_order(
    db: Session, indexer: Indexer, world: SearchWorld
) -> None:
    member = actor_of(db, world.member)
    assert words_found(world, ask(db, indexer, member, "zeldzaam", kinds=frozenset({"topic"}))) == {
        "appel",
        "druif",
    }
    assert words_found(
        world, ask(db, indexer, member, "zeldzaam", kinds=frozenset({"information"}))
    ) == {"citroen"}
    assert words_found(world, ask(db, indexer, member, "zeldzaam", community=world.closed)) == {
        "druif"
    }
    newest = ask(db, indexer, member, "zeldzaam", order="newest")
    dates = [r.found.created_at for r in newest.results]
    assert dates == sorted(dates, reverse=True)


def test_snippets_mark_the_words_and_escape_the_text(
    db: Session, indexer: Indexer, world: SearchWorld
) -> None:
    a = actor_of(db, world.author)
    topic = forum_services.start_topic(
        db,
        a,
        world.public,
        title="Markup",
        body="<script>alert(1)</script> Wij lezen graag gedichten.",
        publish_as=PublishAs.PSEUDONYM,
        submission_token="x1",
        limits=LIMITS,
    )
    (result,) = ask(db, indexer, Actor(), "gedicht").results
    assert result.found.key == f"post:{post_of(db, topic).id}"
    assert "<mark>gedichten</mark>" in result.snippet
    assert "<script>" not in result.snippet


def test_the_index_follows_edits_hiding_deleting_and_information_steps(
    db: Session, indexer: Indexer, world: SearchWorld
) -> None:
    from civicforum.curation import workflow

    reader = Actor()
    a = actor_of(db, world.author)
    post = db.get(forum_services.Post, int(world.keys["peer"].split(":")[1]))
    assert post is not None
    forum_services.edit_post(db, a, post, body="Nu iets anders: walnoot", limits=LIMITS)
    assert words_found(world, ask(db, indexer, reader, "walnoot")) == {"peer"}
    assert ask(db, indexer, reader, "avonden").total == 0
    forum_services.delete_post(db, a, post)
    assert ask(db, indexer, reader, "walnoot").total == 0
    item = workflow.get_item(db, int(world.keys["citroen"].split(":")[1]))
    workflow.withdraw(db, actor_of(db, world.editor), item, "Verouderd.")
    assert ask(db, indexer, reader, "citroen").total == 0


def test_renaming_follows_into_the_author_filter(
    db: Session, indexer: Indexer, world: SearchWorld
) -> None:
    from civicforum.identity import services as identity_services

    identity_services.update_member_settings(
        db,
        world.author,
        display_name="Anske",
        real_name="",
        publish_as=PublishAs.PSEUDONYM,
        language=None,
        languages=("nl", "en"),
    )
    assert words_found(world, ask(db, indexer, Actor(), "zeldzaam", author="anske")) == {
        "appel",
        "peer",
    }
    assert ask(db, indexer, Actor(), "zeldzaam", author="ans").total == 0


def test_events_are_found_by_who_may_read_their_community_and_say_when_cancelled(
    db: Session, indexer: Indexer, world: SearchWorld
) -> None:
    import datetime as dt

    from civicforum.clock import now
    from civicforum.plugins.events import services as event_services
    from civicforum.plugins.events.services import EventDetails

    starts = now() + dt.timedelta(days=7)
    planned = {}
    for community, title in ((world.public, "Repaircafé"), (world.closed, "Lotgenotenavond")):
        add_member(db, community, world.moderator, Role.MODERATOR)
        planned[community.slug] = event_services.create_event(
            db,
            actor_of(db, world.moderator),
            community,
            EventDetails(
                title=title,
                starts_at=starts,
                ends_at=starts + dt.timedelta(hours=2),
                venue_name="Buurthuis De Boog",
                description="Samen repareren en praten. zeldzaam framboos",
            ),
        )
    events = frozenset({"event"})
    anyone = ask(db, indexer, Actor(), "framboos", kinds=events)
    assert [r.found.title for r in anyone.results] == ["Repaircafé"]
    member = ask(db, indexer, actor_of(db, world.member), "boog", kinds=events)
    assert {r.found.title for r in member.results} == {"Repaircafé", "Lotgenotenavond"}

    event_services.cancel_event(db, actor_of(db, world.moderator), planned["leesclub"])
    (cancelled,) = ask(db, indexer, Actor(), "repaircafé", kinds=events).results
    assert cancelled.found.note == "afgelast"  # "cancelled", in the default Dutch


def test_identity_requirements_keep_a_community_out_of_reach_until_met(
    db: Session, indexer: Indexer, world: SearchWorld
) -> None:
    from .helpers import confidential_topic, give_attribute, require_patient_membership

    require_patient_membership(db, world.closed)
    confidential_topic(db, world.closed, world.author, "Medicijnen", "Wat helpt? zeldzaam kiwi")
    # A member of the community without the verified attribute finds nothing of it.
    assert ask(db, indexer, actor_of(db, world.member), "kiwi").total == 0
    assert ask(db, indexer, actor_of(db, world.member), "druif").total == 0
    give_attribute(db, world.member)
    assert ask(db, indexer, actor_of(db, world.member), "kiwi").total == 1
