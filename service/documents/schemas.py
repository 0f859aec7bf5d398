"""Bodies of /v1/documents and /v1/index/versions. Field names are a contract: keep them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from index.corpus import DocumentMetadata


class _Identified(BaseModel):
    id: str


class DocumentOut(DocumentMetadata, _Identified):
    # Every field is in every answer, null or empty where the document has no value.
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    characters: int
    passages: int


class _NewId(BaseModel):
    id: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$",
        description="Document id (default: from the text's digest). Ignored by PUT, whose "
        "path names the document.",
    )


class DocumentIn(DocumentMetadata, _NewId):
    """A document to add (POST /v1/documents) or the new text of one (PUT)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "id": "tass-2024-05-17-harbin",
                    "title": "Putin opens the Russian-Chinese Expo in Harbin",
                    "text": "On May 17, Vladimir Putin opened the 8th Russian-Chinese Expo in "
                    "Harbin together with Chinese Premier Li Qiang.",
                    "url": "https://example.org/harbin",
                    "publisher": "Example News",
                    "published": "2024-05-17",
                    "language": "en",
                }
            ]
        },
    )

    text: str = Field(min_length=1, max_length=16 << 20, description="The document's text.")

    @field_validator("text", mode="before")
    @classmethod
    def _text_is_text(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            raise ValueError("text must contain more than whitespace")
        return value


class DocumentWritten(BaseModel):
    """A document added or replaced, and the corpus version that holds it."""

    document: DocumentOut
    version: int = Field(
        description="The corpus version this change made: this server answers with it, or "
        "with a newer one, from now on."
    )
    replaced: bool = False


class IndexVersionOut(BaseModel):
    version: int
    created_at: datetime
    added: list[str]
    removed: list[str]
    documents: int
    content_digest: str
    note: str


class IndexVersionList(BaseModel):
    current: int = Field(description="The version this server answers with.")
    items: list[IndexVersionOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next (older) page.")


class DocumentText(BaseModel):
    id: str
    text: str = Field(
        description="The text citations index into: `text[start:end]` counts Unicode code "
        "points (in JavaScript, iterate with `Array.from(text)`, not UTF-16 units)."
    )


class DocumentList(BaseModel):
    items: list[DocumentOut] = Field(description="By id.")
    total: int = Field(description="Documents in the index, on every page.")
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page.")
