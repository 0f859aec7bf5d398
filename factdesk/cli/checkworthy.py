"""``factdesk checkworthy``: train the check-worthiness head and write its card."""

from __future__ import annotations

import argparse
from pathlib import Path

from factdesk.cli._common import Commands
from factdesk.core.settings import Settings
from factdesk.wiring import load_embedder
from training.checkworthy import SPLITS, TrainedHead, train_head

SHIPPED_HEAD = Path("factdesk/models/checkworthy-minilm")


def _train(args: argparse.Namespace, settings: Settings) -> int:
    data = args.data or settings.tooling.shared_dir / "training" / "checkworthy"
    trained = train_head(load_embedder(settings), data)
    path = trained.head.save(args.out, trained.fitted)
    (args.out / "README.md").write_text(card(trained, args.out), encoding="utf-8")
    for split, figures in trained.fitted["figures"].items():
        print(
            f"{split}: F1 {figures['f1']:.4f} (precision {figures['precision']:.4f}, recall "
            f"{figures['recall']:.4f}; {figures['positives']} of {figures['sentences']} "
            "check-worthy)"
        )
    print(f"wrote {path} and its card")
    return 0


def card(trained: TrainedHead, folder: Path) -> str:
    fitted = trained.fitted
    rows = "\n".join(
        f"| {split} | {f['sentences']} | {f['positives']} | {f['precision']:.3f} | "
        f"{f['recall']:.3f} | **{f['f1']:.3f}** |"
        for split, f in fitted["figures"].items()
    )
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
factdesk checkworthy train --out {folder}
```
"""


def register(commands: Commands) -> None:
    group = commands.add_parser("checkworthy", help="The check-worthiness head.")
    actions = group.add_subparsers(dest="action", required=True)
    train = actions.add_parser(
        "train", help="Fit it on CheckThat! 2024 English and write it with its card."
    )
    train.add_argument("--data", type=Path, help="Default: <shared_dir>/training/checkworthy.")
    train.add_argument("--out", type=Path, default=SHIPPED_HEAD, help=f"Default: {SHIPPED_HEAD}.")
    train.set_defaults(handler=_train)
