"""The corpus: what the index holds, and adding, replacing and removing documents.

Writes need the admin scope. Each one is a new corpus version, loaded by this server before
it answers (other replicas load it within FACTDESK_VERSION_POLL_S); the answer names the
version that holds the change.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from starlette.concurrency import run_in_threadpool

from factdesk.core.errors import NotFoundError
from index.corpus import (
    LIST_FIELDS,
    METADATA_FIELDS,
    NO_METADATA,
    READ_SUFFIXES,
    Document,
    DocumentMetadata,
    FileMetadata,
    read_document_bytes,
)
from index.store import LoadedIndex
from service.documents.dependencies import CorpusDep, IndexDep
from service.documents.schemas import (
    DocumentIn,
    DocumentList,
    DocumentOut,
    DocumentText,
    DocumentWritten,
    IndexVersionList,
    IndexVersionOut,
)
from service.documents.service import Applied, NewDocument
from service.keys import AdminCaller, ReadCaller
from service.pagination import InvalidCursorError, decode_cursor, encode_cursor
from service.problems import problem_responses
from service.routing import reject_unknown_query_parameters
from service.uploads import MULTIPART, body_media_type, read_upload, validated_body

router = APIRouter(
    prefix="/v1/documents",
    tags=["documents"],
    dependencies=[Depends(reject_unknown_query_parameters)],
)
versions_router = APIRouter(
    prefix="/v1/index",
    tags=["documents"],
    dependencies=[Depends(reject_unknown_query_parameters)],
)
# A form sends each single-valued metadata field as a string part.
_FORM_FIELDS = (
    "id",
    *(name for name in METADATA_FIELDS if name not in LIST_FIELDS),
)
_WRITE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            # Inline: the route reads its body itself (JSON or a form), so FastAPI never lists
            # DocumentIn among the components a $ref could name.
            "application/json": {"schema": DocumentIn.model_json_schema()},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "A " + ", ".join(READ_SUFFIXES) + " file: HTML "
                            "gives its article text, PDF its text layer; the title comes from "
                            "their metadata unless given.",
                        },
                        **{name: {"type": "string"} for name in _FORM_FIELDS},
                    },
                }
            },
        },
    }
}
_CURSOR = "`next_cursor` of the previous page; empty: the first page."
_WRITE_REFUSALS = problem_responses(401, 403, 408, 409, 413, 422, 429, 503)


def _out(document: Document, passages: int) -> DocumentOut:
    return DocumentOut(
        id=document.id,
        **document.metadata(),
        characters=len(document.text),
        passages=passages,
    )


@router.get(
    "",
    response_model=DocumentList,
    summary="Documents in the index, a page at a time",
    responses=problem_responses(401, 403, 422, 429),
)
async def list_documents(
    index: IndexDep,
    _caller: ReadCaller,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(description=_CURSOR)] = None,
) -> DocumentList:
    after = decode_cursor(cursor) if cursor else ""
    ids = sorted(doc_id for doc_id in index.documents if doc_id > after)
    page = ids[:limit]
    items = [_out(index.documents[i], index.passage_counts.get(i, 0)) for i in page]
    more = encode_cursor(page[-1]) if len(ids) > limit else None
    return DocumentList(items=items, total=len(index.documents), next_cursor=more)


@router.post(
    "",
    response_model=DocumentWritten,
    status_code=status.HTTP_201_CREATED,
    summary="Add a document (JSON, or a multipart upload of a .txt, .md, .html or .pdf file)",
    responses=_WRITE_REFUSALS,
    openapi_extra=_WRITE_BODY,
)
async def add_document(request: Request, corpus: CorpusDep, caller: AdminCaller) -> DocumentWritten:
    new = await _new_document(request)
    applied = await run_in_threadpool(corpus.add, new, caller.name)
    return _written(applied, replaced=False)


@router.get(
    "/{document_id}",
    response_model=DocumentOut,
    summary="One document's metadata and passage count",
    responses=problem_responses(401, 403, 404, 429),
)
async def get_document(document_id: str, index: IndexDep, _caller: ReadCaller) -> DocumentOut:
    return _out(_document(index, document_id), index.passage_counts.get(document_id, 0))


@router.put(
    "/{document_id}",
    response_model=DocumentWritten,
    summary="Replace a document's text and metadata",
    responses={**_WRITE_REFUSALS, **problem_responses(404)},
    openapi_extra=_WRITE_BODY,
)
async def replace_document(
    document_id: str, request: Request, corpus: CorpusDep, caller: AdminCaller
) -> DocumentWritten:
    new = await _new_document(request)
    applied = await run_in_threadpool(corpus.replace, document_id, new, caller.name)
    return _written(applied, replaced=True)


@router.delete(
    "/{document_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Remove a document from the corpus",
    responses=problem_responses(401, 403, 404, 429, 503),
)
async def delete_document(document_id: str, corpus: CorpusDep, caller: AdminCaller) -> Response:
    applied = await run_in_threadpool(corpus.remove, document_id, caller.name)
    return Response(status_code=204, headers={"X-Index-Version": str(applied.version)})


@router.get(
    "/{document_id}/text",
    response_model=DocumentText,
    summary="The exact text that citation offsets index into",
    responses=problem_responses(401, 403, 404, 429),
)
async def get_document_text(document_id: str, index: IndexDep, _caller: ReadCaller) -> DocumentText:
    document = _document(index, document_id)
    return DocumentText(id=document.id, text=document.text)


@versions_router.get(
    "/versions",
    response_model=IndexVersionList,
    summary="The corpus versions, newest first, and the one this server answers with",
    responses=problem_responses(401, 403, 422, 429),
)
async def list_versions(
    corpus: CorpusDep,
    index: IndexDep,
    _caller: ReadCaller,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(description=_CURSOR)] = None,
) -> IndexVersionList:
    before = _version_of(decode_cursor(cursor)) if cursor else None
    rows = await run_in_threadpool(corpus.versions, limit + 1, before)
    items = [IndexVersionOut.model_validate(row, from_attributes=True) for row in rows[:limit]]
    more = encode_cursor(f"v{items[-1].version}") if len(rows) > limit else None
    return IndexVersionList(current=index.manifest.version or 0, items=items, next_cursor=more)


def _version_of(position: str) -> int:
    if not (position.startswith("v") and position[1:].isdigit()):
        raise InvalidCursorError("cursor is not one this service issued")
    return int(position[1:])


def _document(index: LoadedIndex, document_id: str) -> Document:
    document = index.documents.get(document_id)
    if document is None:
        raise NotFoundError("document", document_id)
    return document


def _written(applied: Applied, replaced: bool) -> DocumentWritten:
    stored = applied.change.added[0]
    # The passages of the document as the version that holds it cut them.
    return DocumentWritten(
        document=_out(stored.document, applied.passages.get(stored.document.id, 0)),
        version=applied.version,
        replaced=replaced,
    )


def _id_of_file(name: str) -> str | None:
    stem = re.sub(r"[^A-Za-z0-9._:-]+", "-", Path(name).stem).strip("-._:")[:200]
    return stem or None


async def _new_document(request: Request) -> NewDocument:
    """The document a request carries: a JSON body, or a multipart form with a file."""
    if body_media_type(request) == MULTIPART:
        upload = await read_upload(request, _FORM_FIELDS)
        text, from_file = await run_in_threadpool(
            read_document_bytes, Path(upload.name), upload.data
        )
        given = validated_body(DocumentIn, {**upload.fields, "text": text})
        return _from_fields(given, text, upload.name, from_file)
    given = validated_body(DocumentIn, await request.body())
    return _from_fields(given, given.text, None)


def _from_fields(
    given: DocumentIn, text: str, source: str | None, from_file: FileMetadata = NO_METADATA
) -> NewDocument:
    return NewDocument(
        text=text,
        # An upload is named by its file, as a corpus folder's files are (else by its text).
        id=given.id or (_id_of_file(source) if source else None),
        metadata=DocumentMetadata(**given.metadata()),
        source=source,
        from_file=from_file,
    )
