"""Reading trusted information: a community's "reliable information", one item with its
trust badge, sources, reviewers and history, the page that explains what "verified"
means here, and a community's verified items as JSON."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, render_template, url_for

from ... import clock, policy
from ...extension import db_session, state
from ...forum import services as forum_services
from ...forum.views import current_actor, page_number, require
from ...i18n import get_locale
from .. import queries
from ..display import json_ld, trust
from ..forms import DisputeForm
from ..models import VerifiedItem
from ..workflow import get_item
from .steps import steps_for


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/c/<slug>/reliable/", "reliable", reliable)
    bp.add_url_rule("/c/<slug>/reliable.json", "reliable_json", reliable_json)
    bp.add_url_rule("/info/<int:item_id>", "item", item_page)
    bp.add_url_rule("/verified", "about_verified", about_verified)


def readable_item(item_id: int) -> VerifiedItem:
    item = get_item(db_session(), item_id)
    require(policy.can_view_item(current_actor(), item))
    return item


def reliable(slug: str) -> str:
    db = db_session()
    actor = current_actor()
    community = forum_services.get_community(db, slug)
    require(policy.can_view_community(actor, community))
    items = queries.reliable_information(
        db, community, page_number(), state().settings.topics_per_page
    )
    now = clock.now()
    return render_template(
        "civicforum/curation/reliable.html",
        community=community,
        items=items,
        trust={item.id: trust(item, now) for item in items.items},
        editing=policy.is_editor(actor, community),
    )


def item_url(item: VerifiedItem) -> str:
    return url_for("civicforum.item", item_id=item.id, _external=True)


def item_page(
    item_id: int,
    dispute_form: DisputeForm | None = None,
    failed_step: Any = None,
    status: int = 200,
) -> Any:
    db = db_session()
    actor = current_actor()
    item = readable_item(item_id)
    post = item.post
    # The post a verdict is about, when the reader may read it (never once deleted).
    shown_post = (
        post
        if post is not None and not post.is_deleted and policy.can_view_post(actor, post)
        else None
    )
    on_display = policy.is_on_display(item)
    described = None
    if on_display:
        described = json_ld(
            item,
            url=item_url(item),
            publisher=state().settings.site_name,
            language=get_locale(),
            zone=state().settings.timezone,
            post_url=url_for("civicforum.post", post_id=post.id, _external=True) if post else None,
        )
    editing = policy.is_editor(actor, item.community)
    return render_template(
        "civicforum/curation/item.html",
        item=item,
        community=item.community,
        published=item.published if on_display else None,
        pending=item.pending if editing else None,
        trust=trust(item, clock.now()),
        post=shown_post,
        history=queries.history(db, item),
        disputes=queries.disputes(db, item),
        reviewers=queries.reviewers(db, item),
        editing=editing,
        steps=steps_for(actor, item, failed_step) if editing else [],
        may_dispute=policy.can_dispute(actor, item),
        dispute_form=dispute_form or DisputeForm(formdata=None),
        json_ld=described,
        status=item.effective_status(clock.now()),
    ), status


def about_verified() -> str:
    return render_template("civicforum/curation/about.html")


def reliable_json(slug: str) -> Any:
    """A community's verified items, for machines: what each says, its verdict, when it
    was checked, until when, and on which sources."""
    db = db_session()
    community = forum_services.get_community(db, slug)
    require(policy.can_view_community(current_actor(), community))
    now = clock.now()
    listed = []
    for item in queries.community_items(db, community):
        published = item.published
        assert published is not None
        listed.append(
            {
                "id": item.id,
                "kind": item.kind,
                "url": item_url(item),
                "title": published.title,
                "verdict": published.verdict,
                "health": item.health,
                "status": item.effective_status(now).value,
                "trusted": trust(item, now).badge,
                "last_reviewed": item.reviewed_at.isoformat() if item.reviewed_at else None,
                "review_due": item.review_due_at.isoformat() if item.review_due_at else None,
                "post": url_for("civicforum.post", post_id=item.post_id, _external=True)
                if item.post_id
                else None,
                "sources": [
                    {
                        "citation": s.citation,
                        "url": s.url,
                        "consulted_on": s.consulted_on.isoformat(),
                    }
                    for s in published.sources
                ],
            }
        )
    return jsonify({"community": community.slug, "items": listed})
