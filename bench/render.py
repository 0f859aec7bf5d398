"""Render docs/BENCHMARKS.md and its PNG plots from the JSON files of bench/report.py."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from evaluation.stance_eval import STANCE_VARIANTS, variant_accuracies

Section = Callable[[Path, dict[str, str]], list[str]]
# Every run of the accurate judge's adapter appends a line here (training/adapter.py).
ADAPTER_CURVE = (
    Path(__file__).resolve().parents[1]
    / "factdesk"
    / "models"
    / "stance-mpnet-lora"
    / "learning_curve.jsonl"
)


def _load(out: Path, name: str) -> Any:
    path = out / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _header(out: Path, name: str, commands: dict[str, str]) -> list[str]:
    """The command that wrote ``name``'s figures, and where and when it ran."""
    return ["```sh", commands[name], "```", "", _machine(out, name), ""]


def _machine(out: Path, name: str) -> str:
    path = out / f"{name}.machine.json"
    if not path.exists():
        return ""
    m = json.loads(path.read_text(encoding="utf-8"))
    return (
        f"_Run {m['date']} at commit `{m['commit']}` on {m['cpu']}, {m['cores']} cores, "
        f"{m['memory_gib']} GiB, Python {m['python']}._"
    )


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return [*lines, ""]


# Benchmarks run once per stance profile: the fast one's name, the accurate one's with a
# suffix (FACTDESK_STANCE_PROFILE=accurate, bench/report.py).
PROFILES = (("fast", ""), ("accurate", "_accurate"))


def _profile_runs(out: Path, stem: str) -> list[tuple[str, str, Any]]:
    """(profile, benchmark name, its figures) for each profile that ran benchmark ``stem``."""
    runs = [(profile, f"{stem}{suffix}") for profile, suffix in PROFILES]
    return [(profile, name, figures) for profile, name in runs if (figures := _load(out, name))]


def _stance(out: Path, commands: dict[str, str]) -> list[str]:
    cost = _load(out, "stance_cost")
    lines = ["## Stance model", ""]
    for profile, name, stance in _profile_runs(out, "stance"):
        lines += [f"### {profile} profile", ""]
        lines += _header(out, name, commands)
        lines += _table(
            ["benchmark", "rows", *STANCE_VARIANTS],
            [[name, f["rows"], *variant_accuracies(f)] for name, f in stance["benchmarks"].items()],
        )
    if cost:
        lines += _header(out, "stance_cost", commands)
        lines += _table(
            ["precision", "batch of 8 (ms/pair)", "one at a time (ms/pair)"],
            [
                [p, cost[f"{p}_batch8_ms_per_pair"], cost[f"{p}_single_ms_per_pair"]]
                for p in ("fp32", "bf16", "int8")
                if f"{p}_batch8_ms_per_pair" in cost
            ],
        )
    return lines


# (file name stem, what the claims are): the dev claims fitted the verdict thresholds; the
# news claims of bench/data did not (they fitted the calibration and review threshold).
CLAIM_SETS = (
    ("dev_claims", "25 dev claims (thresholds fitted on them)"),
    ("news_claims", "40 news claims (thresholds not fitted on them)"),
)


def _claims(out: Path, commands: dict[str, str]) -> list[str]:
    topk = _load(out, "accuracy_topk")
    lines = ["## Claim verification on the sample corpus", ""]
    for profile, suffix in PROFILES:
        for stem, what in CLAIM_SETS:
            figures = _load(out, f"{stem}{suffix}")
            if not figures:
                continue
            lines += [f"### {what}, {profile} profile", ""]
            lines += _header(out, f"{stem}{suffix}", commands)
            lat = figures["latency_ms"]
            used = figures.get("not_needing_review")
            lines += _table(
                ["claims", "accuracy", "macro-F1", "citation hit", "no review needed: "
                 "precision, coverage", "p50 ms", "p90 ms", "p99 ms"],
                [[figures["n"], f"{figures['accuracy']:.4f}", f"**{figures['macro_f1']:.4f}**",
                  f"{figures['citation_hit_rate']:.4f}",
                  f"{used['precision']:.3f}, {used['coverage']:.3f} ({used['answers']} "
                  "answers)" if used else "", f"{lat['p50']:.1f}", f"{lat['p90']:.1f}",
                  f"{lat['p99']:.1f}"]],
            )  # fmt: skip
            lines += _table(
                ["label", "precision", "recall", "F1", "support"],
                [
                    [k, f"{v['precision']:.3f}", f"{v['recall']:.3f}", f"{v['f1']:.3f}",
                     v["support"]]
                    for k, v in figures["per_label"].items()
                ],
            )  # fmt: skip
    if topk:
        lines += ["### Accuracy against top_k", ""]
        lines += _header(out, "accuracy_topk", commands)
        lines += _table(
            ["top_k", "accuracy", "macro-F1", "citation hit", "p50 ms"],
            [
                [r["top_k"], r["accuracy"], r["macro_f1"], r["citation_hit"], r["p50_ms"]]
                for r in topk
            ],
        )
        _plot_topk(topk, out / "accuracy_vs_top_k.png")
        lines += ["![accuracy against top_k](benchmarks/accuracy_vs_top_k.png)", ""]
    return lines


def _abstention(out: Path, commands: dict[str, str]) -> list[str]:
    figures = _load(out, "abstention")
    if not figures:
        return []
    lines = ["## Abstention: random strings, word salad, off-topic claims", ""]
    lines += _header(out, "abstention", commands)
    lines += [
        "A good answer is NOT_ENOUGH_INFO, or 422 `not-a-claim` for text with no words. The "
        "baseline is the same pipeline with the topic gate off (FACTDESK_STANCE_TOPIC_GATE="
        "false), in the same run. The off-topic claims (bench/data/off_topic_claims.txt) were "
        "written while the gate was built, so their figure is in-sample.",
        "",
    ]
    lines += _table(
        ["input", "n", "NOT_ENOUGH_INFO or 422", "answers", "gate off", "answers (gate off)"],
        [
            [
                name,
                row["n"],
                f"{row['abstained']:.3f}",
                _counts(row["answers"]),
                f"{row['baseline_abstained']:.3f}",
                _counts(row["baseline_answers"]),
            ]
            for name, row in figures.items()
        ],
    )
    return lines


def _calibration(out: Path, commands: dict[str, str]) -> list[str]:
    figures = _load(out, "calibration")
    if not figures:
        return []
    lines = ["## Verdict confidence calibration", ""]
    lines += _header(out, "calibration", commands)
    lines += [
        "Expected calibration error (ten equal bins of confidence; a verdict is right when it "
        "equals the gold label). Raw: the rule's confidence before calibration (a refutation "
        "by an explicit check answers with the check's measured precision in every row, and "
        "no fit includes it). Shipped: "
        "through the calibration in the model's verdict.json, fitted on the two news sets, so "
        "in-sample for them. Fitted on SciFact only: why SciFact is left out of that fit. The "
        "verdict thresholds were fitted on the dev news claims; the 40 news claims of "
        "bench/data were held out from that fit. A few dozen claims leave about 0.05 of ECE "
        "to chance alone.",
        "",
    ]
    rows = [
        [name, label, r["claims"], f"{r['accuracy']:.3f}", f"{r['mean_confidence']:.3f}",
         f"**{r['ece']:.3f}**"]
        for name, entry in figures["sets"].items()
        for label, r in entry.items()
    ]  # fmt: skip
    lines += _table(["claims", "confidence", "n", "accuracy", "mean confidence", "ECE"], rows)
    lines += [
        "The two news sets pooled, each of five folds calibrated by a fit on the other four "
        "(averaged over ten shufflings): ECE "
        f"**{figures['cross_fitted_ece_pooled']:.3f}**.",
        "",
    ]
    return lines


# (benchmark name, profile): the calibration benchmark run once per stance profile.
def _review(out: Path, commands: dict[str, str]) -> list[str]:
    lines = ["## When an answer needs review (`needs_review`)", ""]
    for profile, name, figures in _profile_runs(out, "calibration"):
        if "review" not in figures:
            continue
        review = figures["review"]
        threshold = review["min_confidence"]
        lines += [f"### {profile} profile ({figures['model']})", ""]
        lines += _header(out, name, commands)
        lines += [
            "An answer is used as it is when it is SUPPORTED or REFUTED with a calibrated "
            f"confidence of at least the fitted threshold, here "
            f"{'none (nothing passes)' if threshold is None else f'{threshold:.4f}'}; "
            "precision: how often those are right; coverage: the share of the claims "
            "labelled SUPPORTED or REFUTED answered so. The threshold and calibration were "
            "fitted on the two news sets (target precision 0.90), so those rows are "
            "in-sample; SciFact dev is held out (another domain); the cross-fitted row fits "
            "calibration and threshold without the fold it measures.",
            "",
        ]
        rows = [
            [set_name, p["used"], f"{p['precision']:.3f}", f"{p['covered']} of "
             f"{p['decided_claims']}", f"**{p['coverage']:.3f}**"]
            for set_name, p in review["at_threshold"].items()
        ]  # fmt: skip
        cross = review["cross_fitted_news"]
        rows.append(
            ["news sets pooled, 5-fold cross-fitted", cross["used"],
             f"{cross['precision']:.3f}", "", f"**{cross['coverage']:.3f}**"]
        )  # fmt: skip
        lines += _table(["claims", "used as they are", "precision", "covered", "coverage"], rows)
        plot = f"risk_coverage_{profile}.png"
        _plot_risk_coverage(review["curves"], out / plot, profile)
        lines += [f"![risk against coverage, {profile} profile](benchmarks/{plot})", ""]
        curve = review["curves"]["news sets pooled"]
        lines += ["The whole curve, news sets pooled (each distinct confidence reached):", ""]
        lines += _table(
            ["threshold", "used", "precision", "coverage"],
            [[f"{p['threshold']:.4f}", p["used"], f"{p['precision']:.3f}",
              f"{p['coverage']:.3f}"] for p in curve],
        )  # fmt: skip
    return lines if len(lines) > 2 else []


def _plot_risk_coverage(curves: dict[str, list[dict[str, Any]]], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axis = plt.subplots(figsize=(6, 4))
    for name, curve in curves.items():
        axis.plot([p["coverage"] for p in curve], [p["precision"] for p in curve], label=name)
    axis.axhline(0.9, color="grey", linestyle="--", linewidth=1)
    axis.set(
        xlabel="coverage of SUPPORTED/REFUTED claims",
        ylabel="precision of answers used as they are",
        ylim=(0, 1.02),
        title=f"risk-coverage, {title} profile",
    )
    axis.grid(alpha=0.3)
    axis.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _learning_curve(out: Path, commands: dict[str, str]) -> list[str]:  # noqa: ARG001
    if not ADAPTER_CURVE.exists():
        return []
    runs = [json.loads(line) for line in ADAPTER_CURVE.read_text(encoding="utf-8").splitlines()]
    lines = ["## Learning curve of the accurate judge (stance-mpnet-lora)", ""]
    lines += [
        "Each run of `factdesk stance train --resume factdesk/models/stance-mpnet-lora` "
        "appends a line to the adapter's learning_curve.jsonl: the pairs seen so far and "
        "MultiNLI dev mismatched on its first 500 rows (about ±2 points), committed or not.",
        "",
    ]
    lines += _table(
        ["run ended", "steps", "pairs seen", "this run: steps, minutes", "MultiNLI-mm",
         "committed"],
        [[r["ended"], r["steps"], r["pairs_seen"], f"{r['run_steps']}, {r['run_minutes']}",
          f"{r['mnli_mm']:.3f}", "yes" if r["committed"] else "no"] for r in runs],
    )  # fmt: skip
    _plot_learning_curve(runs, out / "learning_curve_accurate.png")
    lines += ["![MultiNLI-mm against pairs seen](benchmarks/learning_curve_accurate.png)", ""]
    return lines


def _plot_learning_curve(runs: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axis = plt.subplots(figsize=(6, 4))
    axis.plot([r["pairs_seen"] for r in runs], [r["mnli_mm"] for r in runs], marker="o")
    axis.axhline(0.80, color="grey", linestyle="--", linewidth=1)
    axis.set(
        xlabel="pairs seen",
        ylabel="MultiNLI-mm (first 500 rows)",
        title="accurate judge, run by run (target 0.80 dashed)",
    )
    axis.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _counts(answers: dict[str, int]) -> str:
    return ", ".join(f"{label} {count}" for label, count in sorted(answers.items()))


def _scifact(out: Path, commands: dict[str, str]) -> list[str]:
    lines: list[str] = []
    for name, retrieval in (("scifact", "dense retrieval"), ("scifact_hybrid", "hybrid retrieval")):
        lines += _scifact_run(out, commands, name, retrieval)
    return lines


def _scifact_run(out: Path, commands: dict[str, str], name: str, retrieval: str) -> list[str]:
    sci = _load(out, name)
    if not sci:
        return []
    lines = [f"## SciFact (dev, 300 claims, 5,183 abstracts), {retrieval}", ""]
    lines += _header(out, name, commands)
    recall = sci["abstract_retrieval_recall"]
    lines += _table(
        ["abstract retrieval", *[f"recall@{k}" for k in recall]],
        [["", *[f"{v:.3f}" for v in recall.values()]]],
    )
    rows = []
    for name, key in (
        ("abstract-level, label only", "abstract_label_only"),
        ("sentence-level, selection + label", "sentence_selection_label"),
    ):
        pr = sci[key]
        rows.append([name, f"{pr['precision']:.3f}", f"{pr['recall']:.3f}", f"{pr['f1']:.3f}"])
    lines += _table(["SciFact metric", "precision", "recall", "F1"], rows)
    claim = sci["claim_level"]
    lines += [
        f"Claim level (3-way): accuracy {claim['accuracy']:.4f}, macro-F1 {claim['macro_f1']:.4f}"
        " over SUPPORTED / REFUTED / NOT_ENOUGH_INFO. Anchors for abstract-level label-only F1: "
        "MultiVerS 72.5, VerT5erini 64.9.",
        "",
    ]
    return lines


_RETRIEVAL_RUNS = {
    "retrieval": "dense vs. BM25 vs. hybrid (RRF); passage vectors the mean of their "
    "sentences' (the default)",
    "retrieval_encode": "the same with each passage embedded (FACTDESK_PASSAGE_VECTORS=encode, "
    "the default before)",
    "retrieval_e5_english": "multilingual-e5-small as the embedder, the English dev claims "
    "(SciFact not rerun with it)",
    "retrieval_e5_multilingual": "multilingual-e5-small, the 12 translated dev claims "
    "(ru, zh, de, fr) against the English corpus",
    "retrieval_minilm_multilingual": "all-MiniLM-L6-v2 (the default), the same 12 "
    "translated claims",
}


def _retrieval(out: Path, commands: dict[str, str]) -> list[str]:
    lines: list[str] = []
    for name, title in _RETRIEVAL_RUNS.items():
        lines += _retrieval_run(out, commands, name, title)
    return lines


def _retrieval_run(out: Path, commands: dict[str, str], name: str, title: str) -> list[str]:
    data = _load(out, name)
    if not data:
        return []
    lines = [f"## Retrieval: {title}", ""]
    lines += _header(out, name, commands)
    for corpus, table in data.items():
        ks = [k for k in next(iter(table.values())) if k.startswith("recall@")]
        lines += [f"**{corpus}**", ""]
        lines += _table(
            ["mode", *ks, "search ms"],
            [
                [mode, *[f"{row[k]:.3f}" for k in ks], row["search_ms"]]
                for mode, row in table.items()
            ],
        )
    return lines


def _corpus_changes(out: Path, commands: dict[str, str]) -> list[str]:
    data = _load(out, "corpus_changes")
    if not data:
        return []
    lines = ["### A document added and removed under two replicas (PostgreSQL, loopback)", ""]
    lines += _header(out, "corpus_changes", commands)
    lines += _table(
        ["round", "words", "passages", "POST s", "cited by A s", "answered by B s",
         "DELETE s", "B without it s"],
        [
            [i + 1, r["words"], r["passages"], f"{r['post_s']:.3f}", f"{r['searchable_s']:.3f}",
             f"{r['converge_s']:.3f}", f"{r['delete_s']:.3f}", f"{r['delete_converge_s']:.3f}"]
            for i, r in enumerate(data["rounds"])
        ],
    )  # fmt: skip
    lines += [
        f'"cited by A": from the start of the POST to the first answer that cites the '
        f'article; "answered by B": from the 201 until the other replica answers from the '
        f"new version (it polls every {data['poll_s']:g} s). Worst round: "
        f"{data['max_searchable_s']:.3f} s and {data['max_converge_s']:.3f} s.",
        "",
    ]
    return lines


def _article_check(out: Path, commands: dict[str, str]) -> list[str]:
    lines: list[str] = []
    for name in ("article_check", "article_check_accurate"):
        data = _load(out, name)
        if not data:
            continue
        summary, latency = data["summary"], data["latency_ms"]
        lines += [
            f"### A {data['words']}-word draft checked over HTTP, {data['profile']} profile",
            "",
        ]
        lines += _header(out, name, commands)
        lines += _table(
            ["sentences", "check-worthy", "p50 ms", "p95 ms", "sum of single /v1/verify ms"],
            [[summary["sentences"], summary["check_worthy"], f"{latency['p50']:.0f}",
              f"{latency['p95']:.0f}", f"{data['singles_ms']['sum']:.0f}"]],
        )  # fmt: skip
        lines += [
            f"{data['requests']} requests of the first {data['words']} words of "
            f"`{data['draft']}` (answer cache off); every sentence's span was checked "
            "against the submitted text. Verdicts: " + _counts(summary["verdicts"]) + ". "
            "Check-worthiness scoring (segmentation and the check-worthiness model) in-process: "
            f"{data['scoring_ms_per_sentence']:.2f} ms per sentence.",
            "",
        ]
    return lines


def _earlier_checks(out: Path, commands: dict[str, str]) -> list[str]:
    data = _load(out, "earlier_checks")
    if not data:
        return []
    lines = ["## Earlier checks", ""]
    lines += _header(out, "earlier_checks", commands)
    rows = [
        ["as served: similarity and no explicit check (in-sample)", data["served"]],
        ["as served, 5-fold cross-fitted", data["served_cross_fitted"]],
        ["similarity alone", data["similarity_alone"]],
    ]
    lines += _table(
        ["rule", "precision", "recall", "negations matched"],
        [[name, f"{f['precision']:.3f}", f"{f['recall']:.3f}", f.get("negations_matched", "")]
         for name, f in rows],
    )  # fmt: skip
    kinds = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in data["by_kind"].items())
    lines += [
        f"{data['pairs']} claim pairs written for this project ({kinds}; "
        "`bench/data/claim_pairs.jsonl`), embedded with "
        f"`{data['embedding_model']}`; threshold {data['threshold']}. The pairs are few and "
        "in-house: a newsroom should measure on its own reviewed claims.",
        "",
    ]
    return lines


def _speed(out: Path, commands: dict[str, str]) -> list[str]:
    lines = ["## Speed", ""]
    conc = _load(out, "concurrency")
    if conc:
        lines += ["### Latency and throughput over HTTP (uvicorn, loopback)", ""]
        lines += _header(out, "concurrency", commands)
        lines += _table(
            ["server", "clients", "requests", "p50 ms", "p95 ms", "p99 ms", "requests/s"],
            [
                [
                    r["server"],
                    r["clients"],
                    r["requests"],
                    r["p50_ms"],
                    r["p95_ms"],
                    r["p99_ms"],
                    r["requests_per_s"],
                ]
                for r in conc["rounds"]
            ],
        )
        for clients, ratio in conc["throughput_ratio"].items():
            lines.append(f"- factdesk/baseline throughput at {clients} clients: {ratio:.2f}x")
        lines.append(
            f"- factdesk verdicts identical at every client count: "
            f"{conc['verdicts_stable_across_clients']}"
        )
        if conc.get("baseline_agreement") is not None:
            lines.append(
                f"- verdicts equal to the baseline's: {conc['baseline_agreement']:.0%} of claims"
            )
        lines.append("")
        _plot_concurrency(conc, out / "latency_vs_concurrency.png")
        lines += ["![latency against concurrency](benchmarks/latency_vs_concurrency.png)", ""]
    build = _load(out, "index_build")
    if build:
        lines += ["### Index build", ""]
        lines += _header(out, "index_build", commands)
        lines += _table(
            [
                "corpus",
                "documents",
                "passages",
                "index",
                "seconds",
                "passages/s",
                "peak RSS (model loaded)",
                "peak RSS (after)",
                "bytes/passage on disk",
            ],
            [
                [
                    build["corpus"],
                    build["documents"],
                    build["passages"],
                    build["index_type"],
                    build["wall_s"],
                    build["passages_per_s"],
                    f"{build['peak_rss_mib_model_loaded']} MiB",
                    f"{build['peak_rss_mib_after_build']} MiB",
                    build["artifact_bytes_per_passage"],
                ]
            ],
        )
        if "speedup" in build:
            lines += [
                f"Embedding in {build['embedding_precision']}, {build['embedding_batch_size']} "
                f"texts a pass. The same documents built again in the same process as builds "
                f"ran before (fp32, 64 a pass): {build['baseline_passages_per_s']} passages/s, "
                f"so {build['speedup']:.2f}x.",
                "",
            ]
        if "sentence_mean_passages_per_s" in build:
            encode = build.get("encode_passages_per_s") or build["passages_per_s"]
            lines += [
                f"Passage vectors (`FACTDESK_PASSAGE_VECTORS`), the same documents in the same "
                f"process: each passage embedded (`encode`, {encode} passages/s) or the mean of "
                f"its sentences' vectors (`sentence_mean`, one encoder pass instead of two, "
                f"{build['sentence_mean_passages_per_s']} passages/s, "
                f"{build['sentence_mean_speedup']:.2f}x); the table's build is "
                f"`{build.get('passage_vectors', 'encode')}`. What the choice costs in recall "
                "is under Retrieval.",
                "",
            ]
    lines += _article_check(out, commands)
    lines += _corpus_changes(out, commands)
    scale = _load(out, "scale")
    if scale:
        lines += ['### FAISS at scale (synthetic 384-d corpora; "(real)": SciFact\'s vectors)', ""]
        lines += _header(out, "scale", commands)
        lines += _table(
            [
                "passages",
                "index",
                "parameters",
                "build s",
                "bytes/passage",
                "p50 ms",
                "p99 ms",
                "recall@10",
            ],
            [
                [
                    f"{r['passages']:,}",
                    r["index"],
                    ", ".join(f"{k}={v}" for k, v in r["parameters"].items()) or "-",
                    f"{r['build_s']:.1f}",
                    f"{r['bytes_per_passage']:.0f}",
                    f"{r['p50_ms']:.2f}",
                    f"{r['p99_ms']:.2f}",
                    f"{r['recall_at_10']:.3f}",
                ]
                for r in scale
            ],
        )
    lines += _vector_store(out, commands)
    lines += _ingest(out, commands)
    return lines


def _ingest(out: Path, commands: dict[str, str]) -> list[str]:
    runs = _load(out, "ingest")
    if not runs:
        return []
    lines = ["### A bulk import in shards: in process and on Ray (SciFact abstracts)", ""]
    lines += _header(out, "ingest", commands)
    first = runs[0]
    machine = json.loads((out / "ingest.machine.json").read_text(encoding="utf-8"))

    def cores(run: dict[str, Any]) -> int:
        # Each Ray worker embeds with an even share of the cores (bench.ingest), as one process
        # uses them all: the cores a run used.
        every = int(machine["cores"])
        if run["runner"] == "in-process":
            return every
        return int(run["workers"]) * max(1, every // int(run["workers"]))

    per_core = first["passages_per_s"] / cores(first)
    lines += _table(
        ["runner", "workers", "documents", "passages", "start s", "embed s", "passages/s",
         "per worker / in-process", "per core / in-process's per core", "same segment"],
        [
            [r["runner"], str(r["workers"]), f"{r['documents']:,}", f"{r['passages']:,}",
             f"{r['start_s']:.1f}", f"{r['embed_s']:.1f}", f"{r['passages_per_s']:.1f}",
             f"{r['per_worker']:.2f}", f"{r['passages_per_s'] / cores(r) / per_core:.2f}",
             "yes" if r["checksum"] == first["checksum"] else "NO"]
            for r in runs
        ],
    )  # fmt: skip
    lines += [
        '"start s": a local Ray instance up and every worker\'s embedder loaded, before the '
        'first shard; "embed s": the shards embedded and the segment written. Each Ray '
        "worker gets an even share of the cores, so on 2 cores two workers are not expected "
        "to be faster than one process: the figures that matter are the rate per worker and per "
        "core used (two workers here have one core each, one worker or one process both). "
        '"Same segment": the segment\'s checksum (every passage, sentence and vector) equals '
        "the in-process import's.",
        "",
    ]
    return lines


def _vector_store(out: Path, commands: dict[str, str]) -> list[str]:
    rows = _load(out, "vector_store")
    if not rows:
        return []
    lines = ["### Milvus against FAISS (the same vectors; recall against exact search)", ""]
    lines += _header(out, "vector_store", commands)
    lines += _table(
        ["corpus", "passages", "store", "index", "load s", "p50 ms", "p99 ms", "recall@10",
         "memory B/passage", "disk B/passage"],
        [
            [r["corpus"], f"{r['passages']:,}", r["store"], r["index"], f"{r['load_s']:.1f}",
             f"{r['p50_ms']:.2f}", f"{r['p99_ms']:.2f}", f"{r['recall_at_10']:.3f}",
             f"{r['memory_bytes_per_passage']:.0f}", f"{r['disk_bytes_per_passage']:.0f}"]
            for r in rows
        ],
    )  # fmt: skip
    lines += [
        "Milvus here is milvus-lite, the embedded engine (pure Python around FAISS-style "
        "indexes, in this process, through the same pymilvus client and gRPC API as a "
        "cluster): its latency and memory are the embedded engine's, an upper bound for what "
        'a Milvus server costs per query. "load s": FAISS\'s build; for Milvus, inserting '
        "the vectors, sealing them and building the index. Memory: this process's RSS growth "
        "while the store holds the corpus (milvus-lite keeps its rows and index in process). "
        "Rows of a size given with `--sizes` (1,000,000 here) may come from a run of their "
        "own, named in vector_store.log.",
        "",
    ]
    return lines


def _plot_concurrency(conc: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for server in sorted({r["server"] for r in conc["rounds"]}):
        rows = [r for r in conc["rounds"] if r["server"] == server]
        clients = [r["clients"] for r in rows]
        left.plot(clients, [r["p50_ms"] for r in rows], marker="o", label=f"{server} p50")
        left.plot(clients, [r["p95_ms"] for r in rows], marker="x", ls="--", label=f"{server} p95")
        right.plot(clients, [r["requests_per_s"] for r in rows], marker="o", label=server)
    left.set(xlabel="concurrent clients", ylabel="latency (ms)", xscale="log", yscale="log")
    right.set(xlabel="concurrent clients", ylabel="requests / s", xscale="log")
    for axis in (left, right):
        axis.grid(alpha=0.3)
        axis.legend()
    fig.suptitle("POST /v1/verify over loopback")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _plot_topk(rows: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axis = plt.subplots(figsize=(6, 4))
    ks = [r["top_k"] for r in rows]
    series = (("macro_f1", "macro-F1"), ("accuracy", "accuracy"), ("citation_hit", "citation hit"))
    for key, label in series:
        axis.plot(ks, [r[key] for r in rows], marker="o", label=label)
    axis.set(xlabel="top_k", ylabel="score", ylim=(0, 1), title="dev claims against top_k")
    axis.grid(alpha=0.3)
    axis.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _same_document(out: Path, commands: dict[str, str]) -> list[str]:
    lines = ["## Same-document neutrals (SciFact dev, not trained on)", ""]
    for profile, name, figures in _profile_runs(out, "same_document_neutrals"):
        lines += [f"### {profile} profile", ""]
        lines += _same_document_run(out, commands, name, figures)
    return lines if len(lines) > 2 else []


def _same_document_run(
    out: Path, commands: dict[str, str], name: str, figures: dict[str, Any]
) -> list[str]:
    lines = _header(out, name, commands)
    lines += [
        "Each non-rationale sentence of a SciFact dev claim's evidence abstract, paired with "
        'the claim, should be NEUTRAL (target ≥ {:.2f}). "as served" counts a SUPPORTS or '
        "REFUTES only where the topic gate lets it count, as the service does. The rationale "
        "sentences are shown beside them: the share of those judged NEUTRAL is what the "
        "gate and the model cost in missed evidence.".format(figures["target"]),
        "",
    ]
    rows = []
    for name, label in (
        ("non_rationale_sentences", "other sentences of the abstract (should be NEUTRAL)"),
        ("rationale_sentences", "the rationale sentences (should not be NEUTRAL)"),
    ):
        block = figures[name]
        for variant, result in block.items():
            if isinstance(result, dict):
                rows.append(
                    [label, block["pairs"], variant, f"{result['neutral']:.3f}",
                     f"{result['refutes']:.3f}", f"{result['supports']:.3f}",
                     f"{result['neutral_as_served']:.3f}"]
                )  # fmt: skip
    lines += _table(
        ["pairs", "n", "variant", "NEUTRAL", "REFUTES", "SUPPORTS", "NEUTRAL as served"], rows
    )
    return lines


def _soak(out: Path, commands: dict[str, str]) -> list[str]:
    runs = [(name, _load(out, name)) for name in ("soak", "soak_sqlite")]
    runs = [(name, figures) for name, figures in runs if figures]
    if not runs:
        return []
    lines = ["## Soak: clients, a SIGKILL, a database outage", ""]
    for name, _ in runs:
        lines += _header(out, name, commands)
    lines += [
        "N clients send POST /v1/verify (every tenth request a batch of 2) for M minutes with "
        "auth on and the answer cache off. At a third of the run the server is SIGKILLed and "
        "restarted; at two thirds the audit database is out (PostgreSQL: connections refused "
        "and terminated; SQLite: another process holds the write lock). Afterwards every 200 "
        "a client got is fetched again: lost rows must be 0, and `factdesk audit verify` must "
        "pass. Connection errors are the requests sent while the server was down.",
        "",
    ]
    rows = []
    for _, run in runs:
        rss = run["rss"]
        restart = next(e for e in run["events"] if e["event"] == "sigkill+restart")
        before = [r for r in rss if r["t_s"] < restart["t_s"]]
        # from when the restarted server was ready, not while it loaded its models
        after = [r for r in rss if r["t_s"] > restart["t_s"] + restart["restart_s"]]
        rows.append(
            [
                run["database"],
                f"{run['clients']} × {run['minutes']:g} min",
                run["requests"],
                _counts(run["outcomes"]),
                run["answers"],
                run["audit_rows_lost"],
                "yes" if run["audit_chain_intact"] else "NO",
                _rss_span(before),
                _rss_span(after),
            ]
        )
    lines += _table(
        ["database", "load", "requests", "outcomes", "answers", "rows lost", "chain intact",
         "RSS MiB before the kill", "RSS MiB once restarted"],
        rows,
    )  # fmt: skip
    _plot_soak(runs, out / "soak_rss.png")
    lines += ["![RSS over the soak](benchmarks/soak_rss.png)", ""]
    return lines


def _rss_span(samples: list[dict[str, float]]) -> str:
    if not samples:
        return "-"
    first, last = samples[0], samples[-1]
    peak = max(s["rss_mib"] for s in samples)
    return (
        f"{first['rss_mib']:.0f} → {last['rss_mib']:.0f} (peak {peak:.0f}) over "
        f"{last['answered'] - first['answered']:.0f} answers"
    )


def _plot_soak(runs: list[tuple[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axis = plt.subplots(figsize=(7, 4))
    for _, run in runs:
        rss = run["rss"]
        axis.plot([r["t_s"] for r in rss], [r["rss_mib"] for r in rss], label=run["database"])
        for event in run["events"]:
            axis.axvline(event["t_s"], color="grey", ls=":", lw=1)
    axis.set(xlabel="seconds", ylabel="server RSS (MiB)", title="RSS over the soak (dotted: "
             "SIGKILL+restart, database outage)")  # fmt: skip
    axis.grid(alpha=0.3)
    axis.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


_MULTILINGUAL_CLAIMS = (
    ("multilingual_dev_claims", "12 translated dev claims (ru, zh, de, fr; held out from every "
     "fit)"),
    ("multilingual_news_claims", "40 translated news claims (its thresholds were fitted on "
     "them: in-sample)"),
)  # fmt: skip


def _claims_row(figures: dict[str, Any]) -> list[object]:
    lat = figures["latency_ms"]
    return [
        figures["n"], f"{figures['accuracy']:.4f}", f"**{figures['macro_f1']:.4f}**",
        f"{figures['citation_hit_rate']:.4f}", f"{lat['p50']:.1f}", f"{lat['p90']:.1f}",
    ]  # fmt: skip


def _multilingual(out: Path, commands: dict[str, str]) -> list[str]:
    cross = _load(out, "xnli_cross")
    lines: list[str] = []
    if cross:
        lines += ["## Claims in other languages: the multilingual judge across languages", ""]
        lines += _header(out, "xnli_cross", commands)
        lines += [
            f"Each set judged one way, as served; target ≥ {cross['target_cross']:.2f} for each "
            "cross-lingual set. Model: "
            f"`{cross['model']['model'].get('name', '')}`.",
            "",
        ]
        lines += _table(
            ["set", "rows", "accuracy", "macro-F1", "pairs/s"],
            [
                [name, f["rows"], f"**{f['accuracy']:.4f}**", f"{f['macro_f1']:.4f}",
                 f["pairs_per_second"]]
                for name, f in cross["model"]["sets"].items()
            ],
        )  # fmt: skip
    runs = [(name, what, _load(out, name)) for name, what in _MULTILINGUAL_CLAIMS]
    if any(figures for _, _, figures in runs):
        lines += ["## Claims in other languages, FACTDESK_MULTILINGUAL=on", ""]
    for name, what, figures in runs:
        if not figures:
            continue
        lines += [f"### {what}", ""]
        lines += _header(out, name, commands)
        lines += _table(
            ["claims", "accuracy", "macro-F1", "citation hit", "p50 ms", "p90 ms"],
            [_claims_row(figures)],
        )
    english, default = _load(out, "dev_claims_multilingual_on"), _load(out, "dev_claims")
    if english and default and all("language" in c for c in english["claims"]):
        lines += _english_unchanged(out, commands, english, default)
    return lines


def _answered(claim: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in claim.items() if k != "latency_ms"}


def _english_unchanged(
    out: Path, commands: dict[str, str], english: dict[str, Any], default: dict[str, Any]
) -> list[str]:
    """The dev claims answered with the switch on and off: every English claim's answer
    (verdict, confidence, review flag, citation hit) compared."""
    pairs = list(zip(default["claims"], english["claims"], strict=True))
    in_english = [(d, e) for d, e in pairs if d["language"] == "en"]
    same = sum(_answered(d) == _answered(e) for d, e in in_english)
    others = ", ".join(f"{d['id']} ({d['language']})" for d, _ in pairs if d["language"] != "en")
    lines = ["### English under FACTDESK_MULTILINGUAL=on: the 25 dev claims", ""]
    lines += _header(out, "dev_claims_multilingual_on", commands)
    lines += _table(
        ["profile", "claims", "accuracy", "macro-F1", "citation hit", "p50 ms", "p90 ms"],
        [["default", *_claims_row(default)], ["multilingual on", *_claims_row(english)]],
    )
    lines += [
        f"The {len(in_english)} English claims: {same} answered identically (verdict, "
        "confidence, review flag, citation hit)"
        + ("" if same == len(in_english) else ": **they differ**")
        + (f"; {others}: judged by the multilingual judge with the switch on, "
           "`language_not_supported` without it" if others else "")
        + ". The end-to-end test `tests/e2e/test_multilingual.py` compares every English "
        "answer field by field.",
        "",
    ]  # fmt: skip
    return lines


SECTIONS: tuple[Section, ...] = (
    _stance, _learning_curve, _same_document, _claims, _calibration, _review, _abstention,
    _multilingual, _scifact,
    _retrieval, _earlier_checks, _speed, _soak,
)  # fmt: skip


def render(out: Path, commands: dict[str, str]) -> str:
    lines = [
        "# factdesk benchmarks",
        "",
        "Generated by `python -m bench.report` from the JSON files in `docs/benchmarks/` "
        "(each written by the command shown above its table; logs beside them). Do not edit "
        "by hand: rerun the command. Targets and what was missed are in the issue notes and "
        "the README.",
        "",
    ]
    for section in SECTIONS:
        lines += section(out, commands)
    return "\n".join(lines).rstrip() + "\n"
