"""``factdesk documents``: add, remove and list the corpus's documents in the database.

A change is one new corpus version; running servers load it within
FACTDESK_VERSION_POLL_S (they embed what it adds), and a server started later starts on it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from factdesk.cli._common import Commands, database_sessions
from factdesk.core.settings import Settings
from index.corpus import READ_SUFFIXES, CorpusError, Document, load_corpus, read_document_file
from service.documents.repository import CorpusRepository
from service.documents.service import NewDocument, as_new, build_document


def _read(path: Path) -> list[tuple[NewDocument, str]]:
    """The documents at ``path`` (a file, a corpus folder or a .jsonl) and where each is from."""
    if not path.exists():
        raise CorpusError(f"{path} does not exist")
    if path.is_dir() or path.suffix == ".jsonl":
        return [(as_new(d, str(path)), str(path)) for d in load_corpus(path)]
    if path.suffix.lower() not in READ_SUFFIXES:
        raise CorpusError(f"{path}: add {', '.join(READ_SUFFIXES)} files, a folder or a .jsonl")
    text, from_file = read_document_file(path, path.parent)
    return [
        (NewDocument(text=text, id=path.stem, from_file=from_file, source=path.name), path.name)
    ]


def _add(args: argparse.Namespace, settings: Settings) -> int:
    from tqdm import tqdm

    stance = settings.stance
    documents: list[Document] = []
    sources: list[str | None] = []
    for path in tqdm(args.paths, desc="reading", unit=" paths", disable=len(args.paths) < 2):
        for new, source in _read(path):
            documents.append(
                build_document(new, stance.languages[0], stance.language_min_probability)
            )
            sources.append(source)
    with database_sessions(settings) as sessions:
        change = CorpusRepository(sessions).add(
            documents, f"factdesk documents add ({len(documents)})", skip_conflicts=True,
            sources=sources,
        )  # fmt: skip
    for skipped in change.skipped:
        print(f"skipped {skipped.document_id}: {skipped.reason}")
    if change.version is None:
        print("nothing added")
        return 1 if change.skipped else 0
    print(
        f"added {len(change.added)} document(s) as corpus version {change.version}"
        f"{f', skipped {len(change.skipped)}' if change.skipped else ''}; running servers "
        f"load it within {settings.index.version_poll_s:g} s"
    )
    return 0


def _remove(args: argparse.Namespace, settings: Settings) -> int:
    with database_sessions(settings) as sessions:
        change = CorpusRepository(sessions).remove(args.ids, "factdesk documents rm")
    print(f"removed {', '.join(change.removed)} as corpus version {change.version}")
    return 0


def _list(_args: argparse.Namespace, settings: Settings) -> int:
    with database_sessions(settings) as sessions:
        repository = CorpusRepository(sessions)
        head = repository.head()
        stored = repository.live_documents()
    if head == 0:
        print(
            "the corpus is not in the database yet: `factdesk serve` puts the configured one there"
        )
        return 0
    print(f"corpus version {head}: {len(stored)} document(s)")
    for item in stored:
        document = item.document
        language = document.language or "?"
        print(f"{document.id:<48} v{item.added_version:<5} {language:<3} {document.title or ''}")
    return 0


def _versions(args: argparse.Namespace, settings: Settings) -> int:
    with database_sessions(settings) as sessions:
        versions = CorpusRepository(sessions).versions(args.limit)
    for version in versions:
        change = (
            [f"+{doc_id}" for doc_id in version.added[:3]]
            + [f"-{doc_id}" for doc_id in version.removed[:3]]
            + (["…"] if len(version.added) + len(version.removed) > 6 else [])
        )
        print(
            f"v{version.version:<5} {version.created_at:%Y-%m-%d %H:%M:%S}  "
            f"{version.documents:>6} docs  {' '.join(change)}  ({version.note})"
        )
    return 0


def register(commands: Commands) -> None:
    documents = commands.add_parser("documents", help="Add, remove and list corpus documents.")
    group = documents.add_subparsers(dest="documents_command", required=True)
    add = group.add_parser(
        "add", help="Add files (.txt, .md, .html, .pdf), corpus folders or .jsonl files."
    )
    add.add_argument("paths", nargs="+", type=Path)
    add.set_defaults(handler=_add)
    remove = group.add_parser("rm", help="Remove documents by id.")
    remove.add_argument("ids", nargs="+")
    remove.set_defaults(handler=_remove)
    group.add_parser("list", help="The documents of the newest version.").set_defaults(
        handler=_list
    )
    versions = group.add_parser("versions", help="The corpus versions, newest first.")
    versions.add_argument("--limit", type=int, default=20)
    versions.set_defaults(handler=_versions)
