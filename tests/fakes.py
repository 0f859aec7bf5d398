"""Fakes behind the Protocols, in one place: fast, deterministic, no model weights.

Everything around them is what production runs: the configuration comes from Settings (the
only defaults) through factdesk.wiring, the index is real FAISS, the database real.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from factdesk.core.settings import SECTIONS, EmbeddingSettings, IndexSettings, Settings
from factdesk.wiring import Pipeline, build_verifier, index_spec, make_judge, shared_vectors
from index.corpus import Document
from index.embedding import Vectors, normalise
from index.store import IndexSpec, LoadedIndex, Manifest, build_index, load_index
from verify.article import ArticleReader
from verify.checkworthy import CheckworthinessHead, HeadScorer
from verify.labels import STANCES, Stance
from verify.stance_model import Probabilities, StancePair
from verify.verifier import Verifier

FAKE_EMBEDDING = "fake-hashing"

_WORD = re.compile(r"\w+")
_STOP = frozenset(
    [
        "the",
        "and",
        "was",
        "were",
        "for",
        "with",
        "that",
        "this",
        "from",
        "are",
        "has",
        "have",
        "its",
        "his",
        "her",
        "of",
    ]
)


class HashingEmbedder:
    """Set of content words hashed into a fixed number of dimensions: keyword matching."""

    def __init__(self, dimension: int = 256, name: str = FAKE_EMBEDDING) -> None:
        self._dimension = dimension
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    @property
    def dimension(self) -> int:
        return self._dimension

    def embed(self, texts: Sequence[str]) -> Vectors:
        out = np.zeros((len(texts), self._dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in set(_WORD.findall(text.lower())) - _STOP:
                bucket = int(hashlib.md5(word.encode()).hexdigest(), 16) % self._dimension
                out[row, bucket] = 1.0
        out[:, 0] += 1e-3  # no zero vectors
        return normalise(out)

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return self.embed(texts)


# What the fake multilingual embedder reads as English: enough Russian for the tests' claims.
RUSSIAN_WORDS = {
    "сила": "power", "силы": "power", "сибири": "siberia", "трубопровод": "pipeline",
    "согласован": "agreed", "был": "was", "норвегия": "norway", "шпицберген": "svalbard",
    "станция": "station", "арктическая": "arctic", "харбин": "harbin", "выставка": "expo",
}  # fmt: skip


class LexiconEmbedder(HashingEmbedder):
    """The fake multilingual embedder: words of ``RUSSIAN_WORDS`` read as their English, so
    a Russian claim and the English passage that bears on it get close vectors, which the
    English fake's vectors of a Russian claim are not."""

    def __init__(self, dimension: int = 128, name: str = "fake-multilingual") -> None:
        super().__init__(dimension, name)

    def embed(self, texts: Sequence[str]) -> Vectors:
        def english(text: str) -> str:
            return _WORD.sub(lambda m: RUSSIAN_WORDS.get(m.group(0).lower(), m.group(0)), text)

        return super().embed([english(text) for text in texts])


class CountingEmbedder(HashingEmbedder):
    """The fake embedder, counting the texts it embeds for an index (claims not counted):
    what a replica embedded."""

    def __init__(self) -> None:
        super().__init__()
        self.texts = 0

    def embed(self, texts: Sequence[str]) -> Vectors:
        self.texts += len(texts)
        return super().embed(texts)

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return super().embed(texts)


class FakeStanceModel:
    """A fixed stance per pair, from a keyword table: a plain keyword is looked for in the
    claim, an "evidence:" keyword in the evidence. First match wins."""

    def __init__(
        self, by_keyword: dict[str, Stance], default: Stance = Stance.NEUTRAL, name: str = "fake"
    ) -> None:
        self._by_keyword = by_keyword
        self._default = default
        self._name = name
        self.calls: list[int] = []

    @property
    def identity(self) -> dict[str, str]:
        return {"name": self._name, "checksum": "0"}

    def _stance(self, pair: StancePair) -> Stance:
        for keyword, stance in self._by_keyword.items():
            if keyword.startswith("evidence:"):
                if keyword.removeprefix("evidence:") in pair.evidence:
                    return stance
            elif keyword in pair.claim:
                return stance
        return self._default

    def predict(self, pairs: Sequence[StancePair]) -> Probabilities:
        self.calls.append(len(pairs))
        out = np.full((len(pairs), 3), 0.05, dtype=np.float32)
        for row, pair in enumerate(pairs):
            out[row, STANCES.index(self._stance(pair))] = 0.9
        return out


def fake_settings(**values: Any) -> Settings:
    """Production's Settings with the fake embedder named, and the given fields changed.

    Fields are named as in their section (``min_relevance=0.0``, ``checks=False``); a whole
    section may be passed too (``audit=AuditSettings(...)``). Everything not named keeps
    the default production runs with.
    """
    sections: dict[str, Any] = {"embedding": EmbeddingSettings(model=FAKE_EMBEDDING)}
    for name, section in SECTIONS.items():
        if name in values:
            sections[name] = values.pop(name)
            continue
        mine = {key: values.pop(key) for key in list(values) if key in section.model_fields}
        if mine:
            sections[name] = section(**mine)
    if values:
        raise TypeError(f"no settings section has {sorted(values)}")
    return Settings(**sections)


def fake_spec(**index: Any) -> IndexSpec:
    """Production's index parameters for the fake embedder, with ``index`` overrides."""
    return index_spec(fake_settings(index=IndexSettings(**index)))


def fake_index(documents: Sequence[Document], directory: Path, **index: Any) -> LoadedIndex:
    """A real FAISS index of ``documents`` built with the fake embedder."""
    embedder = HashingEmbedder()
    build_index(documents, embedder, fake_spec(**index), directory)
    return load_index(directory, embedding_model=embedder.name, dimension=embedder.dimension)


# The words that make a sentence check-worthy to the fake head (fake_checkworthiness).
CHECKWORTHY_WORDS = ("percent", "agreed", "signed", "visited", "pipeline")


def fake_checkworthiness(words: Sequence[str] = CHECKWORTHY_WORDS) -> CheckworthinessHead:
    """A head over the hashing embedder's vectors that finds a sentence check-worthy when it
    holds one of ``words`` (in sentences of up to about 60 content words)."""
    direction = HashingEmbedder().embed([" ".join(words)])[0] * np.sqrt(len(words))
    return CheckworthinessHead(FAKE_EMBEDDING, direction.astype(np.float32) * 30.0, -3.0, 0.5)


def fake_verifier(index: LoadedIndex, stance: FakeStanceModel, **settings: Any) -> Verifier:
    """The verifier production wires from its settings (``settings`` changed), over fakes."""
    configured = fake_settings(**settings)
    judges = [make_judge(configured, stance)]
    return build_verifier(configured, HashingEmbedder(), index, judges)


def fake_pipeline_factory(
    index_dir: Path, stance: FakeStanceModel, embedder: HashingEmbedder | None = None
) -> Callable[[Settings], Pipeline]:
    """For ``create_app(pipeline_factory=...)``: the fakes, wired as production wires (the
    configured vector store included)."""

    def factory(settings: Settings) -> Pipeline:
        embeds = embedder or HashingEmbedder()
        index = load_index(index_dir, embedding_model=embeds.name, dimension=embeds.dimension)
        verifier = build_verifier(settings, embeds, index, [make_judge(settings, stance)])
        articles = ArticleReader(HeadScorer(embeds, fake_checkworthiness()))
        return Pipeline(
            embeds, index, verifier, articles, shared_vectors(settings, embeds.dimension)
        )

    return factory


def fake_manifest(version: int | None = 1) -> Manifest:
    """The manifest of an index that answered, for answers made up without one."""
    return Manifest(
        format=1, embedding_model=FAKE_EMBEDDING, dimension=64, metric="ip", index_type="flat",
        index_parameters={}, count=0, documents=0, passage_window=1, passage_stride=1,
        corpus_fingerprint="0" * 64, files={}, checksum="0" * 64, built_at="", version=version,
    )  # fmt: skip


def pdf_with_text(text: str, title: str, created: str | None = None) -> bytes:
    """A one-page PDF whose text layer says ``text``, written by hand (no PDF writer needed);
    ``created`` is its creation date in PDF form (D:20240601120000Z)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Title ({title}){f' /CreationDate ({created})' if created else ''} >>".encode(),
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)
