"""Queries: the audit trail of every answered verification, editors' reviews of them, and
ClaimReview drafts.

Public surface for the other domains: ``AuditDep`` (the trail), what recording an answer or
a checked draft takes (``AnsweredClaim``, ``CheckedArticle``, ``RequestOrigin``, built by
``request_origin``) or may raise (``AuditUnavailableError``), and the earlier checks an
answer carries (``EarlierCheckOut``).
"""

from service.queries.dependencies import AuditDep, request_origin
from service.queries.repository import AuditUnavailableError
from service.queries.schemas import EarlierCheckOut
from service.queries.service import AnsweredClaim, CheckedArticle, RequestOrigin

__all__ = [
    "AnsweredClaim",
    "AuditDep",
    "AuditUnavailableError",
    "CheckedArticle",
    "EarlierCheckOut",
    "RequestOrigin",
    "request_origin",
]
