"""Training pairs: readers for the shared data's formats and the recorded data mix."""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from factdesk.core.files import read_jsonl, sha256_files
from verify.labels import Stance, parse_gold_label


@dataclass(frozen=True)
class LabelledPair:
    premise: str
    hypothesis: str
    allowed: frozenset[Stance]
    source: str


@dataclass(frozen=True)
class Source:
    """One file of the data mix: where it is, how to read it, how much of it to use."""

    name: str
    path: str  # relative to the training root, or to the benchmarks root for SciFact
    # jsonl | covidfact_tsv | healthver_csv | scifact | parallel | parallel_unrelated
    reader: str = "jsonl"
    cap: int | None = None  # keep at most this many rows (seeded sample)
    repeat: int = 1  # in-domain sets are seen more than once
    licence: str = "see ../shared/training/README.md"
    # True only when the stated licences of the labels *and* of the text allow commercial
    # use. Unstated, research-only, non-commercial and mixed third-party text (CORD-19
    # abstracts, Common Crawl pages) are False: the licence-clean recipes keep only True.
    commercial: bool = False
    # For the parallel readers (one premise and hypothesis in many languages per row): the
    # (premise language, hypothesis language) pairs each row gives, e.g. ("en", "ru") for a
    # claim in Russian against English evidence.
    languages: tuple[tuple[str, str], ...] = ()


@dataclass
class DataMix:
    sources: list[Source]
    training_root: Path
    benchmarks_root: Path
    seed: int
    stats: dict[str, dict[str, object]] = field(default_factory=dict)


def _jsonl(path: Path, name: str) -> Iterator[LabelledPair]:
    for _, row in read_jsonl(path):
        yield LabelledPair(
            premise=str(row["premise"]),
            hypothesis=str(row["hypothesis"]),
            allowed=parse_gold_label(str(row["label"])),
            source=name,
        )


def _covidfact_tsv(path: Path, name: str) -> Iterator[LabelledPair]:
    # Columns by position: the published dev split names its label column "entailment".
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle, delimiter="\t")
        next(rows)
        for _index, evidence, claim, label in rows:
            yield LabelledPair(
                premise=evidence, hypothesis=claim, allowed=parse_gold_label(label), source=name
            )


def _healthver_csv(path: Path, name: str) -> Iterator[LabelledPair]:
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            yield LabelledPair(
                premise=row["evidence"],
                hypothesis=row["claim"],
                allowed=parse_gold_label(row["label"]),
                source=name,
            )


def scifact_pairs(claims_path: Path, corpus_path: Path, name: str, seed: int) -> list[LabelledPair]:
    """SciFact claims against their abstracts.

    Rationale sentences give SUPPORTS / REFUTES pairs; for neutral pairs we take one
    non-rationale sentence of each cited abstract, so the model learns that a topically
    related sentence is not evidence.
    """
    corpus: dict[int, list[str]] = {}
    for _, doc in read_jsonl(corpus_path):
        corpus[int(doc["doc_id"])] = [str(s).strip() for s in doc["abstract"]]
    rng = random.Random(seed)
    pairs: list[LabelledPair] = []
    for _, claim in read_jsonl(claims_path):
        used: dict[int, set[int]] = {}
        for doc_id, marked in claim.get("evidence", {}).items():
            sentences = corpus[int(doc_id)]
            for annotation in marked:
                indices = list(annotation["sentences"])
                used.setdefault(int(doc_id), set()).update(indices)
                pairs.append(
                    LabelledPair(
                        premise=" ".join(sentences[i] for i in indices),
                        hypothesis=claim["claim"],
                        allowed=parse_gold_label(annotation["label"]),
                        source=name,
                    )
                )
        for doc_id in claim.get("cited_doc_ids", []):
            sentences = corpus.get(int(doc_id), [])
            candidates = [i for i in range(len(sentences)) if i not in used.get(int(doc_id), set())]
            if candidates:
                pick = rng.choice(candidates)
                pairs.append(
                    LabelledPair(
                        premise=sentences[pick],
                        hypothesis=claim["claim"],
                        allowed=frozenset({Stance.NEUTRAL}),
                        source=name,
                    )
                )
    return pairs


def parallel_pairs(path: Path, source: Source) -> list[LabelledPair]:
    """Rows of a parallel NLI file (XNLI: ``premise`` and ``hypothesis`` map a language to
    the sentence, one ``label``) as one pair per (premise, hypothesis) language pair of
    ``source.languages``: a hypothesis in one language against a premise in another is
    what a claim in Russian against English evidence looks like."""
    if not source.languages:
        raise ValueError(f"source {source.name}: a parallel reader needs its languages")
    pairs: list[LabelledPair] = []
    for _, row in read_jsonl(path):
        allowed = parse_gold_label(str(row["label"]))
        for premise_language, hypothesis_language in source.languages:
            pairs.append(
                LabelledPair(
                    premise=str(row["premise"][premise_language]),
                    hypothesis=str(row["hypothesis"][hypothesis_language]),
                    allowed=allowed,
                    source=source.name,
                )
            )
    return pairs


def parallel_unrelated_pairs(path: Path, source: Source, seed: int) -> list[LabelledPair]:
    """Each row's hypothesis against another row's premise, as NEUTRAL, per language pair
    of ``source.languages``: a foreign claim against English evidence on another subject
    says nothing about it (the judge refuted such claims too readily)."""
    if not source.languages:
        raise ValueError(f"source {source.name}: a parallel reader needs its languages")
    rows = [row for _, row in read_jsonl(path)]
    rng = random.Random(seed)
    pairs: list[LabelledPair] = []
    for premise_language, hypothesis_language in source.languages:
        others = list(range(len(rows)))
        rng.shuffle(others)
        for index, other in enumerate(others):
            # Rows come in threes on one premise: another premise, not a sibling's.
            if rows[other]["premise"]["en"] == rows[index]["premise"]["en"]:
                continue
            pairs.append(
                LabelledPair(
                    premise=str(rows[other]["premise"][premise_language]),
                    hypothesis=str(rows[index]["hypothesis"][hypothesis_language]),
                    allowed=frozenset({Stance.NEUTRAL}),
                    source=source.name,
                )
            )
    return pairs


def read_source(mix: DataMix, source: Source) -> list[LabelledPair]:
    if source.reader == "scifact":
        root = mix.benchmarks_root / source.path
        return scifact_pairs(
            root / "claims_train.jsonl", root / "corpus.jsonl", source.name, mix.seed
        )
    if source.reader == "parallel":
        return parallel_pairs(mix.training_root / source.path, source)
    if source.reader == "parallel_unrelated":
        return parallel_unrelated_pairs(mix.training_root / source.path, source, mix.seed)
    path = mix.training_root / source.path
    readers = {"jsonl": _jsonl, "covidfact_tsv": _covidfact_tsv, "healthver_csv": _healthver_csv}
    return list(readers[source.reader](path, source.name))


def _file_digest(path: Path) -> str:
    return sha256_files(sorted(path.glob("*.jsonl")) if path.is_dir() else [path])


def build_mix(mix: DataMix, limit_per_source: int | None = None) -> list[LabelledPair]:
    """Read every source, apply caps and repeats, and record what went in (``mix.stats``)."""
    rng = random.Random(mix.seed)
    pairs: list[LabelledPair] = []
    for source in mix.sources:
        rows = read_source(mix, source)
        available = len(rows)
        cap = (
            source.cap
            if limit_per_source is None
            else min(source.cap or available, limit_per_source)
        )
        if cap is not None and available > cap:
            rows = rng.sample(rows, cap)
        counts: dict[str, int] = {}
        for row in rows:
            key = "|".join(sorted(s.value for s in row.allowed))
            counts[key] = counts.get(key, 0) + 1
        root = mix.benchmarks_root if source.reader == "scifact" else mix.training_root
        mix.stats[source.name] = {
            "path": source.path,
            "available": available,
            "used": len(rows),
            "repeat": source.repeat,
            "labels": counts,
            "licence": source.licence,
            "commercial": source.commercial,
            "sha256": _file_digest(root / source.path),
        }
        pairs.extend(rows * source.repeat)
    return pairs
