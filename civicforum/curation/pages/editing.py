"""Writing trusted information: a new article, a verdict on a post, a revision (which
waits for review while the verified version stays on display), and a member's question
about verified information."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from ... import policy
from ...errors import NotAllowed, ServiceError
from ...extension import db_session
from ...forum import queries as forum_queries
from ...forum import services as forum_services
from ...forum.forms import attach_error
from ...forum.views import current_actor, require
from ...i18n import gettext as _
from .. import workflow
from ..forms import DisputeForm, ItemForm
from ..models import ItemKind, VerifiedItem
from .reading import item_page, readable_item


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/c/<slug>/reliable/new", "new_article", new_article, methods=["GET", "POST"])
    bp.add_url_rule("/p/<int:post_id>/verify", "verify_post", verify_post, methods=["GET", "POST"])
    bp.add_url_rule("/info/<int:item_id>/edit", "edit_item", edit_item, methods=["GET", "POST"])
    bp.add_url_rule("/info/<int:item_id>/question", "question", question, methods=["POST"])


def _compose(form: ItemForm, status: int, **context: Any) -> tuple[str, int]:
    return render_template("civicforum/curation/compose.html", form=form, **context), status


def new_article(slug: str) -> Any:
    db = db_session()
    actor = current_actor()
    community = forum_services.get_community(db, slug)
    require(policy.can_edit_information(actor, community))
    form = ItemForm()
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        try:
            item = workflow.create_article(
                db,
                actor,
                community,
                form.content(verification=False),
                health=bool(form.health.data),
            )
        except NotAllowed:
            raise
        except ServiceError as error:
            form.attach(error)
        else:
            flash(_("The draft is saved. Send it for review when it is ready."), "civicforum")
            return redirect(url_for("civicforum.item", item_id=item.id))
    return _compose(form, status, community=community, kind=ItemKind.ARTICLE, item=None, post=None)


def verify_post(post_id: int) -> Any:
    db = db_session()
    actor = current_actor()
    post = forum_queries.get_post(db, post_id)
    require(policy.can_verify_post(actor, post))
    form = ItemForm()
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        try:
            item = workflow.create_verification(db, actor, post, form.content(verification=True))
        except NotAllowed:
            raise
        except ServiceError as error:
            form.attach(error)
        else:
            flash(
                _("The verdict is saved as a draft. Send it for review when it is ready."),
                "civicforum",
            )
            return redirect(url_for("civicforum.item", item_id=item.id))
    return _compose(
        form,
        status,
        community=post.topic.community,
        kind=ItemKind.VERIFICATION,
        item=None,
        post=post,
    )


def edit_item(item_id: int) -> Any:
    db = db_session()
    actor = current_actor()
    item = readable_item(item_id)
    require(policy.can_edit_information(actor, item.community))
    form = ItemForm()
    status = 422 if form.is_submitted() else 200
    base = item.pending or item.published or (item.revisions[-1] if item.revisions else None)
    if request.method == "GET" and base is not None:
        form.fill(base)
        form.health.data = item.health
    if form.validate_on_submit():
        try:
            workflow.revise(
                db,
                actor,
                item,
                form.content(verification=item.is_verification),
                form.note.data or "",
            )
        except NotAllowed:
            raise
        except ServiceError as error:
            db.expire_all()
            form.attach(error)
        else:
            _set_health(db, item, bool(form.health.data))
            flash(_done_editing(item), "civicforum")
            return redirect(url_for("civicforum.item", item_id=item.id))
    return _compose(
        form,
        status,
        community=item.community,
        kind=ItemKind(item.kind),
        item=item,
        post=item.post,
    )


def _set_health(db: Any, item: VerifiedItem, health: bool) -> None:
    if item.kind == ItemKind.ARTICLE and item.health != health:
        item.health = health
        db.commit()


def _done_editing(item: VerifiedItem) -> str:
    if item.published_revision_id is None:
        return _("Your changes to the draft are saved.")
    return _(
        "Your revision waits for a second editor; until it is approved, readers see the verified version."
    )


def question(item_id: int) -> Any:
    db = db_session()
    actor = current_actor()
    item = readable_item(item_id)
    form = DisputeForm()
    if not form.validate_on_submit():
        return item_page(item.id, dispute_form=form, status=422)
    try:
        workflow.dispute(
            db,
            actor,
            item,
            question=form.question.data or "",
            citation=form.citation.data or "",
            url=form.url.data or "",
        )
    except NotAllowed:
        raise
    except ServiceError as error:
        attach_error(form, error)
        db.expire_all()
        return item_page(item.id, dispute_form=form, status=422)
    flash(
        _("Your question is sent to the editors; the information is marked as questioned."),
        "civicforum",
    )
    return redirect(url_for("civicforum.item", item_id=item.id))
