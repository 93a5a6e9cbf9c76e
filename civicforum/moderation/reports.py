"""Reports (notices, DSA Article 16): made by members and signed-out visitors, queued per
community, answered once.

A report says why (a house rule, or illegal content with an explanation), where exactly,
and that it is made in good faith. The reporter gets an acknowledgement with a receipt at
once, and learns the outcome through it later. Reports citing a crisis or self-harm go
to the top of the queue, and their reporter is shown the community's help resources at
once.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, case, select
from sqlalchemy.orm import Session, joinedload

from .. import clock, policy
from ..errors import Conflict, NotFound, ServiceError
from ..forum.models import Community, Post, Topic
from ..i18n import gettext as _
from ..identity.models import Member
from .checks import EXPLANATION_MAX, line, require, text, writing
from .models import (
    EMAIL_MAX,
    LEGAL_GROUND_MAX,
    Decision,
    Ground,
    HelpResource,
    HouseRule,
    Measure,
    Report,
    ReportCategory,
    ReportStatus,
    ReportTarget,
)
from .signposting import help_resources

LOCATION_MAX = 2000
# No control characters: NUL is refused by PostgreSQL in any text, and the others have no
# place in an address either.
_EMAIL = re.compile(r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+$")


@dataclass(frozen=True)
class Notice:
    """What a reporter tells: about what, why, where exactly, and in good faith."""

    target: ReportTarget
    target_id: int
    ground: Ground
    explanation: str
    location: str
    good_faith: bool
    rule_id: int | None = None
    legal_ground: str | None = None
    category: ReportCategory = ReportCategory.GENERAL
    # A signed-out reporter's address, to hear the outcome; optional, never shown.
    email: str | None = None


@dataclass(frozen=True)
class Acknowledgement:
    """The receipt of a report; for a crisis or self-harm report, where to find help now."""

    report: Report
    receipt: str
    help_resources: list[HelpResource] = field(default_factory=list)


def _target(
    db: Session, actor: policy.Actor, community: Community, notice: Notice
) -> tuple[Post | None, Topic | None, Member | None]:
    """The post, topic and member concerned, if the reporter may see them in this community."""
    missing = NotFound(_("There is no such post, topic or member to report here."))
    if notice.target == ReportTarget.POST:
        post = db.get(Post, notice.target_id)
        if post is None or post.topic.community_id != community.id or post.is_deleted:
            raise missing
        require(policy.can_view_post(actor, post))
        return post, post.topic, post.author
    if notice.target == ReportTarget.TOPIC:
        topic = db.get(Topic, notice.target_id)
        if topic is None or topic.community_id != community.id:
            raise missing
        require(policy.can_view_topic(actor, topic))
        return None, topic, topic.author
    member = db.get(Member, notice.target_id)
    if member is None:
        raise missing
    if member.id == actor.member_id:
        raise ServiceError(_("You cannot report yourself."), "target")
    return None, None, member


def submit_report(
    db: Session, actor: policy.Actor, community: Community, notice: Notice
) -> Acknowledgement:
    """Record a report and acknowledge it.

    :raises NotAllowed: when the reporter may not read this community or the content.
    :raises ServiceError: for a missing reason, location, rule or good-faith
        confirmation, or an unusable e-mail address; nothing is written.
    """
    require(policy.can_report(actor, community))
    post, topic, member = _target(db, actor, community, notice)
    rule_id = None
    legal_ground = None
    if notice.ground == Ground.HOUSE_RULE:
        rule = db.get(HouseRule, notice.rule_id) if notice.rule_id is not None else None
        if rule is None or rule.community_id != community.id:
            raise ServiceError(_("Choose the house rule this breaks."), "rule_id")
        rule_id = rule.id
    else:
        legal_ground = line(notice.legal_ground, "legal_ground", maximum=LEGAL_GROUND_MAX) or None
    explanation = text(
        notice.explanation,
        "explanation",
        maximum=EXPLANATION_MAX,
        required=_("Explain why you report this."),
    )
    location = text(
        notice.location,
        "location",
        maximum=LOCATION_MAX,
        required=_("Say where exactly it is, for example the link to the post."),
    )
    if not notice.good_faith:
        raise ServiceError(
            _("Confirm that you believe in good faith that what you report is accurate."),
            "good_faith",
        )
    email = None
    if not actor.is_authenticated and notice.email:
        email = notice.email.strip().lower()
        if not _EMAIL.match(email) or len(email) > EMAIL_MAX:
            raise ServiceError(_("This is not an e-mail address."), "email")
    at = clock.now()
    report = Report(
        community_id=community.id,
        target=notice.target.value,
        post_id=post.id if post else None,
        topic_id=topic.id if topic else None,
        member_id=member.id if member else None,
        reporter_id=actor.member_id,
        reporter_email=email,
        ground=notice.ground.value,
        rule_id=rule_id,
        legal_ground=legal_ground,
        explanation=explanation,
        location=location,
        good_faith=True,
        category=notice.category.value,
        receipt=secrets.token_urlsafe(24),
        created_at=at,
        acknowledged_at=at,
        status=ReportStatus.OPEN.value,
    )
    with writing(db):
        db.add(report)
        db.commit()
    resources = help_resources(db, community) if notice.category.is_urgent else []
    return Acknowledgement(report, report.receipt, resources)


def _same_content(report: Report) -> tuple[ColumnElement[bool], ...]:
    return (
        Report.community_id == report.community_id,
        Report.target == report.target,
        Report.post_id.is_(None) if report.post_id is None else Report.post_id == report.post_id,
        Report.topic_id.is_(None)
        if report.topic_id is None
        else Report.topic_id == report.topic_id,
        Report.member_id.is_(None)
        if report.member_id is None
        else Report.member_id == report.member_id,
    )


def lock_open_reports(db: Session, report: Report) -> list[Report]:
    """``report`` and the other open reports about the same content, locked until commit
    (in id order, so two moderators never wait for each other in a circle), with fresh
    values; ``report`` first.

    :raises ServiceError: when ``report`` has been handled meanwhile.
    """
    query = (
        select(Report)
        .where(*_same_content(report), Report.status == ReportStatus.OPEN.value)
        .order_by(Report.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    locked = list(db.scalars(query))
    mine = [r for r in locked if r.id == report.id]
    if not mine:
        raise Conflict(_("Another moderator has handled this report already."))
    return mine + [r for r in locked if r.id != report.id]


def close_reports(
    reports: Sequence[Report],
    actor: policy.Actor,
    status: ReportStatus,
    note: str,
    measure: Measure | None = None,
) -> None:
    """Answer reports: what was done, for their reporters to learn."""
    note = text(note, "note", maximum=EXPLANATION_MAX)
    at = clock.now()
    for report in reports:
        report.status = status.value
        report.handled_at = at
        report.handled_by_id = actor.member_id
        report.outcome_measure = measure.value if measure else None
        report.outcome_note = note or None


def dismiss_report(db: Session, actor: policy.Actor, report: Report, note: str = "") -> Report:
    """Close a report, and the others about the same content, without a measure.

    :raises ServiceError: when another moderator handled it meanwhile.
    """
    require(policy.can_moderate(actor, report.community))
    with writing(db):
        reports = lock_open_reports(db, report)
        close_reports(reports, actor, ReportStatus.DISMISSED, note)
        db.commit()
    return report


@dataclass(frozen=True)
class ReportGroup:
    """Open reports about one post, topic or member, as the queue shows them."""

    target: ReportTarget
    post: Post | None
    topic: Topic | None
    member: Member | None
    reports: list[Report]
    # The member's earlier decisions in this community, newest first.
    earlier_decisions: list[Decision]

    @property
    def urgent(self) -> bool:
        return any(report.is_urgent for report in self.reports)

    @property
    def first_reported_at(self) -> dt.datetime:
        return self.reports[0].created_at


def report_queue(db: Session, actor: policy.Actor, community: Community) -> list[ReportGroup]:
    """Open reports grouped by what they concern: crisis and self-harm first, then the
    longest waiting. Two statements whatever the number of reports."""
    require(policy.can_moderate(actor, community))
    urgent_first = case((Report.category == ReportCategory.GENERAL.value, 1), else_=0)
    query = (
        select(Report)
        .where(Report.community_id == community.id, Report.status == ReportStatus.OPEN.value)
        .options(
            joinedload(Report.post).joinedload(Post.author),
            joinedload(Report.topic).joinedload(Topic.author),
            joinedload(Report.member),
            joinedload(Report.rule),
        )
        .order_by(urgent_first, Report.created_at, Report.id)
    )
    groups: dict[tuple[object, ...], list[Report]] = {}
    for report in db.scalars(query):
        key = (report.target, report.post_id, report.topic_id, report.member_id)
        groups.setdefault(key, []).append(report)
    members = {r.member_id for reports in groups.values() for r in reports if r.member_id}
    history: dict[int, list[Decision]] = {}
    if members:
        earlier = select(Decision).where(
            Decision.member_id.in_(sorted(members)), Decision.community_id == community.id
        )
        for decision in db.scalars(earlier.order_by(Decision.decided_at.desc())):
            assert decision.member_id is not None
            history.setdefault(decision.member_id, []).append(decision)
    result = [
        ReportGroup(
            ReportTarget(reports[0].target),
            reports[0].post,
            reports[0].topic,
            reports[0].member,
            reports,
            history.get(reports[0].member_id or 0, []),
        )
        for reports in groups.values()
    ]
    # Groups keep the order of their first report: urgent ones, then the oldest.
    result.sort(key=lambda group: (not group.urgent, group.reports[0].created_at))
    return result


@dataclass(frozen=True)
class ReportOutcome:
    """What a reporter may learn: received when, handled or not, and what was done."""

    received_at: dt.datetime
    status: ReportStatus
    handled_at: dt.datetime | None
    measure: Measure | None
    note: str | None
    # Where it was made and about what kind of thing, for the receipt page.
    community: Community
    target: ReportTarget
    urgent: bool


def _outcome(report: Report) -> ReportOutcome:
    return ReportOutcome(
        report.acknowledged_at,
        ReportStatus(report.status),
        report.handled_at,
        Measure(report.outcome_measure) if report.outcome_measure else None,
        report.outcome_note,
        report.community,
        ReportTarget(report.target),
        report.is_urgent,
    )


def report_outcome(db: Session, receipt: str) -> ReportOutcome:
    """The outcome of a report, for whoever holds its receipt (signed in or not).

    :raises NotFound: for an unknown receipt.
    """
    # No receipt is longer or holds NUL (which PostgreSQL refuses to compare).
    found = receipt and len(receipt) <= 64 and "\x00" not in receipt
    report = db.scalar(select(Report).where(Report.receipt == receipt)) if found else None
    if report is None:
        raise NotFound(
            _("This receipt link belongs to no report. Check that you copied the whole link.")
        )
    return _outcome(report)


def my_reports(
    db: Session, actor: policy.Actor, limit: int = 100
) -> list[tuple[Report, ReportOutcome]]:
    """A member's own reports and their outcomes, newest first (the latest ``limit``)."""
    if actor.member_id is None:
        return []
    query = (
        select(Report)
        .where(Report.reporter_id == actor.member_id)
        .options(joinedload(Report.community))
        .order_by(Report.created_at.desc(), Report.id.desc())
        .limit(limit)
    )
    return [(report, _outcome(report)) for report in db.scalars(query)]


def open_reports_like(db: Session, report: Report) -> list[Report]:
    """The open reports about the same content as ``report`` (itself included): the ones
    a measure or a dismissal of it answers together."""
    query = select(Report).where(*_same_content(report), Report.status == ReportStatus.OPEN.value)
    return list(db.scalars(query.order_by(Report.id)))


def get_report(db: Session, community: Community, report_id: int) -> Report:
    """:raises NotFound: when it is not a report made in this community."""
    report = db.get(Report, report_id)
    if report is None or report.community_id != community.id:
        raise NotFound(_("There is no such report in this community."))
    return report
