"""The index version this process answers with, kept level with the corpus's version log.

A ``VersionLog`` holds the documents and the versions (the service implements it with
SQLAlchemy: service/documents/repository.py); each process holds the newest version it has
loaded, and what it serves that version with (the service: a verifier per version). A write
in this process loads the new version before it answers; other replicas find it when they
next poll the head (``version_poll_s``). Loading a version embeds only the documents it adds
(index/versions.py), composes an immutable index and what serves it, then swaps one
reference: a batch of claims reads ``current`` once and runs wholly on that version, so no
request is answered from two versions or fails during a swap. The replaced versions stay in
memory while anything still holds them; their segment folders are removed once no kept
version (``keep_versions``) uses them.

A version may hold the same passages in other embedders' vectors too (``Space``: with
FACTDESK_MULTILINGUAL, multilingual-e5-small's beside MiniLM's): each space advances segment
for segment with the same documents, and its composed index is the version's companion
(``LoadedIndex.companions``), so a claim in another language is searched in the same
version as an English one.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from index.corpus import Document
from index.store import LoadedIndex
from index.versions import Layout, LayoutPart, Segment, SegmentStore, advance, compose

log = logging.getLogger("factdesk")
BASE_SEGMENT = "base"  # the index the process started with (FACTDESK_INDEX_DIR)


Served = TypeVar("Served")  # what answers from one version's index (a verifier)


class VersionLog(Protocol):
    """The corpus's versions as the live index reads them; the head moves only forward."""

    def head(self) -> int:
        """The newest version (0: none yet)."""
        ...

    def fingerprints(self, version: int) -> dict[str, str]:
        """id -> ``document_fingerprint`` of every document live at ``version``."""
        ...

    def documents(self, version: int, ids: Sequence[str]) -> list[Document]:
        """The documents of ``ids`` as ``version`` holds them."""
        ...

    def seed(self, documents: Sequence[Document], note: str) -> int:
        """Version 1 from ``documents`` when there is no version yet; the head either way."""
        ...


@dataclass(frozen=True)
class Space:
    """Another embedder's vectors of the same passages: its base index (of the same
    documents as the version log's base) and the store its segments are written to."""

    base: LoadedIndex
    store: SegmentStore


@dataclass(frozen=True)
class Snapshot(Generic[Served]):
    version: int  # 0: the base index before the version log was read
    index: LoadedIndex  # this version's (its companions: the spaces' indexes)
    served: Served  # built for ``index``
    layout: Layout
    space_layouts: tuple[Layout, ...] = field(default=())  # one per Space, in order

    @property
    def passage_counts(self) -> Mapping[str, int]:
        return self.index.passage_counts


class LiveIndex(Generic[Served]):
    def __init__(
        self,
        base: LoadedIndex,
        base_served: Served,
        log: VersionLog,
        store: SegmentStore,
        serve: Callable[[LoadedIndex], Served],
        *,
        max_segments: int,
        keep_versions: int,
        prune_segments: bool = True,
        poll_s: float,
        shared_wait_s: float = 0.0,
        corpus: str | None = None,
        on_swap: Callable[[Snapshot[Served]], None] | None = None,
        spaces: Sequence[Space] = (),
    ) -> None:
        self._log = log
        self._store = store
        self._spaces = tuple(spaces)
        self._serve = serve
        self._max_segments = max_segments
        self._poll_s = poll_s
        self._shared_wait_s = shared_wait_s
        self._corpus = corpus
        self._on_swap = on_swap
        base_part = LayoutPart(Segment.of(BASE_SEGMENT, base, mergeable=False), frozenset())
        space_layouts = tuple(
            (LayoutPart(Segment.of(BASE_SEGMENT, space.base, mergeable=False), frozenset()),)
            for space in self._spaces
        )
        self._current = Snapshot(0, base, base_served, (base_part,), space_layouts)
        self._kept: deque[Snapshot[Served]] = deque(maxlen=max(1, keep_versions))
        # A process that only reads (a command) must not remove segments a server uses.
        self._prune_segments = prune_segments
        self._lock = threading.Lock()  # one version is loaded at a time
        self._stop = threading.Event()
        self._poller: threading.Thread | None = None
        self._own_changes = 0  # this process's changes between their commit and their load
        self._own_lock = threading.Lock()

    @property
    def current(self) -> Snapshot[Served]:
        return self._current  # one reference read: a whole version or the one before

    def start(self) -> None:
        """Seed an empty corpus with the base index's documents, load the newest version
        (reusing segments written before a restart), then follow the database."""
        documents = sorted(self._current.index.documents.values(), key=lambda d: d.id)
        self._log.seed(documents, f"seed: {self._corpus or 'the base index'}")
        self.refresh(reuse_written=True)
        if self._poll_s > 0:
            self._poller = threading.Thread(
                target=self._poll, name="factdesk-versions", daemon=True
            )
            self._poller.start()

    @contextmanager
    def changing(self) -> Iterator[None]:
        """Around a change this process commits and then loads itself: meanwhile the
        poller leaves the new version to it, so that this process, which added the
        documents, embeds them (and does not wait for another process to share them)."""
        with self._own_lock:
            self._own_changes += 1
        try:
            yield
        finally:
            with self._own_lock:
                self._own_changes -= 1

    def refresh(
        self, *, reuse_written: bool = False, await_shared: bool = False
    ) -> Snapshot[Served]:
        """Load the head version if it is newer than the current one; the current one.
        ``await_shared``: the version is another process's change, whose new documents that
        process is writing to the shared vector store: wait for them there before embedding."""
        with self._lock:
            head = self._log.head()
            current = self._current
            if head <= current.version:
                return current
            wanted = self._log.fingerprints(head)
            fetched: dict[str, Document] = {}  # read once for every space

            def fetch(ids: Sequence[str]) -> list[Document]:
                unread = [i for i in ids if i not in fetched]
                if unread:
                    fetched.update((d.id, d) for d in self._log.documents(head, unread))
                return [fetched[i] for i in ids if i in fetched]  # advance checks the rest

            layouts = [
                advance(
                    store,
                    layout,
                    wanted,
                    fetch,
                    self._max_segments,
                    reuse_written=reuse_written,
                    await_shared_s=self._shared_wait_s if await_shared else 0.0,
                )
                for store, layout in zip(
                    self._stores, (current.layout, *current.space_layouts), strict=True
                )
            ]
            index, *companions = [
                compose(layout, head, self._corpus, store.shared_search)
                for store, layout in zip(self._stores, layouts, strict=True)
            ]
            if set(index.documents) != set(wanted):
                raise RuntimeError(f"version {head} composed with other documents than it holds")
            for space, companion in zip(self._spaces, companions, strict=True):
                if not index.same_passages(companion):
                    raise RuntimeError(
                        f"version {head}: the {space.store.embedding_model} vectors hold other "
                        "passages than the index"
                    )
                index.companions[space.store.embedding_model] = companion
            snapshot = Snapshot(head, index, self._serve(index), layouts[0], tuple(layouts[1:]))
            self._kept.append(current)
            self._current = snapshot
            log.info(
                "index version %d: %d documents, %d passages in %d segment(s)",
                head,
                index.manifest.documents,
                index.manifest.count,
                len(snapshot.layout),
            )
            if self._prune_segments:
                self._prune()
        if self._on_swap is not None:
            self._on_swap(snapshot)
        return snapshot

    @property
    def _stores(self) -> tuple[SegmentStore, ...]:
        """The version's own store, then each space's."""
        return (self._store, *(space.store for space in self._spaces))

    def _in_use(self, position: int = 0) -> set[str]:
        """The segments the kept versions use in store ``position`` of ``_stores``."""
        return {
            part.segment.name
            for snap in (*self._kept, self._current)
            for part in (snap.layout, *snap.space_layouts)[position]
        }

    def _prune(self) -> None:
        for position, store in enumerate(self._stores):
            for name in store.prune(self._in_use(position)):
                log.info("segment %s removed: no kept version uses it", name)

    def _poll(self) -> None:
        while not self._stop.wait(self._poll_s):
            if self._own_changes:  # this process loads its own change itself
                continue
            try:
                self.refresh(await_shared=True)
                if self._prune_segments:  # still here: other processes must not remove them
                    for position, store in enumerate(self._stores):
                        store.hold(self._in_use(position))
            except Exception:  # the database may be down: keep answering from this version
                log.exception(
                    "could not load the newest index version; still serving %d",
                    self._current.version,
                )

    def close(self) -> None:
        self._stop.set()
        if self._poller is not None:
            self._poller.join(timeout=10)
        if self._prune_segments:
            for store in self._stores:
                store.release()
