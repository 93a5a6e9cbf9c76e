"""Pages that write: a new topic, a reply (with quote), an edit, a deletion.

New text always passes a preview first: the publish button is only offered on the preview,
and a publish whose text differs from what was previewed is shown as a preview again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from .. import policy
from ..errors import ServiceError, TooSoon
from ..extension import db_session, state
from ..i18n import format_moment
from ..i18n import gettext as _
from ..identity.models import Member
from ..markup import quote_markdown, render_markdown
from . import queries, services
from .display import shown_author
from .forms import ConfirmForm, EditForm, PostForm, TopicForm, attach_error, body_digest
from .models import Community, Post, Topic
from .views import current_actor, require


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/c/<slug>/new", "new_topic", new_topic, methods=["GET", "POST"])
    bp.add_url_rule("/t/<int:topic_id>/reply", "reply", reply, methods=["GET", "POST"])
    bp.add_url_rule("/p/<int:post_id>/edit", "edit", edit, methods=["GET", "POST"])
    bp.add_url_rule("/p/<int:post_id>/delete", "delete", delete, methods=["GET", "POST"])


def limits() -> services.Limits:
    settings = state().settings
    return services.Limits(settings.max_title_length, settings.max_post_length)


def _member() -> Member:
    member = current_actor().member
    assert member is not None  # the policy check before this refuses visitors
    return member


def _prepare(form: PostForm) -> None:
    form.prepare(_member())


def _preview(form: PostForm, check_title: bool) -> str | None:
    """Check the text by the same rules as publishing; return rendered HTML, or None
    after attaching the errors to the form."""
    try:
        if check_title:
            services.clean_title(form.title.data or "", limits())
        body = services.clean_body(form.body.data or "", limits())
        form.warning.data = services.clean_warning(form.warning.data) or ""
    except ServiceError as error:
        attach_error(form, error)
        return None
    form.previewed.data = body_digest(form.body.data or "")
    return render_markdown(body)


def check_pace(community: Community, actor: policy.Actor | None = None) -> None:
    """:param actor: who posts (default: the signed-in visitor).
    :raises TooSoon: when the member has published as much as the limits allow for now
        (moderators of the community are not limited)."""
    actor = actor or current_actor()
    if actor.member is None or policy.is_moderator(actor, community):
        return
    pace = state().pace
    wait = pace.posting_wait(actor.member)
    if wait is None:
        return
    message = _(
        "You have published a lot in a short time. You can post again at %(time)s.",
        time=format_moment(wait),
    )
    if pace.is_new(actor.member):
        message += " " + _(
            "New members post a little less often in their first %(days)d days.",
            days=state().settings.new_member_days,
        )
    raise TooSoon(message, wait)


def count_post(community: Community, actor: policy.Actor | None = None) -> None:
    actor = actor or current_actor()
    if actor.member is not None and not policy.is_moderator(actor, community):
        state().pace.posted(actor.member)


def _publish_label(form: PostForm) -> str:
    return str(dict(form.publish_as.choices or []).get(form.publish_as.data or "", ""))


def _compose(
    form: PostForm,
    publish: Callable[[], str],
    *,
    community: Community,
    topic: Topic | None,
    action: str,
    shown_at: Callable[[Post], str],
) -> Any:
    """The compose cycle shared by new topics and replies: preview until the previewed
    text is published unchanged; ``publish`` writes and returns where to go next.

    A form sent again once it was published (a double click, "send again") leads to
    what it published, neither checked against nor counted towards the member's pace.
    """
    preview_html = None
    status = 200
    if form.validate_on_submit():
        member = current_actor().member
        earlier = (
            services.sent_before(db_session(), member, form.submission_token.data or "")
            if form.ready_to_publish and member is not None
            else None
        )
        if earlier is not None:
            return redirect(shown_at(earlier))
        if form.ready_to_publish:
            try:
                check_pace(community)
                target = publish()
            except ServiceError as error:
                attach_error(form, error)
                status = error.status_code if isinstance(error, TooSoon) else 422
            else:
                count_post(community)
                return redirect(target)
        else:
            preview_html = _preview(form, check_title=topic is None)
            status = 200 if preview_html is not None else 422
    elif form.is_submitted():
        status = 422
    return render_template(
        "civicforum/compose.html",
        form=form,
        community=community,
        topic=topic,
        preview_html=preview_html,
        publish_label=_publish_label(form),
        action=action,
    ), status


def new_topic(slug: str) -> Any:
    db = db_session()
    actor = current_actor()
    community = services.get_community(db, slug)
    require(policy.can_start_topic(actor, community))
    form = TopicForm()
    _prepare(form)

    def publish() -> str:
        topic = services.start_topic(
            db,
            actor,
            community,
            title=form.title.data or "",
            body=form.body.data or "",
            publish_as=form.publish_as.data or "",
            submission_token=form.submission_token.data or "",
            limits=limits(),
            warning=form.warning.data,
        )
        flash(_("Your topic is published."), "civicforum")
        return url_for("civicforum.topic", topic_id=topic.id)

    action = url_for("civicforum.new_topic", slug=slug)
    return _compose(
        form,
        publish,
        community=community,
        topic=None,
        action=action,
        shown_at=lambda post: url_for("civicforum.topic", topic_id=post.topic_id),
    )


def reply(topic_id: int) -> Any:
    db = db_session()
    actor = current_actor()
    topic = queries.get_topic(db, topic_id)
    require(policy.can_view_topic(actor, topic))
    require(policy.can_reply(actor, topic))
    form = PostForm()
    _prepare(form)
    quote = request.args.get("quote", "")
    if request.method == "GET" and quote.isdecimal() and len(quote) <= 9:
        quoted = queries.get_post(db, int(quote))
        if quoted.topic_id != topic.id or quoted.is_deleted:
            abort(404)
        require(policy.can_view_post(actor, quoted))  # nor the text of a hidden post
        form.body.data = quote_markdown(quoted.body, shown_author(quoted, actor).name)

    def publish() -> str:
        post = services.reply(
            db,
            actor,
            topic,
            body=form.body.data or "",
            publish_as=form.publish_as.data or "",
            submission_token=form.submission_token.data or "",
            limits=limits(),
            warning=form.warning.data,
        )
        flash(_("Your reply is published."), "civicforum")
        return url_for("civicforum.post", post_id=post.id)

    action = url_for("civicforum.reply", topic_id=topic.id)
    return _compose(
        form,
        publish,
        community=topic.community,
        topic=topic,
        action=action,
        shown_at=lambda post: url_for("civicforum.post", post_id=post.id),
    )


def edit(post_id: int) -> Any:
    db = db_session()
    actor = current_actor()
    post = queries.get_post(db, post_id)
    require(policy.can_view_post(actor, post))
    require(policy.can_edit_post(actor, post))
    form = EditForm()
    status = 200
    own = post.author_id == actor.member_id
    if not own:
        del form.warning  # a moderator's label is a measure, not an edit
    if request.method == "GET":
        form.body.data = post.body
        if own:
            form.warning.data = post.author_warning or ""
    if form.validate_on_submit():
        try:
            services.edit_post(
                db,
                actor,
                post,
                body=form.body.data or "",
                limits=limits(),
                warning=form.warning.data if own else post.author_warning,
            )
        except ServiceError as error:
            attach_error(form, error)
            status = 422
        else:
            flash(_("Your changes are saved; the earlier text stays in the history."), "civicforum")
            return redirect(url_for("civicforum.post", post_id=post.id))
    elif form.is_submitted():
        status = 422
    return render_template(
        "civicforum/edit.html",
        form=form,
        post=post,
        topic=post.topic,
        community=post.topic.community,
    ), status


def delete(post_id: int) -> Any:
    db = db_session()
    actor = current_actor()
    post = queries.get_post(db, post_id)
    require(policy.can_view_post(actor, post))
    require(policy.can_delete_post(actor, post))
    form = ConfirmForm()
    if form.validate_on_submit():
        services.delete_post(db, actor, post)
        flash(_("Your post is deleted."), "civicforum")
        return redirect(url_for("civicforum.post", post_id=post.id))
    return render_template(
        "civicforum/delete.html",
        form=form,
        post=post,
        topic=post.topic,
        community=post.topic.community,
    )
