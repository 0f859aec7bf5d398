"""Queries: the audit trail of every answered verification, editors' reviews of them, and
ClaimReview drafts.

Public surface for the other domains: ``AuditDep`` (the trail), and what recording an
answer or a checked draft takes (``AnsweredClaim``, ``CheckedArticle``, ``RequestOrigin``)
or may raise (``AuditUnavailableError``).
"""

from service.queries.dependencies import AuditDep
from service.queries.repository import AuditUnavailableError
from service.queries.service import AnsweredClaim, CheckedArticle, RequestOrigin

__all__ = [
    "AnsweredClaim",
    "AuditDep",
    "AuditUnavailableError",
    "CheckedArticle",
    "RequestOrigin",
]
