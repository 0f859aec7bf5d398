"""When is an earlier check the same claim? The similarity threshold of earlier checks,
measured on labelled claim pairs.

`python -m bench.earlier_checks [--pairs FILE]`: embeds both claims of every pair with the
configured embedder, as earlier checks do (service/queries/earlier.py), and prints the
precision and recall of "same claim" at each threshold, the threshold that maximises F1
(in-sample: chosen on these pairs) and a 5-fold cross-fitted figure (each fold judged at
the threshold chosen on the other four; pairs that share a claim stay in one fold).

The default pairs (bench/data/claim_pairs.jsonl) were written for this project: 30
paraphrases (the same claim in other words), 30 other claims on the same topic and 10
negations, half about the sample corpus's subject and half general news. They are few and
in-house: a newsroom should measure on its own reviewed claims.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bench.server import REPO_ROOT
from factdesk.core.settings import Settings
from factdesk.wiring import load_embedder, load_judges
from verify.checks import fired_check
from verify.labels import STANCES, Stance
from verify.stance_model import StancePair

DEFAULT_PAIRS = REPO_ROOT / "bench" / "data" / "claim_pairs.jsonl"


def precision_recall(
    similarity: npt.NDArray[np.float64], same: npt.NDArray[np.bool_], threshold: float
) -> tuple[float, float, float]:
    matched = similarity >= threshold
    true = int((matched & same).sum())
    precision = true / int(matched.sum()) if matched.any() else 1.0
    recall = true / int(same.sum()) if same.any() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def best_threshold(similarity: npt.NDArray[np.float64], same: npt.NDArray[np.bool_]) -> float:
    """The candidate (a pair's similarity) with the highest F1; the higher one on ties."""
    candidates = sorted({round(float(value), 4) for value in similarity if value > -1.0},
                        reverse=True)  # fmt: skip
    return max(candidates, key=lambda t: precision_recall(similarity, same, t)[2])


def cross_fitted(
    similarity: npt.NDArray[np.float64], same: npt.NDArray[np.bool_], groups: list[str]
) -> tuple[float, float]:
    """Precision and recall of every pair judged at a threshold fitted without its fold."""
    names = sorted(set(groups))
    fold_of = {name: position % 5 for position, name in enumerate(names)}
    folds = np.array([fold_of[group] for group in groups])
    matched = np.zeros_like(same)
    for fold in range(5):
        held = folds == fold
        threshold = best_threshold(similarity[~held], same[~held])
        matched[held] = similarity[held] >= threshold
    true = int((matched & same).sum())
    return true / max(1, int(matched.sum())), true / max(1, int(same.sum()))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=Path, default=DEFAULT_PAIRS)
    parser.add_argument("--json", type=Path, help="Also write the figures here.")
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.pairs.read_text(encoding="utf-8").splitlines()]
    settings = Settings()
    embedder = load_embedder(settings)
    first = embedder.embed_queries([row["a"] for row in rows])
    second = embedder.embed_queries([row["b"] for row in rows])
    similarity = np.sum(first * second, axis=1).astype(np.float64)
    same = np.array([bool(row["same"]) for row in rows])
    kinds = [row["kind"] for row in rows]
    print(f"{len(rows)} pairs ({args.pairs.name}), embedder {settings.embedding.model}")
    for kind in sorted(set(kinds)):
        values = similarity[[k == kind for k in kinds]]
        print(
            f"  {kind}: {len(values)} pairs, similarity min {values.min():.3f} "
            f"median {np.median(values):.3f} max {values.max():.3f}"
        )
    threshold = best_threshold(similarity, same)
    precision, recall, f1 = precision_recall(similarity, same, threshold)
    print(
        f"threshold {threshold:.4f} (best F1, in-sample): precision {precision:.3f} "
        f"recall {recall:.3f} F1 {f1:.3f}"
    )
    negation = np.array([k == "negation" for k in kinds])
    wrongly = int((similarity[negation] >= threshold).sum())
    print(f"  negations matched as the same claim: {wrongly} of {int(negation.sum())}")
    cf_precision, cf_recall = cross_fitted(similarity, same, [row["a"] for row in rows])
    print(f"5-fold cross-fitted: precision {cf_precision:.3f} recall {cf_recall:.3f}")
    for candidate in (0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9):
        p, r, f = precision_recall(similarity, same, candidate)
        print(f"  at {candidate:.2f}: precision {p:.3f} recall {r:.3f} F1 {f:.3f}")
    # Similar is not the same: a negation embeds as close as a paraphrase. The same claim
    # entails the other both ways; the judge's stance model says how likely that is.
    judge = load_judges(settings)[0].model
    forward = judge.predict([StancePair(row["a"], row["b"]) for row in rows])
    backward = judge.predict([StancePair(row["b"], row["a"]) for row in rows])
    supports = STANCES.index(Stance.SUPPORTS)
    mutual = np.minimum(forward[:, supports], backward[:, supports]).astype(np.float64)
    print(f"mutual entailment (min of both directions), judge {judge.identity['name']}:")
    for kind in sorted(set(kinds)):
        values = mutual[[k == kind for k in kinds]]
        print(f"  {kind}: median {np.median(values):.3f} min {values.min():.3f} "
              f"max {values.max():.3f}")  # fmt: skip
    refutes = STANCES.index(Stance.REFUTES)
    contradiction = np.maximum(forward[:, refutes], backward[:, refutes]).astype(np.float64)
    for kind in sorted(set(kinds)):
        values = contradiction[[k == kind for k in kinds]]
        print(f"  {kind}: contradiction (max of both directions) median "
              f"{np.median(values):.3f} min {values.min():.3f} max {values.max():.3f}")  # fmt: skip
    checked = np.array(
        [
            fired_check(StancePair(row["a"], row["b"])) is None
            and fired_check(StancePair(row["b"], row["a"])) is None
            for row in rows
        ]
    )
    configured = settings.earlier_checks.same_claim_similarity
    served = np.where(checked, similarity, -1.0)
    p, r, f = precision_recall(served, same, configured)
    print(
        f"as served (FACTDESK_EARLIER_CHECKS_SAME_CLAIM_SIMILARITY {configured}, and no explicit "
        f"check fires): precision {p:.3f} recall {r:.3f} F1 {f:.3f}"
    )
    served_cf = cross_fitted(served, same, [row["a"] for row in rows])
    alone = precision_recall(similarity, same, configured)
    figures = {
        "pairs": len(rows),
        "by_kind": {kind: sum(k == kind for k in kinds) for kind in sorted(set(kinds))},
        "embedding_model": settings.embedding.model,
        "threshold": configured,
        "served": {"precision": p, "recall": r, "f1": f, "negations_matched": int(
            (served[negation] >= configured).sum())},
        "served_cross_fitted": {"precision": served_cf[0], "recall": served_cf[1]},
        "similarity_alone": {"precision": alone[0], "recall": alone[1], "f1": alone[2],
                             "negations_matched": int((similarity[negation] >= configured).sum())},
    }  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    rules = [("no explicit check fires (numbers, dates, polarity)", checked)]
    rules += [(f"entailment >= {floor}", mutual >= floor) for floor in (0.1, 0.3)]
    rules += [(f"contradiction < {ceiling}", contradiction < ceiling) for ceiling in (0.3, 0.5)]
    for name, kept in rules:
        score = np.where(kept, similarity, -1.0)
        threshold = best_threshold(score, same)
        p, r, f = precision_recall(score, same, threshold)
        cf_p, cf_r = cross_fitted(score, same, [row["a"] for row in rows])
        wrongly = int((score[negation] >= threshold).sum())
        print(
            f"  {name}: similarity threshold {threshold:.4f} precision {p:.3f} "
            f"recall {r:.3f} F1 {f:.3f} (in-sample); cross-fitted precision {cf_p:.3f} "
            f"recall {cf_r:.3f}; negations matched {wrongly}"
        )


if __name__ == "__main__":
    main()
