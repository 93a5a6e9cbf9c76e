"""What other servers send to the inboxes, read into checked, typed values.

The inbox never works with the JSON a stranger posted: it hands the body to
:func:`read_json` and :func:`parse_activity`, and the activity to the helper for its type
(:func:`.replies.note_of`, :func:`parse_follow`, :func:`parse_undo`, :func:`parse_delete`,
:func:`parse_announce`, :func:`parse_vote`). Whatever does not hold raises
:class:`NotActivity`, whose ``reason`` is a short word and whose message, in English like
the signature refusals, goes back to the sending server in a problem document (its
``status`` says which: 400 for what is not a readable activity, 422 for what is one but
is refused). Messages for servers are not translated: they are read in server logs.

What an activity must be:

- a JSON object whose ``@context`` names ActivityStreams 2.0: the string, or a list that
  includes it; ``https://www.w3.org/ns/activitystreams`` or its ``http://`` form, which
  ActivityStreams 2.0 Core (section 2.1) allows. Mastodon, Lemmy and the others always
  send it; a body without it is refused rather than guessed at. Activities embedded in
  another (an ``Undo``'s, an ``Announce``'s) need none of their own;
- with a ``type`` (a string, or a list whose first type the forum handles is taken;
  ``as:`` and full-IRI forms are read as the bare name), an ``id`` and an ``actor`` that
  are absolute ``http(s)`` addresses (the actor as a string, an object with an ``id``, or
  a one-element list of either), and the ``id`` on the actor's own server;
- no deeper than :data:`MAX_DEPTH`, no list longer than :data:`MAX_ITEMS`, and no more
  than :data:`MAX_NODES` values in all. The view refuses bodies over a megabyte before
  this; these limits keep a small body from being expensive to walk.

**Unknown types are not an error.** An activity of any type that passes the checks above
is returned; :attr:`Activity.handled` says whether the forum acts on it
(:data:`HANDLED_TYPES`). The inbox answers 202 to the others and does nothing: a server
is not told off for speaking a part of ActivityPub the forum does not. ``Like`` and
``Dislike`` (Lemmy's votes) are among those ignored: the forum shows no like counts.

**Replies only.** The forum takes replies from elsewhere, never new topics: a ``Page`` or
``Article`` (a Lemmy post, a blog article) is refused by :func:`.replies.parse_note` saying so, and
so is a ``Note`` that answers nothing. A reply that is not public (Mastodon's
"followers only" and "mentioned people only") is refused too: the forum shows replies to
everyone, and its author did not mean this one for everyone.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from .remotetext import (
    clean_text,
)

AS_CONTEXTS = frozenset(
    {"https://www.w3.org/ns/activitystreams", "http://www.w3.org/ns/activitystreams"}
)
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
_PUBLIC_FORMS = frozenset({PUBLIC, "as:Public", "Public"})
_TYPE_PREFIXES = (
    "https://www.w3.org/ns/activitystreams#",
    "http://www.w3.org/ns/activitystreams#",
    "as:",
)
#: The activity types the inbox acts on; any other is answered 202 and ignored.
HANDLED_TYPES = frozenset({"Follow", "Undo", "Create", "Update", "Delete", "Announce"})
#: The object types a reply may be: Mastodon's statuses and Lemmy's comments are Notes.
NOTE_TYPES = frozenset({"Note"})
#: Objects that would be a new topic, which the forum does not take from elsewhere.
TOPIC_TYPES = frozenset({"Page", "Article"})

MAX_DEPTH = 16
MAX_ITEMS = 1000
MAX_NODES = 20_000
MAX_URI = 2048
MAX_TYPE = 100
#: How much longer than the forum's longest post an object's HTML may be before it is
#: refused unread: markup, links and Mastodon's hidden spans take room.
HTML_ALLOWANCE = 8
#: The longest post any site can allow (``CIVICFORUM_MAX_POST_LENGTH``'s upper bound): the
#: limit when the caller gives none, leaving the site's own to the posting service.
MOST_POST_LENGTH = 100_000

#: Reasons that mean "understood, and refused" (422); the others mean "not a readable
#: activity" (400).
REFUSALS = frozenset(
    {"topic", "kind", "not-reply", "private", "empty", "length", "attribution", "origin", "loop"}
)


class NotActivity(Exception):
    """A body, activity or object the forum does not take.

    ``reason`` is a short word for logs and tests: ``json``, ``context``, ``type``, ``id``,
    ``actor``, ``object``, ``size``, ``depth``, ``content`` (not a readable activity), or
    :data:`REFUSALS` (understood and refused); ``status`` is the HTTP status to answer
    with (400 or 422), and the message a sentence for the sending server.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.status = 422 if reason in REFUSALS else 400


@dataclass(frozen=True)
class Activity:
    """A received activity, checked as the module says.

    ``object`` and ``target`` are an address or an embedded object, as sent; ``to`` and
    ``cc`` keep only ``http(s)`` addresses, with the public collection always spelled
    :data:`PUBLIC`; ``raw`` is the document as received.
    """

    id: str
    type: str
    actor: str
    object: str | dict[str, Any] | None
    target: str | dict[str, Any] | None = None
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    audience: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def handled(self) -> bool:
        """Whether the forum acts on this type (:data:`HANDLED_TYPES`)."""
        return self.type in HANDLED_TYPES

    @property
    def object_id(self) -> str | None:
        """The object's id, whether it was sent as an address or embedded."""
        if isinstance(self.object, dict):
            return absolute_uri(self.object.get("id"))
        return self.object

    @property
    def embedded_object(self) -> dict[str, Any] | None:
        """The object when it was embedded, else None (only its address was sent)."""
        return self.object if isinstance(self.object, dict) else None


@dataclass(frozen=True)
class Undone:
    """What an ``Undo`` takes back: its id, and the activity itself when it was embedded
    (Mastodon and Lemmy embed the ``Follow``); ``type`` is None when only the id came."""

    id: str
    activity: Activity | None

    @property
    def type(self) -> str | None:
        return self.activity.type if self.activity is not None else None


@dataclass(frozen=True)
class Announced:
    """What an ``Announce`` shares: the object's id, and the embedded activity when a
    Group passes one on (FEP-1b12, as Lemmy does). An embedded activity is only what the
    announcing server says its actor did: act on it only after fetching it from its own
    server, or when it is on the same server as the announcer."""

    object_id: str
    activity: Activity | None


# -- bodies and activities ----------------------------------------------------------------


def read_json(body: bytes) -> object:
    """The JSON of a request body.

    :raises NotActivity: (``json``) when it is not UTF-8 JSON, or nests deeper than
        Python's parser goes, or uses ``NaN`` and the like.
    """
    try:
        return json.loads(body.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise NotActivity("json", "The body is not JSON.") from None


def _no_constant(name: str) -> object:
    raise ValueError(name)


def parse_activity(document: object) -> Activity:
    """The activity in a received document (see the module's documentation).

    :raises NotActivity: when the document is not an ActivityStreams activity.
    """
    if not isinstance(document, dict):
        raise NotActivity("json", "The body is not a JSON object.")
    check_shape(document)
    if not _names_activitystreams(document.get("@context")):
        raise NotActivity(
            "context", "The @context does not name https://www.w3.org/ns/activitystreams."
        )
    return _activity(document)


def check_shape(document: object) -> None:
    """Refuse a document nested or sized beyond the module's limits.

    :raises NotActivity: (``depth`` or ``size``).
    """
    pending: list[tuple[object, int]] = [(document, 0)]
    nodes = 0
    while pending:
        node, depth = pending.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise NotActivity("size", f"The document has more than {MAX_NODES} values.")
        if isinstance(node, dict | list):
            if depth >= MAX_DEPTH:
                raise NotActivity("depth", f"The document nests deeper than {MAX_DEPTH}.")
            if len(node) > MAX_ITEMS:
                raise NotActivity("size", f"The document has a list or object of over {MAX_ITEMS}.")
            children = node.values() if isinstance(node, dict) else node
            pending.extend((child, depth + 1) for child in children)


def _names_activitystreams(context: object) -> bool:
    entries = context if isinstance(context, list) else [context]
    return any(isinstance(entry, str) and entry in AS_CONTEXTS for entry in entries)


def _activity(document: dict[str, Any]) -> Activity:
    kind = type_name(document.get("type"))
    if kind is None:
        raise NotActivity("type", "The activity has no type the forum can read.")
    activity_id = absolute_uri(document.get("id"))
    if activity_id is None:
        raise NotActivity("id", "The activity's id must be an absolute http(s) address.")
    actor = reference(document.get("actor"))
    if actor is None:
        raise NotActivity("actor", "The actor must be an absolute http(s) address.")
    if not same_origin(activity_id, actor):
        raise NotActivity("origin", "The activity's id is not on its actor's server.")
    return Activity(
        id=activity_id,
        type=kind,
        actor=actor,
        object=_object(document.get("object"), "object"),
        target=_object(document.get("target"), "target"),
        to=addresses_in(document.get("to")),
        cc=addresses_in(document.get("cc")),
        audience=reference(document.get("audience")),
        raw=document,
    )


def type_name(value: object) -> str | None:
    candidates = value if isinstance(value, list) else [value]
    names = []
    for candidate in candidates:
        if not isinstance(candidate, str) or not 0 < len(candidate) <= MAX_TYPE:
            continue
        if not candidate.isprintable() or " " in candidate:
            continue
        for prefix in _TYPE_PREFIXES:
            if candidate.startswith(prefix):
                candidate = candidate[len(prefix) :]
                break
        if candidate:
            names.append(candidate)
    handled = [name for name in names if name in HANDLED_TYPES or name in NOTE_TYPES]
    chosen = handled or names
    return chosen[0] if chosen else None


def absolute_uri(value: object) -> str | None:
    """``value`` when it is an absolute http(s) address with a host, else None."""
    if not isinstance(value, str) or not 0 < len(value) <= MAX_URI:
        return None
    if clean_text(value) != value or any(character.isspace() for character in value):
        return None
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port that is not one
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if parts.username is not None or parts.password is not None:
        return None
    return value


def reference(value: object) -> str | None:
    """The address in ``value``: a string, an object with an ``id``, or a list of one."""
    if isinstance(value, list):
        if len(value) != 1:
            return None
        value = value[0]
    if isinstance(value, dict):
        value = value.get("id")
    return absolute_uri(value)


def _object(value: object, name: str) -> str | dict[str, Any] | None:
    if value is None:
        return None
    if isinstance(value, list):
        if len(value) != 1:
            raise NotActivity(name, f"Only one {name} per activity is taken.")
        value = value[0]
    if isinstance(value, dict):
        if "id" in value and absolute_uri(value["id"]) is None:
            raise NotActivity(name, f"The {name}'s id must be an absolute http(s) address.")
        return value
    address = absolute_uri(value)
    if address is None:
        raise NotActivity(name, f"The {name} must be an absolute http(s) address or an object.")
    return address


def addresses_in(value: object) -> tuple[str, ...]:
    entries = value if isinstance(value, list) else [value]
    found: list[str] = []
    for entry in entries:
        if isinstance(entry, str) and entry in _PUBLIC_FORMS:
            address: str | None = PUBLIC
        else:
            address = reference(entry)
        if address is not None and address not in found:
            found.append(address)
    return tuple(found)


def same_origin(a: str, b: str) -> bool:
    """Whether two addresses are on the same server: scheme, host and port.

    A server speaks only for its own actors and objects (Mastodon's rule): an object's
    id must be on its actor's server, and so must the ``keyId`` that signed for an actor.
    Addresses that are not http(s) are on no server.
    """
    first, second = _origin(a), _origin(b)
    return first is not None and first == second


def _origin(url: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


# -- what each type of activity carries ----------------------------------------------------


def require_type(activity: Activity, *kinds: str) -> None:
    if activity.type not in kinds:
        raise ValueError(f"a {' or '.join(kinds)} is needed, not a {activity.type}")


def _require_object_id(activity: Activity) -> str:
    object_id = activity.object_id
    if object_id is None:
        raise NotActivity("object", f"The {activity.type} has no object with an id.")
    return object_id


def parse_follow(activity: Activity) -> str:
    """The id of the actor a ``Follow`` wants to follow (one of the forum's Groups, if it
    is for the forum at all).

    :raises NotActivity: when the object has no id.
    :raises ValueError: for an activity that is not a ``Follow``.
    """
    require_type(activity, "Follow")
    return _require_object_id(activity)


def parse_undo(activity: Activity) -> Undone:
    """What an ``Undo`` takes back. An embedded activity must be the same actor's: no one
    undoes another's follow.

    :raises NotActivity: when there is no object, or the embedded one is not an activity
        of the same actor.
    :raises ValueError: for an activity that is not an ``Undo``.
    """
    require_type(activity, "Undo")
    if isinstance(activity.object, str):
        return Undone(activity.object, None)
    embedded = activity.embedded_object
    if embedded is None:
        raise NotActivity("object", "The Undo does not say what it takes back.")
    undone = _activity(embedded)
    if undone.actor != activity.actor:
        raise NotActivity("actor", "An actor can only undo its own activities.")
    return Undone(undone.id, undone)


def parse_delete(activity: Activity) -> str:
    """The id of what a ``Delete`` removes: an address, a ``Tombstone`` or an embedded
    object, on the actor's own server (an actor deleting itself gives its own id).

    :raises NotActivity: when there is no id, or it is on another server.
    :raises ValueError: for an activity that is not a ``Delete``.
    """
    require_type(activity, "Delete")
    object_id = _require_object_id(activity)
    if not same_origin(object_id, activity.actor):
        raise NotActivity("origin", "An actor can only delete what is on its own server.")
    return object_id


def parse_announce(activity: Activity, *, is_local: Callable[[str], bool]) -> Announced:
    """What an ``Announce`` shares, unless it is a loop.

    A loop is an ``Announce`` by one of the forum's own actors (it came back), or one
    whose object is itself an ``Announce`` (Groups passing each other's announcements
    round): answering it could make two servers announce to each other for ever.

    :param is_local: whether an address is the forum's own (one of its Groups).
    :raises NotActivity: (``loop``) for a loop; (``object``) when nothing is announced.
    :raises ValueError: for an activity that is not an ``Announce``.
    """
    require_type(activity, "Announce")
    if is_local(activity.actor):
        raise NotActivity("loop", "The forum's own announcement came back to it.")
    embedded = activity.embedded_object
    if embedded is not None and type_name(embedded.get("type")) == "Announce":
        raise NotActivity("loop", "An Announce of an Announce is not passed on.")
    object_id = _require_object_id(activity)
    inner = _activity(embedded) if embedded is not None and "actor" in embedded else None
    return Announced(object_id, inner)


def parse_vote(activity: Activity) -> str:
    """The id of what a ``Like`` or ``Dislike`` (a Lemmy vote) is about. The forum has no
    like counts: the inbox only acknowledges these.

    :raises NotActivity: when the object has no id.
    :raises ValueError: for an activity that is neither.
    """
    require_type(activity, "Like", "Dislike")
    return _require_object_id(activity)
