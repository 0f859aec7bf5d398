"""The sample corpus searched in Milvus (a real milvus-lite) with the real models: the 25 dev
claims get the same verdicts and citations as with FAISS."""

from __future__ import annotations

from pathlib import Path

import pytest

from evaluation.claims import read_claims
from factdesk.core.settings import IndexSettings, Settings
from factdesk.wiring import build_verifier, load_pipeline, segment_store
from index.live import BASE_SEGMENT
from index.versions import LayoutPart, Segment, compose
from verify.verifier import Verification

pytest.importorskip("pymilvus")


def _answer(verification: Verification) -> tuple[str, list[tuple[str, int, int]]]:
    citations = [(c.document_id, c.start, c.end) for c in verification.citations]
    return verification.verdict.value, citations


def test_the_dev_claims_are_answered_alike_from_milvus_and_faiss(
    real_index_dir: Path, shared_dir: Path, tmp_path: Path
) -> None:
    settings = Settings(
        index=IndexSettings(
            index_dir=real_index_dir,
            vector_store="milvus",
            milvus_uri=str(tmp_path / "milvus.db"),
            segments_dir=tmp_path / "segments",
        )
    )
    pipeline = load_pipeline(settings, build_index_if_missing=False, answer_cache=False)
    assert pipeline.shared is not None
    store = segment_store(settings, pipeline.embedder, pipeline.shared)
    layout = (LayoutPart(Segment.of(BASE_SEGMENT, pipeline.index, mergeable=False), frozenset()),)
    store.share(layout)  # as a server does when it loads its first version
    in_milvus = compose(layout, 1, shared_search=store.shared_search)
    assert in_milvus.searchable == pipeline.index.manifest.count
    from_milvus = build_verifier(
        settings, pipeline.embedder, in_milvus, pipeline.verifier.judges, answer_cache=False
    )
    claims = [claim.claim for claim in read_claims(shared_dir / "claims" / "dev.jsonl")]
    assert len(claims) == 25
    for claim in claims:
        assert _answer(from_milvus.verify(claim)) == _answer(pipeline.verifier.verify(claim)), claim
