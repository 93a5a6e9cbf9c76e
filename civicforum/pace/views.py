"""The pages of a member's pace: their choices on the settings page, the one question
about mail, and following or unfollowing a community or topic in one click."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from .. import policy
from ..errors import NotAllowed, ServiceError
from ..extension import db_session, state
from ..forum import queries
from ..forum import services as forum_services
from ..i18n import gettext as _
from ..identity.models import Member
from . import services
from .address import ask_confirmation, confirm, read_token
from .forms import AddressForm, ConfirmAddressForm, DigestQuestionForm, FollowForm, PaceForm
from .quiet import format_hhmm, known_zones, parse_hhmm

#: Zones most members here will want, offered first.
COMMON_ZONES = ("Europe/Amsterdam", "Europe/Brussels", "Europe/London", "UTC")


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/account/settings/pace", "save_pace", save_pace, methods=["POST"])
    bp.add_url_rule("/account/settings/address", "digest_address", digest_address, methods=["POST"])
    bp.add_url_rule(
        "/account/address/<token>", "confirm_address", confirm_address, methods=["GET", "POST"]
    )
    bp.add_url_rule(
        "/account/digest-question", "digest_question", digest_question, methods=["POST"]
    )
    bp.add_url_rule("/c/<slug>/follow", "follow_community", follow_community, methods=["POST"])
    bp.add_url_rule(
        "/c/<slug>/unfollow", "unfollow_community", unfollow_community, methods=["POST"]
    )
    bp.add_url_rule("/t/<int:topic_id>/follow", "follow_topic", follow_topic, methods=["POST"])
    bp.add_url_rule(
        "/t/<int:topic_id>/unfollow", "unfollow_topic", unfollow_topic, methods=["POST"]
    )


def _signed_in() -> Member:
    member: Member | None = state().identity.current_actor().member
    if member is None:
        abort(401)
    return member


def _back(fallback: str) -> Any:
    from ..identity.views import safe_next

    target = request.form.get("next") or ""
    return redirect(safe_next(target) if target else fallback)


def zone_choices(current: str | None) -> list[tuple[str, str]]:
    site = state().settings.timezone
    first = [z for z in dict.fromkeys((current or site, site, *COMMON_ZONES)) if z]
    rest = sorted(known_zones() - set(first))
    return [(z, z.replace("_", " ")) for z in [*first, *rest]]


def pace_form(member: Member) -> PaceForm:
    """The form, filled from the member's saved choices unless it was submitted."""
    db = db_session()
    prefs = services.preferences(db, member)
    form = PaceForm()
    form.timezone.choices = zone_choices(prefs.timezone)
    if not form.is_submitted():
        form.digest.data = prefs.digest
        form.timezone.data = prefs.timezone or state().settings.timezone
        form.quiet_start.data = format_hhmm(prefs.quiet_start)
        form.quiet_end.data = format_hhmm(prefs.quiet_end)
        form.open_warnings.data = prefs.open_warnings
    return form


def settings_context(
    member: Member, form: PaceForm | None = None, address: AddressForm | None = None
) -> dict[str, Any]:
    """What the settings page shows of the member's pace."""
    db = db_session()
    communities, topics = services.followed(db, member)
    return {
        "address_form": address or AddressForm(),
        "has_password": member.local_account is not None,
        "pace_form": form or pace_form(member),
        "followed_communities": communities,
        "followed_topics": topics,
        "follow_form": FollowForm(),
        "digest_address": services.digest_address(db, member),
        "mail_enabled": state().settings.mail_enabled,
    }


def _time_field(form: PaceForm, name: str) -> int | None:
    field = getattr(form, name)
    text = (field.data or "").strip()
    if not text:
        return None
    minute = parse_hhmm(text)
    if minute is None:
        field.errors = [*field.errors, _("Write a time of day such as 22:00.")]
    return minute


def save_pace() -> Any:
    from ..identity.views import render_settings

    member = _signed_in()
    form = pace_form(member)
    if form.validate_on_submit():
        start = _time_field(form, "quiet_start")
        end = _time_field(form, "quiet_end")
        if not form.quiet_start.errors and not form.quiet_end.errors:
            site_zone = state().settings.timezone
            chosen = form.timezone.data or site_zone
            try:
                services.update_pace(
                    db_session(),
                    member,
                    digest=form.digest.data or "",
                    timezone=None if chosen == site_zone else chosen,
                    quiet_start=start,
                    quiet_end=end,
                    open_warnings=bool(form.open_warnings.data),
                )
            except ServiceError as error:
                db_session().rollback()
                field = getattr(form, error.field or "", None)
                (field.errors if field is not None else form.form_errors).append(error.message)
            else:
                flash(_("Your choices are saved."), "civicforum")
                return redirect(url_for("civicforum.settings") + "#cf-pace-heading")
    return render_settings(member, pace=form, status=422)


def digest_address() -> Any:
    from ..i18n import get_locale
    from ..identity.views import render_settings

    member = _signed_in()
    form = AddressForm()
    if form.validate_on_submit():
        if form.forget.data:
            services.set_digest_address(db_session(), member, None)
            flash(_("The address is forgotten."), "civicforum")
            return redirect(url_for("civicforum.settings") + "#cf-pace-heading")
        try:
            sent_to = ask_confirmation(member, form.address.data or "", get_locale())
        except ServiceError as error:
            form.address.errors = [*form.address.errors, error.message]
        else:
            flash(
                _(
                    "We sent a link to %(address)s. Follow it within two days to confirm the address.",
                    address=sent_to,
                ),
                "civicforum",
            )
            return redirect(url_for("civicforum.settings") + "#cf-pace-heading")
    return render_settings(member, address=form, status=422)


def confirm_address(token: str) -> Any:
    """The link in the confirmation mail: a button (a GET changes nothing, for link
    scanners), then the address is stored. No sign-in needed: the link is the proof."""
    settings = state().settings
    found = read_token(settings, token)
    if found is None:
        return render_template("civicforum/pace/address_invalid.html"), 400
    form = ConfirmAddressForm()
    if form.validate_on_submit():
        confirmed = confirm(db_session(), settings, token)
        if confirmed is None:
            return render_template("civicforum/pace/address_invalid.html"), 400
        return render_template("civicforum/pace/address_confirmed.html", address=found[1])
    return render_template("civicforum/pace/address_confirm.html", form=form, address=found[1])


def digest_question() -> Any:
    member = _signed_in()
    form = DigestQuestionForm()
    if not form.validate_on_submit():
        abort(400)
    answer = "daily" if form.daily.data else "weekly" if form.weekly.data else "never"
    services.answer_digest_question(db_session(), member, answer)
    if answer == "never":
        flash(_("No e-mail then. You can change this in your settings at any time."), "civicforum")
    else:
        flash(
            _(
                "Done. Choose what you follow and your quiet hours in your settings; you can stop at any time."
            ),
            "civicforum",
        )
    return _back(url_for("civicforum.index"))


def follow_community(slug: str) -> Any:
    member = _signed_in()
    community = forum_services.get_community(db_session(), slug)
    _check(FollowForm(), policy.can_follow_community(state().identity.current_actor(), community))
    if services.follow_community(db_session(), member, community):
        flash(
            _("You follow %(name)s: its new topics come in your digest.", name=community.name),
            "civicforum",
        )
    return _back(url_for("civicforum.community", slug=slug))


def unfollow_community(slug: str) -> Any:
    member = _signed_in()
    community = forum_services.get_community(db_session(), slug)
    _check(FollowForm())
    if services.unfollow_community(db_session(), member, community):
        flash(_("You no longer follow %(name)s.", name=community.name), "civicforum")
    return _back(url_for("civicforum.community", slug=slug))


def follow_topic(topic_id: int) -> Any:
    member = _signed_in()
    topic = queries.get_topic(db_session(), topic_id)
    _check(FollowForm(), policy.can_follow_topic(state().identity.current_actor(), topic))
    if services.follow_topic(db_session(), member, topic):
        flash(_("You follow this topic: new replies come in your digest."), "civicforum")
    return _back(url_for("civicforum.topic", topic_id=topic_id))


def unfollow_topic(topic_id: int) -> Any:
    member = _signed_in()
    topic = queries.get_topic(db_session(), topic_id)
    _check(FollowForm())
    if services.unfollow_topic(db_session(), member, topic):
        flash(_("You no longer follow “%(title)s”.", title=topic.title), "civicforum")
    return _back(url_for("civicforum.topic", topic_id=topic_id))


def _check(form: FollowForm, verdict: policy.Verdict = policy.ALLOW) -> None:
    if not form.validate_on_submit():
        abort(400)
    if not verdict:
        raise NotAllowed(verdict.reason, verdict.remedy, verdict)
