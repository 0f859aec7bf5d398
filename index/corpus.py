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
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

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


@dataclass(frozen=True)
class Document:
    id: str
    text: str
    title: str | None = None
    publisher: str | None = None
    authors: tuple[str, ...] = ()
    published: str | None = None
    url: str | None = None
    language: str | None = None
    extra: dict[str, object] = field(default_factory=dict, compare=False)
    # Sentences given by the source (SciFact lists them); segmentation then keeps them as units.
    sentences: tuple[str, ...] | None = None


_KNOWN = {"id", "text", "title", "publisher", "authors", "published", "url", "language", "file"}


def _optional_str(value: object) -> str | None:
    return None if value is None else str(value)


def _document(doc_id: str, text: str, meta: dict[str, object]) -> Document:
    authors = meta.get("authors") or ()
    if isinstance(authors, str):
        authors = (authors,)
    if not isinstance(authors, (list, tuple)):
        raise CorpusError(f"document {doc_id!r}: 'authors' must be a list of names")
    sentences = meta.get("sentences")
    return Document(
        id=doc_id,
        text=text,
        title=_optional_str(meta.get("title")),
        publisher=_optional_str(meta.get("publisher")),
        authors=tuple(str(a) for a in authors),
        published=_optional_str(meta.get("published")),
        url=_optional_str(meta.get("url")),
        language=_optional_str(meta.get("language")),
        extra={k: v for k, v in meta.items() if k not in _KNOWN and k != "sentences"},
        sentences=tuple(str(s) for s in sentences) if isinstance(sentences, list) else None,
    )


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


def _html(path: Path, data: bytes) -> tuple[str, str | None]:
    """The article text of a web page (boilerplate, menus and comments dropped) and its title."""
    import trafilatura

    text = trafilatura.extract(data, include_comments=False, include_tables=True)
    if not text or not text.strip():
        raise CorpusError(f"{path}: no article text could be extracted from this HTML")
    metadata = trafilatura.extract_metadata(data)
    return text, (metadata.title if metadata and metadata.title else None)


def _pdf(path: Path, data: bytes) -> tuple[str, str | None]:
    """The text layer of a PDF, pages separated by a blank line, and its title metadata."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [(page.extract_text() or "").strip() for page in reader.pages]
        title = reader.metadata.title if reader.metadata else None
    except (PyPdfError, ValueError, KeyError, OSError) as exc:
        raise CorpusError(f"{path}: not a readable PDF ({exc})") from exc
    text = "\n\n".join(page for page in pages if page)
    if not text:
        raise CorpusError(f"{path}: the PDF has no text layer (a scan?); OCR it first")
    return text, (str(title).strip() or None) if title else None


def read_corpus_file(path: Path, root: Path, max_bytes: int = MAX_FILE_BYTES) -> str:
    """The UTF-8 text of a plain-text file of the corpus folder (see _read_bytes)."""
    return _text(path, _read_bytes(path, root, max_bytes))


def read_document_file(
    path: Path, root: Path, max_bytes: int = MAX_FILE_BYTES
) -> tuple[str, str | None]:
    """A corpus file's text and, for HTML and PDF, the title its metadata gives."""
    return read_document_bytes(path, _read_bytes(path, root, max_bytes))


def read_document_bytes(path: Path, data: bytes) -> tuple[str, str | None]:
    """The text of a file's bytes (an upload, a file read) by its suffix, and the title its
    metadata gives (HTML, PDF); ``path`` names it in errors."""
    suffix = path.suffix.lower()
    if suffix in HTML_SUFFIXES:
        return _html(path, data)
    if suffix in PDF_SUFFIXES:
        return _pdf(path, data)
    if suffix in TEXT_SUFFIXES:
        return _text(path, data), None
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
        text, title = read_document_file(path, directory)
        if title and not meta.get("title"):
            meta = {**meta, "title": title}
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
        meta = [
            document.title,
            document.publisher,
            list(document.authors),
            document.published,
            document.url,
            document.language,
            list(document.sentences or ()),
        ]
        digest.update(json.dumps([document.id, document.text, meta], ensure_ascii=False).encode())
    return digest.hexdigest()
