"""What the API sends and takes, as marshmallow schemas; the OpenAPI document's
``components`` are generated from them.

Views hand plain dictionaries to these schemas; nothing here reads the database or
decides who may see what (the views ask :mod:`civicforum.policy` first). There are no
counts of likes, views or followers anywhere, by design.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

ISO = "iso"


class Links(Schema):
    self_ = fields.Url(
        data_key="self", required=True, metadata={"description": "This resource in the API."}
    )
    html = fields.Url(metadata={"description": "The page people read."})


class Problem(Schema):
    """An error, as RFC 9457 describes it."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    instance = fields.String()
    code = fields.String(
        metadata={"description": "A stable word for the kind of problem, to branch on."}
    )
    errors = fields.Dict(
        keys=fields.String(),
        metadata={"description": "For each field of the query or body, what is wrong with it."},
    )


class CommunityLinks(Links):
    topics = fields.Url(required=True)
    rules = fields.Url(required=True)
    information = fields.Url(required=True)
    moderation_log = fields.Url(required=True)
    events = fields.Url(metadata={"description": "When the events plugin is on."})


class Community(Schema):
    id = fields.Integer(required=True)
    slug = fields.String(required=True)
    name = fields.String(required=True)
    description_html = fields.String(required=True, metadata={"description": "Sanitised HTML."})
    visibility = fields.String(required=True, validate=validate.OneOf(["public", "members"]))
    join_policy = fields.String(required=True, validate=validate.OneOf(["open", "approval"]))
    language = fields.String(allow_none=True, required=True)
    readable = fields.Boolean(
        required=True,
        metadata={"description": "Whether the caller may read this community's content."},
    )
    links = fields.Nested(CommunityLinks, required=True)


class CommunityList(Schema):
    items = fields.List(fields.Nested(Community), required=True)


class Author(Schema):
    name = fields.String(required=True, metadata={"description": "The name shown on the page."})
    kind = fields.String(
        required=True,
        validate=validate.OneOf(["pseudonym", "anonymous", "real_name", "verified", "former"]),
    )


class TopicLinks(Links):
    posts = fields.Url(required=True)
    community = fields.Url(required=True)


class Topic(Schema):
    id = fields.Integer(required=True)
    community = fields.String(required=True, metadata={"description": "The community's slug."})
    title = fields.String(required=True)
    author = fields.Nested(Author, required=True)
    created_at = fields.AwareDateTime(required=True, format=ISO)
    last_activity_at = fields.AwareDateTime(required=True, format=ISO)
    locked = fields.Boolean(required=True)
    held = fields.Boolean(
        required=True,
        metadata={
            "description": "Waiting for a moderator's approval (seen by its starter and the moderators)."
        },
    )
    links = fields.Nested(TopicLinks, required=True)


class Page(Schema):
    next_cursor = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "Pass as `cursor` for the next page; null on the last page."},
    )


class TopicPage(Page):
    items = fields.List(fields.Nested(Topic), required=True)


class PostLinks(Links):
    topic = fields.Url(required=True)


class Post(Schema):
    id = fields.Integer(required=True)
    topic_id = fields.Integer(required=True)
    author = fields.Nested(Author, required=True)
    created_at = fields.AwareDateTime(required=True, format=ISO)
    edited_at = fields.AwareDateTime(required=True, allow_none=True, format=ISO)
    state = fields.String(
        required=True,
        validate=validate.OneOf(["published", "held", "hidden", "deleted"]),
        metadata={
            "description": "`hidden` (by a moderator) and `deleted` posts keep their place without their text, except for their author and the moderators."
        },
    )
    content_warning = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "A label to show before the text, which readers open on purpose."},
    )
    body = fields.String(required=True, allow_none=True, metadata={"description": "Markdown."})
    body_html = fields.String(
        required=True, allow_none=True, metadata={"description": "Sanitised HTML."}
    )
    links = fields.Nested(PostLinks, required=True)


class PostPage(Page):
    items = fields.List(fields.Nested(Post), required=True)


class Rule(Schema):
    number = fields.Integer(required=True)
    title = fields.String(required=True)
    explanation = fields.String(required=True)


class RuleList(Schema):
    items = fields.List(fields.Nested(Rule), required=True)


class LogEntry(Schema):
    id = fields.Integer(required=True)
    decided_at = fields.AwareDateTime(required=True, format=ISO)
    measure = fields.String(required=True)
    ground = fields.String(required=True)
    rule_number = fields.Integer(required=True, allow_none=True)
    rule_title = fields.String(required=True, allow_none=True)
    on_notice = fields.Boolean(
        required=True,
        metadata={
            "description": "Taken after a report (a notice), not on the moderators' own initiative."
        },
    )
    ends_at = fields.AwareDateTime(required=True, allow_none=True, format=ISO)
    lifted_at = fields.AwareDateTime(required=True, allow_none=True, format=ISO)
    appeal_outcome = fields.String(required=True, allow_none=True)


class LogPage(Page):
    items = fields.List(fields.Nested(LogEntry), required=True)


class Source(Schema):
    citation = fields.String(required=True)
    url = fields.String(required=True)
    consulted_on = fields.Date(required=True)


class Information(Schema):
    id = fields.Integer(required=True)
    community = fields.String(required=True)
    kind = fields.String(required=True)
    title = fields.String(required=True)
    verdict = fields.String(required=True, allow_none=True)
    body_html = fields.String(required=True)
    status = fields.String(required=True)
    trusted = fields.String(required=True, allow_none=True)
    health = fields.Boolean(required=True)
    last_reviewed = fields.AwareDateTime(required=True, allow_none=True, format=ISO)
    review_due = fields.AwareDateTime(required=True, allow_none=True, format=ISO)
    sources = fields.List(fields.Nested(Source), required=True)
    links = fields.Nested(Links, required=True)


class InformationList(Schema):
    items = fields.List(fields.Nested(Information), required=True)


class Cursor(Schema):
    cursor = fields.String(
        validate=[validate.Length(min=1, max=200), validate.Regexp(r"^[A-Za-z0-9_-]+$")],
        metadata={"description": "`next_cursor` of the page before."},
    )
    limit = fields.Integer(
        load_default=20,
        validate=validate.Range(min=1, max=100),
        metadata={"description": "Items per page."},
    )


class NewPost(Schema):
    body = fields.String(
        required=True,
        validate=validate.Length(min=1),
        metadata={
            "description": "Markdown, as on the page; the house rules and limits of the page apply."
        },
    )
    publish_as = fields.String(
        validate=validate.OneOf(["pseudonym", "anonymous", "real_name", "verified"]),
        metadata={
            "description": "How the reply is signed; default: the member's own choice in their settings."
        },
    )
    content_warning = fields.String(
        validate=validate.Length(max=100),
        metadata={"description": "The author's own warning label, shown before the text."},
    )
