"""The community's federation page: whether other servers can find it and how, what is
shared with them, and every block in force with its house rule and reasons.

Moderation is visible: anyone who may read the community reads its blocks and why they
were made, as they read the moderation log. The community's moderators (the policy's
``can_moderate``, nothing else) also find there the form to block an account or a whole
server, a button to lift each block, and the deliveries that were given up (dead
letters), each with a button to try it again once the other server is back.

The page exists once a community was ever switched on: a block outlives switching off,
and so does the record of what could not be delivered. It shows no follower numbers: the
forum shows no popularity figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from markupsafe import Markup

from ... import policy
from ...errors import NotAllowed, ServiceError
from ...extension import db_session
from ...forum import services as forum_services
from ...forum.forms import ConfirmForm, attach_error
from ...forum.models import Community
from ...forum.views import current_actor, require
from ...i18n import get_locale
from ...i18n import gettext as _
from ...moderation import rules
from ...moderation.models import HouseRule
from . import addresses, blocks, delivery, services
from .forms import BlockForm
from .models import Block, Delivery

TEMPLATES = "civicforum/federation"


def register(bp: Blueprint) -> None:
    """The page and its buttons, on the plugin's blueprint (``civicforum.federation.*``),
    and the plugin's templates, which Flask finds through a blueprint of their own."""
    bp.register_blueprint(Blueprint("pages", __name__, template_folder="templates"))
    bp.add_url_rule("/c/<slug>/federation", "page", page, methods=["GET", "POST"])
    bp.add_url_rule(
        "/c/<slug>/federation/blocks/<int:block_id>/lift",
        "lift_block",
        lift_block,
        methods=["POST"],
    )
    bp.add_url_rule(
        "/c/<slug>/federation/deliveries/<int:delivery_id>/try-again",
        "try_again",
        try_again,
        methods=["POST"],
    )


@dataclass(frozen=True)
class ShownBlock:
    """A block in force as the page shows it, with the house rule it rests on. Rules are
    edited, never deleted, so ``rule`` is None only if its row was removed by hand."""

    entry: Block
    rule: HouseRule | None


def readable_community(slug: str) -> Community:
    """The community of ``slug``, for someone who may read it, once it was ever switched
    on (404 otherwise: there is nothing about other servers to show)."""
    db = db_session()
    community = forum_services.get_community(db, slug)
    require(policy.can_view_community(current_actor(), community))
    if services.actor_of(db, community) is None:
        abort(404)
    return community


def moderated_community(slug: str) -> Community:
    """:func:`readable_community`, for its moderators only.

    :raises NotAllowed: for anyone else (403, saying who may).
    """
    community = readable_community(slug)
    require(policy.can_moderate(current_actor(), community))
    return community


def expired_form() -> ServiceError:
    """The refusal of a button sent without its CSRF token (a form from elsewhere, or one
    left open too long): its own page, with nothing done."""
    return ServiceError(
        _(
            "The form expired or came from elsewhere. Go back, reload the page and try again; nothing was saved."
        )
    )


def shown_blocks(community: Community, catalogue: Sequence[HouseRule]) -> list[ShownBlock]:
    """The blocks in force, newest first, each with its house rule."""
    by_id = {rule.id: rule for rule in catalogue}
    return [
        ShownBlock(entry, by_id.get(entry.rule_id) if entry.rule_id is not None else None)
        for entry in blocks.in_force(db_session(), community.id)
    ]


def page(slug: str) -> Any:
    """The page; a POST is the moderators' block form (422 with the refusal beside its
    field, or a redirect back here with a message)."""
    db = db_session()
    actor = current_actor()
    posted = request.method == "POST"
    community = moderated_community(slug) if posted else readable_community(slug)
    may_moderate = bool(policy.can_moderate(actor, community))
    catalogue = rules.community_rules(db, community)
    form = BlockForm() if may_moderate else None
    status = 200
    if form is not None:
        form.offer_rules(catalogue, get_locale())
        if form.validate_on_submit():
            try:
                entry = blocks.block(
                    db,
                    actor,
                    community,
                    kind=form.kind.data or "",
                    target=form.target.data or "",
                    rule_id=form.chosen_rule(),
                    reasons=form.reasons.data or "",
                )
            except NotAllowed:
                raise
            except ServiceError as error:
                db.rollback()
                attach_error(form, error)
                status = 422
            else:
                flash(
                    _(
                        "%(target)s is blocked; the block is shown here with its reasons.",
                        target=entry.target,
                    ),
                    "civicforum",
                )
                return redirect(url_for("civicforum.federation.page", slug=slug))
        elif form.is_submitted():
            status = 422
    return _render(community, catalogue, may_moderate, form), status


def _render(
    community: Community,
    catalogue: Sequence[HouseRule],
    may_moderate: bool,
    form: BlockForm | None,
) -> str:
    db = db_session()
    federated = services.federated_actor(db, community) is not None
    in_force = shown_blocks(community, catalogue)
    blocked_hosts = {shown.entry.target for shown in in_force if shown.entry.kind == blocks.HOST}
    return render_template(
        f"{TEMPLATES}/page.html",
        community=community,
        federated=federated,
        handle=f"{community.slug}@{addresses.host()}" if federated else "",
        group_address=addresses.community_id(community.slug) if federated else "",
        blocks=in_force,
        ACTOR=blocks.ACTOR,
        may_moderate=may_moderate,
        form=form,
        has_rules=bool(catalogue),
        dead_letters=delivery.dead_letters(db, community.id) if may_moderate else [],
        blocked_hosts=blocked_hosts,
        button=ConfirmForm(),
    )


def lift_block(slug: str, block_id: int) -> Any:
    """Lift a block (moderators); it leaves the public list at once."""
    db = db_session()
    community = moderated_community(slug)
    if not ConfirmForm().validate_on_submit():
        raise expired_form()
    entry = db.get(Block, block_id)
    if entry is None or entry.community_id != community.id:
        abort(404)
    blocks.lift(db, current_actor(), community, entry)
    flash(_("The block on %(target)s is lifted.", target=entry.target), "civicforum")
    return redirect(url_for("civicforum.federation.page", slug=slug))


def try_again(slug: str, delivery_id: int) -> Any:
    """Make a dead letter a fresh delivery and queue it (moderators), unless the
    community is no longer federated or the server has been blocked since."""
    db = db_session()
    community = moderated_community(slug)
    if not ConfirmForm().validate_on_submit():
        raise expired_form()
    row = db.get(Delivery, delivery_id)
    if row is None or row.community_id != community.id:
        abort(404)
    if row.given_up_at is None:
        message = _("This delivery is already being sent, or has arrived.")
    elif services.federated_actor(db, community) is None:
        message = _("This community is not federated now, so nothing is sent to other servers.")
    elif blocks.is_blocked(db, community.id, row.inbox):
        message = _(
            "%(host)s is blocked in this community, so nothing is sent to it.", host=row.host
        )
    else:
        delivery.try_again(db, row)
        delivery.send_soon(current_app._get_current_object(), [row.id])  # type: ignore[attr-defined]
        message = _("The delivery to %(host)s is being tried again.", host=row.host)
    flash(message, "civicforum")
    return redirect(url_for("civicforum.federation.page", slug=slug))


def sidebar(actor: policy.Actor, community: Community) -> Markup | None:
    """Beside a community that was ever switched on: how people elsewhere follow it, and
    the way to its federation page (for whoever may read the community)."""
    if not policy.can_view_community(actor, community):
        return None
    db = db_session()
    if services.actor_of(db, community) is None:
        return None
    federated = services.federated_actor(db, community) is not None
    html = render_template(
        f"{TEMPLATES}/slot_sidebar.html",
        community=community,
        handle=f"{community.slug}@{addresses.host()}" if federated else "",
    )
    return Markup(html)  # noqa: S704 (autoescaped by Jinja)
