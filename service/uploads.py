"""A request body that is JSON or a multipart upload of one file: what the documents and
the article-check routes both accept."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from factdesk.core.errors import InvalidInputError

MULTIPART = "multipart/form-data"
_Body = TypeVar("_Body", bound=BaseModel)


class UploadError(InvalidInputError):
    field = "body.file"


@dataclass(frozen=True)
class Upload:
    name: str  # the file's name, without any folder the client sent
    data: bytes
    fields: dict[str, str]  # the form's other parts, each one of the route's known fields


def body_media_type(request: Request) -> str:
    """``multipart/form-data`` or ``application/json`` (no content type reads as JSON);
    UploadError for anything else."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == MULTIPART:
        return media_type
    if media_type not in ("application/json", ""):
        raise UploadError(f"send application/json or multipart/form-data, not {media_type}")
    return "application/json"


async def read_upload(request: Request, known_fields: Collection[str]) -> Upload:
    """The one file of a multipart form (its 'file' part) and the known fields beside it;
    UploadError for a form without a file, with unknown fields, or that cannot be read."""
    try:
        async with request.form(max_files=1, max_fields=len(known_fields)) as form:
            upload = form.get("file")
            if not isinstance(upload, UploadFile) or not upload.filename:
                raise UploadError("a multipart upload needs a 'file' part with a file name")
            data = await upload.read()
            name = Path(upload.filename).name
            fields = {k: v for k, v in form.items() if k in known_fields and isinstance(v, str)}
            unknown = sorted(set(form.keys()) - {*known_fields, "file"})
    except StarletteHTTPException as exc:  # the form itself is malformed or too big
        raise UploadError(f"the multipart form cannot be read: {exc.detail}") from exc
    if unknown:
        raise UploadError(f"unknown form fields: {', '.join(unknown)}")
    return Upload(name, data, fields)


def validated_body(model: type[_Body], body: bytes | Mapping[str, Any]) -> _Body:
    """``model`` from a JSON body or a form's fields; a 422 naming each bad field (body.*)."""
    try:
        if isinstance(body, bytes):
            return model.model_validate_json(body)
        return model.model_validate(body)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**error, "loc": ("body", *error["loc"])} for error in exc.errors()]
        ) from exc
