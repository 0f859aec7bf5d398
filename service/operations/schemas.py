"""Bodies of the probes."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    index: bool
    database: bool = Field(description="An audit record can be written now.")
