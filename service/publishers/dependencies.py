"""The publishers domain's typed dependencies."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from service.publishers.service import PublisherWeights
from verify.trust import PublisherTrust


def get_publisher_weights(request: Request) -> PublisherWeights:
    weights: PublisherWeights = request.app.state.runtime.publishers
    return weights


def get_publisher_trust(request: Request) -> PublisherTrust:
    """The weights in force now (read from memory)."""
    return get_publisher_weights(request).current


PublisherWeightsDep = Annotated[PublisherWeights, Depends(get_publisher_weights)]
PublisherTrustDep = Annotated[PublisherTrust, Depends(get_publisher_trust)]
