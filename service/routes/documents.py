"""What the index holds."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from factdesk.core.errors import NotFoundError
from index.corpus import Document
from index.store import LoadedIndex
from service.auth import ReadCaller
from service.dependencies import IndexDep, reject_unknown_query_parameters
from service.problems import problem_responses
from service.schemas import DocumentList, DocumentOut, DocumentText

router = APIRouter(
    prefix="/v1/documents",
    tags=["documents"],
    dependencies=[Depends(reject_unknown_query_parameters)],
)


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


@router.get(
    "",
    response_model=DocumentList,
    summary="Documents in the index",
    responses=problem_responses(401, 403, 429),
)
async def list_documents(index: IndexDep, _caller: ReadCaller) -> DocumentList:
    items = [_out(d, index.passage_counts.get(d.id, 0)) for d in index.documents.values()]
    return DocumentList(items=items, total=len(items))


@router.get(
    "/{document_id}",
    response_model=DocumentOut,
    summary="One document's metadata and passage count",
    responses=problem_responses(401, 403, 404, 429),
)
async def get_document(document_id: str, index: IndexDep, _caller: ReadCaller) -> DocumentOut:
    return _out(_document(index, document_id), index.passage_counts.get(document_id, 0))


@router.get(
    "/{document_id}/text",
    response_model=DocumentText,
    summary="The exact text that citation offsets index into",
    responses=problem_responses(401, 403, 404, 429),
)
async def get_document_text(document_id: str, index: IndexDep, _caller: ReadCaller) -> DocumentText:
    document = _document(index, document_id)
    return DocumentText(id=document.id, text=document.text)


def _document(index: LoadedIndex, document_id: str) -> Document:
    document = index.documents.get(document_id)
    if document is None:
        raise NotFoundError("document", document_id)
    return document
