"""The index version this process answers with, kept level with the corpus in the database.

The database holds the documents and the version log (service/corpus/repository.py); each
process holds the newest version it has loaded. A write in this process loads the new
version before it answers; other replicas find it when they next poll the head row
(``version_poll_s``). Loading a version embeds only the documents it adds (index/versions.py),
composes an immutable index and a verifier for it, then swaps one reference: a batch of
claims reads ``current`` once and runs wholly on that version, so no request is answered
from two versions or fails during a swap. The replaced versions stay in memory while
anything still holds them; their segment folders are removed once no kept version
(``keep_versions``) uses them.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from factdesk.wiring import Pipeline
from index.store import LoadedIndex
from index.versions import Layout, LayoutPart, Segment, SegmentStore, advance, compose
from service.corpus.repository import CorpusRepository

log = logging.getLogger("factdesk")
BASE_SEGMENT = "base"  # the index the process started with (FACTDESK_INDEX_DIR)


@dataclass(frozen=True)
class Snapshot:
    version: int  # 0: the base index before the corpus was read from the database
    pipeline: Pipeline  # its index is this version's
    layout: Layout


Assemble = Callable[[LoadedIndex], Pipeline]  # a verifier (and its caches) for an index


class LiveIndex:
    def __init__(
        self,
        base: Pipeline,
        repository: CorpusRepository,
        store: SegmentStore,
        assemble: Assemble,
        *,
        max_segments: int,
        keep_versions: int,
        poll_s: float,
        corpus: str | None = None,
        on_swap: Callable[[Snapshot], None] | None = None,
    ) -> None:
        self._repository = repository
        self._store = store
        self._assemble = assemble
        self._max_segments = max_segments
        self._poll_s = poll_s
        self._corpus = corpus
        self._on_swap = on_swap
        base_part = LayoutPart(Segment.of(BASE_SEGMENT, base.index, mergeable=False), frozenset())
        self._current = Snapshot(0, base, (base_part,))
        self._kept: deque[Snapshot] = deque(maxlen=max(1, keep_versions))
        self._lock = threading.Lock()  # one version is loaded at a time
        self._stop = threading.Event()
        self._poller: threading.Thread | None = None

    @property
    def current(self) -> Snapshot:
        return self._current  # one reference read: a whole version or the one before

    def start(self) -> None:
        """Seed an empty corpus with the base index's documents, load the newest version
        (reusing segments written before a restart), then follow the database."""
        documents = sorted(self._current.pipeline.index.documents.values(), key=lambda d: d.id)
        self._repository.seed(documents, f"seed: {self._corpus or 'the base index'}")
        self.refresh(reuse_written=True)
        if self._poll_s > 0:
            self._poller = threading.Thread(
                target=self._poll, name="factdesk-versions", daemon=True
            )
            self._poller.start()

    def refresh(self, *, reuse_written: bool = False) -> Snapshot:
        """Load the head version if it is newer than the current one; the current one."""
        with self._lock:
            head = self._repository.head()
            current = self._current
            if head <= current.version:
                return current
            wanted = self._repository.fingerprints(head)
            layout = advance(
                self._store,
                current.layout,
                wanted,
                lambda ids: self._repository.documents(head, ids),
                self._max_segments,
                reuse_written=reuse_written,
            )
            index = compose(layout, head, self._corpus)
            if set(index.documents) != set(wanted):
                raise RuntimeError(f"version {head} composed with other documents than it holds")
            snapshot = Snapshot(head, self._assemble(index), layout)
            self._kept.append(current)
            self._current = snapshot
            log.warning(
                "index version %d: %d documents, %d passages in %d segment(s)",
                head,
                index.manifest.documents,
                index.manifest.count,
                len(layout),
            )
            self._prune()
        if self._on_swap is not None:
            self._on_swap(snapshot)
        return snapshot

    def _prune(self) -> None:
        in_use = {
            part.segment.name for snap in (*self._kept, self._current) for part in snap.layout
        }
        for name in self._store.prune(in_use):
            log.warning("segment %s removed: no kept version uses it", name)

    def _poll(self) -> None:
        while not self._stop.wait(self._poll_s):
            try:
                self.refresh()
            except Exception:  # the database may be down: keep answering from this version
                log.exception(
                    "could not load the newest index version; still serving %d",
                    self._current.version,
                )

    def close(self) -> None:
        self._stop.set()
        if self._poller is not None:
            self._poller.join(timeout=10)
