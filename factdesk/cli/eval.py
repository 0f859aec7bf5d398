"""``factdesk eval``: verification end to end on labelled claims and on SciFact."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from evaluation.calibration import (
    MIN_PER_VERDICT,
    Prediction,
    cross_fitted,
    figures,
    fit_calibration,
    read_predictions,
)
from evaluation.claims import LabelledClaim, read_claims
from evaluation.claims_eval import evaluate_claims
from evaluation.fit import DEFAULT_REFUTE_MARGIN, fit_rule, leave_one_out
from evaluation.review import (
    MIN_USED,
    TARGET_PRECISION,
    answered,
    cross_fitted_review,
    fit_threshold,
    point_at,
    risk_coverage,
)
from evaluation.scifact import load_scifact_claims, load_scifact_corpus, run_scifact
from factdesk.cli._common import (
    Commands,
    ProgressBars,
    api_key,
    http_verifier,
    local_verifier,
)
from factdesk.core.errors import InvalidInputError
from factdesk.core.files import read_jsonl, write_jsonl
from factdesk.core.settings import Settings
from factdesk.wiring import (
    build_verifier,
    corpus_path,
    index_spec,
    load_embedder,
    load_pipeline,
    load_stance,
    make_judge,
    verdict_calibration,
    verdict_file,
    verdict_rule,
)
from index.corpus import load_corpus
from index.store import build_index, load_index
from service.database import make_engine, make_sessions, upgrade_database
from service.queries.labelled import labelled_claims
from service.queries.repository import AuditRepository
from verify.calibration import UNCALIBRATED, Calibration
from verify.verdict import write_verdict_calibration, write_verdict_rule


def _write_reviewed_claims(path: Path, settings: Settings) -> None:
    upgrade_database(settings.audit.database_url)
    engine = make_engine(settings.audit.database_url)
    try:
        rows = list(labelled_claims(AuditRepository(make_sessions(engine))))
    finally:
        engine.dispose()
    if not rows:
        raise InvalidInputError(
            f"no reviewed queries in {settings.audit.database_url}: review answers on the "
            "editor page (/) or with POST /v1/queries/{id}/reviews first"
        )
    write_jsonl(path, rows)
    changed = sum(row["label"] != row["answered"] for row in rows)
    print(f"wrote {path}: {len(rows)} reviewed claims ({changed} overridden)")


def _write_predictions(
    path: Path, rows: Sequence[tuple[object, str, str, str, float, str]], settings: Settings
) -> None:
    """Per claim: gold label, verdict, confidence and reason, with the calibration that
    made it."""
    in_effect = verdict_calibration(settings).as_mapping()
    write_jsonl(
        path,
        [
            {
                "id": claim_id,
                "claim": claim,
                "label": label,
                "verdict": verdict,
                "confidence": confidence,
                "reason": reason,
                "calibration": in_effect,
            }
            for claim_id, claim, label, verdict, confidence, reason in rows
        ],
    )
    print(f"wrote {len(rows)} predictions to {path}")


def _claims(args: argparse.Namespace, settings: Settings) -> int:
    if args.predictions and args.url:
        raise InvalidInputError(
            "--predictions records the calibration this process answers with: drop --url"
        )
    if args.from_reviews:
        _write_reviewed_claims(args.file, settings)
    claims = read_claims(args.file)
    documents = load_corpus(args.corpus or corpus_path(settings))
    if args.fit:
        return _fit_verdict_rule(args, claims, settings)
    verify = (
        http_verifier(args.url, api_key(args, settings)) if args.url else local_verifier(settings)
    )
    bars = ProgressBars("verifying", " claims")
    result = evaluate_claims(claims, documents, verify, lambda done, total: bars("", done, total))
    print(f"{args.file}: {len(claims)} claims" + (f" via {args.url}" if args.url else ""))
    print(result.format())
    if args.json_out:
        args.json_out.write_text(json.dumps(result.as_dict(), indent=2), encoding="utf-8")
    if args.predictions:
        rows = [
            (o.claim.id, o.claim.claim, o.claim.label, o.verdict, o.confidence, o.reason)
            for o in result.outcomes
        ]
        _write_predictions(args.predictions, rows, settings)
    return 0


def _calibrate(args: argparse.Namespace, settings: Settings) -> int:
    """Fit a Platt map per verdict on predictions; report ECE in and out of sample."""
    predictions = read_predictions(args.files)
    in_effect = {json.dumps(row.get("calibration"), sort_keys=True) for row in _rows(args.files)}
    if len(in_effect) != 1:
        raise InvalidInputError(
            "the predictions were made under different calibrations: write them all again "
            "with the same model"
        )
    made_under = Calibration.from_mapping(json.loads(in_effect.pop()) or {}, "predictions")
    fitted = fit_calibration(predictions)
    as_answered, in_sample = figures(predictions, UNCALIBRATED), figures(predictions, fitted)
    cross = cross_fitted(predictions)
    print(f"as answered: {as_answered.format()}")
    print(f"recalibrated, in sample: {in_sample.format()}")
    print(f"recalibrated, 5-fold cross-fitted ECE: {cross:.3f}")
    for path in args.measure or ():
        held_out = read_predictions([path])
        print(f"{path} as answered: {figures(held_out, UNCALIBRATED).format()}")
        print(f"{path} recalibrated (held out): {figures(held_out, fitted).format()}")
    for verdict, mapping in fitted.as_mapping().items():
        print(f"  {verdict}: slope {mapping['slope']:.3f}, intercept {mapping['intercept']:.3f}")
    review = _fit_review(args, predictions, fitted)
    if args.save:
        target = verdict_file(settings)
        if target is None or not target.exists():
            raise InvalidInputError(
                f"stance model {settings.stance.model!r} has no verdict.json to add a "
                "calibration to: fit its thresholds first (`factdesk eval claims --fit --save`)"
            )
        write_verdict_calibration(
            target,
            fitted.after(made_under).as_mapping(),
            {
                "predictions": [str(p) for p in args.files],
                "claims": len(predictions),
                "how": "`make calibrate`: the claims answered with raw confidences "
                "(FACTDESK_STANCE_CALIBRATED_CONFIDENCE=false, `factdesk eval claims "
                "--predictions`), then `factdesk eval calibrate --save`: a Platt map per verdict "
                f"with at least {MIN_PER_VERDICT} predictions, a shared one for the others, "
                "shrunk toward the identity; refutations by a check answer with the check's "
                "measured precision and are not fitted",
                "ece_as_answered": round(as_answered.ece, 4),
                "ece_in_sample": round(in_sample.ece, 4),
                "ece_cross_fitted": round(cross, 4),
            },
            review,
        )
        print(f"wrote the calibration and the review threshold to {target}")
    return 0


def _fit_review(
    args: argparse.Namespace, predictions: Sequence[Prediction], fitted: Calibration
) -> dict[str, object]:
    """The review threshold on the recalibrated confidences: the curve, the fit, and its
    precision and coverage on claims it was not fitted on."""
    confidences = answered(predictions, fitted)
    curve = risk_coverage(predictions, confidences)
    threshold = fit_threshold(curve, args.target_precision)
    cross = cross_fitted_review(predictions, args.target_precision)
    print(f"risk-coverage, recalibrated, in sample ({len(predictions)} claims):")
    for point in curve:
        print(f"  {point.format()}")
    in_sample = point_at(predictions, confidences, threshold)
    described = "none reaches it" if threshold is None else f"{threshold:.4f}"
    print(f"review threshold for precision {args.target_precision:.2f}: {described}")
    print(f"  in sample: {in_sample.format()}")
    print(f"  5-fold cross-fitted (calibration and threshold): {cross.format()}")
    for path in args.measure or ():
        held_out = read_predictions([path])
        point = point_at(held_out, answered(held_out, fitted), threshold)
        print(f"  {path} (held out): {point.format()}")
    return {
        "min_confidence": threshold,
        "target_precision": args.target_precision,
        "fitted": {
            "how": "factdesk eval calibrate: the lowest calibrated confidence above which "
            f"SUPPORTED/REFUTED answers were right at least {args.target_precision:.0%} of "
            f"the time, at every threshold judged on {MIN_USED} answers or more",
            "in_sample_precision": round(in_sample.precision, 4),
            "in_sample_coverage": round(in_sample.coverage, 4),
            "cross_fitted_precision": round(cross.pooled.precision, 4),
            "cross_fitted_coverage": round(cross.pooled.coverage, 4),
        },
    }


def _rows(paths: Sequence[Path]) -> list[dict[str, object]]:
    return [row for path in paths for _, row in read_jsonl(path)]


def _fit_verdict_rule(
    args: argparse.Namespace, claims: Sequence[LabelledClaim], settings: Settings
) -> int:
    file = verdict_file(settings)
    if file is None or file.exists():
        margin = verdict_rule(settings).refute_margin  # chosen on a larger set, not fitted here
    else:
        # A model's first fit: it has no rule yet, and judging the evidence needs none.
        margin = settings.verdict.refute_margin or DEFAULT_REFUTE_MARGIN
        settings = _provisional_rule(settings, margin)
    verifier = load_pipeline(settings).verifier
    weights = verifier.judges[0].model.identity.get("checksum")
    cases = [(c.label, verifier.verify(c.claim).evidence) for c in claims]
    result = fit_rule(cases, margin)
    rule = result.rule
    print(
        f"best macro-F1 {result.macro_f1:.4f} (accuracy {result.accuracy:.4f}) on "
        f"{len(claims)} claims; {result.optimal_rules} of {result.rules_tried} rules tie, "
        "the centre of that plateau is:"
    )
    print(f"FACTDESK_SUPPORT_THRESHOLD={rule.support_threshold}")
    print(f"FACTDESK_REFUTE_THRESHOLD={rule.refute_threshold}")
    print(f"FACTDESK_CONFLICT_THRESHOLD={rule.conflict_threshold}")
    print(f"FACTDESK_MIN_RELEVANCE={rule.min_relevance}")
    print(f"(refute margin {rule.refute_margin}: the model's, not fitted)")
    macro_f1, accuracy = leave_one_out(cases, margin)
    print(
        f"leave-one-out (each claim decided by a rule fitted on the others): macro-F1 "
        f"{macro_f1:.4f}, accuracy {accuracy:.4f}"
    )
    if args.save is not None:
        target = args.save if args.save != _MODEL_FOLDER else verdict_file(settings)
        if target is None:
            raise InvalidInputError(
                f"stance model {settings.stance.model!r} is no local folder: pass --save PATH"
            )
        fitted = {
            "claims": f"{args.file} ({len(claims)} claims)",
            "in_sample_macro_f1": round(result.macro_f1, 4),
            "leave_one_out_macro_f1": round(macro_f1, 4),
            "optimal_rules": result.optimal_rules,
            "rules_tried": result.rules_tried,
            "weights": weights,  # the stance model's checksum: which weights this fits
        }
        write_verdict_rule(Path(target), rule, fitted)
        print(f"wrote {target}")
    return 0


def _provisional_rule(settings: Settings, margin: float) -> Settings:
    """Settings whose thresholds stand in for a rule the model does not have yet: which
    evidence is judged, and how, does not depend on them; the fit replaces them."""
    stand_in = dict.fromkeys(
        ("support_threshold", "refute_threshold", "conflict_threshold", "min_relevance"), 0.5
    )
    verdict = settings.verdict.model_copy(update={**stand_in, "refute_margin": margin})
    return settings.model_copy(update={"verdict": verdict})


_MODEL_FOLDER = Path("<model>")  # --save without a path: the stance model's own verdict.json


def _scifact(args: argparse.Namespace, settings: Settings) -> int:
    documents = load_scifact_corpus(args.directory / "corpus.jsonl")
    claims = load_scifact_claims(args.directory / f"claims_{args.split}.jsonl")
    embedder = load_embedder(settings)
    index_dir = args.index_dir or Path("var/index-scifact")
    if not (index_dir / "manifest.json").exists():
        print(f"indexing {len(documents)} SciFact abstracts into {index_dir} ...", flush=True)
        build_index(documents, embedder, index_spec(settings), index_dir)
    index = load_index(index_dir, embedding_model=embedder.name, dimension=embedder.dimension)
    judges = [make_judge(settings, load_stance(settings))]
    verifier = build_verifier(settings, embedder, index, judges, answer_cache=False)
    result = run_scifact(verifier, claims, index.documents, args.top_k)
    print(f"SciFact {args.split}: {len(claims)} claims, {index.manifest.count} passages")
    print(result.format())
    if args.json_out:
        args.json_out.write_text(json.dumps(result.as_dict(), indent=2), encoding="utf-8")
    if args.predictions:
        rows = [
            (claim_id, claim, label.value, verdict.value, confidence, reason)
            for claim_id, claim, label, verdict, confidence, reason in result.verdicts
        ]
        _write_predictions(args.predictions, rows, settings)
    return 0


def register(commands: Commands) -> None:
    evaluation = commands.add_parser("eval", help="Evaluate verification end to end.")
    eval_commands = evaluation.add_subparsers(dest="eval_command", required=True)
    claims = eval_commands.add_parser("claims", help="Verdicts, citations, latency on claims.")
    claims.add_argument(
        "file",
        type=Path,
        help="JSONL {id, claim, label, evidence[...]}; with --from-reviews, written first.",
    )
    claims.add_argument(
        "--from-reviews",
        action="store_true",
        help="Write FILE from the audit trail's reviewed queries (the latest review's "
        "verdict is the label), then evaluate (or --fit) on it.",
    )
    claims.add_argument("--url", help="Evaluate a running server (default: in-process).")
    claims.add_argument("--key", help="With --url: the API key (default: FACTDESK_API_KEY).")
    claims.add_argument(
        "--corpus", type=Path, help="Corpus of the gold quotes (default: settings)."
    )
    claims.add_argument("--json", type=Path, dest="json_out", help="Also write figures here.")
    claims.add_argument(
        "--fit", action="store_true", help="Fit the verdict thresholds to these claims instead."
    )
    claims.add_argument(
        "--save",
        type=Path,
        nargs="?",
        const=_MODEL_FOLDER,
        help="With --fit: write the fitted thresholds to PATH, or without PATH to the stance "
        "model's verdict.json (which the service reads).",
    )
    claims.add_argument(
        "--predictions", type=Path, help="Also write each claim's verdict here (for calibrate)."
    )
    claims.set_defaults(handler=_claims)

    scifact = eval_commands.add_parser("scifact", help="SciFact end to end (own index).")
    scifact.add_argument("directory", type=Path, help="Holds corpus.jsonl and claims_*.jsonl.")
    scifact.add_argument("--split", default="dev", choices=["dev", "train"])
    scifact.add_argument("--index-dir", type=Path, help="Default: var/index-scifact.")
    scifact.add_argument("--top-k", type=int, default=10)
    scifact.add_argument("--json", type=Path, dest="json_out", help="Also write figures here.")
    scifact.add_argument(
        "--predictions", type=Path, help="Also write each claim's verdict here (for calibrate)."
    )
    scifact.set_defaults(handler=_scifact)

    calibrate = eval_commands.add_parser(
        "calibrate",
        help="Fit the verdict confidence's calibration on predictions, and the confidence "
        "above which answers need no review; report ECE and the risk-coverage curve.",
    )
    calibrate.add_argument(
        "files", type=Path, nargs="+", help="Written by `eval claims|scifact --predictions`."
    )
    calibrate.add_argument(
        "--measure",
        type=Path,
        action="append",
        help="Predictions held out from the fit, to measure it on (repeatable).",
    )
    calibrate.add_argument(
        "--save",
        action="store_true",
        help="Add the calibration and the review threshold to the stance model's "
        "verdict.json (the service reads it).",
    )
    calibrate.add_argument(
        "--target-precision",
        type=float,
        default=TARGET_PRECISION,
        help="How often the answers used without review must be right "
        f"(default {TARGET_PRECISION}).",
    )
    calibrate.set_defaults(handler=_calibrate)
