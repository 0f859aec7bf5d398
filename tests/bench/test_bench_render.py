import json
from pathlib import Path

from bench.render import render


def test_report_renders_tables_and_plots_from_the_json_files(tmp_path: Path) -> None:
    files = {
        "concurrency": {
            "rounds": [
                {"server": s, "clients": c, "requests": 8, "p50_ms": 40.0 * c, "p95_ms": 60.0 * c,
                 "p99_ms": 70.0 * c, "mean_ms": 45.0, "requests_per_s": r * c}
                for s, r in (("factdesk", 20.0), ("baseline", 5.0))
                for c in (1, 4)
            ],
            "throughput_ratio": {"1": 4.0, "4": 4.0},
            "verdicts_stable_across_clients": True,
            "baseline_agreement": 0.5,
        },
        "accuracy_topk": [
            {"top_k": k, "accuracy": 0.5, "macro_f1": 0.4, "citation_hit": 0.7, "p50_ms": 30.0}
            for k in (1, 5)
        ],
        "scale": [
            {"passages": 1000000, "index": "ivf_sq8", "parameters": {"nlist": 4000, "nprobe": 32},
             "build_s": 60.0, "bytes_per_passage": 400.0, "p50_ms": 2.0, "p99_ms": 5.0,
             "recall_at_10": 0.96}
        ],
        "soak": {
            "clients": 4, "minutes": 3.0, "database": "postgresql", "requests": 900,
            "outcomes": {"200": 850, "503": 20, "ConnectError": 30}, "answers": 860,
            "audit_rows_lost": 0, "ready_after": True, "audit_chain": "intact",
            "audit_chain_intact": True,
            "events": [{"event": "sigkill+restart", "t_s": 60.0, "restart_s": 12.0},
                       {"event": "database outage", "t_s": 120.0, "seconds": 10.0}],
            "rss": [{"t_s": 2.0, "rss_mib": 900.0, "answered": 5},
                    {"t_s": 58.0, "rss_mib": 950.0, "answered": 300},
                    {"t_s": 80.0, "rss_mib": 880.0, "answered": 320},
                    {"t_s": 178.0, "rss_mib": 940.0, "answered": 860}],
        },
    }  # fmt: skip
    for name, data in files.items():
        (tmp_path / f"{name}.json").write_text(json.dumps(data), encoding="utf-8")
    commands = {name: f"python -m bench.{name}" for name in files}
    text = render(tmp_path, commands)
    assert "| factdesk | 4 | 8 | 160.0 | 240.0 | 280.0 | 80.0 |" in text
    assert "factdesk/baseline throughput at 4 clients: 4.00x" in text
    scale_row = "| 1,000,000 | ivf_sq8 | nlist=4000, nprobe=32 | 60.0 | 400 | 2.00 | 5.00 | 0.960 |"
    assert scale_row in text
    assert "python -m bench.scale" in text
    assert "## SciFact" not in text
    assert (
        "| postgresql | 4 × 3 min | 900 | 200 850, 503 20, ConnectError 30 | 860 | 0 | yes | "
        "900 → 950 (peak 950) over 295 answers | 880 → 940 (peak 940) over 540 answers |"
    ) in text
    assert (tmp_path / "soak_rss.png").stat().st_size > 1000
    assert (tmp_path / "latency_vs_concurrency.png").stat().st_size > 1000
    assert (tmp_path / "accuracy_vs_top_k.png").stat().st_size > 1000


def test_the_calibration_section_shows_each_set_and_the_cross_fitted_figure(
    tmp_path: Path,
) -> None:
    figures = {"claims": 25, "accuracy": 0.72, "mean_confidence": 0.81, "ece": 0.123}
    data = {
        "model": "m",
        "sets": {"dev news claims": {"raw": figures, "shipped (in-sample)": figures}},
        "cross_fitted_ece_pooled": 0.0871,
        "shipped_calibration": {},
    }
    (tmp_path / "calibration.json").write_text(json.dumps(data), encoding="utf-8")
    text = render(tmp_path, {"calibration": "python -m bench.calibration"})
    assert "| dev news claims | raw | 25 | 0.720 | 0.810 | **0.123** |" in text
    assert (
        "calibrated by a fit on the other four (averaged over ten shufflings): ECE **0.087**"
        in text
    )


def test_each_profile_gets_its_claims_rows_and_its_risk_coverage_curve(tmp_path: Path) -> None:
    def point(
        threshold: float | None, used: int, right: int, covered: int, decided: int = 40
    ) -> dict[str, object]:
        return {"threshold": threshold, "used": used, "right": right,
                "precision": right / used, "covered": covered, "decided_claims": decided,
                "coverage": covered / decided}  # fmt: skip

    curve = [point(0.9, 10, 10, 10), point(0.7, 25, 23, 24), point(0.5, 36, 29, 33)]
    calibration = {
        "model": "factdesk/models/stance-mpnet-lora",
        "review": {
            "min_confidence": 0.7,
            "at_threshold": {"news sets pooled": point(0.7, 25, 23, 24)},
            "cross_fitted_news": {**point(None, 200, 182, 190, 400), "unfitted_folds": 0},
            "curves": {"news sets pooled": curve, "SciFact dev": curve},
        },
    }
    claims = {
        "n": 40, "accuracy": 0.725, "macro_f1": 0.7299, "citation_hit_rate": 0.8571,
        "not_needing_review": {"answers": 25, "right": 23, "precision": 0.92, "coverage": 0.6},
        "latency_ms": {"p50": 410.0, "p90": 600.0, "p99": 900.0},
        "per_label": {"SUPPORTED": {"precision": 0.8, "recall": 0.75, "f1": 0.77, "support": 16}},
    }  # fmt: skip
    files = {"calibration_accurate": calibration, "news_claims_accurate": claims}
    for name, data in files.items():
        (tmp_path / f"{name}.json").write_text(json.dumps(data), encoding="utf-8")
    text = render(tmp_path, {name: f"run {name}" for name in files})
    assert "### 40 news claims (thresholds not fitted on them), accurate profile" in text
    assert "| 40 | 0.7250 | **0.7299** | 0.8571 | 0.920, 0.600 (25 answers) | 410.0 |" in text
    assert "### accurate profile (factdesk/models/stance-mpnet-lora)" in text
    assert "| news sets pooled, 5-fold cross-fitted | 200 | 0.910 |  | **0.475** |" in text
    assert "| 0.5000 | 36 | 0.806 | 0.825 |" in text  # the whole curve, row by row
    assert (tmp_path / "risk_coverage_accurate.png").stat().st_size > 1000
    assert "fast profile" not in text  # nothing was run for it
    # The adapter's own record of its runs, whatever was run here.
    assert "## Learning curve of the accurate judge (stance-mpnet-lora)" in text
    assert (tmp_path / "learning_curve_accurate.png").stat().st_size > 1000
