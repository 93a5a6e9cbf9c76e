"""How trust is shown: the badge with its provenance (or "verification out of date"),
and the schema.org description machines read (WebPage or MedicalWebPage for articles,
ClaimReview for verdicts on posts)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from .models import ItemStatus, Verdict, VerifiedItem

#: schema.org Rating values for a verdict, 1 (worst) to 3 (best).
RATING = {Verdict.INACCURATE: 1, Verdict.NEEDS_CONTEXT: 2, Verdict.ACCURATE: 3}
RATING_NAMES = {
    Verdict.ACCURATE: "Accurate",
    Verdict.NEEDS_CONTEXT: "Needs context",
    Verdict.INACCURATE: "Inaccurate",
}


@dataclass(frozen=True)
class Trust:
    """What the badge says: ``state`` is "verified", "out_of_date", "disputed",
    "withdrawn" or "unverified"."""

    state: str
    checked_on: dt.datetime | None = None
    next_check: dt.datetime | None = None
    sources: int = 0

    @property
    def badge(self) -> bool:
        """Whether the trust badge is shown (never for out-of-date information)."""
        return self.state in ("verified", "disputed")


def trust(item: VerifiedItem, at: dt.datetime) -> Trust:
    published = item.published
    if item.status == ItemStatus.WITHDRAWN:
        return Trust("withdrawn")
    if published is None or item.reviewed_at is None:
        return Trust("unverified")
    sources = len(published.sources)
    if item.review_due_at is not None and item.review_due_at <= at:
        return Trust("out_of_date", item.reviewed_at, item.review_due_at, sources)
    state = "disputed" if item.status == ItemStatus.DISPUTED else "verified"
    return Trust(state, item.reviewed_at, item.review_due_at, sources)


def _day(moment: dt.datetime | None, zone: ZoneInfo) -> str | None:
    return moment.astimezone(zone).date().isoformat() if moment is not None else None


def json_ld(
    item: VerifiedItem,
    *,
    url: str,
    publisher: str,
    language: str,
    zone: str,
    post_url: str | None = None,
) -> dict[str, Any]:
    """The schema.org description of a verified item's page.

    :param publisher: the institution, whose editors checked it (an Organization: the
        forum names no person to machines).
    :param zone: the forum's time zone, in which dates are days.
    :param post_url: for a verdict, the post whose claim was checked.
    """
    tz = ZoneInfo(zone)
    published = item.published
    assert published is not None, "only verified information is described"
    editors = {"@type": "Organization", "name": publisher}
    citations = [
        {"@type": "CreativeWork", "name": s.citation, "url": s.url} for s in published.sources
    ]
    if item.is_verification:
        verdict = Verdict(published.verdict or Verdict.NEEDS_CONTEXT)
        claim: dict[str, Any] = {"@type": "Claim"}
        if post_url is not None:
            claim["appearance"] = {"@type": "DiscussionForumPosting", "url": post_url}
        return {
            "@context": "https://schema.org",
            "@type": "ClaimReview",
            "url": url,
            "inLanguage": language,
            "claimReviewed": published.title,
            "reviewRating": {
                "@type": "Rating",
                "ratingValue": RATING[verdict],
                "bestRating": 3,
                "worstRating": 1,
                "alternateName": RATING_NAMES[verdict],
            },
            "author": editors,
            "datePublished": _day(item.reviewed_at, tz),
            "expires": _day(item.review_due_at, tz),
            "itemReviewed": claim,
            "citation": citations,
        }
    return {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage" if item.health else "WebPage",
        "url": url,
        "name": published.title,
        "inLanguage": language,
        "reviewedBy": editors,
        "lastReviewed": _day(item.reviewed_at, tz),
        "expires": _day(item.review_due_at, tz),
        "citation": citations,
        "publisher": editors,
    }
