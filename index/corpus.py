"""Source documents: a directory of .txt/.md/.html/.pdf files (optional manifest.jsonl) or a
JSONL file. HTML goes through trafilatura (the article, without menus and boilerplate), PDF
through pypdf (its text layer); their titles come from their metadata unless the manifest
gives one."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, get_origin

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import PydanticCustomError

from factdesk.core.errors import InvalidInputError
from factdesk.core.files import parse_jsonl, read_jsonl

log = logging.getLogger("factdesk")
TEXT_SUFFIXES = (".txt", ".md")
HTML_SUFFIXES = (".html", ".htm")
PDF_SUFFIXES = (".pdf",)
READ_SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES + PDF_SUFFIXES
_READ = ", ".join(READ_SUFFIXES) + " files"
# A news article is tens of KiB; a file far beyond that is a mistake (a dump, a binary)
# that would otherwise be read whole into memory.
MAX_FILE_BYTES = 16 << 20


class CorpusError(InvalidInputError):
    pass


TITLE_MAX_CHARS = 1000  # a title taken from a file's metadata is cut to this


def _at_most(limit: int) -> AfterValidator:
    """A length limit (characters, or items of a list) that pydantic checks with its own
    error, left out of JSON schemas: the API's documents describe values, not input limits."""

    def check(value: Any) -> Any:
        if value is None or len(value) <= limit:
            return value
        if isinstance(value, str):
            message = "String should have at most {max_length} characters"
            raise PydanticCustomError("string_too_long", message, {"max_length": limit})
        message = (
            "{field_type} should have at most {max_length} items after validation, "
            "not {actual_length}"
        )
        context = {"field_type": "Tuple", "max_length": limit, "actual_length": len(value)}
        raise PydanticCustomError("too_long", message, context)

    return AfterValidator(check)


def _matching(pattern: str) -> AfterValidator:
    """A pattern checked with pydantic's own error, left out of JSON schemas (as above)."""
    compiled = re.compile(pattern)

    def check(value: str | None) -> str | None:
        if value is None or compiled.search(value):
            return value
        message = "String should match pattern '{pattern}'"
        raise PydanticCustomError("string_pattern_mismatch", message, {"pattern": pattern})

    return AfterValidator(check)


def _web_address(value: str | None) -> str | None:
    """http(s) only: a document's URL reaches citations, the editor's links and ClaimReview,
    where a javascript:, data: or vbscript: address would run in a reader's browser."""
    if value is None or value.lower().startswith(("http://", "https://")):
        return value
    raise PydanticCustomError("url_scheme", "URL scheme should be 'http' or 'https'")


class DocumentMetadata(BaseModel):
    """What a document says about itself besides its id and text: the one definition of
    these fields. The index files, the fingerprints, the database rows, the service and the
    API's bodies (``DocumentIn``, ``DocumentOut``) all derive from it, so a new field is
    declared here, given a column and a migration, and nothing else.

    The limits are the database columns' sizes and what the API accepts."""

    model_config = ConfigDict(frozen=True)

    title: Annotated[str | None, _at_most(TITLE_MAX_CHARS)] = (
        None  # default: a first line that reads as one
    )
    publisher: Annotated[str | None, _at_most(300)] = None
    authors: Annotated[tuple[str, ...], _at_most(100)] = Field(default_factory=tuple)
    published: Annotated[str | None, _at_most(40)] = None  # ISO 8601 (2024-05-17)
    url: Annotated[str | None, _at_most(2000), AfterValidator(_web_address)] = None
    # ISO 639-1 (default: detected), optionally with a region or script
    language: Annotated[str | None, _matching(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")] = None

    def metadata(self) -> dict[str, Any]:
        """These fields alone, as JSON values (a subclass's own fields left out)."""
        return self.model_dump(mode="json", include=set(METADATA_FIELDS))


def published_date(published: str | None) -> date | None:
    """The day a document's ``published`` value names (its first ten characters, ISO 8601:
    "2024-05-17", "2024-05-17T08:00:00Z"); None for none or one that names no day."""
    if not published:
        return None
    try:
        return date.fromisoformat(published.strip()[:10])
    except ValueError:
        return None


METADATA_FIELDS: tuple[str, ...] = tuple(DocumentMetadata.model_fields)
# Fields holding several values (authors); the others hold one string each.
LIST_FIELDS = frozenset(
    name
    for name, info in DocumentMetadata.model_fields.items()
    if get_origin(info.annotation) is tuple
)


class Document(DocumentMetadata):
    """A document of the corpus: its id, its text and its metadata."""

    id: str
    text: str
    extra: dict[str, Any] = Field(default_factory=dict)  # a manifest row's other fields
    # Sentences given by the source (SciFact lists them); segmentation then keeps them as units.
    sentences: tuple[str, ...] | None = None

    def __init__(self, id: str, text: str, **fields: Any) -> None:
        super().__init__(id=id, text=text, **fields)

    @classmethod
    def stored(cls, id: str, text: str, **fields: Any) -> Document:
        """A document read back from the index files or the database. It was checked when
        it was written; it is not checked again, so that a rule added later (a limit, the
        URL schemes) never makes a stored corpus unreadable."""
        sequences = {*LIST_FIELDS, "sentences"}  # JSON gives lists; the fields hold tuples
        values: dict[str, Any] = {
            name: tuple(value) if name in sequences and value is not None else value
            for name, value in fields.items()
            if value is not None or name not in LIST_FIELDS
        }
        return cls.model_construct(id=id, text=text, **values)


_KNOWN = {"id", "text", "file", "sentences", *METADATA_FIELDS}


def _metadata_value(doc_id: str, name: str, value: object) -> object:
    """A manifest or JSONL value as the field takes it: a name for a list of names, text
    for a date or a number."""
    if name in LIST_FIELDS:
        values = (value,) if isinstance(value, str) and value else value or ()
        if not isinstance(values, (list, tuple)):
            raise CorpusError(f"document {doc_id!r}: {name!r} must be a list")
        return tuple(str(v) for v in values)
    return str(value)


def _document(doc_id: str, text: str, meta: dict[str, object]) -> Document:
    metadata = {
        name: _metadata_value(doc_id, name, meta[name])
        for name in METADATA_FIELDS
        if meta.get(name) is not None
    }
    sentences = meta.get("sentences")
    try:
        return Document(
            doc_id,
            text,
            **metadata,
            extra={k: v for k, v in meta.items() if k not in _KNOWN},
            sentences=tuple(str(s) for s in sentences) if isinstance(sentences, list) else None,
        )
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise CorpusError(f"document {doc_id!r}: {problems}") from exc


def _read_bytes(path: Path, root: Path, max_bytes: int) -> bytes:
    """The bytes of ``path``, which must be a regular file inside ``root`` (a symlink may
    point only within it) of at most ``max_bytes``; anything else names the file."""
    resolved = path.resolve()
    if not resolved.is_relative_to(root.resolve()):
        raise CorpusError(
            f"{path}: a link to {resolved}, outside the corpus folder; copy the file in instead"
        )
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; it is rejected below.
        descriptor = os.open(resolved, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise CorpusError(f"{path}: cannot be read ({exc.strerror})") from exc
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise CorpusError(f"{path}: not a regular file; a corpus holds only text files")
        if info.st_size > max_bytes:
            raise CorpusError(
                f"{path}: {info.st_size} bytes, over the {max_bytes}-byte limit of a document"
            )
        return handle.read(max_bytes + 1)


def _text(path: Path, data: bytes) -> str:
    if b"\x00" in data:
        raise CorpusError(f"{path}: a binary file (it contains NUL bytes), not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CorpusError(
            f"{path}: not UTF-8 text (invalid byte at offset {exc.start}); convert it to UTF-8"
        ) from exc


# A sentence that states something: six words or more, ended as a sentence is.
_STATEMENT = re.compile(r"(?:\S+\s+){5,}\S*[.!?][\"'”’)]*(?:\s|$)")


@dataclass(frozen=True)
class FileMetadata:
    """What an HTML page's or a PDF's own metadata says of it; a document's given fields
    win over these."""

    title: str | None = None
    publisher: str | None = None  # an HTML page's site name
    published: str | None = None  # ISO 8601 day: the page's date, the PDF's creation date
    url: str | None = None  # an HTML page's canonical address

    def fields(self) -> dict[str, str]:
        """The fields it has, clipped to what a document's fields hold."""
        values = {"title": self.title, "publisher": self.publisher,
                  "published": self.published, "url": self.url}  # fmt: skip
        limits = {"title": TITLE_MAX_CHARS, "publisher": 300, "published": 40, "url": 2000}
        return {k: v.strip()[: limits[k]] for k, v in values.items() if v and v.strip()}


NO_METADATA = FileMetadata()


def _html(path: Path, data: bytes) -> tuple[str, FileMetadata]:
    """The article text of a web page (boilerplate, menus and comments dropped) and what
    its metadata says of it."""
    import trafilatura

    text = trafilatura.extract(data, include_comments=False, include_tables=True)
    if not text or not text.strip():
        raise CorpusError(f"{path}: no article text could be extracted from this HTML")
    if not _STATEMENT.search(text):
        # A menu, a cookie wall or a list of links: trafilatura returns its words ("Home").
        raise CorpusError(
            f"{path}: no article text in this HTML, only {text.strip()[:60]!r}: send the "
            "article's own page, or its text"
        )
    metadata = trafilatura.extract_metadata(data)
    if metadata is None:
        return text, NO_METADATA
    address = metadata.url or ""
    day = published_date(metadata.date)
    return text, FileMetadata(
        title=metadata.title or None,
        publisher=metadata.sitename or None,
        published=day.isoformat() if day else None,
        url=address if address.startswith(("http://", "https://")) else None,
    )


def _pdf(path: Path, data: bytes) -> tuple[str, FileMetadata]:
    """The text layer of a PDF, pages separated by a blank line, and its title and creation
    date metadata."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [(page.extract_text() or "").strip() for page in reader.pages]
        title = reader.metadata.title if reader.metadata else None
        created = reader.metadata.creation_date if reader.metadata else None
    except (PyPdfError, ValueError, KeyError, OSError) as exc:
        raise CorpusError(f"{path}: not a readable PDF ({exc})") from exc
    text = "\n\n".join(page for page in pages if page)
    if not text:
        raise CorpusError(f"{path}: the PDF has no text layer (a scan?); OCR it first")
    return text, FileMetadata(
        title=(str(title).strip() or None) if title else None,
        published=created.date().isoformat() if created else None,
    )


def read_corpus_file(path: Path, root: Path, max_bytes: int = MAX_FILE_BYTES) -> str:
    """The UTF-8 text of a plain-text file of the corpus folder (see _read_bytes)."""
    return _text(path, _read_bytes(path, root, max_bytes))


def read_document_file(
    path: Path, root: Path, max_bytes: int = MAX_FILE_BYTES
) -> tuple[str, FileMetadata]:
    """A corpus file's text and, for HTML and PDF, what its metadata gives."""
    return read_document_bytes(path, _read_bytes(path, root, max_bytes))


def read_document_bytes(path: Path, data: bytes) -> tuple[str, FileMetadata]:
    """The text of a file's bytes (an upload, a file read) by its suffix, and what its
    metadata says of it (HTML, PDF); ``path`` names it in errors."""
    suffix = path.suffix.lower()
    if suffix in HTML_SUFFIXES:
        return _html(path, data)
    if suffix in PDF_SUFFIXES:
        return _pdf(path, data)
    if suffix in TEXT_SUFFIXES:
        return _text(path, data), NO_METADATA
    raise CorpusError(f"{path}: a document is one of {_READ}, not {suffix or 'a file without one'}")


_MAX_TITLE = 150


def title_from_text(text: str) -> str | None:
    """The first line when it reads as a headline: short, not a sentence that runs on, not
    a shouted label ("KEY TAKEAWAYS") or a photo credit ("Liu Wenbing AP/TT"). None when
    it does not: no title is better than a wrong one."""
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if not line:
            continue
        words = line.split()
        if (
            len(line) > _MAX_TITLE
            or len(words) < 4
            or line.endswith((".", ",", ":", ";"))
            or any("/" in word or "©" in word for word in words)
            or line.isupper()
            or line.lower().startswith(("photo", "image", "credit", "by "))
        ):
            return None
        return line
    return None


def document_from(doc_id: str, text: str, meta: dict[str, object]) -> Document:
    """A document of ``text`` with the metadata fields of a manifest row or a request."""
    return _document(doc_id, text, meta)


def load_directory(directory: Path) -> list[Document]:
    """Every file of ``directory`` the loader reads (READ_SUFFIXES); ids and metadata from
    manifest.jsonl if present."""
    if not directory.is_dir():
        raise CorpusError(f"corpus directory {directory} does not exist")
    by_file: dict[str, dict[str, object]] = {}
    manifest = directory / "manifest.jsonl"
    if manifest.exists() or manifest.is_symlink():
        # Read under the same rules as the documents, then parsed from that text.
        # StringIO with universal newlines splits lines exactly as reading the file would.
        lines = io.StringIO(read_corpus_file(manifest, directory), newline=None)
        for number, row in parse_jsonl(lines, manifest, CorpusError):
            name = row.get("file") or f"{row.get('id')}.txt"
            by_file[str(name)] = row
            if "id" not in row:
                raise CorpusError(f"{manifest}:{number}: every entry needs an 'id'")
    documents: list[Document] = []
    for path in sorted(directory.iterdir()):
        if path.suffix.lower() not in READ_SUFFIXES:
            if path != manifest and not path.name.startswith("."):
                log.warning("%s: skipped; a corpus folder is read for %s", path, _READ)
            continue
        meta = by_file.get(path.name, {})
        text, from_file = read_document_file(path, directory)
        # The manifest's fields win; what the file's metadata says fills the others.
        meta = {**from_file.fields(), **{k: v for k, v in meta.items() if v is not None}}
        documents.append(_document(str(meta.get("id") or path.stem), text, meta))
    return _checked(documents, directory)


def load_jsonl(path: Path) -> list[Document]:
    """One document per line: ``{"id", "text", ...metadata}``."""
    documents: list[Document] = []
    for number, row in read_jsonl(path, CorpusError):
        if not isinstance(row.get("id"), (str, int)) or not isinstance(row.get("text"), str):
            raise CorpusError(f"{path}:{number}: needs 'id' and a string 'text'")
        documents.append(_document(str(row["id"]), str(row["text"]), row))
    return _checked(documents, path)


def load_corpus(path: Path) -> list[Document]:
    if not path.exists():
        raise CorpusError(f"corpus {path} does not exist")
    if path.is_dir():
        return load_directory(path)
    if path.suffix == ".jsonl":
        if not path.resolve().is_file():
            raise CorpusError(f"{path}: not a regular file")
        return load_jsonl(path)
    raise CorpusError(f"{path}: a corpus is a directory of .txt/.md files or a .jsonl file")


def _checked(documents: list[Document], origin: Path) -> list[Document]:
    if not documents:
        raise CorpusError(f"{origin}: no documents")
    seen: set[str] = set()
    for document in documents:
        if document.id in seen:
            raise CorpusError(f"{origin}: duplicate document id {document.id!r}")
        seen.add(document.id)
    return documents


def corpus_fingerprint(documents: Iterable[Document]) -> str:
    """Digest of ids, texts and metadata: changes whenever the indexed content would."""
    digest = hashlib.sha256()
    for document in sorted(documents, key=lambda d: d.id):
        meta = [*document.metadata().values(), list(document.sentences or ())]
        digest.update(json.dumps([document.id, document.text, meta], ensure_ascii=False).encode())
    return digest.hexdigest()
