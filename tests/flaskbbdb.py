"""A FlaskBB 2.0 database for the importer's tests, made without FlaskBB.

``make_flaskbb_database(url)`` creates the tables of ``tests/fixtures/flaskbb/schema.sql``
(FlaskBB 2.0.2's own, see the notes there and in the README beside it) and fills them the
way FlaskBB writes them: its six default groups plus a group of its own, forums that every
group may see and one that guests and members may not, Markdown posts, edits, a locked
topic, a hidden post, a post whose author's account was deleted.

Everyone's password is ``PASSWORD``, hashed as FlaskBB 2.0.2 (Werkzeug 0.14) hashed it.
Run it to make one: ``python tests/flaskbbdb.py sqlite:////tmp/flaskbb.db``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import re
import string
import sys
from pathlib import Path
from typing import Any

import sqlalchemy as sa

SCHEMA = Path(__file__).parent / "fixtures" / "flaskbb" / "schema.sql"
PASSWORD = "wachtwoord"

_PG_MARKER = re.compile(r"^-- @postgresql$", re.MULTILINE)
_STATEMENT_END = re.compile(r";[ \t]*$", re.MULTILINE)
_ADD_CONSTRAINT = re.compile(r"ALTER TABLE (\w+) ADD (CONSTRAINT .*)", re.DOTALL)

# flaskbb/fixtures/groups.py, in its order: ``flaskbb install`` gives them ids 1 to 6.
# The flags are given as a string of 0s and 1s, one a column in the order of _FLAGS.
_FLAGS = [
    "admin",
    "super_mod",
    "mod",
    "banned",
    "guest",
    "editpost",
    "deletepost",
    "deletetopic",
    "posttopic",
    "postreply",
    "mod_edituser",
    "mod_banuser",
    "viewhidden",
    "makehidden",
]
_GROUPS = [
    ("Administrator", "The Administrator Group", "1000011111 1111"),
    ("Super Moderator", "The Super Moderator Group", "0100011111 1111"),
    ("Moderator", "The Moderator Group", "0010011111 1110"),
    ("Member", "The Member Group", "0000010011 0000"),
    ("Banned", "The Banned Group", "0001000000 0000"),
    ("Guest", "The Guest Group", "0000100000 0000"),
    # Made by the forum's administrator in the admin panel, with a member's rights.
    ("Raadsleden", "Leden van de gemeenteraad", "0000010011 0000"),
]
ADMIN, SUPER_MOD, MOD, MEMBER, BANNED, GUEST, COUNCIL = range(1, 8)

_BASE = dt.datetime(2018, 9, 3, 8, 0, tzinfo=dt.UTC)

_TOPICS = [
    (
        "Welkom op het buurtforum!",
        "Welkom allemaal! Dit forum is voor iedereen in de wijk.\n"
        "Lees eerst de [huisregels](https://example.org/huisregels) voordat je een "
        "onderwerp begint.\n\nVragen? Stuur een bericht aan @marieke.",
    ),
    (
        "Parkeren bij het café op de hoek",
        "Sinds de nieuwe terrassen staat er elke avond minstens één auto op de stoep "
        "bij het café.\nKan de gemeente hier iets aan doen?",
    ),
    (
        "Stemmingen exporteren voor de raadsvergadering",
        "Het script dat ik gebruik om de stemmingen uit de API te halen:\n\n"
        "```python\nfor motie in moties:\n    print(motie.titel, motie.voor, motie.tegen)\n```\n\n"
        "De agenda staat op <https://example.org/raad/agenda>, de documentatie "
        "[hier](https://example.org/api/docs).",
    ),
    (
        "Snoeiafval ophalen in het najaar",
        "Weet iemand wanneer de **groenbak** weer extra wordt geleegd?",
    ),
    ("Zebrapad bij de basisschool", "Het zebrapad is bijna niet meer te zien. 🚸"),
    ("Notulen commissie Ruimte", "De notulen van *dinsdag* staan in de bijlage."),
]
_REPLIES = [
    "Eens! Ik kom ook naar de bijeenkomst in het café. ☕",
    "Er is nog één plek vrij op de lijst, wie meldt zich?",
    "> Kan de gemeente hier iets aan doen?\n\nIk heb het gemeld via de app. 👍",
    "Zie de nieuwe regels op https://example.org/regels\nGroet,\nde buren van nr. 12",
    "Goed punt. Ik neem het mee naar het overleg van volgende week.",
    "Dank je, dat wist ik niet. Ook *naïef* van mij om te denken dat het vanzelf gaat.",
    "Vorig jaar werd het in oktober gedaan, zie `afvalkalender.pdf`.",
]
_DELETED_AUTHOR = "pieter"  # posted, then his account was deleted


def schema_statements(dialect: str) -> list[str]:
    """The statements of schema.sql for ``dialect`` ("sqlite" or "postgresql")."""
    common, *postgresql = _PG_MARKER.split(SCHEMA.read_text(encoding="utf-8"), maxsplit=1)
    statements, extra = _split(common), _split("".join(postgresql))
    if dialect == "postgresql":
        return statements + extra
    if dialect != "sqlite":
        raise ValueError(f"schema.sql is for SQLite and PostgreSQL, not {dialect}")
    # SQLite cannot add a constraint to a table; SQLAlchemy put these inside CREATE TABLE.
    for alter in extra:
        if match := _ADD_CONSTRAINT.fullmatch(alter):
            table, constraint = match.groups()
            i = next(i for i, s in enumerate(statements) if s.startswith(f"CREATE TABLE {table} ("))
            head = statements[i].rstrip()[:-1].rstrip()
            statements[i] = f"{head},\n    {constraint}\n)"
    return statements


def _split(sql: str) -> list[str]:
    lines = [line for line in sql.splitlines() if not line.lstrip().startswith("--")]
    return [s.strip() for s in _STATEMENT_END.split("\n".join(lines)) if s.strip()]


def password_hash(password: str, salt: str) -> str:
    """Werkzeug 0.14's ``generate_password_hash(password)``: pbkdf2:sha256, 50000 rounds."""
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), 50000).hex()
    return f"pbkdf2:sha256:50000${salt}${digest}"


def make_flaskbb_database(
    url: str, *, users: int = 5, topics: int = 6, posts_per_topic: int = 4, seed: int = 1
) -> dict[str, int]:
    """Create FlaskBB 2.0's tables on ``url`` and fill them; returns how many of what.

    ``users`` counts the accounts that still exist (at least 4: an administrator, a
    moderator, a banned user and a member of the group "Raadsleden"); one more author,
    ``pieter``, has posts but no account. ``topics`` (at least 3) are spread over three
    forums in turn, the third of which only administrators, moderators and "Raadsleden"
    may see; each has ``posts_per_topic`` posts (at least 3), the first of which opens it.
    """
    if users < 4 or topics < 3 or posts_per_topic < 3:
        raise ValueError("need users >= 4, topics >= 3 and posts_per_topic >= 3")
    rng = random.Random(seed)  # noqa: S311 (test data, not secrets)
    data = _Forum(rng, users, topics, posts_per_topic)
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            dialect = conn.dialect.name
            for statement in schema_statements(dialect):
                conn.exec_driver_sql(statement)
            data.insert(conn, dialect)
    finally:
        engine.dispose()
    return data.counts()


class _Forum:
    """The rows, made in the order FlaskBB makes them, then written."""

    def __init__(self, rng: random.Random, users: int, topics: int, per_topic: int) -> None:
        self.rng = rng
        self.groups = [
            {"id": i, "name": name, "description": description}
            | dict(zip(_FLAGS, (c == "1" for c in flags.replace(" ", "")), strict=True))
            for i, (name, description, flags) in enumerate(_GROUPS, start=1)
        ]
        self.categories = [
            {
                "id": 1,
                "title": "Buurt & gemeente",
                "description": "Alles over de wijk.",
                "position": 1,
            },
            {"id": 2, "title": "Besloten", "description": None, "position": 2},
        ]
        self.forums = [
            self._forum(1, 1, 1, "Algemeen", "Voor alles wat de buurt aangaat."),
            self._forum(2, 1, 2, "Verkeer en parkeren", "Stoepen, fietsen en auto's."),
            self._forum(3, 2, 1, "Raadsleden", "Alleen voor raadsleden en moderatoren."),
        ]
        self.forums[0]["show_moderators"] = True
        # Forum.save() without groups gives a new forum to every group; the third was
        # then limited to these in the admin panel.
        self.forumgroups = [
            {"forum_id": f, "group_id": g["id"]} for f in (1, 2) for g in self.groups
        ] + [{"forum_id": 3, "group_id": g} for g in (ADMIN, SUPER_MOD, MOD, COUNCIL)]
        self.users = self._users(users)
        self.groups_users = [{"user_id": 4, "group_id": COUNCIL}]
        self.moderators = [{"user_id": 2, "forum_id": 1}, {"user_id": 2, "forum_id": 2}]
        self.topics: list[dict[str, Any]] = []
        self.posts: list[dict[str, Any]] = []
        self._write_topics(topics, per_topic)
        self.topictracker = [{"user_id": 4, "topic_id": 3}, {"user_id": 2, "topic_id": 1}]
        self._recount()

    @staticmethod
    def _forum(id_: int, category: int, position: int, title: str, about: str) -> dict[str, Any]:
        return {
            "id": id_,
            "category_id": category,
            "title": title,
            "description": about,
            "position": position,
            "locked": False,
            "show_moderators": False,
            "external": None,
            "post_count": 0,
            "topic_count": 0,
            "last_post_id": None,
            "last_post_user_id": None,
            "last_post_title": None,
            "last_post_username": None,
            "last_post_created": None,
        }

    def _users(self, count: int) -> list[dict[str, Any]]:
        people = [
            ("admin", "admin@example.org", ADMIN, "en"),
            ("marieke", "marieke@example.nl", MOD, "nl"),
            ("kees_b", "kees.b@example.nl", BANNED, "nl"),
            ("Zoë", "Zoe.Bakker@Example.nl", MEMBER, "nl"),  # stored as typed
            ("jan.de.vries", "jan.de.vries@example.nl", MEMBER, "nl"),
        ]
        people += [(f"bewoner{n}", f"bewoner{n}@example.nl", MEMBER, "nl") for n in range(6, 99)]
        rows = []
        for i, (name, email, group, language) in enumerate(people[:count], start=1):
            salt = "".join(self.rng.choice(string.ascii_letters + string.digits) for _ in range(8))
            joined = _BASE - dt.timedelta(days=40 - i, hours=self.rng.randint(0, 12))
            rows.append(
                {
                    "id": i,
                    "username": name,
                    "email": email,
                    "password": password_hash(PASSWORD, salt),
                    "date_joined": joined,
                    "lastseen": joined,
                    "birthday": dt.datetime(1984, 4, 12) if i == 4 else None,
                    "gender": None,
                    "website": "https://example.nl/~marieke" if i == 2 else None,
                    "location": "Utrecht" if i in (2, 4) else None,
                    "signature": (
                        "*Moderator van de wijk* — [spelregels](https://example.org/regels)"
                        if i == 2
                        else None
                    ),
                    "avatar": "https://example.org/avatars/zoe.png" if i == 4 else None,
                    "notes": "Raadslid sinds 2014. Fietst graag." if i == 4 else None,
                    "last_failed_login": _BASE - dt.timedelta(days=2) if i == 3 else None,
                    "login_attempts": 1 if i == 3 else 0,
                    "activated": True,
                    "theme": None,
                    "language": language,
                    "post_count": 0,
                    "primary_group_id": group,
                }
            )
        return rows

    def _write_topics(self, count: int, per_topic: int) -> None:
        when = _BASE
        restricted_authors = [1, 2, 4]  # admin, moderator, the council member
        for t in range(count):
            forum_id = t % 3 + 1
            title, opening = (
                _TOPICS[t] if t < len(_TOPICS) else (f"Onderwerp {t + 1}", "Wie weet meer?")
            )
            topic_id = t + 1
            for p in range(per_topic):
                when += dt.timedelta(hours=self.rng.randint(1, 7), minutes=self.rng.randint(0, 59))
                if forum_id == 3:
                    author = self.rng.choice(restricted_authors)
                else:  # anyone but kees_b, who is banned
                    author = self.rng.choice([u["id"] for u in self.users if u["id"] != 3])
                if t == 0 and p == 0:
                    author = 1
                elif t == 0 and p == 1:
                    author = None  # pieter, since deleted
                elif t == 1 and p == 1:
                    author = 3  # kees_b, before his ban; hidden by the moderator below
                elif t == 2 and p == 0:
                    author = 4
                content = opening if p == 0 else self.rng.choice(_REPLIES)
                post = {
                    "id": len(self.posts) + 1,
                    "topic_id": topic_id,
                    "user_id": author,
                    "username": self.users[author - 1]["username"] if author else _DELETED_AUTHOR,
                    "content": content,
                    "date_created": when,
                    "date_modified": None,
                    "modified_by": None,
                    "hidden": False,
                    "hidden_at": None,
                    "hidden_by_id": None,
                }
                self.posts.append(post)
                if p == 0:
                    self.topics.append(
                        {
                            "id": topic_id,
                            "forum_id": forum_id,
                            "title": title,
                            "user_id": author,
                            "username": post["username"],
                            "date_created": when,
                            "last_updated": when,
                            "locked": t == 1,
                            "important": t == 0,
                            "views": self.rng.randint(5, 400),
                            "post_count": 0,
                            "first_post_id": post["id"],
                            "last_post_id": post["id"],
                            "hidden": False,
                            "hidden_at": None,
                            "hidden_by_id": None,
                        }
                    )
                if t == 0 and p == 0:  # edited by the moderator: modified_by is the editor
                    self._edit(post, "marieke")
                elif t == 1 and p == 1:
                    post.update(hidden=True, hidden_by_id=2, hidden_at=when + dt.timedelta(hours=1))
                elif t == 2 and p == 2:  # edited by its author
                    post["content"] += "\n\nAangepast: de vergadering begint om 19.30 uur."
                    self._edit(post, post["username"])

    @staticmethod
    def _edit(post: dict[str, Any], editor: str) -> None:
        # FlaskBB keeps only the text as it is now: no earlier versions.
        post["date_modified"] = post["date_created"] + dt.timedelta(minutes=17)
        post["modified_by"] = editor

    def _recount(self) -> None:
        """The counters and "last post" columns, as FlaskBB keeps them: hidden posts
        are not counted and are never a topic's or forum's last post."""
        topics = {t["id"]: t for t in self.topics}
        forums = {f["id"]: f for f in self.forums}
        for post in self.posts:
            if post["hidden"]:
                continue
            topic, user_id = topics[post["topic_id"]], post["user_id"]
            forum = forums[topic["forum_id"]]
            topic["post_count"] += 1
            forum["post_count"] += 1
            topic["last_post_id"], topic["last_updated"] = post["id"], post["date_created"]
            forum.update(
                last_post_id=post["id"],
                last_post_user_id=user_id,
                last_post_title=topic["title"],
                last_post_username=post["username"],
                last_post_created=post["date_created"],
            )
            if user_id is not None:
                user = self.users[user_id - 1]
                user["post_count"] += 1
                user["lastseen"] = max(user["lastseen"], post["date_created"])
        for topic in self.topics:
            forums[topic["forum_id"]]["topic_count"] += 1

    def insert(self, conn: sa.Connection, dialect: str) -> None:
        def write(table: str, rows: list[dict[str, Any]]) -> None:
            columns = [sa.column(name) for name in rows[0]]
            conn.execute(
                sa.insert(sa.table(table, *columns)), [_for_db(row, dialect) for row in rows]
            )

        # The order FlaskBB writes them: a topic first, then its first post, then the
        # topic's first_post_id/last_post_id and the forum's last post.
        write("groups", self.groups)
        write("users", self.users)
        write("groups_users", self.groups_users)
        write("categories", self.categories)
        write("forums", [f | _NO_LAST_POST for f in self.forums])
        write("forumgroups", self.forumgroups)
        write("moderators", self.moderators)
        write("topics", [t | {"first_post_id": None, "last_post_id": None} for t in self.topics])
        write("posts", self.posts)
        write("topictracker", self.topictracker)
        for topic in self.topics:
            conn.execute(
                sa.text("UPDATE topics SET first_post_id = :f, last_post_id = :l WHERE id = :id"),
                {"f": topic["first_post_id"], "l": topic["last_post_id"], "id": topic["id"]},
            )
        for forum in self.forums:
            row = _for_db({k: forum[k] for k in ("id", *_NO_LAST_POST)}, dialect)
            conn.execute(
                sa.text(
                    "UPDATE forums SET last_post_id = :last_post_id, "
                    "last_post_user_id = :last_post_user_id, last_post_title = :last_post_title, "
                    "last_post_username = :last_post_username, "
                    "last_post_created = :last_post_created WHERE id = :id"
                ),
                row,
            )
        if dialect == "postgresql":  # as if SERIAL had given the ids
            for table in ("categories", "groups", "users", "posts", "forums", "topics"):
                highest = sa.select(sa.func.max(sa.column("id"))).select_from(sa.table(table))
                conn.execute(
                    sa.select(sa.func.setval(f"{table}_id_seq", highest.scalar_subquery()))
                )

    def counts(self) -> dict[str, int]:
        return {
            "categories": len(self.categories),
            "forums": len(self.forums),
            "restricted_forums": 1,
            "groups": len(self.groups),
            "groups_users": len(self.groups_users),
            "forumgroups": len(self.forumgroups),
            "moderators": len(self.moderators),
            "users": len(self.users),
            "banned_users": sum(u["primary_group_id"] == BANNED for u in self.users),
            "topics": len(self.topics),
            "locked_topics": sum(t["locked"] for t in self.topics),
            "important_topics": sum(t["important"] for t in self.topics),
            "posts": len(self.posts),
            "hidden_posts": sum(p["hidden"] for p in self.posts),
            "edited_posts": sum(p["date_modified"] is not None for p in self.posts),
            "posts_without_user": sum(p["user_id"] is None for p in self.posts),
            "topictracker": len(self.topictracker),
        }


_NO_LAST_POST = {
    "last_post_id": None,
    "last_post_user_id": None,
    "last_post_title": None,
    "last_post_username": None,
    "last_post_created": None,
}


def _for_db(row: dict[str, Any], dialect: str) -> dict[str, Any]:
    """FlaskBB's UTCDateTime: naive UTC text on SQLite, timestamptz on PostgreSQL."""
    if dialect != "sqlite":
        return row
    return {
        key: value.astimezone(dt.UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
        if isinstance(value, dt.datetime) and value.tzinfo is not None
        else value.strftime("%Y-%m-%d %H:%M:%S.%f")
        if isinstance(value, dt.datetime)
        else value
        for key, value in row.items()
    }


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} SQLALCHEMY_URL")
    for name, number in make_flaskbb_database(sys.argv[1]).items():
        print(f"{name}: {number}")
