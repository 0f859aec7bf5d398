"""``factdesk documents``: add, remove and list the corpus's documents in the database.

A change is one new corpus version; running servers load it within
FACTDESK_VERSION_POLL_S (they embed what it adds), and a server started later starts on it.
"""

from __future__ import annotations

import argparse
import os
from contextlib import ExitStack
from functools import partial
from pathlib import Path

from factdesk.cli._common import Commands, database_sessions
from factdesk.core.settings import Settings
from factdesk.wiring import load_embedder, segment_store, shared_vectors
from index.corpus import READ_SUFFIXES, CorpusError, Document, load_corpus, read_document_file
from service.documents.repository import CorpusRepository
from service.documents.service import NewDocument, as_new, build_document

LOCAL_RAY = "local"  # `--ray` without an address


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
    documents, sources = _documents(args.paths, settings)
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


def _import(args: argparse.Namespace, settings: Settings) -> int:
    """Embed the documents in shards (here, or on Ray workers), write their segment, then
    record them as one corpus version: servers that load it embed nothing."""
    from tqdm import tqdm

    from index.ingest import LocalShards, RayShards, ShardRunner, import_segment

    documents, sources = _documents(args.paths, settings)
    with database_sessions(settings) as sessions:
        repository = CorpusRepository(sessions)
        fresh, skipped = repository.fresh(documents)
        for skip in skipped:
            print(f"skipped {skip.document_id}: {skip.reason}")
        if not fresh:
            print("nothing to import")
            return 1 if skipped else 0
        embedder = load_embedder(settings)
        store = segment_store(settings, embedder, shared_vectors(settings, embedder.dimension))
        runner: ShardRunner
        with ExitStack() as stack:
            if args.ray is None:
                runner = LocalShards(embedder, store.spec)
            else:
                # Each worker embeds with an even share of this machine's cores (a cluster's
                # workers are placed by Ray, one CPU each).
                threads = max(1, (os.cpu_count() or 1) // args.workers)
                on_worker = settings.model_copy(
                    update={"embedding": settings.embedding.model_copy(update={"threads": threads})}
                )
                address = None if args.ray == LOCAL_RAY else args.ray
                runner = stack.enter_context(
                    RayShards(partial(load_embedder, on_worker), store.spec, args.workers, address)
                )
            bar = stack.enter_context(tqdm(desc="embedding", unit=" passages", total=0))

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            segment = import_segment(fresh, store, runner, args.shard_passages, progress)
        by_id = dict(zip((d.id for d in documents), sources, strict=True))
        change = repository.add(
            fresh, f"factdesk documents import ({len(fresh)})", skip_conflicts=True,
            sources=[by_id[d.id] for d in fresh],
        )  # fmt: skip
    if change.version is None:
        print("nothing imported: every document was added meanwhile")
        return 1
    print(
        f"imported {len(change.added)} document(s), {len(segment.index.passages)} passages, as "
        f"corpus version {change.version} (segment {segment.name}, checksum "
        f"{segment.index.manifest.checksum[:16]}); running servers load it within "
        f"{settings.index.version_poll_s:g} s without embedding it"
    )
    return 0


def _documents(paths: list[Path], settings: Settings) -> tuple[list[Document], list[str | None]]:
    """The documents at ``paths``, built as the API builds them, and where each is from."""
    from tqdm import tqdm

    stance = settings.stance
    documents: list[Document] = []
    sources: list[str | None] = []
    for path in tqdm(paths, desc="reading", unit=" paths", disable=len(paths) < 2):
        for new, source in _read(path):
            documents.append(
                build_document(new, stance.languages[0], stance.language_min_probability)
            )
            sources.append(source)
    return documents, sources


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
    bulk = group.add_parser(
        "import",
        help="Add many documents as one version, embedded here in shards or on Ray workers "
        "(restartable: a rerun takes the shards embedded before).",
    )
    bulk.add_argument("paths", nargs="+", type=Path, help="Folders, .jsonl files or files.")
    bulk.add_argument(
        "--ray",
        nargs="?",
        const=LOCAL_RAY,
        metavar="ADDRESS",
        help="Embed on Ray: alone, a local Ray instance on loopback; with a cluster's "
        "address (host:6379 or ray://host:10001), its workers. Needs `pip install "
        "'factdesk[ray]'`.",
    )
    bulk.add_argument("--workers", type=int, default=2, help="Ray workers (default 2).")
    bulk.add_argument(
        "--shard-passages", type=int, default=2000, help="About this many passages a shard."
    )
    bulk.set_defaults(handler=_import)
    remove = group.add_parser("rm", help="Remove documents by id.")
    remove.add_argument("ids", nargs="+")
    remove.set_defaults(handler=_remove)
    group.add_parser("list", help="The documents of the newest version.").set_defaults(
        handler=_list
    )
    versions = group.add_parser("versions", help="The corpus versions, newest first.")
    versions.add_argument("--limit", type=int, default=20)
    versions.set_defaults(handler=_versions)
