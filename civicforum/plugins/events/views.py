"""Pages for reading and answering events: the agenda, an event, its calendar files.

The plugin's routes live on a blueprint of its own, nested in the forum's (so under the
forum's prefix, with its error pages, login and template context), which brings the
plugin's templates. Organisers' forms are in :mod:`.organising`.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from ... import policy
from ...clock import now
from ...errors import ServiceError
from ...extension import db_session, state
from ...feeds.keys import feed_actor, private_address
from ...feeds.keys import readable_community as community_for
from ...forum import services as forum_services
from ...forum.models import Community
from ...forum.views import current_actor, page_number, require
from ...i18n import gettext as _
from ...i18n import ngettext
from . import display, ical, queries, services
from .forms import RsvpForm
from .importer import calendar_event
from .models import Answer, LocalEvent


def make_blueprint() -> Blueprint:
    bp = Blueprint(
        "events",
        __name__,
        template_folder="templates",
        static_folder="static",
        static_url_path="/events/static",
    )
    bp.add_url_rule("/c/<slug>/events/", "agenda", agenda)
    bp.add_url_rule("/c/<slug>/events/past", "past", past_events)
    bp.add_url_rule("/c/<slug>/events.ics", "feed", community_feed)
    bp.add_url_rule(
        "/feeds/<key>/c/<slug>/events.ics", "private_calendar", private_address(private_calendar)
    )
    bp.add_url_rule("/events/<int:event_id>/", "event", event_page)
    bp.add_url_rule("/events/<int:event_id>/answer", "answer", answer, methods=["POST"])
    bp.add_url_rule("/events/<int:event_id>/event.ics", "ics", event_ics)
    bp.add_url_rule("/events/<int:event_id>/attendees", "attendees", attendees)

    from .organising import register as register_organising

    register_organising(bp)
    return bp


def readable_community(slug: str) -> Community:
    community = forum_services.get_community(db_session(), slug)
    require(policy.can_view_community(current_actor(), community))
    return community


def readable_event(event_id: int) -> LocalEvent:
    event = queries.get_event(db_session(), event_id)
    require(policy.can_view_community(current_actor(), event.community))
    return event


def _agenda(slug: str, past: bool) -> str:
    db = db_session()
    community = readable_community(slug)
    events = queries.agenda(db, community, now(), past=past, page=page_number())
    return render_template(
        "civicforum/events/agenda.html",
        community=community,
        events=events,
        past=past,
        can_organise=services.has_organiser_rights(db, current_actor(), community),
        when=lambda event: display.when(event, state().settings.timezone),
        status_label=display.status_label,
    )


def agenda(slug: str) -> str:
    return _agenda(slug, past=False)


def past_events(slug: str) -> str:
    return _agenda(slug, past=True)


def _waiting_place(event: LocalEvent, mine: Any) -> int | None:
    """The member's place in the waiting list (1 is next), or None."""
    if mine is None or not mine.waiting:
        return None
    waiting = queries.answers(db_session(), event)["waiting"]
    return next(n for n, row in enumerate(waiting, 1) if row.id == mine.id)


def _render_event(event: LocalEvent, form: RsvpForm, status: int = 200) -> tuple[str, int]:
    db = db_session()
    actor = current_actor()
    community = event.community
    mine = queries.my_answer(db, event, actor.member_id)
    if mine is not None and not form.is_submitted():
        form.answer.data = mine.answer
    places_left = services.places_left(db, event) if event.show_places_left else None
    page_url = url_for("civicforum.events.event", event_id=event.id, _external=True)
    json_ld = display.json_ld(
        event,
        page_url=page_url,
        organiser_name=community.name,
        organiser_url=url_for("civicforum.community", slug=community.slug, _external=True),
        places_left=places_left,
    )
    moment = now()
    return render_template(
        "civicforum/events/event.html",
        event=event,
        community=community,
        topic=event.topic,
        when=display.when(event, state().settings.timezone),
        status_label=display.status_label(event),
        attendance=display.attendance_label(event),
        accessibility=display.accessibility_labels(event),
        places_left=places_left,
        json_ld=json_ld,
        form=form,
        mine=mine,
        waiting_place=_waiting_place(event, mine),
        can_answer=actor.is_authenticated
        and not event.is_cancelled
        and not event.has_ended(moment),
        has_ended=event.has_ended(moment),
        can_manage=services.can_manage_event(actor, event),
    ), status


def event_page(event_id: int) -> tuple[str, int]:
    return _render_event(readable_event(event_id), RsvpForm(formdata=None))


def answer(event_id: int) -> Any:
    db = db_session()
    event = readable_event(event_id)
    actor = current_actor()
    if actor.member is None:
        return redirect(url_for("civicforum.sign_in", next=request.path.rsplit("/", 1)[0] + "/"))
    form = RsvpForm()
    if not form.validate_on_submit():
        return _render_event(event, form, 422)
    try:
        mine = services.rsvp(db, actor, event, Answer(form.answer.data))
    except ServiceError as error:
        form.form_errors.append(error.message)
        return _render_event(event, form, 409)
    flash(_answer_message(event, mine), "civicforum")
    return redirect(url_for("civicforum.events.event", event_id=event.id))


def _answer_message(event: LocalEvent, mine: Any) -> str:
    if mine.answer == Answer.GOING and mine.waiting:
        place = _waiting_place(event, mine) or 1
        return _(
            "The event is full: you are number %(n)d on the waiting list. If a place comes free, it is yours, and you will find a notice here.",
            n=place,
        )
    return {
        Answer.GOING: _("You are going. See you there!"),
        Answer.MAYBE: _("Your answer is “maybe”. You can change it any time."),
        Answer.CANT_GO: _("Your answer is “can’t go”. Thank you for letting us know."),
    }[Answer(mine.answer)]


def attendees(event_id: int) -> str:
    """Who answered: for the organisers and the community's moderators only."""
    db = db_session()
    event = readable_event(event_id)
    if not services.can_manage_event(current_actor(), event):
        from ...errors import NotAllowed

        raise NotAllowed(_("Only the organisers of this event and moderators see who answered."))
    grouped = queries.answers(db, event)
    going = len(grouped["going"])
    return render_template(
        "civicforum/events/attendees.html",
        event=event,
        community=event.community,
        grouped=grouped,
        summary=ngettext("%(num)d person is going.", "%(num)d people are going.", going),
        when=display.when(event, state().settings.timezone),
    )


# -- calendar files ----------------------------------------------------------------------


def event_ics(event_id: int) -> Response:
    event = readable_event(event_id)
    return _ics([event], event.title, f"event-{event.id}.ics")


def community_feed(slug: str) -> Response:
    community = readable_community(slug)
    events = list(queries.feed(db_session(), community, now()))
    return _ics(events, f"{community.name} · {state().settings.site_name}", f"{slug}.ics")


def private_calendar(key: str, slug: str) -> Response:
    """A community's calendar through the member's feed key, for calendar apps that
    subscribe without signing in: what that member may read (see civicforum.feeds.keys)."""
    db = db_session()
    community = community_for(db, feed_actor(db, key), slug)
    events = list(queries.feed(db, community, now()))
    return _ics(events, f"{community.name} · {state().settings.site_name}", f"{slug}.ics")


def _in_zone(event: ical.CalendarEvent, zone: str) -> ical.CalendarEvent:
    """All-day events are days of the calendar's zone; one planned in another zone is
    given with its times instead."""
    if event.all_day and event.timezone != zone:
        return dataclasses.replace(event, all_day=False)
    return event


def _ics(events: list[LocalEvent], name: str, filename: str) -> Response:
    settings = state().settings
    by_uid = {event.uid: event.id for event in events}
    zone = settings.timezone
    body = ical.export_calendar(
        [_in_zone(calendar_event(event), zone) for event in events],
        name=name,
        prodid_site=request.host.split(":")[0],
        url_for_event=lambda item: url_for(
            "civicforum.events.event", event_id=by_uid[item.uid], _external=True
        ),
        timezone=zone,
        postponed_note=_("Postponed: a new date will follow."),
    )
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

