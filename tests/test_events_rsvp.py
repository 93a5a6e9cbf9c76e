"""Local events: planning them, the rules they keep, answers, waiting lists and notices."""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

import civicforum.plugins.events as events_plugin
from civicforum import CivicForum, hookimpl, migrate
from civicforum.clock import now
from civicforum.db import Base
from civicforum.errors import NotAllowed, ServiceError
from civicforum.extension import state
from civicforum.forum.models import Community, Role
from civicforum.identity.models import Member
from civicforum.identity.providers import load_actor
from civicforum.plugins.events import services
from civicforum.plugins.events.domain import EventCancelled, RsvpChanged
from civicforum.plugins.events.models import (
    PLUGIN_INFO,
    Answer,
    AttendanceMode,
    EventNotice,
    EventStatus,
    LocalEvent,
    NoticeKind,
    Rsvp,
)
from civicforum.plugins.events.services import EventDetails

from .conftest import PG_ENV, make_host_app
from .helpers import actor_of, add_member

EVENT_TABLES = {t.name for t in Base.metadata.sorted_tables if t.info == PLUGIN_INFO}


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The forum with the events plugin, its tables (the plugin's too) created."""
    host = make_host_app(database_url, tmp_path / "instance", CIVICFORUM_DEFAULT_LANGUAGE="en")
    CivicForum(host, url_prefix="/forum", plugins=[events_plugin])
    Base.metadata.create_all(state(host).engine)
    yield host
    state(host).engine.dispose()


def details(**changes: Any) -> EventDetails:
    starts = now() + dt.timedelta(days=7)
    values: dict[str, Any] = {
        "title": "Repair café",
        "starts_at": starts,
        "ends_at": starts + dt.timedelta(hours=2),
        "venue_name": "Buurthuis De Boog",
    }
    values.update(changes)
    return EventDetails(**values)


@pytest.fixture
def community(make_community: Callable[..., Community]) -> Community:
    return make_community("neighbours")


@pytest.fixture
def organiser(db: Session, community: Community, make_member: Callable[..., Member]) -> Member:
    member = make_member("Organiser")
    add_member(db, community, member, Role.MODERATOR)
    return member


@pytest.fixture
def plan(db: Session, community: Community, organiser: Member) -> Callable[..., LocalEvent]:
    def make(**changes: Any) -> LocalEvent:
        return services.create_event(db, actor_of(db, organiser), community, details(**changes))

    return make


@pytest.fixture
def people(
    db: Session, community: Community, make_member: Callable[..., Member]
) -> Callable[[int], list[Member]]:
    def make(count: int) -> list[Member]:
        made = [make_member() for _ in range(count)]
        for member in made:
            add_member(db, community, member)
        return made

    return make


def count(db: Session, model: type[Base]) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


def answer(db: Session, member: Member, event: LocalEvent, choice: Answer) -> Rsvp:
    return services.rsvp(db, actor_of(db, member), event, choice)


def places(db: Session, event: LocalEvent) -> dict[str, list[int]]:
    """Who has a place and who waits (in order), by member id."""
    rows = db.scalars(
        select(Rsvp)
        .where(Rsvp.event_id == event.id)
        .order_by(Rsvp.position, Rsvp.id)
        .execution_options(populate_existing=True)
    ).all()
    return {
        "going": sorted(r.member_id for r in rows if r.has_place),
        "waiting": [r.member_id for r in rows if r.waiting],
    }


# -- planning ----------------------------------------------------------------------------


def test_an_organiser_plans_an_event_stored_in_utc(
    db: Session, plan: Callable[..., LocalEvent], organiser: Member
) -> None:
    event = plan(
        starts_at=dt.datetime(2030, 6, 1, 19, 30),  # wall-clock time in Amsterdam (CEST)
        ends_at=dt.datetime(2030, 6, 1, 21, 0),
        description="Bring *anything* broken.",
        accessibility=["step_free", "hearing_loop"],
    )
    db.expire_all()
    stored = db.get(LocalEvent, event.id)
    assert stored is not None
    assert stored.starts_at == dt.datetime(2030, 6, 1, 17, 30, tzinfo=dt.UTC)
    assert stored.timezone == "Europe/Amsterdam"
    assert stored.status == EventStatus.SCHEDULED
    assert "<em>anything</em>" in stored.description_html
    assert [a.value for a in stored.accessibility_features] == ["step_free", "hearing_loop"]
    assert [m.id for m in stored.organisers] == [organiser.id]
    assert stored.uid.endswith("@civicforum")


@pytest.mark.parametrize(
    ("changes", "message", "field"),
    [
        (
            {"ends_at": now() + dt.timedelta(days=6)},
            "An event must end after it starts.",
            "ends_at",
        ),
        (
            {"timezone": "Europe/Atlantis"},
            "“Europe/Atlantis” is not a known time zone.",
            "timezone",
        ),
        ({"capacity": 0}, "The number of places must be at least 1", "capacity"),
        (
            {"attendance_mode": AttendanceMode.ONLINE, "online_url": "javascript:alert(1)"},
            "The online link must be a web address",
            "online_url",
        ),
        ({"attendance_mode": AttendanceMode.MIXED}, "Give the link", "online_url"),
        ({"online_url": "https://meet.example.org/x"}, "An online link is only for", "online_url"),
        ({"accessibility": ["lift"]}, "Unknown accessibility feature: lift.", "accessibility"),
        ({"title": "  "}, "A title needs 3 to 300 characters.", "title"),
    ],
)
def test_planning_refuses_what_breaks_the_rules_and_writes_nothing(
    db: Session,
    plan: Callable[..., LocalEvent],
    changes: dict[str, Any],
    message: str,
    field: str,
) -> None:
    with pytest.raises(ServiceError) as refused:
        plan(**changes)
    assert refused.value.message.startswith(message)
    assert refused.value.field == field
    db.rollback()
    assert count(db, LocalEvent) == 0
    assert db.scalar(select(func.count()).select_from(sa.table("cf_event_organiser"))) == 0


def test_only_moderators_and_members_given_the_right_organise(
    db: Session,
    community: Community,
    organiser: Member,
    people: Callable[[int], list[Member]],
) -> None:
    (neighbour,) = people(1)
    with pytest.raises(NotAllowed):
        services.create_event(db, actor_of(db, neighbour), community, details())
    with pytest.raises(ServiceError, match="cannot organise events"):
        services.create_event(
            db, actor_of(db, organiser), community, details(), organisers=[neighbour]
        )
    services.grant_organiser_rights(db, actor_of(db, organiser), community, neighbour)
    event = services.create_event(db, actor_of(db, neighbour), community, details())
    assert [m.id for m in event.organisers] == [neighbour.id]
    assert count(db, LocalEvent) == 1


def test_capacity_cannot_drop_below_the_people_going(
    db: Session,
    plan: Callable[..., LocalEvent],
    organiser: Member,
    people: Callable[[int], list[Member]],
) -> None:
    event = plan(capacity=5)
    for member in people(3):
        answer(db, member, event, Answer.GOING)
    with pytest.raises(ServiceError, match="3 people are going already") as refused:
        services.update_event(db, actor_of(db, organiser), event, details(capacity=2))
    assert refused.value.field == "capacity"
    db.expire_all()
    assert db.get(LocalEvent, event.id).capacity == 5  # type: ignore[union-attr]
    services.update_event(db, actor_of(db, organiser), event, details(capacity=3))
    assert services.places_left(db, event) == 0


# -- answering ---------------------------------------------------------------------------


def test_a_full_event_keeps_a_waiting_list_that_moves_up_by_itself(
    db: Session, plan: Callable[..., LocalEvent], people: Callable[[int], list[Member]]
) -> None:
    event = plan(capacity=2)
    ann, bob, cas, dee = people(4)
    for member in (ann, bob, cas, dee):
        answer(db, member, event, Answer.GOING)
    assert places(db, event) == {"going": sorted([ann.id, bob.id]), "waiting": [cas.id, dee.id]}
    assert answer(db, cas, event, Answer.GOING).waiting  # asking again keeps the place in line

    answer(db, ann, event, Answer.CANT_GO)  # frees a place: Cas, first in line, gets it
    assert places(db, event) == {"going": sorted([bob.id, cas.id]), "waiting": [dee.id]}
    (promoted,) = services.unseen_notices(db, cas)
    assert promoted.kind == NoticeKind.PROMOTED

    answer(db, bob, event, Answer.MAYBE)
    (dee_notice,) = services.unseen_notices(db, dee)  # Bob's place went to Dee
    assert dee_notice.kind == NoticeKind.PROMOTED
    answer(db, ann, event, Answer.GOING)  # full again: Ann joins the end of the line
    assert places(db, event) == {"going": sorted([cas.id, dee.id]), "waiting": [ann.id]}


def test_a_waiting_person_changing_their_mind_frees_no_place(
    db: Session, plan: Callable[..., LocalEvent], people: Callable[[int], list[Member]]
) -> None:
    event = plan(capacity=1)
    ann, bob, cas = people(3)
    for member in (ann, bob, cas):
        answer(db, member, event, Answer.GOING)
    answer(db, bob, event, Answer.MAYBE)
    assert places(db, event) == {"going": [ann.id], "waiting": [cas.id]}


def test_raising_the_capacity_lets_people_in_from_the_waiting_list(
    db: Session,
    plan: Callable[..., LocalEvent],
    organiser: Member,
    people: Callable[[int], list[Member]],
) -> None:
    event = plan(capacity=1)
    ann, bob, cas = people(3)
    for member in (ann, bob, cas):
        answer(db, member, event, Answer.GOING)
    services.update_event(db, actor_of(db, organiser), event, details(capacity=None))
    assert places(db, event) == {"going": sorted([ann.id, bob.id, cas.id]), "waiting": []}


def test_no_answers_to_cancelled_or_past_events(
    db: Session,
    plan: Callable[..., LocalEvent],
    organiser: Member,
    people: Callable[[int], list[Member]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (ann,) = people(1)
    cancelled = plan()
    services.cancel_event(db, actor_of(db, organiser), cancelled)
    with pytest.raises(ServiceError, match="This event was cancelled."):
        answer(db, ann, cancelled, Answer.GOING)

    past = plan()
    later = past.ends_at + dt.timedelta(minutes=1)
    monkeypatch.setattr(services, "now", lambda: later)
    with pytest.raises(ServiceError, match="This event is over."):
        answer(db, ann, past, Answer.MAYBE)
    assert count(db, Rsvp) == 0


def test_anonymous_visitors_cannot_answer(db: Session, plan: Callable[..., LocalEvent]) -> None:
    with pytest.raises(NotAllowed) as refused:
        services.rsvp(db, actor_of(db, None), plan(), Answer.GOING)
    assert refused.value.remedy == "sign_in"


# -- changes people are told about ------------------------------------------------------


def test_cancelling_leaves_a_notice_for_everyone_going_or_maybe(
    app: Flask,
    db: Session,
    plan: Callable[..., LocalEvent],
    organiser: Member,
    people: Callable[[int], list[Member]],
) -> None:
    heard: list[object] = []

    class Listener:
        @hookimpl
        def civicforum_event(self, event: object, settings: object) -> None:
            heard.append(event)

    state(app).plugins.manager.register(Listener())
    event = plan()
    going, maybe, cant = people(3)
    answer(db, going, event, Answer.GOING)
    answer(db, maybe, event, Answer.MAYBE)
    answer(db, cant, event, Answer.CANT_GO)

    services.cancel_event(db, actor_of(db, organiser), event)
    assert event.status == EventStatus.CANCELLED
    notices = db.scalars(select(EventNotice).order_by(EventNotice.member_id)).all()
    assert [(n.member_id, n.kind) for n in notices] == [
        (going.id, NoticeKind.CANCELLED),
        (maybe.id, NoticeKind.CANCELLED),
    ]
    assert services.unseen_notices(db, cant) == []
    services.mark_seen(db, services.unseen_notices(db, going))
    assert services.unseen_notices(db, going) == []  # shown once
    assert EventCancelled(event.id, event.community_id) in heard
    assert RsvpChanged(event.id, going.id, "going", False) in heard

    with pytest.raises(ServiceError, match="This event was cancelled."):
        services.postpone_event(db, actor_of(db, organiser), event)


def test_moving_online_needs_a_web_link_and_tells_people(
    db: Session,
    plan: Callable[..., LocalEvent],
    organiser: Member,
    people: Callable[[int], list[Member]],
) -> None:
    event = plan()
    (ann,) = people(1)
    answer(db, ann, event, Answer.MAYBE)
    with pytest.raises(ServiceError, match="must be a web address"):
        services.move_online(db, actor_of(db, organiser), event, "ftp://example.org")
    assert count(db, EventNotice) == 0
    with pytest.raises(NotAllowed):
        services.move_online(db, actor_of(db, ann), event, "https://meet.example.org/cafe")
    services.move_online(db, actor_of(db, organiser), event, "https://meet.example.org/cafe")
    db.expire_all()
    moved = db.get(LocalEvent, event.id)
    assert moved is not None
    assert (moved.status, moved.attendance_mode) == ("moved_online", "online")
    assert [n.kind for n in services.unseen_notices(db, ann)] == [NoticeKind.MOVED_ONLINE]


# -- two people, one place ---------------------------------------------------------------


class Race:
    """People who each, in their own thread and connection, try for a place at once."""

    def __init__(self, factory: sessionmaker[Session], event_id: int, barrier: threading.Barrier):
        self.factory = factory
        self.event_id = event_id
        self.barrier = barrier
        self.results: list[tuple[int, bool]] = []
        self.failures: list[BaseException] = []

    def take_place(self, member_id: int) -> None:
        try:
            with self.factory() as session:
                member = session.get(Member, member_id)
                event = session.get(LocalEvent, self.event_id)
                assert member is not None and event is not None
                actor = load_actor(session, member)
                _ = event.community  # loaded now, not while the race is on
                session.commit()  # each starts the race from a clean transaction
                self.barrier.wait(timeout=10)
                taken = services.rsvp(session, actor, event, Answer.GOING)
                self.results.append((member_id, taken.waiting))
        except BaseException as error:  # reported in the test's own thread
            self.failures.append(error)


@pytest.mark.skipif(
    not os.environ.get(PG_ENV),
    reason="needs PostgreSQL: SQLite has one writer at a time, so there is no race to test",
)
def test_two_people_taking_the_last_place_at_once_only_one_gets_it(
    app: Flask, db: Session, plan: Callable[..., LocalEvent], people: Callable[[int], list[Member]]
) -> None:
    factory = state(app).session_factory
    for _round in range(10):
        event = plan(capacity=1)
        contenders = people(2)
        race = Race(factory, event.id, threading.Barrier(len(contenders)))
        threads = [threading.Thread(target=race.take_place, args=(m.id,)) for m in contenders]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert not race.failures, race.failures
        assert sorted(waiting for _, waiting in race.results) == [False, True]
        assert len(places(db, event)["going"]) == 1
        assert services.places_taken(db, event) == 1


# -- the plugin's own tables -------------------------------------------------------------


def test_db_upgrade_creates_the_event_tables_on_their_own_branch(
    empty_database_url: str, tmp_path: Path
) -> None:
    host = make_host_app(empty_database_url, tmp_path / "instance")
    CivicForum(host, plugins=[events_plugin])
    engine = state(host).engine
    runner = host.test_cli_runner()
    result = runner.invoke(args=["civicforum", "db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert {
        "cf_event",
        "cf_event_organiser",
        "cf_event_organiser_right",
        "cf_event_rsvp",
        "cf_event_notice",
    } == EVENT_TABLES
    assert EVENT_TABLES | {"cf_post"} <= set(sa.inspect(engine).get_table_names())

    # The branch's revision creates exactly what the models describe.
    def only_event_tables_named(name: str | None, type_: str, *_: Any) -> bool:
        return type_ != "table" or name in EVENT_TABLES

    def only_event_tables(obj: Any, name: str | None, type_: str, *_: Any) -> bool:
        table = obj if type_ == "table" else getattr(obj, "table", None)
        return table is None or (table.name in EVENT_TABLES)

    with engine.connect() as connection:
        options = migrate.context_options(connection.dialect.name)
        options["include_name"] = only_event_tables_named
        options["include_object"] = only_event_tables
        context = MigrationContext.configure(connection, opts=options)
        assert compare_metadata(context, Base.metadata) == []

    result = runner.invoke(args=["civicforum", "db", "downgrade", "events@base", "--yes"])
    assert result.exit_code == 0, result.output
    tables = set(sa.inspect(engine).get_table_names())
    assert not tables & EVENT_TABLES and "cf_post" in tables
