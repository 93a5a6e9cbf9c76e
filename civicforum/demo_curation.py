"""The demo's reliable information, in Digitale hulp: what its two editors checked, a
verdict on a post, one article whose check is out of date and one waiting for review.
Written through the workflow's services, as the pages would write it; run again, it adds
nothing twice."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from .clock import months_after, now
from .curation import workflow
from .curation.content import Content, Source
from .curation.models import ItemTransition, Verdict, VerifiedItem
from .demo_content import demo_token
from .forum.models import Community, Post
from .identity.models import Member
from .identity.providers import load_actor


@dataclass(frozen=True)
class DemoItem:
    title: str
    body: str
    sources: tuple[tuple[str, str, int], ...]  # citation, address, days ago consulted
    writer: str
    approver: str | None  # None: left waiting for review
    # For a verdict on a post: the demo post (topic key, position) and the verdict.
    post: tuple[str, int] | None = None
    verdict: Verdict | None = None
    # How many months ago it was checked, and for how many months.
    checked_months_ago: int = 1
    valid_months: int = 12


COMMUNITY = "digitale-hulp"

ITEMS: tuple[DemoItem, ...] = (
    DemoItem(
        title="DigiD aanvragen en de DigiD-app activeren",
        body=(
            "Je vraagt DigiD aan op **digid.nl** met je burgerservicenummer (BSN), je "
            "geboortedatum, je postcode en huisnummer. Binnen vijf werkdagen krijgt je "
            "een brief met een activeringscode; daarmee activeer je DigiD.\n\n"
            "Met de DigiD-app kun je inloggen zonder wachtwoord. Je activeert de app met "
            "je paspoort of identiteitskaart, die je met de telefoon scant.\n\n"
            "Deel je DigiD-gegevens nooit met een ander, ook niet met een vrijwilliger."
        ),
        sources=(
            ("DigiD, DigiD aanvragen", "https://www.digid.nl/aanvragen-en-activeren", 40),
            ("DigiD, De DigiD app", "https://www.digid.nl/inlogmethodes/digid-app", 40),
        ),
        writer="joost",
        approver="ingrid",
        checked_months_ago=1,
    ),
    DemoItem(
        title="Het paspoort scannen met de DigiD-app",
        body=(
            "Leg het document plat neer en houd de telefoon er recht boven tot hij "
            "trilt. Lukt het niet, haal dan het hoesje van de telefoon: dat kan de chip "
            "afschermen."
        ),
        sources=(("DigiD, Veelgestelde vragen over de app", "https://www.digid.nl/hulp", 20),),
        writer="ingrid",
        approver="joost",
        post=("digid", 3),
        verdict=Verdict.ACCURATE,
        checked_months_ago=0,
    ),
    DemoItem(
        title="E-books lenen met je bibliotheekpas",
        body=(
            "Met je bibliotheekpas leen je e-books in de app van de bibliotheek. Je "
            "leent ze drie weken; daarna verdwijnen ze vanzelf van je apparaat."
        ),
        sources=(("De Bibliotheek, Online lenen", "https://www.onlinebibliotheek.nl", 420),),
        writer="ingrid",
        approver="joost",
        checked_months_ago=14,  # its check is out of date
    ),
    DemoItem(
        title="Veilig internetbankieren: zo herken je een valse e-mail",
        body=(
            "Je bank vraagt nooit per e-mail of sms om je pincode of om in te loggen via "
            "een link. Twijfel je, bel dan je bank via het nummer op je bankpas."
        ),
        sources=(("Veiligbankieren.nl, Phishing", "https://www.veiligbankieren.nl", 3),),
        writer="joost",
        approver=None,  # waits for Ingrid
    ),
)


def load_curation_demo(
    db: Session, communities: dict[str, Community], members: dict[str, Member]
) -> None:
    community = communities[COMMUNITY]
    if db.scalar(select(VerifiedItem.id).where(VerifiedItem.community_id == community.id)):
        return
    today = now().date()
    for spec in ITEMS:
        writer = load_actor(db, members[spec.writer])
        content = Content(
            spec.title,
            spec.body,
            tuple(
                Source(citation, url, today - dt.timedelta(days=days))
                for citation, url, days in spec.sources
            ),
            spec.verdict,
        )
        if spec.post is not None:
            token = demo_token(*spec.post)
            post = db.scalar(select(Post).where(Post.submission_token == token))
            assert post is not None, f"the demo post {spec.post} is missing"
            item = workflow.create_verification(db, writer, post, content)
        else:
            item = workflow.create_article(db, writer, community, content)
        workflow.submit(db, writer, item)
        if spec.approver is None:
            continue
        approver = load_actor(db, members[spec.approver])
        workflow.approve(db, approver, item, months_after(now(), spec.valid_months))
        if spec.checked_months_ago:
            _in_the_past(db, item, months_after(now(), -spec.checked_months_ago), spec)


def _in_the_past(db: Session, item: VerifiedItem, checked: dt.datetime, spec: DemoItem) -> None:
    """A believable past: written, sent and approved some months ago, due accordingly."""
    item.created_at = checked - dt.timedelta(days=2)
    item.reviewed_at = checked
    item.review_due_at = months_after(checked, spec.valid_months)
    for revision in item.revisions:
        revision.created_at = checked - dt.timedelta(days=2)
        if revision.decided_at is not None:
            revision.decided_at = checked
    for step in db.scalars(select(ItemTransition).where(ItemTransition.item_id == item.id)):
        step.at = checked if step.action == "approve" else checked - dt.timedelta(days=1)
    db.commit()
