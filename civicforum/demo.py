"""Dutch demo content for trying the forum: the fictional "Bibliotheek Voorbeeldstad".

Three communities -- the open *Leesclub*, the public *Digitale hulp* and the members-only
*Mantelzorgers*, which asks a moderator to approve each request to join -- with topics,
replies, a moderator, an editor and a handful of members. Everything is written through
the forum's services, exactly as the pages would write it.

Every demo account signs in with the password :data:`DEMO_PASSWORD`. The content is for
trying the forum out; never load it into a site the public uses.

Running it again adds nothing twice: communities and accounts that exist are kept, and
each demo post carries a fixed submission token, which the services recognise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .clock import now
from .forum import services as forum
from .forum.models import Community, JoinPolicy, Membership, Post, Role, Topic, Visibility
from .identity import services as identity
from .identity.models import Member, PublishAs
from .identity.providers import load_actor

DEMO_PASSWORD = "voorbeeldstad-demo"  # noqa: S105 (published on purpose: demo accounts only)
EMAIL_DOMAIN = "voorbeeldstad.example"


@dataclass(frozen=True)
class DemoPerson:
    key: str
    display_name: str
    about: str

    @property
    def email(self) -> str:
        return f"{self.key}@{EMAIL_DOMAIN}"


@dataclass(frozen=True)
class DemoCommunity:
    slug: str
    name: str
    description: str
    house_rules: str
    visibility: Visibility
    join_policy: JoinPolicy
    moderators: tuple[str, ...] = ()
    editors: tuple[str, ...] = ()
    members: tuple[str, ...] = ()
    # Asked to join but not yet let in, so a moderator finds a request waiting.
    waiting: tuple[str, ...] = ()


@dataclass(frozen=True)
class DemoTopic:
    key: str
    community: str
    title: str
    # (author, text) pairs; the first opens the topic.
    posts: tuple[tuple[str, str], ...]
    anonymous: frozenset[int] = frozenset()  # positions published without a name


@dataclass(frozen=True)
class DemoResult:
    """What a run wrote, and the accounts anyone may sign in with."""

    communities_added: int
    members_added: int
    posts_added: int
    people: tuple[DemoPerson, ...]

    @property
    def added_anything(self) -> bool:
        return bool(self.communities_added or self.members_added or self.posts_added)


PEOPLE: tuple[DemoPerson, ...] = (
    DemoPerson("femke", "Femke (bibliotheek)", "moderator of Leesclub and Mantelzorgers"),
    DemoPerson("joost", "Joost (Digitaal Hulpplein)", "editor of Digitale hulp"),
    DemoPerson("anneke", "Anneke", "member"),
    DemoPerson("bram", "Bram", "member"),
    DemoPerson("sevda", "Sevda", "member"),
    DemoPerson("henk", "Henk", "member"),
    DemoPerson("lotte", "Lotte", "member"),
    DemoPerson("ria", "Ria", "member; her request to join Mantelzorgers is waiting"),
)

COMMUNITIES: tuple[DemoCommunity, ...] = (
    DemoCommunity(
        slug="leesclub",
        name="Leesclub",
        description=(
            "Praat mee over het boek van de maand, wissel tips uit en ontmoet andere lezers. "
            "Iedereen mag meelezen; wie meepraat, wordt lid."
        ),
        house_rules=(
            "- Verklap het einde niet zonder waarschuwing: zet **spoiler** boven je bericht.\n"
            "- Elke mening over een boek mag, zolang je de ander in zijn waarde laat.\n"
            "- Reclame voor eigen werk hoort hier niet."
        ),
        visibility=Visibility.PUBLIC,
        join_policy=JoinPolicy.OPEN,
        moderators=("femke",),
        members=("anneke", "bram", "sevda", "henk", "lotte"),
    ),
    DemoCommunity(
        slug="digitale-hulp",
        name="Digitale hulp",
        description=(
            "Vragen over DigiD, e-mail, je telefoon of de bibliotheek-app? Stel ze hier. "
            "Vrijwilligers van het Digitaal Hulpplein lezen mee."
        ),
        house_rules=(
            "- Deel nooit je wachtwoord, DigiD-code of BSN, ook niet met een vrijwilliger.\n"
            "- Geen vraag is te klein."
        ),
        visibility=Visibility.PUBLIC,
        join_policy=JoinPolicy.OPEN,
        editors=("joost",),
        members=("henk", "sevda", "anneke", "bram"),
    ),
    DemoCommunity(
        slug="mantelzorgers",
        name="Mantelzorgers",
        description=(
            "Een besloten plek voor wie zorgt voor een naaste. Alleen leden lezen mee; "
            "een moderator laat nieuwe leden toe."
        ),
        house_rules=(
            "- Wat hier gedeeld wordt, blijft hier.\n"
            "- Je mag anoniem schrijven; de moderator ziet wel wie je bent.\n"
            "- Bij acute zorgen: bel de huisarts of 113 Zelfmoordpreventie (0800-0113)."
        ),
        visibility=Visibility.MEMBERS,
        join_policy=JoinPolicy.APPROVAL,
        moderators=("femke",),
        members=("lotte", "henk", "anneke"),
        waiting=("ria",),
    ),
)

_AVONDEN_REPLIES: tuple[tuple[str, str], ...] = (
    (
        "anneke",
        "Ik heb het voor het eerst gelezen sinds de middelbare school. Toen vond ik het "
        "saai, nu moest ik hardop lachen om Frits en zijn moeder.",
    ),
    (
        "bram",
        "Zelfde hier! Op school begreep ik niet wat er grappig aan was. Nu herken ik "
        "die lange, lege avonden rond de feestdagen maar al te goed.",
    ),
    (
        "henk",
        "Ik las het in de oude uitgave van mijn vader. Er staan nog potloodstreepjes in, "
        "precies bij de stukken over kaalheid. Geen idee wat hij daarmee bedoelde.",
    ),
    (
        "lotte",
        "Haha Henk, misschien herkende hij zich erin?\n\nWat mij opviel: er gebeurt "
        "bijna niets, en toch blijf je lezen.",
    ),
    (
        "sevda",
        "Ik lees het nu voor het eerst. Ik ben pas in de tweede avond. Is het goed "
        "als ik hier alvast meelees, of verklap ik mezelf dan te veel?",
    ),
    (
        "femke",
        "Welkom Sevda! Tot nu toe verklapt niemand het einde. Wie dat wil bespreken, "
        "zet er **spoiler** boven, dan kun je dat bericht overslaan.",
    ),
    (
        "anneke",
        "De gesprekken met zijn broer Joop vind ik het mooist. Zo onhandig, en toch "
        "merk je dat Frits om hem geeft.",
    ),
    (
        "bram",
        "Vinden jullie Frits eigenlijk sympathiek? Ik twijfel. Hij zegt soms echt "
        "gemene dingen tegen zijn vrienden.",
    ),
    (
        "henk",
        "Sympathiek niet, maar wel menselijk. Hij verveelt zich en weet niet wat hij "
        "met zichzelf aan moet. Dat kennen we toch allemaal?",
    ),
    (
        "lotte",
        "Het is ook net na de oorlog. Iedereen doet alsof het gewone leven weer "
        "begonnen is, maar niemand weet hoe dat moet.",
    ),
    (
        "sevda",
        "Ik ben nu bij de vijfde avond. Die droom was zo vreemd! Ik moest hem twee keer lezen.",
    ),
    (
        "anneke",
        "De dromen zijn voor mij het lastigste deel. Ik sla ze eerlijk gezegd een beetje over.",
    ),
    (
        "femke",
        "Voor wie meer achtergrond wil: in de leeszaal ligt deze maand een kleine "
        "tentoonstelling over het boek, met recensies uit 1947. Vraag ernaar bij de balie.",
    ),
    ("bram", "Goede tip, ik ga zaterdag kijken. Weet iemand of de verfilming ook te leen is?"),
    (
        "femke",
        "Ja, de film staat in de catalogus. Er is één exemplaar, dus reserveer hem "
        "even via je account.",
    ),
    (
        "henk",
        "Die film heb ik ooit gezien. Mooi, maar het boek is beter. Dat zeg ik natuurlijk altijd.",
    ),
    (
        "lotte",
        "Wat vinden jullie van de taal? Ik vind het heel precies, bijna plechtig, "
        "ook als het over iets kleins gaat.",
    ),
    (
        "sevda",
        "Voor mij als niet-moedertaalspreker is dat juist fijn. De zinnen zijn lang, "
        "maar heel helder. Ik zoek wel veel woorden op.",
    ),
    ("anneke", "Knap dat je het in het Nederlands leest, Sevda! Welke woorden zocht je op?"),
    (
        "sevda",
        "Onder andere *kaalheid*, *treurig* en *gezellig*. Dat laatste woord kende "
        "ik al, maar bij Frits betekent het steeds iets anders.",
    ),
    (
        "bram",
        "**Spoiler**\n\nHet slot vind ik prachtig. Na alle ellende toch dat kleine "
        'beetje hoop: *"Het is gezien. Het is niet onopgemerkt gebleven."*',
    ),
    (
        "henk",
        "Die laatste zin blijft bij me hangen. Ik heb het boek dichtgeslagen en nog "
        "even naar buiten zitten kijken.",
    ),
    (
        "lotte",
        "Zullen we op de bijeenkomst stemmen over het volgende boek? Ik zou graag "
        "iets van een hedendaagse schrijver lezen.",
    ),
    (
        "femke",
        "Goed idee, Lotte. Zet je suggesties in het onderwerp *Tips voor "
        "zomerboeken*, dan maken we daar donderdag een keuze uit.",
    ),
)

TOPICS: tuple[DemoTopic, ...] = (
    DemoTopic(
        key="avonden",
        community="leesclub",
        title="Boek van de maand: De Avonden van Gerard Reve",
        posts=(
            (
                "femke",
                "Deze maand lezen we *De Avonden* van Gerard Reve: tien avonden uit "
                "het leven van Frits van Egters, eind december 1946.\n\nWat vond je ervan? "
                "Vertel het hier, ook als je nog niet uit bent.",
            ),
            *_AVONDEN_REPLIES,
        ),
    ),
    DemoTopic(
        key="zomerboeken",
        community="leesclub",
        title="Tips voor zomerboeken",
        posts=(
            (
                "lotte",
                "Binnenkort weer vakantie. Welke boeken nemen jullie mee? Graag iets "
                "wat niet te zwaar is, voor op de camping.",
            ),
            (
                "anneke",
                "Ik neem altijd een dikke detective mee. Vorig jaar een Scandinavische "
                "reeks, drie delen in twee weken.",
            ),
            (
                "bram",
                "Luisterboeken! Via de app kun je ze gratis lenen als je lid bent. "
                "Ideaal in de auto.",
            ),
            (
                "sevda",
                "Een tip voor wie Nederlands leert: de reeks *Makkelijk lezen* in de "
                "bibliotheek. Korte verhalen, gewone onderwerpen.",
            ),
            (
                "femke",
                "Mooie tips! De *Makkelijk lezen*-kast staat bij de ingang, naast de kranten.",
            ),
        ),
    ),
    DemoTopic(
        key="bijeenkomst",
        community="leesclub",
        title="Volgende bijeenkomst: donderdag 19.30 uur in de leeszaal",
        posts=(
            (
                "femke",
                "We praten donderdagavond verder over *De Avonden*. Koffie en thee "
                "staan klaar vanaf 19.15 uur. Ook wie het boek niet uit heeft, is welkom.",
            ),
            ("henk", "Ik ben erbij. Zal ik een cake meenemen?"),
            (
                "femke",
                "Graag, Henk! De leeszaal is vanaf de zijingang bereikbaar, de grote "
                "deur is na 18.00 uur dicht.",
            ),
        ),
    ),
    DemoTopic(
        key="digid",
        community="digitale-hulp",
        title="DigiD-app installeren: waar loop ik vast?",
        posts=(
            (
                "henk",
                "Ik probeer de DigiD-app op mijn telefoon te zetten, maar ik kom niet "
                "verder dan het scannen van mijn paspoort. Wat doe ik fout?",
            ),
            (
                "joost",
                "Goede vraag, Henk. Het scannen lukt het best als je het paspoort plat "
                "op tafel legt en de telefoon er recht boven houdt. Houd hem stil tot hij "
                "trilt. Bij een identiteitskaart werkt het net zo.",
            ),
            ("henk", "Ah, ik hield hem schuin. Ik probeer het vanavond nog eens."),
            (
                "sevda",
                "Bij mij lukte het pas toen ik het hoesje van mijn telefoon eraf "
                "haalde. Misschien helpt dat ook.",
            ),
            ("henk", "Het is gelukt! Het hoesje was het inderdaad. Bedankt allebei."),
            (
                "joost",
                "Mooi zo! Lukt iets anders niet, kom dan langs op het spreekuur. "
                "Neem je telefoon en je paspoort mee, maar vertel niemand je pincode.",
            ),
        ),
    ),
    DemoTopic(
        key="ebooks",
        community="digitale-hulp",
        title="E-books lenen via de app van de bibliotheek",
        posts=(
            (
                "anneke",
                "Kan ik met mijn bibliotheekpas ook e-books lenen? En hoe lang mag ik ze houden?",
            ),
            (
                "joost",
                "Ja, met je pas kun je e-books lenen via de app van de bibliotheek. "
                "Je leent ze drie weken; daarna verdwijnen ze vanzelf van je apparaat, dus "
                "je krijgt nooit een boete.",
            ),
            (
                "bram",
                "Handig om te weten: je kunt de letters groter zetten in de app. Dat "
                "lees ik veel prettiger dan een papieren boek.",
            ),
            ("anneke", "Dank jullie wel, ik heb mijn eerste e-book geleend!"),
        ),
    ),
    DemoTopic(
        key="spreekuur",
        community="digitale-hulp",
        title="Spreekuur Digitaal Hulpplein: elke dinsdagochtend",
        posts=(
            (
                "joost",
                "Elke dinsdag van 10.00 tot 12.00 uur helpen vrijwilligers je in de "
                "bibliotheek met DigiD, e-mail, je telefoon of formulieren van de gemeente. "
                "Aanmelden is niet nodig en het is gratis.",
            ),
            ("sevda", "Is er ook hulp in het Turks of Arabisch?"),
            (
                "joost",
                "Om de week is er een vrijwilliger die Turks spreekt. Vraag bij de "
                "balie wanneer ze er is.",
            ),
        ),
    ),
    DemoTopic(
        key="voorstellen",
        community="mantelzorgers",
        title="Even voorstellen",
        posts=(
            (
                "femke",
                "Welkom in deze besloten groep. Vertel gerust wie je bent en voor wie "
                "je zorgt, zoveel of zo weinig als je wilt.",
            ),
            (
                "lotte",
                "Ik ben Lotte en ik zorg sinds een jaar voor mijn moeder, die "
                "dementie heeft. Ik werk ook nog drie dagen, dus het is soms puzzelen.",
            ),
            (
                "henk",
                "Henk hier. Mijn vrouw heeft na een beroerte veel hulp nodig. Fijn dat "
                "deze groep er is; thuis praat ik er weinig over.",
            ),
            (
                "anneke",
                "Ik zorg voor mijn zoon. Ik schrijf hier liever zonder naam, maar "
                "lees graag mee en wil ook iets terugdoen.",
            ),
            (
                "lotte",
                "Fijn dat jullie er zijn. Het helpt al om te weten dat je niet de enige bent.",
            ),
        ),
        anonymous=frozenset({3}),
    ),
    DemoTopic(
        key="respijtzorg",
        community="mantelzorgers",
        title="Respijtzorg in Voorbeeldstad: wie heeft ervaring?",
        posts=(
            (
                "henk",
                "Ik ben toe aan een paar dagen rust. Heeft iemand ervaring met "
                "respijtzorg hier in de stad, bijvoorbeeld een logeerhuis?",
            ),
            (
                "lotte",
                "Mijn moeder gaat eens per maand een weekend naar een logeerhuis. "
                "Het Steunpunt Mantelzorg van de gemeente heeft ons geholpen met aanvragen.",
            ),
            (
                "femke",
                "In de bibliotheek ligt een map met folders van het Steunpunt. Ze "
                "houden ook elke eerste maandag van de maand spreekuur in de bibliotheek.",
            ),
            ("henk", "Dank je, Lotte en Femke. Ik ga maandag langs."),
        ),
    ),
)

# Replies edited afterwards, so the demo shows a revision history: (topic, position, text).
EDITS: tuple[tuple[str, int, str], ...] = (
    (
        "bijeenkomst",
        1,
        "Ik ben erbij. Zal ik een appeltaart meenemen? (Eerst schreef ik cake, maar die is op.)",
    ),
)


def load_demo_data(
    db: Session,
    *,
    limits: forum.Limits | None = None,
    on_step: Callable[[str], None] | None = None,
) -> DemoResult:
    """Write the demo communities, accounts, topics and replies; skip what exists.

    :param db: a session on the forum's database, whose tables exist.
    :param limits: title and post lengths; default: the current app's settings.
    :param on_step: called with a line of progress for each step.
    :raises civicforum.errors.ServiceError: when a service refuses a write, for example
        because a demo display name is already taken by someone else.
    """
    if limits is None:
        from .extension import state

        settings = state().settings
        limits = forum.Limits(settings.max_title_length, settings.max_post_length)
    report = on_step or (lambda line: None)
    before = _counts(db)

    report(f"Accounts ({len(PEOPLE)})")
    members = {person.key: _account(db, person) for person in PEOPLE}

    communities: dict[str, Community] = {}
    for spec in COMMUNITIES:
        report(f"Community {spec.name!r} with its members")
        communities[spec.slug] = _community(db, spec, members)

    for topic_spec in TOPICS:
        report(f"Topic {topic_spec.title!r} ({len(topic_spec.posts)} posts)")
        _topic(db, topic_spec, communities[topic_spec.community], members, limits)

    after = _counts(db)
    return DemoResult(
        communities_added=after[0] - before[0],
        members_added=after[1] - before[1],
        posts_added=after[2] - before[2],
        people=PEOPLE,
    )


def _counts(db: Session) -> tuple[int, int, int]:
    return (
        db.scalar(select(func.count(Community.id))) or 0,
        db.scalar(select(func.count(Member.id))) or 0,
        db.scalar(select(func.count(Post.id))) or 0,
    )


def _account(db: Session, person: DemoPerson) -> Member:
    account = identity.find_account(db, person.email)
    if account is not None:
        return account.member
    return identity.register_local_account(
        db, email=person.email, password=DEMO_PASSWORD, display_name=person.display_name
    )


def _community(db: Session, spec: DemoCommunity, members: dict[str, Member]) -> Community:
    existing = db.scalar(select(Community).where(Community.slug == spec.slug))
    community = existing or forum.create_community(
        db,
        slug=spec.slug,
        name=spec.name,
        description=spec.description,
        house_rules=spec.house_rules,
        visibility=spec.visibility,
        join_policy=spec.join_policy,
    )
    for key in spec.moderators:
        forum.set_role(db, community, members[key], Role.MODERATOR)
    for key in spec.editors:
        forum.set_role(db, community, members[key], Role.EDITOR)
    moderator = load_actor(db, members[spec.moderators[0]]) if spec.moderators else None
    for key in (*spec.members, *spec.waiting):
        actor = load_actor(db, members[key])
        membership: Membership | None = actor.membership(community)
        if membership is None:
            membership = forum.join(db, actor, community)
        if not membership.is_active and key in spec.members:
            assert moderator is not None, f"{spec.slug} needs a moderator to let members in"
            forum.answer_request(db, moderator, membership, accept=True)
    return community


def _topic(
    db: Session,
    spec: DemoTopic,
    community: Community,
    members: dict[str, Member],
    limits: forum.Limits,
) -> None:
    # The services return the earlier topic or post for a token they have seen, which
    # is what makes a second run add nothing.
    (opener, opening), *replies = spec.posts
    topic = forum.start_topic(
        db,
        load_actor(db, members[opener]),
        community,
        title=spec.title,
        body=opening,
        publish_as=_publish_as(spec, 0),
        submission_token=_token(spec, 0),
        limits=limits,
    )
    replies_at: dict[int, Post] = {}
    for position, (author, body) in enumerate(replies, start=1):
        replies_at[position] = forum.reply(
            db,
            load_actor(db, members[author]),
            topic,
            body=body,
            publish_as=_publish_as(spec, position),
            submission_token=_token(spec, position),
            limits=limits,
        )
    _spread_over_past_days(db, spec, topic, [p for p in replies_at.values()])
    for topic_key, position, new_body in EDITS:
        if topic_key != spec.key:
            continue
        editor = load_actor(db, members[spec.posts[position][0]])
        forum.edit_post(db, editor, replies_at[position], body=new_body, limits=limits)


def _spread_over_past_days(db: Session, spec: DemoTopic, topic: Topic, replies: list[Post]) -> None:
    """Give a freshly written demo topic a believable past: it started some days ago and
    its replies came in over the hours after. A second run finds it dated and leaves it."""
    opening = db.scalar(select(Post).where(Post.topic_id == topic.id).order_by(Post.id).limit(1))
    if opening is None or opening.created_at < now() - dt.timedelta(hours=1):
        return
    order = [t.key for t in TOPICS].index(spec.key)
    days_ago = 2 + 3 * (len(TOPICS) - order)
    moment = (now() - dt.timedelta(days=days_ago)).replace(
        hour=9 + order % 8, minute=0, second=0, microsecond=0
    )
    topic.created_at = opening.created_at = moment
    for reply in replies:
        moment += dt.timedelta(hours=2, minutes=17)
        reply.created_at = moment
    topic.last_posted_at = moment
    db.commit()


def _publish_as(spec: DemoTopic, position: int) -> str:
    return (PublishAs.ANONYMOUS if position in spec.anonymous else PublishAs.PSEUDONYM).value


def _token(spec: DemoTopic, position: int) -> str:
    return f"demo:{spec.key}:{position}"
