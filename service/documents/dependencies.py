"""The documents domain's typed dependencies: the corpus service and the index answering now."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from index.store import LoadedIndex
from service.documents.service import CorpusService


def get_corpus(request: Request) -> CorpusService:
    corpus: CorpusService = request.app.state.runtime.corpus
    return corpus


def get_index(request: Request) -> LoadedIndex:
    """The index of the version this process answers with now."""
    return get_corpus(request).current_index


CorpusDep = Annotated[CorpusService, Depends(get_corpus)]
IndexDep = Annotated[LoadedIndex, Depends(get_index)]
