from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse

from services.disaster.exports import service
from services.disaster.exports.schemas import DisplacedQuery, RecipientsQuery
from shared.app import SessionDep
from shared.auth import CurrentPrincipal
from shared.errors import Problem
from shared.ndjson import MEDIA_TYPE
from shared.types import RegionCode

router = APIRouter(tags=["distributions"])

RegionQuery = Annotated[RegionCode | None, Query(description="Region code prefix (the partition)")]
ExactQuery = Annotated[bool, Query(description="Only records of exactly this region, not those under it")]
ShardQuery = Annotated[int, Query(ge=0, description="Which of `shards` equal id ranges (0 first)")]
ShardsQuery = Annotated[int, Query(ge=1, le=256, description="Split the partition into so many id ranges")]


@router.get(
    "/distributions/export",
    response_class=StreamingResponse,
    summary="Every distribution of a region, streamed (worker only)",
    description="NDJSON, one distribution a line with the keys of the `distribution.recorded` payload "
    "plus `recorded_by` and `entitlement_group`; for the full reconciliation.",
    responses={200: {"content": {MEDIA_TYPE: {}}}, 403: {"model": Problem}},
)
async def export_distributions(
    request: Request,
    principal: CurrentPrincipal,
    region: RegionQuery = None,
    exact: ExactQuery = False,
    shard: ShardQuery = 0,
    shards: ShardsQuery = 1,
) -> StreamingResponse:
    service.check(principal)
    return StreamingResponse(
        service.distributions(
            request.app.state.sessionmaker, region, exact=exact, shard=shard, shards=shards
        ),
        media_type=MEDIA_TYPE,
    )


@router.post(
    "/distributions/of-recipients",
    summary="Distributions of some disasters to some recipients (worker only)",
    description="A JSON list of the distributions of `disaster_ids` to any of `person_ids` (registry ids) "
    "or `niks`, each with the keys of the export; for the double-receipt rule, which looks at all the "
    "aid one person received.",
    responses={200: {"content": {"application/json": {}}}, 403: {"model": Problem}, 422: {"model": Problem}},
)
async def distributions_of_recipients(
    body: RecipientsQuery, session: SessionDep, principal: CurrentPrincipal
) -> Response:
    # Built as JSON by PostgreSQL: thousands of records, no Python objects.
    return Response(await service.of_recipients(session, principal, body), media_type="application/json")


@router.post(
    "/victims/displaced",
    tags=["victims"],
    summary="Victims of some people displaced now (worker only)",
    description="A JSON list of the victims who are any of `person_ids` (registry ids) or `niks`, of "
    "condition mengungsi and checked in at an evacuation site (not out yet): `victim_id`, `disaster_id`, "
    "`person_id`, `nik`, `region_code`, `site_id`, `checked_in_at`. For the rule of a panti resident "
    "also displaced at a site.",
    responses={200: {"content": {"application/json": {}}}, 403: {"model": Problem}, 422: {"model": Problem}},
)
async def displaced_victims(
    body: DisplacedQuery, session: SessionDep, principal: CurrentPrincipal
) -> Response:
    return Response(await service.displaced(session, principal, body), media_type="application/json")
