"""Publisher trust weights: read by any key with `read`, set and removed by `admin`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response
from starlette.concurrency import run_in_threadpool

from service.keys import AdminCaller, ReadCaller
from service.problems import problem_responses
from service.publishers.dependencies import PublisherWeightsDep
from service.publishers.schemas import WeightIn, WeightList, WeightOut
from service.routing import reject_unknown_query_parameters

router = APIRouter(
    prefix="/v1/publishers",
    tags=["publishers"],
    dependencies=[Depends(reject_unknown_query_parameters)],
)
PublisherName = Annotated[
    str,
    Path(
        min_length=1,
        max_length=300,
        pattern=r"\S",
        description="The publisher as documents name it (case and spacing ignored).",
    ),
]


@router.get(
    "/weights",
    response_model=WeightList,
    summary="The publisher trust weights in force",
    responses=problem_responses(401, 403, 429, 503),
)
async def list_weights(weights: PublisherWeightsDep, _caller: ReadCaller) -> WeightList:
    rows = await run_in_threadpool(weights.list)
    return WeightList(items=[WeightOut.model_validate(row, from_attributes=True) for row in rows])


@router.put(
    "/weights/{publisher}",
    response_model=WeightOut,
    summary="Set how much a publisher's evidence counts",
    description="Applies to the answers given after it, on every replica within "
    "FACTDESK_VERSION_POLL_S; answers given before keep theirs (the audit has them).",
    responses=problem_responses(401, 403, 422, 429, 503),
)
async def set_weight(
    publisher: PublisherName, body: WeightIn, weights: PublisherWeightsDep, caller: AdminCaller
) -> WeightOut:
    row = await run_in_threadpool(weights.set, publisher, body.weight, body.note, caller.key_id)
    return WeightOut.model_validate(row, from_attributes=True)


@router.delete(
    "/weights/{publisher}",
    status_code=204,
    summary="Back to the default weight (1)",
    responses=problem_responses(401, 403, 404, 429, 503),
)
async def remove_weight(
    publisher: PublisherName, weights: PublisherWeightsDep, _caller: AdminCaller
) -> Response:
    await run_in_threadpool(weights.remove, publisher)
    return Response(status_code=204)
