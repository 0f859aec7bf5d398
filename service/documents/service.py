"""Adding, replacing and removing documents, as the routes use it: each change is a new
corpus version in the database, loaded by this process before the change is answered."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from factdesk.core.errors import InvalidInputError, UnavailableError
from index.corpus import (
    NO_METADATA,
    Document,
    DocumentMetadata,
    FileMetadata,
    title_from_text,
)
from index.language import detect_language
from index.live import LiveIndex
from index.store import LoadedIndex
from service.documents.repository import (
    CorpusChange,
    CorpusRepository,
    StoredDocument,
    content_sha256,
)
from service.documents.tables import IndexVersion
from verify.verifier import Verifier

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,199}")
_LANGUAGE_SAMPLE = 5000  # characters: plenty to tell a language, cheap for a long document


class VersionNotLoadedError(UnavailableError):
    slug = "version-not-loaded"
    title = "Change stored, not yet served"


class DocumentTextError(InvalidInputError):
    field = "body.text"


class DocumentIdError(InvalidInputError):
    field = "body.id"


@dataclass(frozen=True)
class NewDocument:
    """A document as a client gives it: text and whatever metadata it has."""

    text: str
    id: str | None = None
    metadata: DocumentMetadata = field(default_factory=DocumentMetadata)
    source: str | None = None  # the uploaded file's name
    from_file: FileMetadata = NO_METADATA  # what an HTML or PDF file's metadata says
    extra: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Applied:
    """A change, loaded by this process: the version it made, and the passages of the
    documents in the version this process answers with now (that one or a newer one)."""

    change: CorpusChange
    version: int  # the change's own, whatever other writers made since
    passages: Mapping[str, int]  # document id -> passages


def check_document_id(document_id: str) -> str:
    if not _ID.fullmatch(document_id):
        raise DocumentIdError(
            "a document id is 1-200 letters, digits, '.', '_', ':' or '-', starting with a "
            "letter or digit"
        )
    return document_id


def build_document(
    new: NewDocument,
    default_language: str,
    language_min_probability: float,
    document_id: str | None = None,
) -> Document:
    """The document to store: its id (given, or from its text), title (given, from the
    file's metadata, or a first line that reads as one), publisher, date and address (given,
    or from the file's metadata) and language (given or detected)."""
    text = new.text
    if not text.strip():
        raise DocumentTextError("the document has no text")
    if "\x00" in text:
        raise DocumentTextError("the document's text contains a NUL character")
    doc_id = document_id or new.id or f"doc-{content_sha256(text)[:16]}"
    given = new.metadata
    from_file = new.from_file.fields()
    metadata = {
        **from_file,
        **{name: value for name, value in given.metadata().items() if value not in (None, [])},
        "title": given.title or from_file.get("title") or title_from_text(text),
        "language": given.language
        or detect_language(text[:_LANGUAGE_SAMPLE], default_language, language_min_probability),
    }
    return Document(check_document_id(doc_id), text, **metadata, extra=dict(new.extra))


def as_new(document: Document, source: str | None = None) -> NewDocument:
    """A loaded corpus document (a file, a JSONL row) as a document to add."""
    return NewDocument(
        text=document.text,
        id=document.id,
        metadata=DocumentMetadata(**document.metadata()),
        source=source,
        extra=dict(document.extra),
    )


class CorpusService:
    def __init__(
        self,
        repository: CorpusRepository,
        live: LiveIndex[Verifier],
        default_language: str,
        language_min_probability: float,
    ) -> None:
        self.repository = repository
        self._live = live
        self._default_language = default_language
        self._min_probability = language_min_probability

    @property
    def current_index(self) -> LoadedIndex:
        """The index of the version this process answers with now."""
        return self._live.current.index

    def versions(self, limit: int, before: int | None = None) -> list[IndexVersion]:
        """Up to ``limit`` versions older than ``before`` (default: the newest), newest first."""
        return self.repository.versions(limit, before)

    def document(self, new: NewDocument, document_id: str | None = None) -> Document:
        return build_document(new, self._default_language, self._min_probability, document_id)

    def add(self, new: NewDocument, by: str) -> Applied:
        document = self.document(new)
        with self._live.changing():
            change = self.repository.add([document], f"added {document.id} by {by}",
                                         sources=[new.source])  # fmt: skip
            return self._applied(change)

    def replace(self, document_id: str, new: NewDocument, by: str) -> Applied:
        document = self.document(new, check_document_id(document_id))
        with self._live.changing():
            change = self.repository.replace(
                document, f"replaced {document_id} by {by}", new.source
            )
            return self._applied(change)

    def remove(self, document_id: str, by: str) -> Applied:
        with self._live.changing():
            change = self.repository.remove([document_id], f"removed {document_id} by {by}")
            return self._applied(change)

    def get(self, document_id: str) -> StoredDocument | None:
        return self.repository.get(document_id)

    def _applied(self, change: CorpusChange) -> Applied:
        # Loaded here before the answer: the client's next request finds the change.
        try:
            snapshot = self._live.refresh()
        except Exception as exc:  # stored, but not loaded: say so instead of a bare 500
            raise VersionNotLoadedError(
                f"the change is stored as corpus version {change.version}, but this server "
                f"could not load it yet ({type(exc).__name__}); it retries every few seconds"
            ) from exc
        if change.version is None:
            raise RuntimeError("a change that made no version cannot be applied")
        return Applied(change, change.version, snapshot.passage_counts)
