"""A bulk import embedded in shards, in this process or on Ray workers, with the same code.

The documents to add are sorted by id and cut into shards of about ``shard_passages``
passages (whole documents: a document's rows depend on it alone). Each shard is embedded by
``embed_contents`` (index/store.py), the code every index build runs, and its vectors are
kept under the segment store's ``.import/`` folder, named by a digest of what the shard holds
and how it is embedded, before the next one is taken; a rerun after a crash takes the shards
already there instead of embedding them again. When every shard is in, their contents,
concatenated in order, are written as one segment of the segment store (and to the shared
vector store, if there is one); only then does the caller record the corpus version, so a
crash leaves no half version, and a server that loads the version reads the segment instead
of embedding its documents.

The shards are the same whoever embeds them, so an import on Ray, with any number of
workers, writes the same passages and vectors as one in this process. Ray is imported only
by ``RayShards``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import signal
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from factdesk.core.errors import UnavailableError
from index.corpus import Document
from index.embedding import Embedder, Vectors
from index.passages import build_passages
from index.store import FORMAT_VERSION, IndexContents, IndexSpec, embed_contents
from index.versions import LayoutPart, Segment, SegmentStore, document_fingerprint

log = logging.getLogger("factdesk")
_RESTORED_SIGNALS = (signal.SIGTERM, signal.SIGINT)
IMPORT_FOLDER = ".import"  # under the segment store: shards embedded, awaiting their segment


class RayUnavailableError(UnavailableError):
    slug = "ray-unavailable"
    title = "Ray unavailable"


@dataclass(frozen=True)
class Shard:
    documents: tuple[Document, ...]
    passages: int
    name: str  # a digest of its documents and of how they are embedded

    def contents(self, embedder: Embedder, spec: IndexSpec) -> IndexContents:
        return embed_contents(self.documents, embedder, spec)


def plan_shards(documents: Sequence[Document], spec: IndexSpec, shard_passages: int) -> list[Shard]:
    """The documents, sorted by id, in shards of about ``shard_passages`` passages."""
    ordered = sorted(documents, key=lambda d: d.id)
    shards: list[Shard] = []
    current: list[Document] = []
    passages = 0

    def close() -> None:
        nonlocal current, passages
        if current:
            shards.append(Shard(tuple(current), passages, _shard_name(current, spec)))
        current, passages = [], 0

    for document in ordered:
        current.append(document)
        passages += len(build_passages([document], spec.passage_window, spec.passage_stride))
        if passages >= shard_passages:
            close()
    close()
    return shards


def _shard_name(documents: Sequence[Document], spec: IndexSpec) -> str:
    identity = [
        FORMAT_VERSION,
        spec.embedding_model,
        spec.passage_window,
        spec.passage_stride,
        spec.passage_vectors,
        [(d.id, document_fingerprint(d)) for d in documents],
    ]
    return hashlib.sha256(json.dumps(identity).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class ShardVectors:
    passage_vectors: Vectors
    sentence_vectors: npt.NDArray[np.float16]


class ShardCache:
    """Shards' vectors on disk until their segment is written (one .npz per shard)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def get(self, shard: Shard) -> ShardVectors | None:
        path = self.directory / f"{shard.name}.npz"
        if not path.exists():
            return None
        try:
            with np.load(path, allow_pickle=False) as stored:
                return ShardVectors(stored["passages"], stored["sentences"])
        except (OSError, ValueError, KeyError) as exc:  # cut short: embedded again
            log.warning("import shard %s unreadable (%s): embedding it again", shard.name, exc)
            return None

    def put(self, shard: Shard, vectors: ShardVectors) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        handle, staging = tempfile.mkstemp(dir=self.directory, prefix=".shard-", suffix=".npz")
        with os.fdopen(handle, "wb") as out:
            np.savez(out, passages=vectors.passage_vectors, sentences=vectors.sentence_vectors)
        os.replace(staging, self.directory / f"{shard.name}.npz")

    def clear(self, shards: Sequence[Shard]) -> None:
        for shard in shards:
            (self.directory / f"{shard.name}.npz").unlink(missing_ok=True)


def shard_vectors(shard: Shard, embedder: Embedder, spec: IndexSpec) -> ShardVectors:
    """One shard embedded: what a worker returns."""
    contents = shard.contents(embedder, spec)
    return ShardVectors(contents.passage_vectors, contents.sentence_vectors)


class ShardRunner(Protocol):
    """Embeds shards and yields each with its vectors as it is done (in any order)."""

    def run(self, shards: Sequence[Shard]) -> Iterator[tuple[Shard, ShardVectors]]: ...


class LocalShards:
    """Shards embedded one after another in this process."""

    def __init__(self, embedder: Embedder, spec: IndexSpec) -> None:
        self._embedder = embedder
        self._spec = spec

    def run(self, shards: Sequence[Shard]) -> Iterator[tuple[Shard, ShardVectors]]:
        for shard in shards:
            yield shard, shard_vectors(shard, self._embedder, self._spec)


class RayShards:
    """Shards embedded on a pool of Ray actors, each holding the embedder once.

    ``address``: None starts a local Ray instance on loopback (with ``workers`` CPUs);
    otherwise the address of a running cluster ("ray://host:10001" or "host:6379").
    ``load_embedder`` is called once in each actor (it is pickled to them), when the pool
    starts (``with RayShards(...) as runner``), so embedding time is embedding alone."""

    def __init__(
        self,
        load_embedder: Callable[[], Embedder],
        spec: IndexSpec,
        workers: int,
        address: str | None = None,
    ) -> None:
        try:
            import ray
        except ImportError as exc:
            raise RayUnavailableError("--ray needs Ray: pip install 'factdesk[ray]'") from exc
        self._ray: Any = ray
        self._load_embedder = load_embedder
        self._spec = spec
        self._workers = workers
        self._address = address
        self._started_here = False
        self._actors: list[Any] = []
        self._handlers: dict[signal.Signals, Any] = {}

    def __enter__(self) -> RayShards:
        ray = self._ray
        if not ray.is_initialized():
            # ray.init installs its own SIGTERM and SIGINT handlers and shutdown leaves them:
            # the process's own (a training run's save-on-signal) come back on exit.
            self._handlers = {sig: signal.getsignal(sig) for sig in _RESTORED_SIGNALS}
            options: dict[str, Any] = {
                "include_dashboard": False,
                "logging_level": "ERROR",
                "log_to_driver": False,
            }
            if self._address is None:
                options["num_cpus"] = self._workers
            else:
                options["address"] = self._address
            try:
                ray.init(**options)
            except Exception as exc:  # Ray's own connection errors have no common base
                raise RayUnavailableError(
                    f"cannot start or join Ray ({self._address or 'local'}): {exc}"
                ) from exc
            self._started_here = True
        worker = ray.remote(num_cpus=1)(_ShardWorker)
        self._actors = [
            worker.remote(self._load_embedder, self._spec) for _ in range(self._workers)
        ]
        ray.get([actor.ready.remote() for actor in self._actors])  # each has its embedder
        return self

    def __exit__(self, *exc: object) -> None:
        for actor in self._actors:
            self._ray.kill(actor)
        if self._started_here:
            self._ray.shutdown()
            for sig, handler in self._handlers.items():
                signal.signal(sig, handler)

    def run(self, shards: Sequence[Shard]) -> Iterator[tuple[Shard, ShardVectors]]:
        ray = self._ray
        if not shards:
            return
        actors = self._actors
        pending: dict[Any, Shard] = {}
        queue = list(shards)
        for actor in actors:  # one shard in flight per actor; the next when it is done
            if queue:
                shard = queue.pop(0)
                pending[actor.embed.remote(shard)] = shard
        owner = {ref: actor for ref, actor in zip(pending, actors, strict=False)}
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            ref = done[0]
            shard = pending.pop(ref)
            actor = owner.pop(ref)
            vectors = ray.get(ref)
            if queue:
                following = queue.pop(0)
                next_ref = actor.embed.remote(following)
                pending[next_ref] = following
                owner[next_ref] = actor
            yield shard, vectors


class _ShardWorker:
    """A Ray actor: the embedder loaded once, shards embedded one at a time."""

    def __init__(self, load_embedder: Callable[[], Embedder], spec: IndexSpec) -> None:
        self._embedder = load_embedder()
        self._spec = spec

    def embed(self, shard: Shard) -> ShardVectors:
        return shard_vectors(shard, self._embedder, self._spec)

    def ready(self) -> bool:
        return True


Progress = Callable[[int, int], None]  # (passages embedded so far, passages in the import)


def import_segment(
    documents: Sequence[Document],
    store: SegmentStore,
    runner: ShardRunner,
    shard_passages: int,
    progress: Progress | None = None,
) -> Segment:
    """One segment of ``documents``, embedded shard by shard by ``runner`` (shards embedded
    by an earlier, interrupted import are taken as they are), written to ``store`` and
    shared; the shards' files are removed once the segment is written."""
    if not documents:
        raise ValueError("an import needs at least one document")
    spec = store.spec
    shards = plan_shards(documents, spec, shard_passages)
    cache = ShardCache(store.directory / IMPORT_FOLDER)
    ready = {shard.name: cached for shard in shards if (cached := cache.get(shard)) is not None}
    total = sum(shard.passages for shard in shards)
    done = sum(shard.passages for shard in shards if shard.name in ready)
    if ready:
        log.info("import: %d of %d shards embedded before, taken as they are", len(ready),
                 len(shards))  # fmt: skip
    if progress is not None:
        progress(done, total)
    for shard, vectors in runner.run([shard for shard in shards if shard.name not in ready]):
        cache.put(shard, vectors)
        ready[shard.name] = vectors
        done += shard.passages
        log.info("import: shard %s embedded (%d of %d passages)", shard.name[:12], done, total)
        if progress is not None:
            progress(done, total)
    parts = [(shard, ready[shard.name]) for shard in shards]
    contents = IndexContents(
        [document for shard, _ in parts for document in shard.documents],
        build_passages(
            [document for shard, _ in parts for document in shard.documents],
            spec.passage_window,
            spec.passage_stride,
        ),
        np.ascontiguousarray(
            np.concatenate([vectors.passage_vectors for _, vectors in parts]), dtype=np.float32
        ),
        np.concatenate([vectors.sentence_vectors for _, vectors in parts]),
    )
    segment = store.write(contents)
    store.share((LayoutPart(segment, frozenset()),))
    cache.clear(shards)
    return segment
