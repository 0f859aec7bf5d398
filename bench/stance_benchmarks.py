"""The stance model on the public benchmarks of issue 2, model alone and with checks.

`python -m bench.stance_benchmarks [--model REF] [--limit N] [--json OUT]` prints a Markdown
table (the one in the model card). Benchmarks are read from <shared_dir>/benchmarks; the
claims benchmark pairs each dev claim with its gold evidence sentence and with an unrelated
sentence of the sample corpus (NEUTRAL). Diagnostics without a target follow: the same
pairs with a pronoun-opening gold sentence read with the sentence before it, as the service
reads it; and the MultiNLI and FEVER-Symmetric rows crossed so that each hypothesis meets a
premise of another row sharing no content word, all NEUTRAL (a model that calls two
unrelated statements REFUTES fails them; see verify/training/neutrals.py: crossed_neutrals).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from evaluation.claim_pairs import claim_stance_pairs
from evaluation.claims import read_claims
from evaluation.stance_eval import (
    MNLI_MISMATCHED,
    STANCE_VARIANTS,
    EvalRow,
    read_eval_rows,
    stance_report,
    stance_variants,
    variant_accuracies,
)
from factdesk.core.resources import resolve_path
from factdesk.core.settings import Settings
from factdesk.wiring import load_stance
from index.corpus import load_corpus
from index.words import topic_words
from verify.symmetric import reversed_pairs

TARGETS = {
    "MultiNLI dev mismatched (3-way)": 0.75,
    "FEVER NLI test (binary)": 0.80,
    "FEVER-Symmetric v0.2 test (S/R)": 0.70,
    "dev claims vs gold evidence / unrelated (3-way)": 0.85,
}
# The dev claim pairs as the service reads them: a gold sentence that opens with a pronoun
# comes with the sentence before it (FACTDESK_STANCE_SENTENCE_CONTEXT). A diagnostic: the
# target row above judges the gold sentences alone.
DEV_PAIRS_AS_SERVED = "dev claims, pronoun sentences with the one before (as served)"
# Issue 17's multilingual targets, measured with --multilingual (the training README: use
# these files only to measure).
MULTILINGUAL = {
    "OCNLI dev (Chinese, 3-way)": ("multilingual/ocnli_dev_NONCOMMERCIAL.jsonl", 0.65),
    "XNLI German test (3-way)": ("multilingual/xnli_de_test_NONCOMMERCIAL.jsonl", 0.70),
}
CROSSED = {
    "MultiNLI-mm crossed, unrelated premise (NEUTRAL)": "MultiNLI dev mismatched (3-way)",
    "FEVER-Symmetric crossed, unrelated evidence (NEUTRAL)": "FEVER-Symmetric v0.2 test (S/R)",
}
_CROSS_WINDOW = 50


def crossed_rows(rows: list[EvalRow]) -> list[dict[str, str]]:
    """Each row's hypothesis with the premise of the next row (cyclically, within a window)
    that shares no content word with it and belongs to another hypothesis: NEUTRAL pairs."""
    crossed: list[dict[str, str]] = []
    for i, row in enumerate(rows):
        words = topic_words(row.pair.claim)
        for step in range(1, min(_CROSS_WINDOW, len(rows))):
            other = rows[(i + step) % len(rows)].pair
            if other.claim != row.pair.claim and not words & topic_words(other.evidence):
                crossed.append(
                    {"premise": other.evidence, "hypothesis": row.pair.claim, "label": "neutral"}
                )
                break
    return crossed


def benchmark_files(settings: Settings, scratch: Path) -> dict[str, Path]:
    root = settings.tooling.shared_dir / "benchmarks"
    claims = read_claims(settings.tooling.shared_dir / "claims" / "dev.jsonl")
    corpus = load_corpus(resolve_path(settings.index.corpus_dir))
    claims_pairs = {}
    for pronoun_context in (False, True):
        path = scratch / f"dev_claim_pairs{'_context' if pronoun_context else ''}.jsonl"
        rows = claim_stance_pairs(claims, corpus, pronoun_context=pronoun_context)
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        claims_pairs[pronoun_context] = path
    names = list(TARGETS)
    return {
        names[0]: root / MNLI_MISMATCHED,
        names[1]: root / "nli" / "fever_nli_test_binary.jsonl",
        names[2]: root / "fever-symmetric" / "fever_symmetric_test.jsonl",
        names[3]: claims_pairs[False],
        DEV_PAIRS_AS_SERVED: claims_pairs[True],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model")
    parser.add_argument("--limit", type=int, help="Rows per benchmark (smoke runs).")
    parser.add_argument("--json", type=Path, dest="json_out")
    parser.add_argument(
        "--multilingual", action="store_true", help="Also OCNLI dev and German XNLI test."
    )
    args = parser.parse_args()
    settings = Settings()
    model = load_stance(settings, args.model)
    figures: dict[str, dict[str, object]] = {}
    targets = dict(TARGETS)
    with tempfile.TemporaryDirectory() as scratch:
        files = benchmark_files(settings, Path(scratch))
        if args.multilingual:
            for name, (relative, goal) in MULTILINGUAL.items():
                files[name] = settings.tooling.shared_dir / "training" / relative
                targets[name] = goal
        for name, source in CROSSED.items():
            path = Path(scratch) / f"crossed-{len(files)}.jsonl"
            lines = crossed_rows(read_eval_rows(files[source], limit=args.limit))
            path.write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
            files[name] = path
        for name, path in files.items():
            rows = read_eval_rows(path, limit=args.limit)
            pairs = [row.pair for row in rows]
            started = time.perf_counter()
            forward = model.predict(pairs)
            seconds = time.perf_counter() - started
            reverse = model.predict(reversed_pairs(pairs))
            figures[name] = {"rows": len(rows), "pairs_per_second": len(rows) / seconds}
            for variant, probabilities in stance_variants(pairs, forward, reverse).items():
                mode, report = stance_report(rows, probabilities)
                figures[name]["mode"] = mode
                figures[name][variant] = report.as_dict()
                if mode == "2-way":  # also the stricter figure: NEUTRAL counted as wrong
                    _, argmax = stance_report(rows, probabilities, two_way=False)
                    figures[name][f"{variant} 3-way argmax accuracy"] = argmax.accuracy
            accuracies = " / ".join(variant_accuracies(figures[name]))
            print(f"{name}: {accuracies} ({len(rows)} rows, {figures[name]['mode']})", flush=True)
    print(f"\nmodel: {model.identity}\n")
    print("| benchmark | rows | target | " + " | ".join(STANCE_VARIANTS) + " |")
    print("|---|---|---|" + "---|" * len(STANCE_VARIANTS))
    for name, result in figures.items():
        cells = " | ".join(variant_accuracies(result))
        target = f"≥ {targets[name]:.2f}" if name in targets else "diagnostic"
        print(f"| {name} | {result['rows']} | {target} | {cells} |")
    if args.json_out:
        args.json_out.write_text(
            json.dumps({"model": model.identity, "benchmarks": figures}, indent=2),
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()
