"""Publishers: the newsroom's trust weight for each publisher's evidence (verify.trust).

Public surface for the other domains: ``PublisherTrustDep``, the weights in force now.
"""

from service.publishers.dependencies import PublisherTrustDep

__all__ = ["PublisherTrustDep"]
