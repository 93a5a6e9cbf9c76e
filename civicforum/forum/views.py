"""Pages for reading: the community list, a community, a topic, a permalink, a history,
and joining or leaving. Posting lives in :mod:`civicforum.forum.posting`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from .. import policy
from ..curation import queries as curation_queries
from ..errors import NotAllowed
from ..extension import db_session, state
from ..i18n import gettext as _
from ..moderation import queries as moderation_queries
from . import queries, services
from .forms import ConfirmForm
from .models import Membership


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/", "index", index)
    bp.add_url_rule("/c/<slug>/", "community", community_page)
    bp.add_url_rule("/c/<slug>/join", "join", join, methods=["POST"])
    bp.add_url_rule("/c/<slug>/leave", "leave", leave, methods=["GET", "POST"])
    bp.add_url_rule("/c/<slug>/requests", "requests", membership_requests, methods=["GET", "POST"])
    bp.add_url_rule("/t/<int:topic_id>/", "topic", topic_page)
    bp.add_url_rule("/p/<int:post_id>", "post", permalink)
    bp.add_url_rule("/p/<int:post_id>/history", "history", post_history)

    from .posting import register as register_posting

    register_posting(bp)


def current_actor() -> policy.Actor:
    actor: policy.Actor = state().identity.current_actor()
    return actor


def page_number() -> int:
    """The ``?page=`` of this request; anything but a sensible whole number is a 404."""
    raw = request.args.get("page", "1")
    if not raw.isdecimal() or len(raw) > 6:
        abort(404)
    number = int(raw)
    queries.check_page_number(number)
    return number


def require(verdict: policy.Verdict) -> None:
    if not verdict:
        raise NotAllowed(verdict.reason, verdict.remedy, verdict)


def index() -> str:
    db = db_session()
    actor = current_actor()
    communities = queries.all_communities(db)
    return render_template(
        "civicforum/index.html",
        communities=communities,
        readable={c.id: bool(policy.can_view_community(actor, c)) for c in communities},
    )


def community_page(slug: str) -> str:
    db = db_session()
    actor = current_actor()
    community, total = queries.community_and_topic_count(
        db, slug, policy.listed_topics_clause(actor)
    )
    readable = policy.can_view_community(actor, community)
    topics = None
    if readable:
        topics = queries.community_topics(
            db,
            community,
            page_number(),
            state().settings.topics_per_page,
            listed=policy.listed_topics_clause(actor, community),
            total=total,
        )
    elif request.args.get("page", "1") != "1":
        abort(404)
    can_join = policy.can_join(actor, community)
    return render_template(
        "civicforum/community.html",
        community=community,
        readable=readable,
        topics=topics,
        membership=actor.membership(community),
        can_start=policy.can_start_topic(actor, community),
        can_join=can_join,
        can_manage=policy.can_manage_members(actor, community),
        # Only a page that shows the join button holds a form token (and so a session):
        # a visitor's page without one can be kept for the next (civicforum.pagecache).
        form=ConfirmForm() if can_join else None,
    )


def topic_page(topic_id: int) -> str:
    db = db_session()
    actor = current_actor()
    topic = queries.get_topic(db, topic_id)
    require(policy.can_view_topic(actor, topic))
    posts = queries.topic_posts(
        db,
        topic,
        page_number(),
        state().settings.posts_per_page,
        listed=policy.listed_posts_clause(actor, topic.community),
        exact_count=policy.lists_published_posts_only(actor, topic.community),
    )
    return render_template(
        "civicforum/topic.html",
        topic=topic,
        community=topic.community,
        posts=posts,
        # Why a post is hidden or labelled, and why the topic is locked.
        post_decisions=moderation_queries.decisions_on_posts(
            db, (p.id for p in posts.items if p.is_hidden or p.content_warning)
        ),
        lock=moderation_queries.topic_lock(db, topic),
        moderating=policy.is_moderator(actor, topic.community),
        # Editors' verdicts on posts, shown where the posts are, in their place.
        checked=curation_queries.verifications_on_posts(db, (p.id for p in posts.items)),
        editing=policy.is_editor(actor, topic.community),
        can_report=policy.can_report(actor, topic.community),
        # A hidden post keeps its place; its text is for its author and the moderators.
        shown={p.id: policy.can_view_post(actor, p) for p in posts.items},
        can_reply=policy.can_reply(actor, topic),
        can_edit={p.id: bool(policy.can_edit_post(actor, p)) for p in posts.items},
        can_delete={p.id: bool(policy.can_delete_post(actor, p)) for p in posts.items},
    )


def permalink(post_id: int) -> Response:
    """A stable link to one post: lands on the page of its topic that holds it."""
    db = db_session()
    post = queries.get_post(db, post_id)
    require(policy.can_view_post(current_actor(), post))
    page = queries.page_of_post(db, post, state().settings.posts_per_page)
    target = url_for("civicforum.topic", topic_id=post.topic_id, page=page if page > 1 else None)
    return redirect(f"{target}#post-{post.id}")


def post_history(post_id: int) -> str:
    db = db_session()
    post = queries.get_post(db, post_id)
    require(policy.can_view_post(current_actor(), post))
    if post.is_deleted:
        abort(404)
    return render_template(
        "civicforum/history.html",
        post=post,
        topic=post.topic,
        community=post.topic.community,
        revisions=queries.post_history(db, post),
    )


def join(slug: str) -> Response:
    db = db_session()
    community = services.get_community(db, slug)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    membership = services.join(db, current_actor(), community)
    state().identity.forget_actor()
    if membership.is_active:
        flash(_("Welcome to %(name)s.", name=community.name), "civicforum")
    else:
        flash(_("Your request to join was sent to the moderators."), "civicforum")
    return redirect(url_for("civicforum.community", slug=slug))


def leave(slug: str) -> Any:
    db = db_session()
    community = services.get_community(db, slug)
    actor = current_actor()
    require(policy.can_leave(actor, community))
    form = ConfirmForm()
    if form.validate_on_submit():
        services.leave(db, actor, community)
        state().identity.forget_actor()
        flash(_("You left %(name)s.", name=community.name), "civicforum")
        return redirect(url_for("civicforum.community", slug=slug))
    return render_template("civicforum/leave.html", community=community, form=form)


def membership_requests(slug: str) -> Any:
    db = db_session()
    community = services.get_community(db, slug)
    actor = current_actor()
    require(policy.can_manage_members(actor, community))
    form = ConfirmForm()
    if form.validate_on_submit():
        raw = request.form.get("membership", "")
        # Longer numbers name no membership, and the database could not even compare them.
        membership = db.scalar(
            select(Membership).where(
                Membership.id == (int(raw) if raw.isdecimal() and len(raw) <= 9 else -1),
                Membership.community_id == community.id,
            )
        )
        if membership is None:
            abort(404)
        accept = request.form.get("answer") == "accept"
        name = membership.member.display_name
        services.answer_request(db, actor, membership, accept=accept)
        if accept:
            flash(_("%(name)s is now a member.", name=name), "civicforum")
        else:
            flash(_("The request of %(name)s was declined.", name=name), "civicforum")
        return redirect(url_for("civicforum.requests", slug=slug))
    return render_template(
        "civicforum/requests.html",
        community=community,
        pending=queries.pending_requests(db, community),
        form=form,
    )
