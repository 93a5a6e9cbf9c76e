"""The ZIP file of a member's data: ``README.txt`` in their language, ``member.json``
(described by ``member-export.schema.json``), their posts and topics as Markdown with
front matter and as HTML, earlier versions included, and the files plugins add (the
events plugin's ``events.ics``).

Written inside a request context with the site's address and the member's language (see
:func:`civicforum.privacy.export.build_export`).
"""

from __future__ import annotations

import json
import logging
import re
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from flask import url_for
from markupsafe import Markup
from sqlalchemy.orm import Session

from .. import clock
from ..extension import state
from ..forum.models import Post, PostRevision, Topic
from ..i18n import gettext as _
from ..identity.models import Member
from . import collect, records
from .personal import PersonalData

log = logging.getLogger(__name__)

FORMAT = "civicforum-member-export"
VERSION = 1
#: The files the forum itself writes; a plugin's file may not take their place.
OWN_FILES = ("README.txt", "member.json")
_SAFE_PATH = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")


def member_document(
    db: Session, member: Member, language: str, parts: Iterable[PersonalData]
) -> dict[str, Any]:
    """``member.json``: everything the forum keeps about the member, as data."""
    forum = state()
    return {
        "format": FORMAT,
        "version": VERSION,
        "made_at": collect.moment(clock.now()),
        "language": language,
        "site": {
            "name": forum.settings.site_name,
            "url": url_for("civicforum.index", _external=True),
        },
        "profile": collect.profile(member),
        "account": collect.account(member),
        "sign_ins": collect.sign_ins(member),
        "preferences": collect.preferences(db, member),
        "follows": collect.follows(db, member),
        "memberships": collect.memberships(db, member),
        "topics": [collect.topic_record(t) for t in collect.their_topics(db, member)],
        "posts": [collect.post_record(p) for p in collect.their_posts(db, member)],
        "reports": records.reports(db, member, language),
        "decisions": records.decisions(db, member, language),
        "messages_from_moderators": records.messages(db, member),
        "trusted_information": records.curation(db, member),
        "digests": records.digests(db, member),
        "personal_tokens": collect.personal_tokens(db, member),
        "plugins": {part.key: part.records for part in parts},
    }


# -- posts as files ----------------------------------------------------------------------


def front_matter(fields: Mapping[str, Any]) -> str:
    """YAML front matter; every value written as JSON, which YAML reads as it is."""
    lines = [f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in fields.items()]
    return "---\n" + "\n".join(lines) + "\n---\n\n"


def html_page(language: str, title: str, meta: Mapping[str, Any], body: Markup) -> str:
    rows = Markup("").join(
        Markup("<dt>{}</dt><dd>{}</dd>").format(key, "" if value is None else value)
        for key, value in meta.items()
    )
    return str(
        Markup(
            '<!DOCTYPE html>\n<html lang="{lang}">\n<head><meta charset="utf-8">'
            "<title>{title}</title></head>\n<body>\n<h1>{title}</h1>\n<dl>{rows}</dl>\n"
            "<article>\n{body}\n</article>\n</body>\n</html>\n"
        ).format(lang=language, title=title, rows=rows, body=body)
    )


def _post_meta(post: Post) -> dict[str, Any]:
    return {
        "id": post.id,
        "topic": post.topic_id,
        "url": collect.post_url(post.id),
        "topic_url": collect.topic_url(post.topic_id),
        "community": post.topic.community.name,
        "shown_as": post.publish_as,
        "created": collect.moment(post.created_at),
        "edited": collect.moment(post.edited_at),
        "deleted": collect.moment(post.deleted_at),
        "hidden_by_moderator": collect.moment(post.hidden_at),
        "content_warning": post.author_warning or post.content_warning,
    }


def post_files(post: Post, language: str) -> dict[str, str]:
    """A post and each earlier version of it, as Markdown and as HTML. The HTML is the
    forum's own sanitised rendering, stored when the text was written."""
    base = collect.post_file(post.id)
    meta = _post_meta(post)
    title = _("Your post %(id)d", id=post.id)
    files = {
        f"{base}.md": front_matter(meta) + post.body.rstrip() + "\n",
        f"{base}.html": html_page(language, title, meta, Markup(post.body_html)),  # noqa: S704 (sanitised at write time)
    }
    revision: PostRevision
    for number, revision in enumerate(post.revisions, start=1):
        earlier = {
            "post": post.id,
            "version": number,
            "written": collect.moment(revision.written_at),
            "replaced": collect.moment(revision.replaced_at),
        }
        name = f"{base}.version-{number}"
        heading = _("Earlier version %(n)d of your post %(id)d", n=number, id=post.id)
        files[f"{name}.md"] = front_matter(earlier) + revision.body.rstrip() + "\n"
        files[f"{name}.html"] = html_page(language, heading, earlier, Markup(revision.body_html))  # noqa: S704
    return files


def topic_files(topic: Topic, language: str) -> dict[str, str]:
    base = collect.topic_file(topic.id)
    meta = {
        "id": topic.id,
        "title": topic.title,
        "url": collect.topic_url(topic.id),
        "community": topic.community.name,
        "shown_as": topic.publish_as,
        "created": collect.moment(topic.created_at),
        "locked": topic.is_locked,
    }
    note = _("Its opening post, if yours, is among your posts.")
    return {
        f"{base}.md": front_matter(meta) + f"# {topic.title}\n\n{note}\n",
        f"{base}.html": html_page(language, topic.title, meta, Markup("<p>{}</p>").format(note)),
    }


# -- README ------------------------------------------------------------------------------


def readme(member: Member, plugin_files: Iterable[str]) -> str:
    settings = state().settings
    lines = [
        _("Your data at %(site)s", site=settings.site_name),
        "=" * 40,
        "",
        _(
            "This is a copy of what the forum keeps about you, %(name)s, made on %(day)s at your request (GDPR Articles 15 and 20).",
            name=member.display_name,
            day=clock.now().date().isoformat(),
        ),
        _(
            "It holds your own data only. Posts and names of other people are not in it: where something of someone else's matters (a topic you replied to, a post you reported), it is referred to by its number and web address."
        ),
        _("Dates and times are in UTC (ISO 8601)."),
        "",
        _("The files:"),
        "",
        "README.txt",
        "    " + _("This explanation."),
        "member.json",
        "    "
        + _(
            "Everything about you as data (JSON, described by member-export.schema.json, which comes with the forum): your profile, e-mail address and linked sign-ins (by name only), your settings, what you follow, your communities and roles, your topics and posts (an overview), reports you made, decisions of the moderators about you with their reasons and your appeals, messages from the moderators, your work on reliable information, the digests sent to you, and what the forum's extensions keep about you (under \"plugins\")."
        ),
        "posts/",
        "    "
        + _(
            "Each of your posts as Markdown (post-N.md, with its details at the top) and as a web page (post-N.html), each earlier version beside it (post-N.version-1.md, ...), and each topic you started (topic-N.md, topic-N.html)."
        ),
    ]
    for path in plugin_files:
        description = (
            _("The events you answered, for your own calendar (iCalendar).")
            if path == "events.ics"
            else _("Added by an extension of the forum; its details are in member.json.")
        )
        lines += [path, "    " + description]
    lines += [
        "",
        _(
            "Not included: your password (the forum keeps only a one-way hash of it) and who among the moderators or editors decided about you."
        ),
        _(
            "Your API tokens and your feed key are listed in member.json by name, kind and dates only: the tokens themselves are not in this copy."
        ),
        _(
            "You can download this copy for %(days)d days from your settings page; then it is deleted.",
            days=settings.retention_days_export,
        ),
        "",
    ]
    return "\n".join(lines)


# -- the ZIP -----------------------------------------------------------------------------


def plugin_parts(db: Session, member: Member) -> list[PersonalData]:
    """What the plugins add; a part whose key is taken already is left out (and logged)."""
    parts: list[PersonalData] = []
    keys: set[str] = set()
    for part in state().plugins.manager.hook.civicforum_personal_data(db=db, member=member):
        if part is None:
            continue
        if part.key in keys:
            log.error("two plugins give personal data under the key %r; one is left out", part.key)
            continue
        keys.add(part.key)
        parts.append(part)
    return parts


def _usable(path: str) -> bool:
    top = path.split("/", 1)[0]
    return bool(_SAFE_PATH.match(path)) and path not in OWN_FILES and top != "posts"


def write_archive(target: Path, db: Session, member: Member, language: str) -> None:
    """Write the member's ZIP file to ``target``."""
    parts = plugin_parts(db, member)
    extra: dict[str, bytes] = {}
    for part in parts:
        for path, content in part.files.items():
            if not _usable(path) or path in extra:
                log.error("a plugin's export file %r is refused: unsafe or taken", path)
                continue
            extra[path] = content
    document = member_document(db, member, language, parts)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", readme(member, sorted(extra)))
        archive.writestr(
            "member.json", json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False)
        )
        for topic in collect.their_topics(db, member):
            for name, text in topic_files(topic, language).items():
                archive.writestr(name, text)
        for post in collect.their_posts(db, member):
            for name, text in post_files(post, language).items():
                archive.writestr(name, text)
        for path in sorted(extra):
            archive.writestr(path, extra[path])

