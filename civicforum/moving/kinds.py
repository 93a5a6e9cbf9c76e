"""The community, its rules and help, and the people in it, as records.

Each kind exports the records of one community in ascending ``id`` and writes a batch
of checked records back. Rendered HTML is never read from a file: it is made again from
the Markdown, by this forum's own sanitiser.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import func, insert, select, union
from sqlalchemy.orm import Session

from ..forum.models import Community, Membership, Post, Topic
from ..identity.models import (
    DISPLAY_NAME_MAX,
    ExternalIdentity,
    LocalAccount,
    Member,
    MemberAttribute,
)
from ..markup import render_markdown
from ..moderation.models import Appeal, Decision, HelpResource, HouseRule, ModerationSettings
from .records import (
    BATCH,
    ExportContext,
    ImportContext,
    Record,
    RecordKind,
    References,
    level_name,
    level_value,
    moment,
    when,
)

# -- the community -------------------------------------------------------------------------


def _export_community(ctx: ExportContext) -> Iterator[Record]:
    community = ctx.db.get(Community, ctx.community_id)
    assert community is not None
    settings = ctx.db.get(ModerationSettings, community.id)
    yield {
        "kind": "community",
        "id": community.id,
        "slug": community.slug,
        "name": community.name,
        "description": community.description,
        "house_rules": community.house_rules,
        "visibility": community.visibility,
        "join_policy": community.join_policy,
        "post_level": level_name(community.min_post_level),
        "read_level": level_name(community.min_read_level),
        "read_attribute": community.read_attribute,
        "post_attribute": community.post_attribute,
        "language": community.language,
        "created_at": when(community.created_at),
        "moderation": {
            "hold_first_posts": settings.hold_first_posts if settings else 0,
            "hold_everything": settings.hold_everything if settings else False,
        },
    }


def _write_community(ctx: ImportContext, records: list[Record]) -> None:
    (record,) = records
    slug = ctx.scratch["slug"]
    ctx.db.execute(
        insert(Community),
        [
            {
                "id": ctx.community_id,
                "slug": slug,
                "name": record["name"],
                "description": record["description"],
                "description_html": render_markdown(record["description"]),
                "house_rules": record["house_rules"],
                "house_rules_html": render_markdown(record["house_rules"]),
                "visibility": record["visibility"],
                "join_policy": record["join_policy"],
                "min_post_level": level_value(record["post_level"]),
                "min_read_level": level_value(record.get("read_level")),
                "read_attribute": record.get("read_attribute"),
                "post_attribute": record.get("post_attribute"),
                "language": record.get("language"),
                "created_at": moment(record["created_at"]),
            }
        ],
    )
    moderation = record.get("moderation") or {}
    if moderation.get("hold_first_posts") or moderation.get("hold_everything"):
        ctx.db.add(
            ModerationSettings(
                community_id=ctx.community_id,
                hold_first_posts=moderation.get("hold_first_posts", 0),
                hold_everything=moderation.get("hold_everything", False),
            )
        )


def _no_references(record: Record) -> References:
    return ()


# -- permalinks --------------------------------------------------------------------------


def _export_permalinks(ctx: ExportContext) -> Iterator[Record]:
    yield {"kind": "permalinks", **ctx.permalinks}


def _write_permalinks(ctx: ImportContext, records: list[Record]) -> None:
    ctx.scratch["permalinks"] = records[0]


# -- house rules and help ------------------------------------------------------------------


def _export_rules(ctx: ExportContext) -> Iterator[Record]:
    rules = ctx.db.scalars(
        select(HouseRule).where(HouseRule.community_id == ctx.community_id).order_by(HouseRule.id)
    )
    for rule in rules:
        yield {
            "kind": "house_rule",
            "id": rule.id,
            "number": rule.number,
            "title": {"nl": rule.title_nl, "en": rule.title_en},
            "explanation": {"nl": rule.explanation_nl, "en": rule.explanation_en},
            "created_at": when(rule.created_at),
            "edited_at": when(rule.edited_at),
        }


def _write_rules(ctx: ImportContext, records: list[Record]) -> None:
    ctx.db.execute(
        insert(HouseRule),
        [
            {
                "id": ctx.ids("house_rule", r["id"]),
                "community_id": ctx.community_id,
                "number": r["number"],
                "title_nl": r["title"]["nl"],
                "title_en": r["title"]["en"],
                "explanation_nl": r["explanation"]["nl"],
                "explanation_en": r["explanation"]["en"],
                "created_at": moment(r["created_at"]),
                "edited_at": moment(r.get("edited_at")),
            }
            for r in records
        ],
    )


def _export_help(ctx: ExportContext) -> Iterator[Record]:
    resources = ctx.db.scalars(
        select(HelpResource)
        .where(HelpResource.community_id == ctx.community_id)
        .order_by(HelpResource.id)
    )
    for resource in resources:
        yield {
            "kind": "help_resource",
            "id": resource.id,
            "position": resource.position,
            "name": resource.name,
            "phone": resource.phone,
            "url": resource.url,
            "opening_hours": resource.opening_hours,
            "created_at": when(resource.created_at),
        }


def _write_help(ctx: ImportContext, records: list[Record]) -> None:
    ctx.db.execute(
        insert(HelpResource),
        [
            {
                "id": ctx.ids("help_resource", r["id"]),
                "community_id": ctx.community_id,
                "position": r["position"],
                "name": r["name"],
                "phone": r.get("phone"),
                "url": r.get("url"),
                "opening_hours": r.get("opening_hours"),
                "created_at": moment(r["created_at"]),
            }
            for r in records
        ],
    )


# -- members -----------------------------------------------------------------------------


def core_member_ids(ctx: ExportContext) -> set[int]:
    """Everyone the community's core records name: members, authors, moderators."""
    c = ctx.community_id
    in_community = select(Topic.id).where(Topic.community_id == c)
    posts = select(Post.id).where(Post.topic_id.in_(in_community))
    decisions = select(Decision.id).where(Decision.community_id == c)
    from ..curation.models import ItemDispute, ItemRevision, ItemTransition, VerifiedItem
    from ..forum.models import PostRevision

    items = select(VerifiedItem.id).where(VerifiedItem.community_id == c)
    sources = [
        select(Membership.member_id).where(Membership.community_id == c),
        select(Topic.author_id).where(Topic.community_id == c),
        select(Post.author_id).where(Post.id.in_(posts)),
        select(Post.deleted_by_id).where(Post.id.in_(posts)),
        select(PostRevision.replaced_by_id).where(PostRevision.post_id.in_(posts)),
        select(Decision.member_id).where(Decision.community_id == c),
        select(Decision.decided_by_id).where(Decision.community_id == c),
        select(Decision.lifted_by_id).where(Decision.community_id == c),
        select(Appeal.appellant_id).where(Appeal.decision_id.in_(decisions)),
        select(Appeal.decided_by_id).where(Appeal.decision_id.in_(decisions)),
        select(VerifiedItem.author_id).where(VerifiedItem.community_id == c),
        select(ItemRevision.author_id).where(ItemRevision.item_id.in_(items)),
        select(ItemRevision.decided_by_id).where(ItemRevision.item_id.in_(items)),
        select(ItemTransition.actor_id).where(ItemTransition.item_id.in_(items)),
        select(ItemDispute.member_id).where(ItemDispute.item_id.in_(items)),
        select(ItemDispute.resolved_by_id).where(ItemDispute.item_id.in_(items)),
    ]
    found = ctx.db.scalars(union(*sources))
    return {member_id for member_id in found if member_id is not None}


def _export_members(ctx: ExportContext) -> Iterator[Record]:
    ordered = sorted(ctx.member_ids)
    for start in range(0, len(ordered), BATCH):
        chunk = ordered[start : start + BATCH]
        roles = {
            m.member_id: m
            for m in ctx.db.scalars(
                select(Membership).where(
                    Membership.community_id == ctx.community_id, Membership.member_id.in_(chunk)
                )
            )
        }
        members = ctx.db.scalars(select(Member).where(Member.id.in_(chunk)).order_by(Member.id))
        for member in members:
            membership = roles.get(member.id)
            record: Record = {
                "kind": "member",
                "id": member.id,
                "display_name": member.display_name,
                "identity_level": level_name(member.identity_level),
                "publish_as": member.publish_as,
                "language": member.language,
                "created_at": when(member.created_at),
                "membership": None
                if membership is None
                else {
                    "role": membership.role,
                    "status": membership.status,
                    "joined_at": when(membership.joined_at),
                },
            }
            if ctx.with_accounts:
                record["account"] = _account(member)
            yield record


def _account(member: Member) -> Record:
    local = member.local_account
    return {
        "real_name": member.real_name,
        "email": local.email if local else None,
        "password_hash": local.password_hash if local else None,
        "password_changed_at": when(local.password_changed_at) if local else None,
        "identities": [
            {"provider": i.provider, "subject": i.subject, "created_at": when(i.created_at)}
            for i in sorted(member.identities, key=lambda i: (i.provider, i.subject))
        ],
        "attributes": [
            {"key": a.key, "provider": a.provider, "verified_at": when(a.verified_at)}
            for a in member.attributes
        ],
    }


def _existing_account(db: Session, account: Record | None) -> int | None:
    """The member here with the same e-mail address or provider identity, if any."""
    if not account:
        return None
    if account.get("email"):
        found = db.scalar(
            select(LocalAccount.member_id).where(
                func.lower(LocalAccount.email) == account["email"].lower()
            )
        )
        if found is not None:
            return found
    for identity in account.get("identities") or []:
        found = db.scalar(
            select(ExternalIdentity.member_id).where(
                ExternalIdentity.provider == identity["provider"],
                ExternalIdentity.subject == identity["subject"],
            )
        )
        if found is not None:
            return found
    return None


def _free_name(db: Session, name: str, taken: set[str]) -> str:
    candidate, n = name, 1
    while candidate.casefold() in taken or db.scalar(
        select(Member.id).where(Member.display_name_key == candidate.casefold())
    ):
        n += 1
        suffix = f" ({n})"
        candidate = name[: DISPLAY_NAME_MAX - len(suffix)] + suffix
    return candidate


def _write_members(ctx: ImportContext, records: list[Record]) -> None:
    db = ctx.db
    taken: set[str] = ctx.scratch.setdefault("names", set())
    matched = ctx.ids.exceptions.setdefault("member", {})
    keys = [r["display_name"].casefold() for r in records]
    clashing = set(
        db.scalars(select(Member.display_name_key).where(Member.display_name_key.in_(keys)))
    )
    rows, accounts, identities, attributes, memberships = [], [], [], [], []
    for record in records:
        account = record.get("account") if ctx.with_accounts else None
        existing = _existing_account(db, account)
        if existing is not None:
            matched[record["id"]] = existing
            ctx.notes.append(
                f"member {record['id']} ({record['display_name']}) is member {existing} here "
                "(the same account)"
            )
        else:
            new_id = ctx.ids("member", record["id"])
            name = record["display_name"]
            if name.casefold() in clashing or name.casefold() in taken:
                renamed = _free_name(db, name, taken)
                ctx.notes.append(
                    f"member {record['id']}: the name {name!r} is taken here; now {renamed!r}"
                )
                name = renamed
            taken.add(name.casefold())
            rows.append(
                {
                    "id": new_id,
                    "display_name": name,
                    "display_name_key": name.casefold(),
                    "real_name": (account or {}).get("real_name"),
                    "identity_level": level_value(record["identity_level"]),
                    "language": record.get("language"),
                    "publish_as": record["publish_as"],
                    "created_at": moment(record["created_at"]),
                }
            )
            if account and account.get("email") and account.get("password_hash"):
                accounts.append(
                    {
                        "member_id": new_id,
                        "email": account["email"],
                        "password_hash": account["password_hash"],
                        "password_changed_at": moment(account.get("password_changed_at"))
                        or moment(record["created_at"]),
                        "created_at": moment(record["created_at"]),
                    }
                )
            for identity in (account or {}).get("identities") or []:
                identities.append(
                    {
                        "member_id": new_id,
                        "provider": identity["provider"],
                        "subject": identity["subject"],
                        "created_at": moment(identity["created_at"]),
                    }
                )
            for attribute in (account or {}).get("attributes") or []:
                attributes.append(
                    {
                        "member_id": new_id,
                        "key": attribute["key"],
                        "provider": attribute["provider"],
                        "verified_at": moment(attribute["verified_at"]),
                    }
                )
        membership = record.get("membership")
        if membership:
            memberships.append(
                {
                    "community_id": ctx.community_id,
                    "member_id": ctx.ids("member", record["id"]),
                    "role": membership["role"],
                    "status": membership["status"],
                    "joined_at": moment(membership["joined_at"]),
                }
            )
    for model, values in (
        (Member, rows),
        (LocalAccount, accounts),
        (ExternalIdentity, identities),
        (MemberAttribute, attributes),
        (Membership, memberships),
    ):
        if values:
            db.execute(insert(model), values)


# -- the registry of the forum's own kinds ------------------------------------------------


def _core_kinds() -> list[RecordKind]:
    from . import content

    return [
        RecordKind(
            "community", "cf_community", _export_community, _no_references, _write_community
        ),
        RecordKind("permalinks", None, _export_permalinks, _no_references, _write_permalinks),
        RecordKind("house_rule", "cf_house_rule", _export_rules, _no_references, _write_rules),
        RecordKind("help_resource", "cf_help_resource", _export_help, _no_references, _write_help),
        RecordKind("member", "cf_member", _export_members, _no_references, _write_members),
        *content.KINDS,
    ]


CORE_KINDS = _core_kinds()
