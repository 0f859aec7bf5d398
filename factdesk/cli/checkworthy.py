"""``factdesk checkworthy``: train the check-worthiness head and write its card."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from factdesk.cli._common import Commands
from factdesk.core.resources import resolve_model_ref
from factdesk.core.settings import Settings
from factdesk.wiring import load_embedder
from training.checkworthy import (
    CLASSIFIER_SCALE,
    SPLITS,
    ClassifierRecipe,
    TrainedHead,
    train_classifier,
    train_head,
)

SHIPPED_HEAD = Path("factdesk/models/checkworthy-minilm")
SHIPPED_CLASSIFIER = Path("factdesk/models/checkworthy-minilm-classifier")


def _train(args: argparse.Namespace, settings: Settings) -> int:
    data = args.data or settings.tooling.shared_dir / "training" / "checkworthy"
    if args.recipe == "classifier":
        return _train_classifier(args, settings, data)
    out = args.out or SHIPPED_HEAD
    trained = train_head(load_embedder(settings), data)
    path = trained.head.save(out, trained.fitted)
    (out / "README.md").write_text(card(trained, out), encoding="utf-8")
    _print_figures(trained.fitted["figures"])
    print(f"wrote {path} and its card")
    return 0


def _train_classifier(args: argparse.Namespace, settings: Settings, data: Path) -> int:
    out = args.out or SHIPPED_CLASSIFIER
    encoder = args.encoder or resolve_model_ref(settings.embedding.model)
    recipe = ClassifierRecipe(epochs=args.epochs, minutes=args.minutes)
    fitted = train_classifier(encoder, data, out, recipe, settings.embedding.threads)
    (out / "README.md").write_text(classifier_card(fitted, out), encoding="utf-8")
    _print_figures(fitted["figures"])
    print(f"wrote {out} and its card")
    return 0


def _print_figures(figures: dict[str, dict[str, Any]]) -> None:
    for split, f in figures.items():
        print(
            f"{split}: F1 {f['f1']:.4f} (precision {f['precision']:.4f}, recall "
            f"{f['recall']:.4f}; {f['positives']} of {f['sentences']} check-worthy)"
        )


def _figure_rows(figures: dict[str, dict[str, Any]]) -> str:
    """The card's table of F1 figures, a row per split."""
    return "\n".join(
        f"| {split} | {f['sentences']} | {f['positives']} | {f['precision']:.3f} | "
        f"{f['recall']:.3f} | **{f['f1']:.3f}** |"
        for split, f in figures.items()
    )


def classifier_card(fitted: dict[str, Any], folder: Path) -> str:
    rows = _figure_rows(fitted["figures"])
    curve = "\n".join(
        f"| {p['step']} | {p['sentences']} | {p['dev']['f1']:.4f} | {p['dev']['threshold']:.4f} |"
        for p in fitted["curve"]
    )
    recipe, chosen = fitted["recipe"], fitted["chosen"]
    return f"""# {folder.name}: which sentences make a check-worthy factual claim

all-MiniLM-L6-v2 fine-tuned as a classifier: the mean of its token vectors, normalised and
scaled by {CLASSIFIER_SCALE:g}, through a logistic layer; P(check-worthy), flagged at
{chosen["dev"]["threshold"]:.4f}. Scoring a sentence costs what embedding it costs (one
MiniLM-L6 pass; docs/BENCHMARKS.md). This is factdesk's default
(`FACTDESK_ARTICLE_CHECKWORTHINESS_MODEL`); `checkworthy-minilm`, a logistic head on the
service's own sentence embeddings, is the cheaper, less accurate alternative.

- Task: CLEF 2024 CheckThat! Lab, Task 1, English: is a sentence a check-worthy factual
  claim? (label 1; the ClaimBuster CFS class).
- Training data: `../shared/training/checkworthy/` ({SPLITS["train"]}, 22,501 sentences from
  US presidential debates: ClaimBuster's groundtruth.csv). {fitted["steps"]} steps of
  {recipe["batch_size"]} sentences ({recipe["epochs"]:g} epochs at most, bounded to
  {recipe["minutes"]:g} minutes on 2 CPU cores; this run took {fitted["minutes"]:g}),
  AdamW at {recipe["encoder_lr"]:g} (encoder) and {recipe["layer_lr"]:g} (layer), seed
  {recipe["seed"]}. The checkpoint (step {chosen["step"]}) and its threshold were chosen by F1
  on dev ({SPLITS["dev"]}, ClaimBuster's crowdsourced.csv); dev-test
  ({SPLITS["dev_test"]}) was used for neither.
- **Licence.** ClaimBuster (Arslan et al., ICWSM 2020) is CC BY 4.0: commercial use is
  allowed with attribution; keep this card, which attributes it and the CheckThat! 2024
  overview (Hasanain et al., CLEF 2024), with the weights. The encoder, all-MiniLM-L6-v2, is
  Apache-2.0; its own card lists the sentence pairs it was pre-trained on, among
  them sets with their own terms (MS MARCO's are non-commercial), which that release does
  not pass on.
- Domain: debate transcripts. News copy and press releases differ; an editor should read the
  flags as a first pass, not a verdict.

## Figures (F1 of the check-worthy class, the task's official metric)

| split | sentences | check-worthy | precision | recall | F1 |
|---|---|---|---|---|---|
{rows}

Dev is in-sample (the checkpoint and threshold were chosen on it); dev-test is held out. The
task's own test set is not in the shared folder.

## Learning curve (dev F1 at its best threshold)

| step | sentences seen | dev F1 | threshold |
|---|---|---|---|
{curve}

## Reproduce

```sh
factdesk checkworthy train --recipe classifier --minutes {recipe["minutes"]:g} --out {folder}
```
"""


def card(trained: TrainedHead, folder: Path) -> str:
    fitted = trained.fitted
    rows = _figure_rows(fitted["figures"])
    tried = "\n".join(
        f"| {t['l2']:g} | {t['positive_weight']} | {t['dev']['f1']:.4f} | "
        f"{t['dev']['threshold']:.4f} |"
        for t in fitted["tried"]
    )
    chosen = fitted["chosen"]
    return f"""# {folder.name}: which sentences make a check-worthy factual claim

A logistic regression on the sentence embeddings factdesk already computes
({trained.head.embedding_model}, {trained.head.weights.shape[0]} dimensions): P(check-worthy)
= sigmoid(w . v + b), flagged at {trained.head.threshold:.4f}. It costs one dot product per
sentence on top of the embedding, and reads only that embedder's vectors (it refuses others).

- Task: CLEF 2024 CheckThat! Lab, Task 1, English: is a sentence a check-worthy factual
  claim? (label 1; the ClaimBuster CFS class).
- Training data: `../shared/training/checkworthy/` ({SPLITS["train"]}, 22,501 sentences from
  US presidential debates: ClaimBuster's groundtruth.csv). L2 {chosen["l2"]:g} and positive
  weight {chosen["positive_weight"]} chosen by F1 on dev ({SPLITS["dev"]}, ClaimBuster's
  crowdsourced.csv), the threshold too; dev-test ({SPLITS["dev_test"]}) was used for neither.
- **Licence.** ClaimBuster (Arslan et al., ICWSM 2020) is CC BY 4.0: commercial use is
  allowed with attribution; keep this card, which attributes it and the CheckThat! 2024
  overview (Hasanain et al., CLEF 2024), with the weights. The embedder, all-MiniLM-L6-v2, is
  Apache-2.0.
- Domain: debate transcripts. News copy and press releases differ; an editor should read the
  flags as a first pass, not a verdict.

## Figures (F1 of the check-worthy class, the task's official metric)

| split | sentences | check-worthy | precision | recall | F1 |
|---|---|---|---|---|---|
{rows}

Train and dev are in-sample (fitted and chosen on them); dev-test is held out. The task's
own test set is not in the shared folder.

## Settings tried (dev F1 at its best threshold)

| L2 | positive weight | dev F1 | threshold |
|---|---|---|---|
{tried}

## Reproduce

```sh
factdesk checkworthy train --recipe head --out {folder}
```
"""


def register(commands: Commands) -> None:
    group = commands.add_parser("checkworthy", help="The check-worthiness head.")
    actions = group.add_subparsers(dest="action", required=True)
    train = actions.add_parser(
        "train", help="Fit it on CheckThat! 2024 English and write it with its card."
    )
    train.add_argument("--data", type=Path, help="Default: <shared_dir>/training/checkworthy.")
    train.add_argument(
        "--recipe",
        choices=("classifier", "head"),
        default="classifier",
        help="classifier: fine-tune the encoder (the shipped default; ~45 min on 2 cores); "
        "head: a logistic regression on the service's sentence embeddings (minutes).",
    )
    train.add_argument(
        "--out",
        type=Path,
        help=f"Default: {SHIPPED_CLASSIFIER} (classifier) or {SHIPPED_HEAD} (head).",
    )
    train.add_argument("--encoder", help="classifier: the encoder to fine-tune (default: "
                       "FACTDESK_EMBEDDING_MODEL).")  # fmt: skip
    train.add_argument("--epochs", type=float, default=ClassifierRecipe.epochs)
    train.add_argument(
        "--minutes", type=float, default=ClassifierRecipe.minutes,
        help="classifier: wall-clock bound; the best checkpoint so far is written.",
    )  # fmt: skip
    train.set_defaults(handler=_train)
