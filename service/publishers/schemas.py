"""Bodies of the /v1/publishers routes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, StrictFloat


class WeightIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"weight": 0.5}]})

    # Strict: false and "0.5" are not a weight (a whole number is).
    weight: StrictFloat = Field(
        ge=0.0,
        le=1.0,
        allow_inf_nan=False,
        description="How much the publisher's evidence counts: 1 fully (the default), 0 "
        "never (it is not retrieved, so never cited), between: its SUPPORTS and REFUTES "
        "probabilities are scaled by it before the verdict rule.",
    )
    note: str | None = Field(None, max_length=2000, description="Why, for the record.")


class WeightOut(BaseModel):
    publisher: str
    weight: float
    note: str | None
    updated_at: datetime
    updated_by: str | None = Field(description="The admin key that set it.")


class WeightList(BaseModel):
    items: list[WeightOut] = Field(
        description="Every publisher with a weight other than the default 1, by name."
    )
