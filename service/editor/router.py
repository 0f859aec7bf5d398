"""GET /: the editor page (HTML, JS and CSS served from this package, no external assets)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

ASSETS = Path(__file__).resolve().parent / "static"
ASSETS_URL = "/static/editor"

router = APIRouter(include_in_schema=False)


@router.get("/")
async def editor_page() -> FileResponse:
    # The page itself needs no key; every call it makes sends the editor's.
    return FileResponse(ASSETS / "index.html", media_type="text/html")
