"""The events plugin's part of the REST API: a community's coming events, one event,
and a member's answer to it (with a token that may post), through the same service as
the event page's form."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from ... import policy
from ...api.reading import link, readable_community, require
from ...api.registry import Api
from ...clock import now
from ...extension import db_session
from ...tokens.models import TokenScope
from . import queries, services
from .models import Answer, LocalEvent

TAGS = ("Events",)


class EventLinks(Schema):
    self_ = fields.Url(data_key="self", required=True)
    html = fields.Url(required=True)
    ics = fields.Url(required=True, metadata={"description": "The event as an iCalendar file."})
    topic = fields.Url(allow_none=True, required=True, metadata={"description": "Its discussion."})


class MyAnswer(Schema):
    answer = fields.String(required=True, validate=validate.OneOf([a.value for a in Answer]))
    waiting = fields.Boolean(
        required=True, metadata={"description": "On the waiting list for a place."}
    )


class Event(Schema):
    id = fields.Integer(required=True)
    community = fields.String(required=True)
    title = fields.String(required=True)
    description_html = fields.String(required=True)
    starts_at = fields.AwareDateTime(required=True, format="iso")
    ends_at = fields.AwareDateTime(required=True, format="iso")
    timezone = fields.String(required=True)
    venue_name = fields.String(required=True)
    venue_address = fields.String(required=True)
    online_url = fields.String(required=True, allow_none=True)
    attendance_mode = fields.String(required=True)
    status = fields.String(required=True)
    accessibility = fields.List(fields.String(), required=True)
    places_left = fields.Integer(
        required=True,
        allow_none=True,
        metadata={"description": "Only where the organisers chose to show it."},
    )
    my_answer = fields.Nested(
        MyAnswer,
        required=True,
        allow_none=True,
        metadata={"description": "The token's member's own answer."},
    )
    links = fields.Nested(EventLinks, required=True)


class EventList(Schema):
    items = fields.List(fields.Nested(Event), required=True)


class Coming(Schema):
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class NewAnswer(Schema):
    answer = fields.String(required=True, validate=validate.OneOf([a.value for a in Answer]))


def event_data(event: LocalEvent, actor: policy.Actor) -> dict[str, Any]:
    db = db_session()
    mine = queries.my_answer(db, event, actor.member_id) if actor.member_id else None
    return {
        "id": event.id,
        "community": event.community.slug,
        "title": event.title,
        "description_html": event.description_html,
        "starts_at": event.starts_at,
        "ends_at": event.ends_at,
        "timezone": event.timezone,
        "venue_name": event.venue_name,
        "venue_address": event.venue_address,
        "online_url": event.online_url,
        "attendance_mode": event.attendance_mode,
        "status": event.status,
        "accessibility": [feature.value for feature in event.accessibility_features],
        "places_left": services.places_left(db, event) if event.show_places_left else None,
        "my_answer": {"answer": mine.answer, "waiting": mine.waiting} if mine else None,
        "links": {
            "self_": link("civicforum.api.getEvent", event_id=event.id),
            "html": link("civicforum.events.event", event_id=event.id),
            "ics": link("civicforum.events.ics", event_id=event.id),
            "topic": link("civicforum.api.getTopic", topic_id=event.topic_id)
            if event.topic_id
            else None,
        },
    }


def readable_event(event_id: int, actor: policy.Actor) -> LocalEvent:
    event = queries.get_event(db_session(), event_id)
    require(policy.can_view_community(actor, event.community))
    return event


def register(api: Api) -> None:
    @api.operation(
        "/communities/<slug>/events",
        operation_id="listEvents",
        summary="A community's coming events, soonest first",
        tags=TAGS,
        query=Coming,
        response=EventList,
        errors=(403, 404),
    )
    def list_events(slug: str, query: dict[str, Any]) -> dict[str, Any]:
        actor = api.actor()
        community = readable_community(slug, actor)
        events = queries.coming_up(db_session(), community, now(), limit=query["limit"])
        return {"items": [event_data(event, actor) for event in events]}

    @api.operation(
        "/events/<int:event_id>",
        operation_id="getEvent",
        summary="One event",
        tags=TAGS,
        response=Event,
        errors=(403, 404),
    )
    def get_event(event_id: int) -> dict[str, Any]:
        actor = api.actor()
        return event_data(readable_event(event_id, actor), actor)

    @api.operation(
        "/events/<int:event_id>/answer",
        method="PUT",
        operation_id="answerEvent",
        summary="Answer an event: going, maybe or can't go",
        description=(
            'Needs a token that may post. "Going" takes a free place, or a place on the '
            "waiting list when the event is full; changing the answer gives the place to "
            "the first person waiting. Answering twice the same is harmless."
        ),
        tags=TAGS,
        body=NewAnswer,
        response=Event,
        scope=TokenScope.POST,
        errors=(403, 404, 409, 413, 415, 422),
    )
    def answer_event(event_id: int, body: dict[str, Any]) -> dict[str, Any]:
        actor = api.actor()
        event = readable_event(event_id, actor)
        services.rsvp(db_session(), actor, event, Answer(body["answer"]))
        return event_data(event, actor)


__all__ = ["register"]
