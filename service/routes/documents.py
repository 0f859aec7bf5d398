"""What the index holds."""

from __future__ import annotations

from fastapi import APIRouter

from index.corpus import Document
from service.dependencies import ComponentsDep
from service.problems import NotFoundError, problem_responses
from service.schemas import DocumentList, DocumentOut

router = APIRouter(prefix="/v1/documents", tags=["documents"])


def _out(document: Document, passages: int) -> DocumentOut:
    return DocumentOut(
        id=document.id,
        title=document.title,
        publisher=document.publisher,
        authors=list(document.authors),
        published=document.published,
        url=document.url,
        language=document.language,
        characters=len(document.text),
        passages=passages,
    )


@router.get("", response_model=DocumentList, summary="Documents in the index")
async def list_documents(components: ComponentsDep) -> DocumentList:
    documents = components.index.documents.values()
    items = [_out(d, components.passage_counts.get(d.id, 0)) for d in documents]
    return DocumentList(items=items, total=len(items))


@router.get(
    "/{document_id}",
    response_model=DocumentOut,
    summary="One document's metadata and passage count",
    responses=problem_responses(404),
)
async def get_document(document_id: str, components: ComponentsDep) -> DocumentOut:
    document = components.index.documents.get(document_id)
    if document is None:
        raise NotFoundError("document", document_id)
    return _out(document, components.passage_counts.get(document_id, 0))
