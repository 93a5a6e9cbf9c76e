"""The demo's moderation: a Leesclub conversation the moderators had work with, and what
they did about it (a content warning after a report, a hidden advertisement with an
appeal waiting, a report still open). Written through the moderation services, as the
pages would write it; run again, it adds nothing twice."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from .demo_content import TOPICS, DemoTopic, demo_token
from .forum.models import Community, Post
from .identity.models import Member
from .identity.providers import load_actor
from .moderation import appeals, measures, reports, rules
from .moderation.models import Decision, Ground, Measure, ReportTarget

MODERATED_TOPICS: tuple[DemoTopic, ...] = (
    DemoTopic(
        key="decemberboek",
        community="leesclub",
        title="Welk boek lezen we in december?",
        posts=(
            (
                "anneke",
                "De donkere dagen komen eraan. Zullen we in december iets lichts lezen? "
                "Ik denk aan Het diner, of juist een kerstverhaal van Dickens.",
            ),
            (
                "henk",
                "Het diner! Dat einde, waarin de vader zijn zoon helpt de zaak toe te "
                "dekken, vergeet je nooit meer.",
            ),
            (
                "lotte",
                "Lees vooral mijn eigen roman, nu met 20% korting in mijn webwinkel: "
                "https://lotte-schrijft.example/winkel",
            ),
            ("sevda", "Dickens? Wie leest dat nou nog. Wat een saai voorstel."),
            (
                "bram",
                "Ik stem voor Dickens: A Christmas Carol is kort, en de bibliotheek heeft "
                "het in het Nederlands en het Engels.",
            ),
        ),
    ),
)


@dataclass(frozen=True)
class DemoMeasure:
    """A measure on a demo post: (topic, position), who took it, under which rule number,
    after whose report (if any), and whether its author appealed."""

    topic: str
    position: int
    moderator: str
    measure: str
    rule: int
    explanation: str
    label: str | None = None
    reporter: str | None = None
    report: str = ""
    appeal: str = ""


@dataclass(frozen=True)
class DemoReport:
    """A report left open, so the moderators' queue has something in it."""

    topic: str
    position: int
    reporter: str
    rule: int
    explanation: str


DEMO_MODERATION: tuple[DemoMeasure | DemoReport, ...] = (
    DemoMeasure(
        topic="decemberboek",
        position=1,
        moderator="femke",
        measure="content_warning",
        rule=1,
        label="verklapt het einde van Het diner",
        explanation="Dit bericht vertelt hoe Het diner afloopt, zonder waarschuwing vooraf.",
        reporter="anneke",
        report="Hier staat het hele einde van Het diner in. Ik had het nog niet uit!",
    ),
    DemoMeasure(
        topic="decemberboek",
        position=2,
        moderator="femke",
        measure="hide_post",
        rule=3,
        explanation="Dit bericht maakt reclame voor een eigen webwinkel, met een kortingsactie.",
        appeal="Ik dacht dat het noemen van mijn eigen boek een tip was, geen reclame.",
    ),
    DemoReport(
        topic="decemberboek",
        position=3,
        reporter="bram",
        rule=2,
        explanation="Je mag Dickens saai vinden, maar dit klinkt nogal neerbuigend.",
    ),
)


def load_moderation_demo(
    db: Session, communities: dict[str, Community], members: dict[str, Member]
) -> None:
    """Measures with their statements of reasons, an appeal and an open report, once:
    when the communities concerned have decisions already, nothing is added."""
    topics = {topic.key: topic for topic in (*TOPICS, *MODERATED_TOPICS)}
    concerned = sorted({communities[topics[step.topic].community].id for step in DEMO_MODERATION})
    if db.scalar(select(Decision.id).where(Decision.community_id.in_(concerned)).limit(1)):
        return
    for step in DEMO_MODERATION:
        topic = topics[step.topic]
        community = communities[topic.community]
        token = demo_token(topic.key, step.position)
        post = db.scalar(select(Post).where(Post.submission_token == token))
        assert post is not None, f"demo post {step.topic}:{step.position} is missing"
        rule = rules.community_rules(db, community)[step.rule - 1]
        report = None
        if step.reporter is not None:
            report = reports.submit_report(
                db,
                load_actor(db, members[step.reporter]),
                community,
                reports.Notice(
                    target=ReportTarget.POST,
                    target_id=post.id,
                    ground=Ground.HOUSE_RULE,
                    rule_id=rule.id,
                    explanation=step.report if isinstance(step, DemoMeasure) else step.explanation,
                    location=f"/p/{post.id}",
                    good_faith=True,
                ),
            ).report
        if not isinstance(step, DemoMeasure):
            continue
        decision = measures.take_measure(
            db,
            load_actor(db, members[step.moderator]),
            Measure(step.measure),
            measures.Target(post=post),
            measures.Grounds(rule_id=rule.id, explanation=step.explanation),
            label=step.label,
            report=report,
        )
        if step.appeal and post.author is not None:
            appeals.submit_appeal(db, load_actor(db, post.author), decision, step.appeal)
