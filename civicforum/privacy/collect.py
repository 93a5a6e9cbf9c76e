"""What the forum keeps about one member, gathered for ``member.json`` (see
``member-export.schema.json`` beside this module, and docs/privacy.md): who they are,
their choices and what they wrote here; what they did and what was decided about them in
:mod:`.records`.

Only what is about the member: their profile, account, choices, memberships, what they
wrote and did, and what the moderators decided about them. Never another person's name,
address or text: content of others is referred to by its id and address only, and the
moderators and editors who decided something are not named.

Every function here runs inside a request context with the site's address and the
member's language (the export task makes one), so addresses are absolute and names of
measures and statuses are in the member's language.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..extension import state
from ..forum.models import Community, Membership, Post, Topic
from ..identity.attributes import attribute_label
from ..identity.models import IdentityLevel, Member
from ..pace.models import CommunityFollow, Preferences, TopicFollow
from ..tokens.models import PersonalToken

JSON = dict[str, Any]


def moment(value: dt.datetime | None) -> str | None:
    """A moment as ISO 8601 in UTC, as every date in the export is written."""
    return value.astimezone(dt.UTC).isoformat() if value is not None else None


def community_ref(community: Community | None) -> JSON | None:
    if community is None:
        return None
    return {
        "slug": community.slug,
        "name": community.name,
        "url": url_for("civicforum.community", slug=community.slug, _external=True),
    }


def post_url(post_id: int | None) -> str | None:
    return url_for("civicforum.post", post_id=post_id, _external=True) if post_id else None


def topic_url(topic_id: int | None) -> str | None:
    return url_for("civicforum.topic", topic_id=topic_id, _external=True) if topic_id else None


def provider_name(key: str) -> str:
    """A linked sign-in by the name people know it by, never by its subject id."""
    if key == "host":
        return state().settings.site_name
    name = key.removeprefix("oidc:")
    provider = state().settings.oidc_provider(name)
    return provider.title if provider is not None else name


# -- who they are ------------------------------------------------------------------------


def profile(member: Member) -> JSON:
    return {
        "id": member.id,
        "shown_name": member.display_name,
        "real_name": member.real_name,
        "identity_level": IdentityLevel(member.identity_level).key,
        "publish_as": member.publish_as,
        "language": member.language,
        "created_at": moment(member.created_at),
        "site_administrator": member.is_site_admin,
        "site_editor": member.is_site_editor,
        "attributes": [
            {
                "key": attribute.key,
                "label": attribute_label(attribute.key),
                "vouched_for_by": provider_name(attribute.provider),
                "verified_at": moment(attribute.verified_at),
            }
            for attribute in member.attributes
        ],
    }


def account(member: Member) -> JSON | None:
    found = member.local_account
    if found is None:
        return None
    # The password itself is never kept, only a one-way hash of it: not exported.
    return {
        "email": found.email,
        "created_at": moment(found.created_at),
        "password_changed_at": moment(found.password_changed_at),
    }


def sign_ins(member: Member) -> list[JSON]:
    return [
        {"provider": provider_name(identity.provider), "linked_at": moment(identity.created_at)}
        for identity in sorted(member.identities, key=lambda i: i.id)
    ]


def preferences(db: Session, member: Member) -> JSON | None:
    found = db.get(Preferences, member.id)
    if found is None:
        return None
    return {
        "digest": found.digest,
        "digest_asked_at": moment(found.digest_asked_at),
        "digest_email": found.email,
        "timezone": found.timezone,
        "quiet_hours_start_minute": found.quiet_start,
        "quiet_hours_end_minute": found.quiet_end,
        "open_warnings": found.open_warnings,
        "updated_at": moment(found.updated_at),
    }


def follows(db: Session, member: Member) -> JSON:
    communities = db.execute(
        select(CommunityFollow, Community)
        .join(Community, Community.id == CommunityFollow.community_id)
        .where(CommunityFollow.member_id == member.id)
        .order_by(Community.slug)
    ).all()
    topics = db.scalars(
        select(TopicFollow).where(TopicFollow.member_id == member.id).order_by(TopicFollow.topic_id)
    ).all()
    return {
        "communities": [
            {"community": community_ref(community), "since": moment(follow.created_at)}
            for follow, community in communities
        ],
        # A followed topic may be someone else's: its id and address, not its title.
        "topics": [
            {
                "topic_id": follow.topic_id,
                "url": topic_url(follow.topic_id),
                "since": moment(follow.created_at),
            }
            for follow in topics
        ],
    }


def memberships(db: Session, member: Member) -> list[JSON]:
    rows = db.scalars(
        select(Membership).where(Membership.member_id == member.id).order_by(Membership.id)
    ).all()
    return [
        {
            "community": community_ref(row.community),
            "role": row.role,
            "status": row.status,
            "joined_at": moment(row.joined_at),
        }
        for row in rows
    ]


def personal_tokens(db: Session, member: Member) -> list[JSON]:
    """Their API tokens and feed keys, by label, kind, scope and dates. Never the token,
    its hash or the feed key's nonce: a copy of the data must not open anything."""
    rows = db.scalars(
        select(PersonalToken)
        .where(PersonalToken.member_id == member.id)
        .order_by(PersonalToken.created_at, PersonalToken.id)
    ).all()
    return [
        {
            "kind": row.kind,
            "name": row.name,
            "scope": row.scope,
            "created_at": moment(row.created_at),
            "expires_at": moment(row.expires_at),
            "last_used_at": moment(row.last_used_at),
            "revoked_at": moment(row.revoked_at),
        }
        for row in rows
    ]


# -- what they wrote ---------------------------------------------------------------------


def post_file(post_id: int) -> str:
    return f"posts/post-{post_id}"


def topic_file(topic_id: int) -> str:
    return f"posts/topic-{topic_id}"


def their_posts(db: Session, member: Member) -> list[Post]:
    query = select(Post).where(Post.author_id == member.id).order_by(Post.id)
    return list(db.scalars(query))


def their_topics(db: Session, member: Member) -> list[Topic]:
    query = select(Topic).where(Topic.author_id == member.id).order_by(Topic.id)
    return list(db.scalars(query))


def post_record(post: Post) -> JSON:
    return {
        "id": post.id,
        "topic_id": post.topic_id,
        "url": post_url(post.id),
        "topic_url": topic_url(post.topic_id),
        "community": community_ref(post.topic.community),
        "publish_as": post.publish_as,
        "created_at": moment(post.created_at),
        "edited_at": moment(post.edited_at),
        "deleted_at": moment(post.deleted_at),
        "held_for_approval": post.held,
        "hidden_by_moderator_at": moment(post.hidden_at),
        "content_warning_by_moderator": post.content_warning,
        "content_warning_by_you": post.author_warning,
        "earlier_versions": len(post.revisions),
        "files": [f"{post_file(post.id)}.md", f"{post_file(post.id)}.html"],
    }


def topic_record(topic: Topic) -> JSON:
    return {
        "id": topic.id,
        "title": topic.title,
        "url": topic_url(topic.id),
        "community": community_ref(topic.community),
        "publish_as": topic.publish_as,
        "created_at": moment(topic.created_at),
        "locked": topic.is_locked,
        "held_for_approval": topic.held,
        "files": [f"{topic_file(topic.id)}.md", f"{topic_file(topic.id)}.html"],
    }
