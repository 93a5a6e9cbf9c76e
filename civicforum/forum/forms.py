"""Forms of the forum pages. They check shape and CSRF; the services check the rules."""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Any

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, StringField, SubmitField, TextAreaField

from ..errors import ServiceError
from ..i18n import lazy_gettext as _l
from ..identity.models import IdentityLevel, Member, PublishAs


def publish_as_choices(member: Member) -> list[tuple[str, str]]:
    """The ways this member can sign a post: the verified badge only when verified, the
    real name only when they set one."""
    choices = [
        (PublishAs.PSEUDONYM.value, str(_l("Under my forum name"))),
        (
            PublishAs.ANONYMOUS.value,
            str(_l("As “anonymous member” (moderators can still see the account)")),
        ),
    ]
    if member.level >= IdentityLevel.VERIFIED:
        choices.append(
            (
                PublishAs.VERIFIED.value,
                str(_l("As “verified member”: no name, only that my identity is verified")),
            )
        )
    if member.real_name:
        choices.append((PublishAs.REAL_NAME.value, str(_l("Under my real name"))))
    return choices


#: What ``secrets.token_urlsafe`` makes, at most as long as the column keeps.
_SUBMISSION_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")


def body_digest(body: str) -> str:
    """Ties a publish to the text that was previewed: change the text, preview again."""
    return hashlib.sha256(body.strip().encode("utf-8", "replace")).hexdigest()[:32]


class PostForm(FlaskForm):
    body = TextAreaField(
        _l("Your message"),
        description=_l(
            "Markdown works: *italic*, **bold**, [a link](https://example.org), > a quote."
        ),
    )
    publish_as = RadioField(
        _l("Show this post"), choices=[], default=PublishAs.PSEUDONYM.value, validate_choice=False
    )
    warning = StringField(
        _l("Content warning (optional)"),
        description=_l(
            "A few words, such as “illness” or “loss”. Readers see them first and open the "
            "post when they are ready."
        ),
    )
    submission_token = HiddenField()
    previewed = HiddenField()
    preview = SubmitField(_l("Preview"))
    publish = SubmitField(_l("Publish"))

    def prepare(self, member: Member) -> None:
        """Fill in what depends on the member; give the form its one-time token."""
        self.publish_as.choices = publish_as_choices(member)
        if not self.is_submitted():
            offered = {value for value, _label in self.publish_as.choices}
            default = (
                member.publish_as if member.publish_as in offered else PublishAs.PSEUDONYM.value
            )
            self.publish_as.data = default
        if not _SUBMISSION_TOKEN.fullmatch(self.submission_token.data or ""):
            # None yet, or not one this form made (too long for its column, or with a NUL,
            # which PostgreSQL refuses): a new one.
            self.submission_token.data = secrets.token_urlsafe(24)

    @property
    def ready_to_publish(self) -> bool:
        """Publish only what was previewed, unchanged."""
        return bool(self.publish.data) and self.previewed.data == body_digest(self.body.data or "")


class TopicForm(PostForm):
    title = StringField(_l("Title"))


class EditForm(FlaskForm):
    body = TextAreaField(_l("Your message"))
    warning = StringField(
        _l("Content warning (optional)"),
        description=_l("Leave empty for no warning."),
    )
    save = SubmitField(_l("Save changes"))


class ConfirmForm(FlaskForm):
    """A button and its CSRF token: joining, leaving, deleting."""

    confirm = SubmitField(_l("Confirm"))


def attach_error(
    form: Any, error: ServiceError, *, own_fields: frozenset[str] = frozenset()
) -> None:
    """Show a service's refusal beside the field it names, or above the form.

    :param own_fields: fields of the form that are not shown (hidden inputs), whose errors
        go above the form.
    """
    field = getattr(form, error.field, None) if error.field else None
    if field is not None and error.field not in own_fields:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)
