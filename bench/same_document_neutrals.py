"""Same-document neutrals: the other sentences of the evidence's own abstract, judged NEUTRAL?

`python -m bench.same_document_neutrals [--model REF] [--limit N] [--json OUT]`

For every SciFact dev claim with gold evidence (SciFact dev is not in the shipped model's
training mix, which uses the train split), each sentence of an evidence abstract that is
not a rationale sentence is paired with the claim. Those sentences are on the claim's topic,
in the same document, and yet do not decide it: the hardest neutrals, the ones a model that
reads "on topic but about something else" as a contradiction gets wrong. Reported: the share
judged NEUTRAL by the model (forward, and both directions averaged as the service does), and
the share that would count as NEUTRAL in the service, where a SUPPORTS or REFUTES counts only
when the topic gate lets it (verify/topic.py, with the abstract as the sentence's context).
The rationale sentences themselves are reported beside them (share not NEUTRAL), so a model
that calls everything NEUTRAL cannot look good.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from evaluation.stance_eval import stance_variants
from factdesk.core.files import read_jsonl
from factdesk.core.settings import Settings
from factdesk.wiring import load_stance
from verify.labels import NEUTRAL_COLUMN, REFUTES_COLUMN, SUPPORTS_COLUMN
from verify.stance_model import StancePair
from verify.symmetric import reversed_pairs
from verify.topic import topic_match

TARGET = 0.85


def scifact_pairs(
    directory: Path, limit: int | None
) -> tuple[list[tuple[StancePair, str]], list[tuple[StancePair, str]]]:
    """(non-rationale pairs, rationale pairs), each with its abstract as context."""
    abstracts = {
        str(row["doc_id"]): list(row["abstract"])
        for _, row in read_jsonl(directory / "corpus.jsonl")
    }
    neutrals: list[tuple[StancePair, str]] = []
    rationales: list[tuple[StancePair, str]] = []
    for _, row in read_jsonl(directory / "claims_dev.jsonl"):
        for doc_id, marked in (row.get("evidence") or {}).items():
            sentences = abstracts[str(doc_id)]
            gold = {i for annotation in marked for i in annotation["sentences"]}
            context = " ".join(sentences)
            for i, sentence in enumerate(sentences):
                pair = (StancePair(sentence, str(row["claim"])), context)
                (rationales if i in gold else neutrals).append(pair)
        if limit is not None and len(neutrals) >= limit:
            break
    return neutrals[:limit] if limit else neutrals, rationales


def _served_neutral(probabilities: Any, pairs: Sequence[tuple[StancePair, str]]) -> float:
    """Share that the service would count as neutral: argmax NEUTRAL, or a stance the topic
    gate does not let count."""
    neutral = 0
    for row, (pair, context) in zip(probabilities, pairs, strict=True):
        column = int(np.argmax(row))
        match = topic_match(pair.claim, pair.evidence, context)
        counts = (column == SUPPORTS_COLUMN and match.can_support) or (
            column == REFUTES_COLUMN and match.can_refute
        )
        neutral += not counts
    return neutral / len(pairs) if pairs else 0.0


def judged(model: Any, pairs: Sequence[tuple[StancePair, str]]) -> dict[str, dict[str, float]]:
    stance_pairs = [pair for pair, _ in pairs]
    forward = model.predict(stance_pairs)
    reverse = model.predict(reversed_pairs(stance_pairs))
    figures = {}
    for variant, probabilities in stance_variants(stance_pairs, forward, reverse).items():
        argmax = np.argmax(probabilities, axis=1)
        figures[variant] = {
            "neutral": round(float(np.mean(argmax == NEUTRAL_COLUMN)), 4),
            "refutes": round(float(np.mean(argmax == REFUTES_COLUMN)), 4),
            "supports": round(float(np.mean(argmax == SUPPORTS_COLUMN)), 4),
            "neutral_as_served": round(_served_neutral(probabilities, pairs), 4),
        }
    return figures


def main() -> None:
    settings = Settings()
    parser = argparse.ArgumentParser()
    parser.add_argument("--model")
    parser.add_argument(
        "--scifact", type=Path, default=settings.tooling.shared_dir / "benchmarks/scifact"
    )
    parser.add_argument("--limit", type=int, help="Only about this many neutral pairs.")
    parser.add_argument("--json", type=Path, dest="json_out")
    args = parser.parse_args()
    model = load_stance(settings, args.model)
    neutrals, rationales = scifact_pairs(args.scifact, args.limit)
    result: dict[str, Any] = {
        "model": model.identity,
        "target": TARGET,
        "non_rationale_sentences": {"pairs": len(neutrals), **judged(model, neutrals)},
        "rationale_sentences": {"pairs": len(rationales), **judged(model, rationales)},
    }
    print(f"model: {model.identity}")
    for name in ("non_rationale_sentences", "rationale_sentences"):
        block = result[name]
        print(f"{name} ({block['pairs']} pairs):")
        for variant, figures in block.items():
            if isinstance(figures, dict):
                print(
                    f"  {variant}: NEUTRAL {figures['neutral']:.3f} (REFUTES "
                    f"{figures['refutes']:.3f}, SUPPORTS {figures['supports']:.3f}); "
                    f"neutral as served (topic gate) {figures['neutral_as_served']:.3f}"
                )
    if args.json_out:
        args.json_out.write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
