"""Documents: the corpus's documents and versions, and adding, replacing and removing them.

Public surface for the other domains: ``IndexDep``, the index this process answers with now.
"""

from service.documents.dependencies import IndexDep

__all__ = ["IndexDep"]
