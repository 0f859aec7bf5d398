"""A bulk import in shards (index/ingest.py): the same segment whoever embeds it, and a rerun
after a crash takes the shards embedded before."""

import signal
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from index.corpus import Document
from index.ingest import (
    IMPORT_FOLDER,
    LocalShards,
    RayShards,
    Shard,
    ShardVectors,
    import_segment,
    plan_shards,
)
from index.versions import Segment, SegmentStore
from tests.fakes import CountingEmbedder, HashingEmbedder, fake_spec

WIRE = [
    Document(
        f"wire-{n:02d}",
        f"Story {n} says the pipeline talks stalled in round {n}. Gas prices rose {n} percent. "
        f"Officials met in Beijing for the {n}th time. Nothing was signed.",
    )
    for n in range(12)
]


def _store(tmp_path: Path, embedder: HashingEmbedder | None = None) -> SegmentStore:
    return SegmentStore(tmp_path / "segments", embedder or HashingEmbedder(), fake_spec())


def _local_import(folder: Path) -> Segment:
    return import_segment(WIRE, _store(folder), LocalShards(HashingEmbedder(), fake_spec()), 5)


class Crashing:
    """Embeds ``survive`` shards, then dies as a killed import would."""

    def __init__(self, embedder: HashingEmbedder, survive: int) -> None:
        self._local = LocalShards(embedder, fake_spec())
        self._survive = survive

    def run(self, shards: Sequence[Shard]) -> Iterator[tuple[Shard, ShardVectors]]:
        for done, item in enumerate(self._local.run(shards)):
            if done == self._survive:
                raise KeyboardInterrupt("killed")
            yield item


def test_shards_hold_whole_documents_in_id_order() -> None:
    shards = plan_shards(WIRE[::-1], fake_spec(), shard_passages=5)
    assert len(shards) > 2
    assert [d.id for s in shards for d in s.documents] == sorted(d.id for d in WIRE)
    assert len({s.name for s in shards}) == len(shards)
    assert plan_shards(WIRE, fake_spec(), 5) == shards  # the same shards from any order


def test_an_import_in_shards_is_the_segment_a_build_of_its_documents_is(tmp_path: Path) -> None:
    store = _store(tmp_path)
    imported = import_segment(WIRE, store, LocalShards(HashingEmbedder(), store.spec), 5)
    built = _store(tmp_path / "other").build(WIRE)
    assert imported.name == built.name == store.name_for(WIRE)
    assert imported.index.manifest.checksum == built.index.manifest.checksum
    assert not list((store.directory / IMPORT_FOLDER).glob("*.npz"))  # shards cleared


def test_a_killed_import_leaves_no_segment_and_its_rerun_embeds_only_what_is_left(
    tmp_path: Path,
) -> None:
    embedder = CountingEmbedder()
    store = _store(tmp_path, embedder)
    shards = plan_shards(WIRE, store.spec, 5)
    with pytest.raises(KeyboardInterrupt):
        import_segment(WIRE, store, Crashing(embedder, survive=2), 5)
    assert store.cached() == []  # no segment, so no version can name one
    assert len(list((store.directory / IMPORT_FOLDER).glob("*.npz"))) == 2
    before = embedder.texts
    embedder.texts = 0
    seen: list[tuple[int, int]] = []
    segment = import_segment(
        WIRE, store, LocalShards(embedder, store.spec), 5, lambda d, t: seen.append((d, t))
    )
    alone = CountingEmbedder()  # what embedding only the shards after the first two costs
    list(LocalShards(alone, store.spec).run(shards[2:]))
    assert embedder.texts == alone.texts < before + alone.texts
    left = sum(s.passages for s in shards[2:])
    assert seen[0] == (sum(s.passages for s in shards[:2]), seen[0][1])
    assert seen[-1][0] == seen[-1][1] == left + seen[0][0]
    whole = _local_import(tmp_path / "whole")
    assert segment.index.manifest.checksum == whole.index.manifest.checksum


@pytest.mark.slow
def test_two_ray_workers_write_what_one_process_writes(tmp_path: Path) -> None:
    pytest.importorskip("ray")
    local = _local_import(tmp_path / "local")
    store = _store(tmp_path / "ray")
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    with RayShards(HashingEmbedder, store.spec, workers=2) as runner:
        on_ray = import_segment(WIRE, store, runner, 5)
    # Ray's own handlers are gone with it: the process's stand again.
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before
    assert on_ray.index.manifest.checksum == local.index.manifest.checksum
    rows = np.arange(len(local.index.passages))
    assert np.array_equal(
        on_ray.index.own_part().vectors(rows), local.index.own_part().vectors(rows)
    )
