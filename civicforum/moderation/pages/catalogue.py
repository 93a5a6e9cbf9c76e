"""House rules and help resources: the public catalogue of a community's rules, and the
moderators' pages to write rules and list where to find professional help."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from ...extension import db_session
from ...forum import services as forum_services
from ...forum.forms import ConfirmForm
from ...forum.views import current_actor
from ...i18n import gettext as _
from .. import rules, signposting
from ..forms import HelpResourceForm, RuleForm
from .common import community_for_moderators, form_cycle, number_form


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/c/<slug>/rules", "house_rules", house_rules)
    bp.add_url_rule(
        "/c/<slug>/moderation/rules", "manage_rules", manage_rules, methods=["GET", "POST"]
    )
    bp.add_url_rule(
        "/c/<slug>/moderation/rules/<int:rule_id>",
        "edit_rule",
        edit_rule,
        methods=["GET", "POST"],
    )
    bp.add_url_rule("/c/<slug>/moderation/rules/order", "move_rule", move_rule, methods=["POST"])
    bp.add_url_rule(
        "/c/<slug>/moderation/help", "manage_help", manage_help, methods=["GET", "POST"]
    )
    bp.add_url_rule(
        "/c/<slug>/moderation/help/<int:resource_id>",
        "edit_help",
        edit_help,
        methods=["GET", "POST"],
    )
    bp.add_url_rule(
        "/c/<slug>/moderation/help/<int:resource_id>/remove",
        "remove_help",
        remove_help,
        methods=["POST"],
    )


def house_rules(slug: str) -> str:
    """The numbered catalogue, public (also of a members-only community: people should
    know the rules before they ask to join), each rule with an anchor decisions link to."""
    db = db_session()
    community = forum_services.get_community(db, slug)
    return render_template(
        "civicforum/moderation/house_rules.html",
        community=community,
        rules=rules.community_rules(db, community),
    )


def _wording(form: RuleForm) -> rules.RuleText:
    return rules.RuleText(
        form.title_nl.data or "",
        form.title_en.data or "",
        form.explanation_nl.data or "",
        form.explanation_en.data or "",
    )


def manage_rules(slug: str) -> Any:
    db = db_session()
    community = community_for_moderators(slug)
    form = RuleForm()

    def add() -> str:
        rule = rules.add_rule(db, current_actor(), community, _wording(form))
        return _("House rule %(n)d is added.", n=rule.number)

    done, status = form_cycle(form, add, url_for("civicforum.manage_rules", slug=slug))
    return done or (
        render_template(
            "civicforum/moderation/manage_rules.html",
            community=community,
            rules=rules.community_rules(db, community),
            form=form,
            order_form=ConfirmForm(),
        ),
        status,
    )


def edit_rule(slug: str, rule_id: int) -> Any:
    db = db_session()
    community = community_for_moderators(slug)
    rule = rules.get_rule(db, community, rule_id)
    form = RuleForm(obj=rule if request.method == "GET" else None)

    def change() -> str:
        rules.edit_rule(db, current_actor(), rule, _wording(form))
        return _(
            "House rule %(n)d is changed; earlier decisions keep the wording they cited.",
            n=rule.number,
        )

    done, status = form_cycle(form, change, url_for("civicforum.manage_rules", slug=slug))
    return done or (
        render_template(
            "civicforum/moderation/edit_rule.html", community=community, rule=rule, form=form
        ),
        status,
    )


def move_rule(slug: str) -> Any:
    """Move one rule a place up or down; the rules are renumbered."""
    db = db_session()
    community = community_for_moderators(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    catalogue = [rule.id for rule in rules.community_rules(db, community)]
    rule_id = number_form("rule")
    if rule_id not in catalogue:
        abort(404)
    at = catalogue.index(rule_id)
    to = at - 1 if request.form.get("direction") == "up" else at + 1
    if 0 <= to < len(catalogue):
        catalogue[at], catalogue[to] = catalogue[to], catalogue[at]
        rules.reorder_rules(db, current_actor(), community, catalogue)
        flash(_("The house rules are renumbered."), "civicforum")
    return redirect(url_for("civicforum.manage_rules", slug=slug))


def _resource(form: HelpResourceForm) -> signposting.Resource:
    return signposting.Resource(
        form.name.data or "",
        form.phone.data or "",
        form.url.data or "",
        form.opening_hours.data or "",
    )


def manage_help(slug: str) -> Any:
    db = db_session()
    community = community_for_moderators(slug)
    form = HelpResourceForm()

    def add() -> str:
        signposting.add_help_resource(db, current_actor(), community, _resource(form))
        return _("The help resource is listed.")

    done, status = form_cycle(form, add, url_for("civicforum.manage_help", slug=slug))
    return done or (
        render_template(
            "civicforum/moderation/manage_help.html",
            community=community,
            resources=signposting.help_resources(db, community),
            form=form,
            remove_form=ConfirmForm(),
        ),
        status,
    )


def edit_help(slug: str, resource_id: int) -> Any:
    db = db_session()
    community = community_for_moderators(slug)
    found = signposting.get_help_resource(db, community, resource_id)
    form = HelpResourceForm(obj=found if request.method == "GET" else None)

    def change() -> str:
        signposting.edit_help_resource(db, current_actor(), community, found, _resource(form))
        return _("The help resource is changed.")

    done, status = form_cycle(form, change, url_for("civicforum.manage_help", slug=slug))
    return done or (
        render_template(
            "civicforum/moderation/edit_help.html", community=community, resource=found, form=form
        ),
        status,
    )


def remove_help(slug: str, resource_id: int) -> Any:
    db = db_session()
    community = community_for_moderators(slug)
    found = signposting.get_help_resource(db, community, resource_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    signposting.remove_help_resource(db, current_actor(), community, found)
    flash(_("The help resource is taken off the list."), "civicforum")
    return redirect(url_for("civicforum.manage_help", slug=slug))
