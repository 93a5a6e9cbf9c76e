"""Organisers' pages: plan an event, change it, and cancel, postpone or move it online."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from ...errors import NotAllowed, ServiceError
from ...extension import db_session, state
from ...forum import queries as forum_queries
from ...forum.forms import attach_error
from ...forum.services import Limits
from ...forum.views import current_actor
from ...i18n import gettext as _
from . import services
from .forms import EventForm, StatusForm
from .models import LocalEvent
from .views import readable_community, readable_event


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/c/<slug>/events/new", "new", new_event, methods=["GET", "POST"])
    bp.add_url_rule("/events/<int:event_id>/edit", "edit", edit_event, methods=["GET", "POST"])
    bp.add_url_rule(
        "/events/<int:event_id>/change", "change", change_status, methods=["GET", "POST"]
    )


def _limits() -> Limits:
    settings = state().settings
    return Limits(settings.max_title_length, settings.max_post_length)


def _topic_id(form: EventForm, community_id: int) -> int | None:
    """The topic to discuss the event in, when planned from one (``?topic=``)."""
    raw = (form.topic_id.data if form.is_submitted() else request.args.get("topic")) or ""
    if not raw:
        return None
    if not raw.isdecimal() or len(raw) > 9:
        abort(404)
    topic = forum_queries.get_topic(db_session(), int(raw))
    if topic.community_id != community_id:
        abort(404)
    form.topic_id.data = str(topic.id)
    return topic.id


def new_event(slug: str) -> Any:
    db = db_session()
    actor = current_actor()
    community = readable_community(slug)
    if not services.has_organiser_rights(db, actor, community):
        raise NotAllowed(
            _("Only organisers of this community can plan events here. Ask a moderator.")
        )
    form = EventForm()
    topic_id = _topic_id(form, community.id)
    status = 200
    if form.validate_on_submit():
        try:
            event = services.create_event(
                db, actor, community, form.details(topic_id), limits=_limits()
            )
        except ServiceError as error:
            attach_error(form, error, own_fields=frozenset({"topic_id"}))
            status = 422
        else:
            flash(
                _("The event is planned, with a topic to talk about it."), "civicforum"
            )
            return redirect(url_for("civicforum.events.event", event_id=event.id))
    elif form.is_submitted():
        status = 422
    topic = forum_queries.get_topic(db, topic_id) if topic_id else None
    return render_template(
        "civicforum/events/event_form.html",
        form=form,
        community=community,
        event=None,
        topic=topic,
    ), status


def _managed(event_id: int) -> LocalEvent:
    event = readable_event(event_id)
    if not services.can_manage_event(current_actor(), event):
        raise NotAllowed(_("Only the organisers of this event can change it."))
    return event


def edit_event(event_id: int) -> Any:
    db = db_session()
    event = _managed(event_id)
    form = EventForm()
    status = 200
    if not form.is_submitted():
        form.fill(event)
    elif form.validate():
        try:
            services.update_event(db, current_actor(), event, form.details())
        except ServiceError as error:
            attach_error(form, error, own_fields=frozenset({"topic_id"}))
            status = 422
        else:
            flash(_("Your changes to the event are saved."), "civicforum")
            return redirect(url_for("civicforum.events.event", event_id=event.id))
    else:
        status = 422
    return render_template(
        "civicforum/events/event_form.html",
        form=form,
        community=event.community,
        event=event,
        topic=None,
    ), status


def change_status(event_id: int) -> Any:
    db = db_session()
    event = _managed(event_id)
    actor = current_actor()
    form = StatusForm()
    status = 200
    if event.is_cancelled:
        form.form_errors.append(_("This event was cancelled."))
        status = 409 if request.method == "POST" else 200
    elif form.validate_on_submit():
        try:
            if form.change.data == "cancel":
                services.cancel_event(db, actor, event)
                message = _("The event is cancelled. Everyone who answered will be told.")
            elif form.change.data == "postpone":
                services.postpone_event(db, actor, event)
                message = _("The event is postponed. Everyone who answered will be told.")
            else:
                services.move_online(db, actor, event, form.online_url.data or "")
                message = _("The event is now online only. Everyone who answered will be told.")
        except ServiceError as error:
            target = form.online_url if error.field == "online_url" else None
            if target is not None:
                target.errors = [*target.errors, error.message]
            else:
                form.form_errors.append(error.message)
            status = 422
        else:
            flash(message, "civicforum")
            return redirect(url_for("civicforum.events.event", event_id=event.id))
    elif form.is_submitted():
        status = 422
    return render_template(
        "civicforum/events/change.html", form=form, event=event, community=event.community
    ), status
