"""The editors' workflow as a state machine: every allowed and every forbidden step from
every status, four eyes, expiry under a frozen clock, revisions that wait for approval,
and bad input refused with nothing written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civicforum import policy
from civicforum.curation import workflow
from civicforum.curation.content import Content, Source
from civicforum.curation.display import trust
from civicforum.curation.models import (
    ItemDispute,
    ItemRevision,
    ItemStatus,
    ItemTransition,
    Verdict,
    VerifiedItem,
)
from civicforum.curation.workflow import TRANSITIONS, Action
from civicforum.errors import NotAllowed, ServiceError
from civicforum.forum.models import Community
from civicforum.identity.models import Member

from .helpers import CurationWorld, FrozenClock, actor_of, curation_world

START = dt.datetime(2030, 3, 3, 9, 0, tzinfo=dt.UTC)
CONSULTED = dt.date(2030, 3, 1)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    return FrozenClock(monkeypatch, START)


@pytest.fixture
def world(
    db: Session,
    make_member: Callable[..., Member],
    make_community: Callable[..., Community],
    clock: FrozenClock,
) -> CurationWorld:
    return curation_world(db, make_member, make_community)


def content(
    title: str = "DigiD aanvragen",
    body: str = "Je vraagt DigiD aan op digid.nl.",
    *,
    sources: tuple[Source, ...] | None = None,
    verdict: Verdict | None = None,
) -> Content:
    if sources is None:
        sources = (Source("DigiD, Aanvragen", "https://www.digid.nl/aanvragen", CONSULTED),)
    return Content(title, body, sources, verdict)


def in_days(clock: FrozenClock, days: int) -> dt.datetime:
    return clock.now() + dt.timedelta(days=days)


def item_in(db: Session, w: CurationWorld, clock: FrozenClock, status: str) -> VerifiedItem:
    """An article brought to ``status`` the way editors and members would; "due_unmarked"
    is verified information whose date has passed without the daily job marking it."""
    editor, second = actor_of(db, w.editor), actor_of(db, w.second_editor)
    item = workflow.create_article(db, editor, w.community, content())
    if status == "draft":
        return item
    if status == "withdrawn":
        return workflow.withdraw(db, editor, item, "Niet meer nodig.")
    workflow.submit(db, editor, item)
    if status == "in_review":
        return item
    workflow.approve(db, second, item, in_days(clock, 30))
    if status == "verified":
        return item
    if status == "disputed":
        workflow.dispute(
            db,
            actor_of(db, w.reader),
            item,
            question="Klopt dit nog?",
            citation="Rijksoverheid, DigiD",
            url="https://www.rijksoverheid.nl/digid",
        )
        return item
    clock.advance(days=31)
    if status == "review_due":
        workflow.mark_due(db, item)
    return item


def take(
    db: Session, w: CurationWorld, clock: FrozenClock, item: VerifiedItem, action: Action
) -> Any:
    editor, second = actor_of(db, w.editor), actor_of(db, w.second_editor)
    steps: dict[Action, Callable[[], Any]] = {
        Action.SUBMIT: lambda: workflow.submit(db, editor, item),
        Action.APPROVE: lambda: workflow.approve(db, second, item, in_days(clock, 180)),
        Action.RETURN: lambda: workflow.return_for_changes(
            db, second, item, "Graag een bron erbij."
        ),
        Action.REVISE: lambda: workflow.revise(db, editor, item, content("DigiD aanvragen, nieuw")),
        Action.RECHECK: lambda: workflow.recheck(db, editor, item),
        Action.DISPUTE: lambda: workflow.dispute(
            db,
            actor_of(db, w.reader),
            item,
            question="Is dit nog zo?",
            citation="Rijksoverheid",
            url="https://www.rijksoverheid.nl",
        ),
        Action.UPHOLD: lambda: workflow.uphold(db, second, item, "Het klopt nog."),
        Action.WITHDRAW: lambda: workflow.withdraw(db, editor, item, "Niet meer actueel."),
        Action.REOPEN: lambda: workflow.reopen(db, editor, item),
    }
    return steps[action]()


def written(db: Session, item_id: int) -> tuple[Any, ...]:
    db.expire_all()
    item = db.get(VerifiedItem, item_id)
    assert item is not None
    return (
        item.status,
        item.published_revision_id,
        db.scalar(select(func.count(ItemTransition.id)).where(ItemTransition.item_id == item_id)),
        db.scalar(select(func.count(ItemRevision.id)).where(ItemRevision.item_id == item_id)),
        db.scalar(select(func.count(ItemDispute.id)).where(ItemDispute.item_id == item_id)),
    )


STATUSES = ["draft", "in_review", "verified", "due_unmarked", "review_due", "disputed", "withdrawn"]
ACTIONS = [a for a in Action if a not in (Action.CREATE, Action.DUE)]


def expected(status: str, action: Action) -> ItemStatus | None:
    """What the machine says the action leads to from there; None when it is refused."""
    effective = ItemStatus.REVIEW_DUE if status == "due_unmarked" else ItemStatus(status)
    moves = TRANSITIONS[action]
    if effective not in moves:
        return None
    target = moves[effective]
    if target is None:  # return: where the review started, a draft in item_in
        return ItemStatus.DRAFT
    return target


@pytest.mark.parametrize("action", ACTIONS, ids=[a.value for a in ACTIONS])
@pytest.mark.parametrize("status", STATUSES)
def test_every_step_from_every_status(
    db: Session, world: CurationWorld, clock: FrozenClock, status: str, action: Action
) -> None:
    item = item_in(db, world, clock, status)
    before = written(db, item.id)
    target = expected(status, action)
    if target is None:
        with pytest.raises(ServiceError) as refused:
            take(db, world, clock, item, action)
        assert refused.value.message, "a refusal says why"
        assert written(db, item.id) == before, "a refused step writes nothing"
        return
    take(db, world, clock, item, action)
    db.expire_all()
    after = db.get(VerifiedItem, item.id)
    assert after is not None
    assert after.effective_status(clock.now()) == target
    last = db.scalars(
        select(ItemTransition)
        .where(ItemTransition.item_id == item.id)
        .order_by(ItemTransition.id.desc())
        .limit(1)
    ).one()
    assert (last.action, last.to_status) == (action.value, target.value)
    assert last.actor_id is not None and last.at == clock.now()


def test_a_refused_step_names_the_step_and_the_status(
    db: Session, world: CurationWorld, clock: FrozenClock
) -> None:
    item = item_in(db, world, clock, "verified")
    with pytest.raises(
        ServiceError, match="“Check it again” is not possible for information that is checked."
    ):
        workflow.recheck(db, actor_of(db, world.editor), item)


def test_the_date_passing_makes_it_due_and_the_daily_job_records_it(
    db: Session, world: CurationWorld, clock: FrozenClock
) -> None:
    item = item_in(db, world, clock, "verified")
    assert trust(item, clock.now()).state == "verified"
    assert not workflow.mark_due(db, item)  # not yet
    clock.advance(days=30)  # the due moment itself
    assert item.effective_status(clock.now()) == ItemStatus.REVIEW_DUE
    assert trust(item, clock.now()).state == "out_of_date"
    assert not trust(item, clock.now()).badge
    assert workflow.mark_due(db, item)
    assert not workflow.mark_due(db, item)  # once
    step = db.scalars(select(ItemTransition).where(ItemTransition.action == "due")).one()
    assert step.actor_id is None and step.from_status == "verified"


def test_four_eyes(db: Session, world: CurationWorld, clock: FrozenClock) -> None:
    editor, second = actor_of(db, world.editor), actor_of(db, world.second_editor)
    item = workflow.create_article(db, editor, world.community, content())
    workflow.submit(db, editor, item)
    with pytest.raises(NotAllowed, match="A second editor must approve this"):
        workflow.approve(db, editor, item, in_days(clock, 90))
    with pytest.raises(NotAllowed, match="Only this community's editors"):
        workflow.approve(db, actor_of(db, world.reader), item, in_days(clock, 90))
    workflow.approve(db, second, item, in_days(clock, 90))
    # A revision by the second editor needs the first to approve it, not the writer.
    workflow.revise(db, second, item, content("DigiD aanvragen (2030)"))
    with pytest.raises(NotAllowed, match="A second editor must approve this"):
        workflow.approve(db, second, item, in_days(clock, 90))
    workflow.approve(db, editor, item, in_days(clock, 90))
    # A question about it is answered by someone other than who wrote the checked version.
    workflow.dispute(
        db,
        actor_of(db, world.reader),
        item,
        question="?",
        citation="Bron",
        url="https://example.org/x",
    )
    with pytest.raises(NotAllowed, match="A second editor must answer this"):
        workflow.uphold(db, second, item, "Klopt.")
    workflow.uphold(db, editor, item, "Klopt nog steeds.")
    assert item.status == ItemStatus.VERIFIED
    # Site-wide editors count as editors everywhere; members do not.
    world.reader.is_site_editor = True
    db.commit()
    assert policy.is_editor(actor_of(db, world.reader), world.community)
    assert not policy.is_editor(actor_of(db, world.member), world.community)


def test_a_revision_is_not_shown_until_approved(
    db: Session, world: CurationWorld, clock: FrozenClock
) -> None:
    editor, second = actor_of(db, world.editor), actor_of(db, world.second_editor)
    item = item_in(db, world, clock, "verified")
    first = item.published_revision_id
    workflow.revise(
        db, editor, item, content("DigiD aanvragen", "Nieuwe, nog niet gecontroleerde tekst.")
    )
    db.expire_all()
    item = db.get(VerifiedItem, item.id)  # type: ignore[assignment]
    assert item.published_revision_id == first
    assert item.published is not None and "Nieuwe" not in item.published.body
    assert policy.is_on_display(item)
    assert trust(item, clock.now()).badge  # still checked, until the date
    workflow.return_for_changes(db, second, item, "Bron ontbreekt voor de nieuwe zin.")
    assert item.status == ItemStatus.VERIFIED and item.published_revision_id == first
    workflow.revise(db, editor, item, content("DigiD aanvragen", "Nieuwe tekst, met bron."))
    workflow.approve(db, second, item, in_days(clock, 365))
    assert item.published is not None and item.published.body == "Nieuwe tekst, met bron."
    assert item.verified_count == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"sources": ()}, "Give at least one source."),
        (
            {"sources": (Source("Bron", "ftp://files.example.org/a.pdf", CONSULTED),)},
            "A source's web address starts with https:// or http://.",
        ),
        (
            {"sources": (Source("Bron", "javascript:alert(1)", CONSULTED),)},
            "A source's web address starts with https:// or http://.",
        ),
        (
            {"sources": (Source("Bron", "https://example.org", dt.date(2030, 3, 4)),)},
            "A source cannot have been consulted in the future.",
        ),
        ({"sources": (Source("", "https://example.org", CONSULTED),)}, "Cite the source"),
        ({"title": "  "}, "Give the information a title."),
        ({"body": ""}, "Write the information"),
        ({"verdict": Verdict.ACCURATE}, "Only a verification of a post has a verdict."),
    ],
)
def test_bad_content_is_refused_and_nothing_is_written(
    db: Session, world: CurationWorld, change: dict[str, Any], message: str
) -> None:
    bad = Content(**{**content().__dict__, **change})
    with pytest.raises(ServiceError, match=message):
        workflow.create_article(db, actor_of(db, world.editor), world.community, bad)
    assert db.scalar(select(func.count(VerifiedItem.id))) == 0


@pytest.mark.parametrize("days", [0, -1, 5 * 366 + 2])
def test_the_date_to_check_again_lies_ahead_within_five_years(
    db: Session, world: CurationWorld, clock: FrozenClock, days: int
) -> None:
    item = item_in(db, world, clock, "in_review")
    before = written(db, item.id)
    with pytest.raises(ServiceError, match="date to check it again"):
        workflow.approve(db, actor_of(db, world.second_editor), item, in_days(clock, days))
    assert written(db, item.id) == before


def test_verdicts_on_posts(db: Session, world: CurationWorld, clock: FrozenClock) -> None:
    editor = actor_of(db, world.editor)
    with pytest.raises(ServiceError, match="Give the verdict"):
        workflow.create_verification(db, editor, world.post, content())
    item = workflow.create_verification(
        db, editor, world.post, content("Plat neerleggen helpt", verdict=Verdict.ACCURATE)
    )
    assert item.is_verification and item.post_id == world.post.id
    with pytest.raises(ServiceError, match="has a verification already"):
        workflow.create_verification(
            db, editor, world.post, content("Nog eens", verdict=Verdict.INACCURATE)
        )


def test_no_verdict_on_a_hidden_post(db: Session, world: CurationWorld) -> None:
    world.post.hidden_at = START
    db.commit()
    with pytest.raises(
        NotAllowed, match="A hidden post, or one waiting for approval, cannot be verified."
    ):
        workflow.create_verification(
            db, actor_of(db, world.editor), world.post, content("X", verdict=Verdict.ACCURATE)
        )
    assert db.scalar(select(func.count(VerifiedItem.id))) == 0


def test_questions_need_a_source_and_are_answered(
    db: Session, world: CurationWorld, clock: FrozenClock
) -> None:
    item = item_in(db, world, clock, "verified")
    reader = actor_of(db, world.reader)
    for fields, message in (
        ({"question": "", "citation": "B", "url": "https://example.org"}, "Ask your question."),
        ({"question": "?", "citation": "", "url": "https://example.org"}, "Cite the source"),
        ({"question": "?", "citation": "B", "url": "example.org"}, "starts with https://"),
    ):
        with pytest.raises(ServiceError, match=message):
            workflow.dispute(db, reader, item, **fields)
    assert item.status == ItemStatus.VERIFIED
    with pytest.raises(NotAllowed, match="Sign in to raise a question"):
        workflow.dispute(
            db, actor_of(db, None), item, question="?", citation="B", url="https://example.org"
        )
    found = workflow.dispute(
        db,
        reader,
        item,
        question="Het kan ook met de app.",
        citation="DigiD",
        url="https://www.digid.nl",
    )
    assert item.status == ItemStatus.DISPUTED and trust(item, clock.now()).state == "disputed"
    workflow.recheck(db, actor_of(db, world.editor), item, "We kijken opnieuw.")
    workflow.approve(db, actor_of(db, world.second_editor), item, in_days(clock, 365), "Aangevuld.")
    db.refresh(found)
    assert found.resolved_at is not None and found.resolution == "Aangevuld."


def test_an_editor_who_may_not_read_the_community_may_not_edit_its_information(
    db: Session, world: CurationWorld
) -> None:
    """A community that asks readers for a confirmed identity asks it of its editors too:
    an editor who lacks it could not read what they wrote."""
    from civicforum.forum import services as forum_services
    from civicforum.identity.models import IdentityLevel

    forum_services.set_requirements(
        db,
        world.community,
        forum_services.Requirements(read_level=IdentityLevel.CONFIRMED),
        known_attributes=set(),
    )
    editor = actor_of(db, world.editor)
    refused = policy.can_edit_information(editor, world.community)
    assert not refused and "identity level" in refused.reason
    with pytest.raises(NotAllowed):
        workflow.create_article(db, editor, world.community, content())
    assert db.scalar(select(func.count(VerifiedItem.id))) == 0
    world.editor.identity_level = int(IdentityLevel.CONFIRMED)
    db.commit()
    assert policy.can_edit_information(actor_of(db, world.editor), world.community)
