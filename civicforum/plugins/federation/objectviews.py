"""The forum's content for other servers, on the addresses people read it at: a topic page
answers as a ``Page``, a post's permalink as a ``Note``, an event page as an ``Event``,
when a request asks for ActivityStreams (the same negotiation as the Group's, see
:mod:`.negotiation`); and a member's ``Person`` at ``/ap/p/TOKEN``.

Only what an anonymous visitor may read, in a community that is federated now, is ever
answered, and the policy decides it with the same questions the pages ask for an
anonymous visitor (:func:`civicforum.policy.can_view_topic`,
:func:`~civicforum.policy.can_view_post`):

- a community that is not federated (never switched on, switched off, or no longer open
  to anyone) keeps its pages for browsers; a request that takes only ActivityPub gets 406,
  as on the community page;
- a topic or post waiting for a moderator's approval answers 404: it was never public,
  so nothing is said to have been there;
- a post hidden by a moderator, or deleted, answers 410 with a ``Tombstone``, so that a
  server that kept a copy drops it; so does a ``Person`` whose member was erased or no
  longer has that kind of name (a real name taken out of their settings).

Two addresses answer with a redirect (302) to the object's own id instead: the permalink
of a topic's opening post leads to the topic page (the ``Page``'s id), and the permalink
of a post that came from another server leads to its id there, where its author's server
is the one to answer for it (a document with another server's id, served from here,
would rightly be refused). Their pages still answer browsers as before.

A Person's address always answers ActivityStreams; there is no page of a member's own.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request
from sqlalchemy.orm import Session

from ... import policy
from ...extension import db_session
from ...forum.models import Post, Topic
from ...i18n import gettext as _
from . import addresses, documents, objects, people, services, siteactor
from .models import Person
from .negotiation import ACTIVITY_JSON, Choice, choose
from .responses import activity, json_answer, problem

TOPIC = "civicforum.topic"
POST = "civicforum.post"
EVENT = "civicforum.events.event"
OBJECT_PAGES = frozenset({TOPIC, POST, EVENT})


def register(bp: Blueprint) -> None:
    """The Person's addresses, on federation's blueprint (``civicforum.federation.*``)."""
    bp.add_url_rule("/ap/p/<token>", "person", person)
    bp.add_url_rule("/ap/p/<token>/outbox", "person_outbox", person_outbox)


# -- content negotiation on the pages ----------------------------------------------------


def answer_as_object() -> Response | None:
    """Before a topic page, a permalink or an event page: the object, for a request that
    asks for ActivityStreams (see the module's documentation); None lets the page answer."""
    if request.endpoint not in OBJECT_PAGES or request.method not in ("GET", "HEAD"):
        return None
    choice = choose(request.headers.get("Accept", ""))
    if choice.media_type is None:
        return None
    db = db_session()
    args = request.view_args or {}
    if request.endpoint == EVENT:
        return _event(db, args["event_id"], choice)
    if request.endpoint == TOPIC:
        return _topic(db, args["topic_id"], choice)
    return _permalink(db, args["post_id"], choice)


def vary_on_object_pages(response: Response) -> Response:
    """The answers of these pages depend on ``Accept``: say so to caches."""
    if request.endpoint in OBJECT_PAGES:
        response.vary.add("Accept")
    return response


def _topic(db: Session, topic_id: int, choice: Choice) -> Response | None:
    topic = db.get(Topic, topic_id)
    if topic is None:
        return problem(404, _("There is no such topic."))
    if services.federated_actor(db, topic.community) is None:
        return _not_federated(choice)
    opening_id = objects.opening_post_id(db, topic.id)
    opening = None if opening_id is None else db.get(Post, opening_id)
    if opening is None:
        return problem(404, _("There is no such topic."))
    here = addresses.absolute(TOPIC, topic_id=topic.id)
    return _post(db, opening, here, "Page", choice)


def _permalink(db: Session, post_id: int, choice: Choice) -> Response | None:
    post = db.get(Post, post_id)
    if post is None:
        return problem(404, _("There is no such post."))
    if services.federated_actor(db, post.topic.community) is None:
        return _not_federated(choice)
    here = addresses.absolute(POST, post_id=post.id)
    former = "Page" if objects.is_opening(db, post) else "Note"
    return _post(db, post, here, former, choice)


def _post(db: Session, post: Post, here: str, former: str, choice: Choice) -> Response:
    """A post answered at ``here``, when an anonymous visitor may read it."""
    assert choice.media_type is not None
    seen = policy.can_view_topic(policy.ANONYMOUS, post.topic)
    if not seen:
        return problem(404, seen.reason)
    if post.held:
        return problem(404, policy.can_view_post(policy.ANONYMOUS, post).reason)
    if post.is_hidden or post.is_deleted:
        return _gone(objects.tombstone(here, former), choice.media_type)
    seen = policy.can_view_post(policy.ANONYMOUS, post)
    if not seen:
        return problem(404, seen.reason)
    target = objects.object_id(db, post)
    if target != here:
        return _redirect(target)
    document = objects.post_object(db, post)
    # Building it may have made the author's Person: keep it, so its address answers.
    db.commit()
    return activity(document, choice.media_type)


def _event(db: Session, event_id: int, choice: Choice) -> Response | None:
    from ..events.models import LocalEvent

    assert choice.media_type is not None
    event = db.get(LocalEvent, event_id)
    if event is None:
        return problem(404, _("This event does not exist (any more)."))
    if services.federated_actor(db, event.community) is None:
        return _not_federated(choice)
    return activity(objects.event_object(db, event), choice.media_type)


def _not_federated(choice: Choice) -> Response | None:
    """The page, for a request that takes HTML too; else 406, as on the community page."""
    if choice.html_acceptable:
        return None
    return problem(406, _("This community is not federated; only its page is here."))


def _redirect(target: str) -> Response:
    response = Response(status=302)
    response.headers["Location"] = target
    return response


def _gone(document: dict[str, Any], media_type: str) -> Response:
    response = json_answer(document, media_type, 410)
    response.vary.add("Accept")
    return response


# -- Persons -----------------------------------------------------------------------------


def person(token: str) -> Response:
    """A member's Person, always as ActivityStreams (there is no page of a member's own)."""
    media_type = choose(request.headers.get("Accept", "")).media_type or ACTIVITY_JSON
    db = db_session()
    found = _person(db, token)
    if not isinstance(found, Person):
        return found
    key = siteactor.site_key(db)
    return activity(people.person_document(found, key.public_key_pem), media_type)


def person_outbox(token: str) -> Response:
    """The Person's outbox: empty, since their posts reach other servers through the
    community's Group; ActivityPub asks every actor for one."""
    found = _person(db_session(), token)
    if not isinstance(found, Person):
        return found
    collection_id = addresses.absolute("civicforum.federation.person_outbox", token=token)
    return activity(documents.empty_collection(collection_id))


def _person(db: Session, token: str) -> Person | Response:
    """The Person that may be served, or the answer saying why not: 410 with a Tombstone
    for one that is gone (erased, or without that name now), 404 for a made-up token."""
    found = people.person_by_token(db, token)
    if found is not None and people.shown_name(found) is not None:
        return found
    if found is not None or people.made_here(token):
        person_id = addresses.absolute("civicforum.federation.person", token=token)
        media_type = choose(request.headers.get("Accept", "")).media_type or ACTIVITY_JSON
        return _gone(objects.tombstone(person_id, "Person"), media_type)
    return problem(404, _("There is no such person here."))
