"""The forum and the tools of tests/test_bad_input_walk.py: a world with something behind
every route, the bad values, the forms of a page, and the row counts of every table.

The world: *plein*, public, federated, with a topic, replies, a held reply, a report, a
help resource, decisions (one appealed), an event with an answer, verified information
(one item approved, one waiting for review), an editor's verdict, a block and a failed
delivery; *kring*, which approves its members, with a request waiting; *hof*, open, that
Ans is no member of. The people who walk it: a visitor, Ans
(a member of both, with an API token and a feed key), Femke (admin of both and of the
site) and Noor (signed up through an identity provider); Joost, a second admin, decided
what Femke can review.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import quote, unquote_to_bytes

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.orm import Session

from civicforum import clock
from civicforum.curation import workflow
from civicforum.curation.content import Content, Source
from civicforum.curation.models import Verdict
from civicforum.db import Base
from civicforum.digests.tokens import unsubscribe_token
from civicforum.forum import services as forum
from civicforum.forum.models import JoinPolicy, Post, PostRevision, Role, Topic
from civicforum.identity import services as identity
from civicforum.identity.models import IdentityLevel, Member, PublishAs
from civicforum.moderation import appeals, measures, reports, rules, signposting
from civicforum.moderation.measures import Grounds, Target
from civicforum.moderation.models import Ground, Measure, ReportTarget
from civicforum.moderation.premoderation import Premoderation, set_premoderation
from civicforum.pace import services as pace
from civicforum.pace.address import confirmation_token
from civicforum.plugins.events import services as events
from civicforum.plugins.events.models import Answer
from civicforum.plugins.events.services import EventDetails
from civicforum.plugins.federation import blocks
from civicforum.plugins.federation import services as federation
from civicforum.plugins.federation.models import Delivery
from civicforum.settings import Settings
from civicforum.tokens.models import TokenScope
from civicforum.tokens.services import create_api_token, feed_secret

from .conftest import LIMITS, PASSWORD
from .helpers import actor_of, add_member

# -- bad values ----------------------------------------------------------------------------

MEGABYTE = 1024 * 1024
#: Right-to-left override ... pop directional formatting: a name that reads backwards, or
#: hides what a file or a link really is.
RLO, PDF = "\u202e", "\u202c"


def bidi_name(n: int) -> str:
    """A name with a bidi override, unique to request ``n`` so it can be found again."""
    return f"Walker{n}{RLO}gpj.exe{PDF}"


#: Bad values for a form field, by kind, as they go into a urlencoded body: percent-encoded
#: as a browser encodes, or raw where no browser sends such bytes.
FIELD_VALUES: dict[str, bytes] = {
    "oversized": b"x" * MEGABYTE,
    # Put into the field's good value, where there is one (see FormWalk.with_nul).
    "nul": b"before%00after",
    # Werkzeug keeps escapes it cannot decode as they are ("caf%E9"), so neither becomes
    # text the database could refuse; both in one value.
    "invalid_utf8_and_lone_surrogate": b"caf%E9+%FF%FE+%ED%A0%80+half+%ED%B0%80",
    "bidi": b"",  # a name of its own each time: see bidi_name
    "negative": b"-1",
    "huge_number": str(10**30).encode(),
    # Werkzeug drops a whole urlencoded body that is not UTF-8: refused at CSRF.
    "raw_invalid_utf8": b"caf\xe9+\xff\xfe+\xc3",
}

#: Kinds that are plain text in a text field: sent to all text fields of a form at once.
NUMBER_KINDS = ("negative", "huge_number")
#: Kinds refused with the whole body, whichever field holds them: sent once a form.
WHOLE_BODY_KINDS = ("raw_invalid_utf8",)

#: Bad values for a path argument, as they go into the URL. An int converter takes no
#: sign and no word: those reach only the catch-all "not found", so once a route is enough.
BAD_INT_IDS: dict[str, str] = {
    "zero": "0",
    "int64_overflow": str(2**63),
    "huge": str(10**30),
}
ONCE_A_ROUTE: dict[str, str] = {"negative": "-1", "not_a_number": "abc"}
BAD_WORDS: dict[str, str] = {
    "nul": "a%00b",
    "invalid_utf8_and_lone_surrogate": "%FF%FEa%C3%ED%A0%80",
    "bidi": "%E2%80%AEevil",
    "oversized": "y" * 5000,
}

#: Every name the forum reads from a query string, as numbers and as words.
NUMBER_ARGS = (
    "page", "limit", "post", "quote", "topic", "report", "member", "before", "resource",
)  # fmt: skip
WORD_ARGS = (
    "q", "phrase", "without", "author", "community", "kind", "since", "until", "order",
    "cursor", "next", "state", "code", "error", "iss", "period", "new", "mailed", "lang",
    "write", "font", "accent", "text", "resource",
)  # fmt: skip
WORD_VALUES = {
    # NUL, a bidi override, invalid UTF-8 and a lone surrogate, percent-encoded.
    "mixed": "a%00b%E2%80%AEc%FF%FE%C3%ED%A0%80",
    "oversized": "z" * 20_000,
}


def bad_queries() -> list[tuple[str, str]]:
    """Query strings with every name the forum reads: numbers (-1 and 2**63 in turn),
    then words, apart (a number refused first would hide what a word does)."""
    numbers = "&".join(f"{name}={('-1', str(2**63))[n % 2]}" for n, name in enumerate(NUMBER_ARGS))
    return [("?numbers", numbers)] + [
        (f"?words={kind}", "&".join(f"{name}={value}" for name in WORD_ARGS))
        for kind, value in WORD_VALUES.items()
    ]


# -- the world -----------------------------------------------------------------------------


@dataclass
class World:
    """What the routes' arguments are filled with, and who walks them."""

    people: dict[str, int] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)
    slugs: dict[str, str] = field(default_factory=dict)
    api_token: str = ""
    tokens: dict[str, str] = field(default_factory=dict)
    feed_key: str = ""
    report_receipt: str = ""


def _person(db: Session, name: str, email: str) -> Member:
    member = identity.register_local_account(db, email=email, password=PASSWORD, display_name=name)
    member.identity_level = int(IdentityLevel.CONFIRMED)
    db.commit()
    return member


def build(db: Session, settings: Settings) -> World:
    """The world the walk goes through; see the module's docstring."""
    w = World()
    femke = _person(db, "Femke", "femke@example.org")
    femke.is_site_admin = True
    joost = _person(db, "Joost", "joost@example.org")
    ans = _person(db, "Ans", "ans@example.org")
    # Signed up through an identity provider: no password, so digests need an address.
    noor = identity.link_external_identity(
        db,
        provider="oidc:voorbeeldid",
        subject="noor-1",
        display_name="Noor",
        level=IdentityLevel.CONFIRMED,
    )
    wim = _person(db, "Wim", "wim@example.org")
    db.commit()

    plein = forum.create_community(db, slug="plein", name="Plein")
    kring = forum.create_community(db, slug="kring", name="Kring", join_policy=JoinPolicy.APPROVAL)
    # Ans is a member of no other: her page of it offers to join.
    hof = forum.create_community(db, slug="hof", name="Hof")
    add_member(db, hof, femke, Role.ADMIN)
    for community in (plein, kring):
        add_member(db, community, femke, Role.ADMIN)
        add_member(db, community, joost, Role.ADMIN)
        add_member(db, community, ans)
    forum.join(db, actor_of(db, wim), kring)
    rule = rules.add_rule(
        db,
        actor_of(db, femke),
        plein,
        rules.RuleText("Wees vriendelijk", "Be kind", "Niet schelden.", "No name-calling."),
    )

    def topic(who: Member, title: str) -> Topic:
        return forum.start_topic(
            db,
            actor_of(db, who),
            plein,
            title=title,
            body=f"{title}: the opening words.",
            publish_as=PublishAs.PSEUDONYM,
            submission_token=secrets.token_urlsafe(12),
            limits=LIMITS,
        )

    def reply(who: Member, to: Topic, body: str) -> Post:
        return forum.reply(
            db,
            actor_of(db, who),
            to,
            body=body,
            publish_as=PublishAs.PSEUDONYM,
            submission_token=secrets.token_urlsafe(12),
            limits=LIMITS,
        )

    square = topic(ans, "Wie leest er mee?")
    opening = db.scalars(select(Post).where(Post.topic_id == square.id)).one()
    answer = reply(femke, square, "Ik lees mee.")
    own = reply(ans, square, "Ik ook, De Avonden.")
    hidden = reply(ans, square, "Iets naars.")
    set_premoderation(db, actor_of(db, femke), plein, Premoderation(hold_everything=True))
    held = reply(ans, square, "Nog even wachten.")
    set_premoderation(db, actor_of(db, femke), plein, Premoderation())

    acknowledgement = reports.submit_report(
        db,
        actor_of(db, None),
        plein,
        reports.Notice(
            ReportTarget.POST,
            own.id,
            Ground.HOUSE_RULE,
            "Dit is onaardig.",
            "https://forum.example/p/3",
            True,
            rule_id=rule.id,
        ),
    )
    decided = measures.take_measure(
        db,
        actor_of(db, joost),
        Measure.HIDE_POST,
        Target(post=hidden),
        Grounds(rule_id=rule.id, explanation="Dat was niet vriendelijk."),
    )
    appeals.submit_appeal(db, actor_of(db, ans), decided, "Het was een grap.")
    warned = measures.take_measure(
        db,
        actor_of(db, joost),
        Measure.CONTENT_WARNING,
        Target(post=own),
        Grounds(rule_id=rule.id, explanation="Een waarschuwing helpt lezers."),
        label="boeken",
    )
    resource = signposting.add_help_resource(
        db,
        actor_of(db, femke),
        plein,
        signposting.Resource("Luisterlijn", "088 0767 000", "https://www.deluisterlijn.nl"),
    )

    starts = dt.datetime.combine((clock.now() + dt.timedelta(days=7)).date(), dt.time(19, 30))
    event = events.create_event(
        db,
        actor_of(db, femke),
        plein,
        EventDetails(
            title="Leesavond",
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=2),
            venue_name="Bibliotheek",
            venue_address="Markt 1, Voorbeeldstad",
            capacity=20,
        ),
    )
    events.rsvp(db, actor_of(db, ans), event, Answer.GOING)

    source = (Source("Gemeente, Loket", "https://www.example.org/loket", clock.now().date()),)
    item = workflow.create_article(
        db, actor_of(db, femke), plein, Content("DigiD aanvragen", "Zo gaat het.", source)
    )
    workflow.submit(db, actor_of(db, femke), item)
    workflow.approve(db, actor_of(db, joost), item, clock.now() + dt.timedelta(days=60))
    waiting = workflow.create_article(
        db, actor_of(db, joost), plein, Content("Bibliotheekpas", "Zo vraag je hem aan.", source)
    )
    workflow.submit(db, actor_of(db, joost), waiting)
    workflow.create_verification(
        db,
        actor_of(db, joost),
        opening,
        Content("Klopt", "Zo is het.", source, verdict=Verdict.ACCURATE),
    )

    federation.enable(db, plein)
    block = blocks.block(
        db,
        actor_of(db, femke),
        plein,
        kind=blocks.HOST,
        target="spam.example",
        rule_id=rule.id,
        reasons="Alleen reclame.",
    )
    dead = Delivery(
        community_id=plein.id,
        inbox="https://elders.example/inbox",
        host="elders.example",
        activity_id="https://forum.example/activities/1",
        activity_type="Announce",
        body="{}",
        attempts=8,
        last_error="Connection refused",
        given_up_at=clock.now(),
    )
    db.add(dead)
    db.commit()

    token_row, w.api_token = create_api_token(
        db, ans, name="Telefoon", scope=TokenScope.POST, days=30
    )
    key = feed_secret(db, ans, settings.secret_key, create=True)
    assert key is not None
    w.feed_key = key
    w.report_receipt = acknowledgement.receipt
    pace.follow_community(db, ans, plein)
    pace.follow_topic(db, ans, square)
    pace.update_pace(
        db,
        ans,
        digest="weekly",
        timezone=None,
        quiet_start=None,
        quiet_end=None,
        open_warnings=False,
    )
    w.tokens = {
        "unsubscribe": unsubscribe_token(settings, ans.id),
        "address": confirmation_token(settings, ans.id, "ans.thuis@example.org"),
    }

    w.people = {"femke": femke.id, "joost": joost.id, "ans": ans.id, "noor": noor.id}
    w.slugs = {"plein": plein.slug, "kring": kring.slug, "hof": hof.slug}
    w.ids = {
        "topic": square.id,
        "opening": opening.id,
        "answer": answer.id,
        "own": own.id,
        "held": held.id,
        "hidden": hidden.id,
        "report": acknowledgement.report.id,
        "decision": decided.id,
        "warning_decision": warned.id,
        "rule": rule.id,
        "resource": resource.id,
        "event": event.id,
        "item": item.id,
        "waiting_item": waiting.id,
        "block": block.id,
        "delivery": dead.id,
        "token": token_row.id,
    }
    return w


# -- forms ---------------------------------------------------------------------------------


@dataclass
class Form:
    """A form as a browser sees it: where it goes, and what it sends unless changed."""

    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    # What each field is: an input's type, "textarea", "select", "checkbox", "radio".
    kinds: dict[str, str] = field(default_factory=dict)
    # The values a choice offers (radio buttons, check boxes, options of a select).
    choices: dict[str, list[str]] = field(default_factory=dict)
    # Named submit buttons: a browser sends the one that was pressed.
    buttons: list[tuple[str, str]] = field(default_factory=list)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._textarea: tuple[str, list[str]] | None = None
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._form = Form(a.get("action", ""), a.get("method", "get").lower())
            self.forms.append(self._form)
            return
        form = self._form
        if form is None or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("submit", "image"):
                form.buttons.append((name, a.get("value", "")))
            elif kind in ("checkbox", "radio"):
                form.kinds[name] = kind
                form.choices.setdefault(name, []).append(a.get("value", "on"))
                if "checked" in a:
                    form.fields.append((name, a.get("value", "on")))
            elif kind not in ("file", "reset", "button"):
                form.kinds[name] = kind
                form.fields.append((name, a.get("value", "")))
        elif tag == "button" and name and a.get("type", "submit").lower() == "submit":
            form.buttons.append((name, a.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea = (name, [])
        elif tag == "select" and name:
            self._select = name
            self._options = []
        elif tag == "option" and self._select is not None:
            self._options.append((a.get("value", ""), "selected" in a))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        form = self._form
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea is not None and form is not None:
            name, text = self._textarea
            form.kinds[name] = "textarea"
            # The one newline after the opening tag is not part of the value.
            value = "".join(text)
            form.fields.append((name, value.removeprefix("\r\n").removeprefix("\n")))
            self._textarea = None
        elif tag == "select" and self._select is not None and form is not None:
            values = [value for value, _selected in self._options]
            chosen = [value for value, selected in self._options if selected] or values[:1]
            form.kinds[self._select] = "select"
            form.choices[self._select] = values
            form.fields.extend((self._select, value) for value in chosen)
            self._select = None


def forms_of(html: str) -> list[Form]:
    """The POST forms of a page."""
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    return [form for form in parser.forms if form.method == "post"]


# -- filling in forms ---------------------------------------------------------------------

URLENCODED = "application/x-www-form-urlencoded"


@dataclass
class FoundForm:
    role: str
    page: str
    target: str
    endpoint: str
    form: Form


GOOD: dict[str, str] = {
    "title": "Een gewone titel {n}",
    "body": "Een gewoon bericht met genoeg woorden {n}.",
    "display_name": "Wandelaar {n}",
    "real_name": "Wim Wandel",
    "name": "Gewone naam {n}",
    "phone": "088 0767 000",
    "url": "https://www.example.org/hulp",
    "online_url": "https://meet.example.org/leesavond",
    "opening_hours": "Dag en nacht",
    "timezone": "Europe/Amsterdam",
    "venue_name": "Bibliotheek",
    "venue_address": "Markt 1, Voorbeeldstad",
    "description": "Een avond over boeken.",
    "starts_at": "2031-05-01T19:30",
    "ends_at": "2031-05-01T21:30",
    "target": "spam{n}.example",
    "reasons": "Alleen reclame.",
    "note": "Een notitie {n}.",
    "question": "Klopt dit nog?",
    "citation": "Gemeente, Loket",
    "explanation": "Dit is onaardig.",
    "location": "https://forum.example/p/3",
    "statement": "Het was een grap.",
    "capacity": "20",
    "hold_first_posts": "1",
    "quiet_start": "22:00",
    "quiet_end": "07:00",
    "address": "ans.thuis@example.org",
    "email": "walker{n}@example.org",
    "title_nl": "Regel {n}",
    "title_en": "Rule {n}",
    "explanation_nl": "Uitleg.",
    "explanation_en": "Explanation.",
}


def good_value(found: FoundForm, name: str, kind: str, n: int) -> str:
    """What a person would type into an empty field."""
    short = name.rsplit("-", 1)[-1]
    if kind == "password":
        # Never the right one where it would end the account; new ones are long enough.
        creating = found.endpoint in ("civicforum.register", "civicforum.reset")
        return f"een nieuw lang wachtwoord {n}" if creating else "niet het wachtwoord"
    if short == "email" and found.endpoint in ("civicforum.sign_in", "civicforum.reset_request"):
        return "ans@example.org"
    if short == "consulted_on" or kind == "date":
        return "2026-01-05"
    template = GOOD.get(short) or {
        "email": "walker{n}@example.org",
        "number": "1",
        "time": "12:00",
        "datetime-local": "2031-05-01T19:30",
    }.get(kind, "Gewone tekst {n}")
    return template.format(n=n)


def repeated(name: str) -> bool:
    """A field of the second or a later group of a list (a second source)."""
    return re.search(r"-[1-9]\d*-", name) is not None


def baseline(found: FoundForm, n: int) -> list[tuple[str, bytes]]:
    """The form as a person would send it: what the page filled in, the rest typed in
    (only the first of repeated groups) or chosen, and a fresh one-time token as a new
    page has."""
    form = found.form
    pairs: list[tuple[str, str]] = []
    for name, value in form.fields:
        kind = form.kinds[name]
        if name.endswith("submission_token"):
            value = secrets.token_urlsafe(18)
        elif not value.strip() and kind not in ("hidden", "select") and not repeated(name):
            value = good_value(found, name, kind, n)
        pairs.append((name, value))
    # A choice made: the first of radio buttons no one chose, every box ticked (one may
    # be a confirmation the form needs).
    chosen = {name for name, _value in pairs}
    for name, choices in form.choices.items():
        if form.kinds[name] in ("radio", "checkbox") and name not in chosen:
            pairs.append((name, choices[0]))
    return [(name, quote(value).encode()) for name, value in pairs]


def encode(pairs: list[tuple[str, bytes]]) -> bytes:
    return b"&".join(quote(name).encode() + b"=" + value for name, value in pairs)


def multipart(pairs: list[tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = "cfwalkboundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        + unquote_to_bytes(value.replace(b"+", b" "))
        + b"\r\n"
        for name, value in pairs
    ]
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def bad_bodies(fields: dict[str, str], n: int) -> list[tuple[str, bytes, str]]:
    """Bodies for an endpoint that takes a JSON object of these (good) fields: each
    field in turn odd, the whole document odd, and other content types."""

    def document(values: object) -> bytes:
        return json.dumps(values).encode()

    bodies = []
    for name in fields:
        for variant, value in (
            ("lone surrogate", "\ud800 half \udc00"),
            ("nul", "before\x00after"),
            ("bidi", bidi_name(n)),
            ("oversized", "x" * MEGABYTE),
            ("null", None),
            ("number", 10**30),
            ("list", ["a", "b"]),
            ("object", {"a": 1}),
        ):
            bodies.append(
                (f"{name}={variant}", document({**fields, name: value}), "application/json")
            )
        key = json.dumps(name).encode()
        raw = b'{%s: "caf\xe9 \xff"}' % key
        bodies.append((f"{name}=invalid UTF-8", raw, "application/json"))
        bodies.append((f"{name}=raw NUL", b'{%s: "a\x00b"}' % key, "application/json"))
        twice = b'{%s: %s, %s: "\\ud800"}' % (key, json.dumps(fields[name]).encode(), key)
        bodies.append((f"{name} twice", twice, "application/json"))
    pairs = [(k, quote(v).encode()) for k, v in fields.items()]
    form = encode(pairs)
    return [
        *bodies,
        *(
            (f"document={w}", document(v), "application/json")
            for w, v in (("list", [fields]), ("string", "\ud800"), ("null", None), ("number", 7))
        ),
        ("empty", b"", "application/json"),
        ("form", form, URLENCODED),
        ("text/plain", form, "text/plain"),
        ("multipart", *multipart(pairs)),
    ]


# -- what the database holds ---------------------------------------------------------------


def counting_query() -> sa.Select[tuple[int, ...]]:
    """One query for the number of rows in every table of the forum."""
    return select(
        *(
            select(sa.func.count()).select_from(table).scalar_subquery().label(table.name)
            for table in Base.metadata.sorted_tables
        )
    )


def row_counts(connection: sa.Connection, query: sa.Select[tuple[int, ...]]) -> dict[str, int]:
    row = connection.execute(query).one()
    return dict(row._mapping)


def text_columns() -> list[tuple[sa.Table, sa.Column[str], int | None]]:
    """Every column of text, with the length it takes (None: any)."""
    return [
        (table, column, column.type.length)
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, sa.String)
    ]


def stored_text_faults(db: Session, bidi_sent: list[str]) -> tuple[list[str], set[str]]:
    """Text the database should never hold: NUL, a lone surrogate, more than its column
    takes (SQLite does not check), or a name whose bidi overrides were lost or changed;
    and the columns where a name with bidi overrides was found kept as it was sent."""
    faults: list[str] = []
    kept: set[str] = set()
    names = {name.partition(RLO)[0]: name for name in bidi_sent}
    for table, column, length in text_columns():
        where = f"{table.name}.{column.name}"
        for (value,) in db.execute(select(column).where(column.is_not(None))):
            if "\x00" in value:
                faults.append(f"{where} holds a NUL: {value[:80]!r}")
            if any("\ud800" <= c <= "\udfff" for c in value):
                faults.append(f"{where} holds a lone surrogate: {value[:80]!r}")
            if length is not None and len(value) > length:
                faults.append(f"{where} holds {len(value)} characters, more than {length}")
            for found in re.findall(r"Walker\d+", value):
                if found not in names:
                    continue
                if names[found] in value:
                    kept.add(where)
                else:
                    faults.append(f"{where} changed the name sent: {value[:120]!r}")
    return faults, kept


def content_faults(db: Session) -> list[str]:
    """What the models imply: every topic opens with a post and counts its published
    ones (a held topic its opening one too); every post not deleted, and every earlier text of one, has its text and its
    HTML (erasing an account empties the posts it deletes)."""
    faults = []
    db.expire_all()
    for topic in db.scalars(select(Topic)):
        posts = db.scalars(select(Post).where(Post.topic_id == topic.id)).all()
        if not posts:
            faults.append(f"topic {topic.id} ({topic.title!r}) has no post")
        # A held topic's opening post is counted with it from the start.
        published = sum(1 for post in posts if not post.held) + int(topic.held)
        if topic.post_count != published:
            faults.append(f"topic {topic.id} counts {topic.post_count} posts, has {published}")
    live = db.scalars(select(Post).where(Post.deleted_at.is_(None)))
    texts = [(f"post {p.id}", p.body, p.body_html) for p in live] + [
        (f"revision {r.id}", r.body, r.body_html) for r in db.scalars(select(PostRevision))
    ]
    for what, text, html in texts:
        if not text.strip() or not html.strip():
            faults.append(f"{what} has no text or no HTML")
    return faults
