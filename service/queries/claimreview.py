"""A schema.org ClaimReview (JSON-LD) of an audited answer, for a newsroom to publish.

The rating is the reviewed verdict when an editor has reviewed the answer, else the
machine's; `datePublished` appears only once a review exists, so an unreviewed draft cannot
be mistaken for a published check.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from factdesk.core.settings import PublishingSettings
from service.queries.repository import as_utc
from service.queries.tables import QueryRecord, Review

# Verdict -> (ratingValue on a 1-5 scale, the words readers see). NOT_ENOUGH_INFO rates no
# truth value, so it has words only.
RATINGS: dict[str, tuple[int | None, str]] = {
    "SUPPORTED": (5, "True"),
    "CONFLICTING": (3, "Mixed: the sources disagree"),
    "REFUTED": (1, "False"),
    "NOT_ENOUGH_INFO": (None, "Unproven: not enough information"),
}


def _rating(verdict: str) -> dict[str, Any]:
    value, words = RATINGS[verdict]
    rating: dict[str, Any] = {"@type": "Rating", "alternateName": words}
    if value is not None:
        rating |= {"ratingValue": value, "bestRating": 5, "worstRating": 1}
    return rating


def _citations(response: dict[str, Any]) -> list[dict[str, Any]]:
    cited = []
    for citation in response.get("citations", []):
        if not citation.get("decisive"):
            continue
        work: dict[str, Any] = {"@type": "CreativeWork", "text": citation["text"]}
        if citation.get("title"):
            work["name"] = citation["title"]
        if citation.get("url"):
            work["url"] = citation["url"]
        if citation.get("publisher"):
            work["publisher"] = {"@type": "Organization", "name": citation["publisher"]}
        if citation.get("published_at"):  # answers given before citations had dates lack it
            work["datePublished"] = citation["published_at"]
        cited.append(work)
    return cited


def claim_review(
    record: QueryRecord, reviews: Sequence[Review], publisher: PublishingSettings
) -> dict[str, Any]:
    latest = reviews[-1] if reviews else None
    verdict = latest.verdict if latest else record.verdict
    # An editor who overrode the answer speaks alone: the machine's reason (with its
    # internal ids) and the evidence it cited argued for the verdict that was overruled.
    overridden = latest is not None and not latest.agrees
    reason = "" if overridden else record.response.get("reason", {}).get("detail", "")
    body = " ".join(part for part in (latest.note if latest else None, reason) if part)
    document: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "claimReviewed": record.claim,
        "itemReviewed": {"@type": "Claim", "text": record.claim},
        "reviewRating": _rating(verdict),
        "dateCreated": as_utc(record.created_at).isoformat(),
        "identifier": record.id,
    }
    if body:
        document["reviewBody"] = body
    citations = [] if overridden else _citations(record.response)
    if citations:
        document["citation"] = citations
    if publisher.name:
        author: dict[str, Any] = {"@type": "Organization", "name": publisher.name}
        if publisher.url:
            author["url"] = publisher.url
        document["author"] = author
    if latest is not None:
        document["datePublished"] = as_utc(latest.created_at).date().isoformat()
    return document
