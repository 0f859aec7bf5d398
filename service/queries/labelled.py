"""Reviewed answers as a labelled claims file (evaluation.claims' format), so a newsroom
measures factdesk, and refits its thresholds, on its own claims."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from service.queries.repository import AuditRepository


def labelled_claims(repository: AuditRepository) -> Iterator[dict[str, Any]]:
    """One row per reviewed query, labelled with its latest review's verdict. When the editor
    agreed, the answer's decisive citations are the gold evidence; an override names none
    (the editor said the verdict, not where the corpus says it)."""
    for record, review in repository.reviewed():
        evidence = []
        if review.agrees:
            evidence = [
                {"document_id": c["document_id"], "quote": c["text"]}
                for c in record.response.get("citations", [])
                if c.get("decisive")
            ]
        yield {
            "id": record.id,
            "claim": record.claim,
            "label": review.verdict,
            "evidence": evidence,
            "reviewed_at": review.created_at.isoformat(),
            "reviewer": review.reviewer,
            "answered": record.verdict,
        }
