"""Verification: claims judged against the corpus (POST /v1/verify, /v1/verify/batch),
batched into shared model passes, every answer audited before it is sent.

Public surface for the other domains: ``VerificationDep`` and ``VerificationService`` (claims
verified through the shared batching), the answer (``VerifyResponse``) and a claim's cut-off
field (``AsOf``).
"""

from service.verification.dependencies import VerificationDep
from service.verification.schemas import AsOf, VerifyResponse
from service.verification.service import VerificationService

__all__ = ["AsOf", "VerificationDep", "VerificationService", "VerifyResponse"]
