"""The stance model on the public benchmarks of issue 2, model alone and with checks.

`python -m bench.stance_benchmarks [--model REF] [--limit N] [--json OUT]` prints a Markdown
table (the one in the model card). Benchmarks are read from <shared_dir>/benchmarks; the
claims benchmark pairs each dev claim with its gold evidence sentence and with an unrelated
sentence of the sample corpus (NEUTRAL).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from factdesk.settings import Settings, resolve_path
from index.corpus import load_corpus
from verify.claim_pairs import claim_stance_pairs, read_claims
from verify.stance_eval import (
    STANCE_VARIANTS,
    read_eval_rows,
    stance_report,
    stance_variants,
    variant_accuracies,
)
from verify.stance_model import load_stance_model, stance_config
from verify.symmetric import reversed_pairs

TARGETS = {
    "MultiNLI dev mismatched (3-way)": 0.75,
    "FEVER NLI test (binary)": 0.80,
    "FEVER-Symmetric v0.2 test (S/R)": 0.70,
    "dev claims vs gold evidence / unrelated (3-way)": 0.85,
}


def benchmark_files(settings: Settings, scratch: Path) -> dict[str, Path]:
    root = settings.shared_dir / "benchmarks"
    claims_pairs = scratch / "dev_claim_pairs.jsonl"
    rows = claim_stance_pairs(
        read_claims(settings.shared_dir / "claims" / "dev.jsonl"),
        load_corpus(resolve_path(settings.corpus_dir)),
    )
    claims_pairs.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    names = list(TARGETS)
    return {
        names[0]: root / "nli" / "mnli_dev_mismatched.jsonl",
        names[1]: root / "nli" / "fever_nli_test_binary.jsonl",
        names[2]: root / "fever-symmetric" / "fever_symmetric_test.jsonl",
        names[3]: claims_pairs,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model")
    parser.add_argument("--limit", type=int, help="Rows per benchmark (smoke runs).")
    parser.add_argument("--json", type=Path, dest="json_out")
    args = parser.parse_args()
    settings = Settings()
    model = load_stance_model(stance_config(settings, args.model))
    figures: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for name, path in benchmark_files(settings, Path(scratch)).items():
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
        print(f"| {name} | {result['rows']} | ≥ {TARGETS[name]:.2f} | {cells} |")
    if args.json_out:
        args.json_out.write_text(
            json.dumps({"model": model.identity, "benchmarks": figures}, indent=2),
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()
