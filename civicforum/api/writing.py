"""Writing through the API: a reply, by a member's token that may post.

It goes through the same service as the reply page, so the house rules, the pace limits,
slow mode, pre-moderation and every measure apply alike; only the preview step is the
client's to offer. A retried request with the same ``Idempotency-Key`` makes one reply.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from flask import request, url_for

from ..extension import db_session
from ..forum import posting, services
from ..i18n import gettext as _
from ..tokens.models import TokenScope
from . import schemas as s
from .problems import Problem
from .reading import TOPICS, post_data, readable_topic
from .registry import Api, Reply

IDEMPOTENCY_KEY_MAX = 60
_KEY = re.compile(rf"[!-~]{{1,{IDEMPOTENCY_KEY_MAX}}}")


def _submission_token() -> str:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return secrets.token_urlsafe(24)
    key = key.strip().strip('"')
    if not _KEY.fullmatch(key):
        raise Problem(
            400,
            _(
                "An Idempotency-Key is 1 to %(max)d visible ASCII characters.",
                max=IDEMPOTENCY_KEY_MAX,
            ),
            code="invalid-idempotency-key",
        )
    return "api:" + key


def register(api: Api) -> None:
    @api.operation(
        "/topics/<int:topic_id>/posts",
        method="POST",
        operation_id="createReply",
        summary="Reply to a topic",
        description=(
            "Needs a token that may post. The community's house rules, the pace limits, "
            "slow mode, pre-moderation and any measure against the member apply as on the "
            "page: a reply held for a moderator's approval answers 202. Send an "
            "`Idempotency-Key` header to make a retried request safe: the same key gives "
            "the same reply."
        ),
        tags=TOPICS,
        body=s.NewPost,
        response=s.Post,
        status=201,
        also=(202,),
        scope=TokenScope.POST,
        errors=(400, 403, 404, 413, 415, 422),
    )
    def create_reply(topic_id: int, body: dict[str, Any]) -> Reply:
        db = db_session()
        actor = api.actor()
        topic = readable_topic(topic_id, actor)
        member = api.member()
        token = _submission_token()
        posting.check_pace(topic.community)
        post = services.reply(
            db,
            actor,
            topic,
            body=body["body"],
            publish_as=body.get("publish_as") or member.publish_as,
            submission_token=token,
            limits=posting.limits(),
            warning=body.get("content_warning"),
        )
        posting.count_post(topic.community)
        location = url_for("civicforum.api.getPost", post_id=post.id, _external=True)
        return Reply(post_data(post, actor), 202 if post.held else 201, {"Location": location})
