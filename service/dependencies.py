"""Typed dependencies: routes reach the lifespan-built components only through these."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from service.components import Components


def get_components(request: Request) -> Components:
    components: Components = request.app.state.components
    return components


ComponentsDep = Annotated[Components, Depends(get_components)]
