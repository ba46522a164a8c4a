from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse

from services.programs.exports import service
from services.programs.exports.schemas import (
    AdmissionsOfPeopleQuery,
    EnrolmentsOfPeopleQuery,
    SocialAidOfPeopleQuery,
)
from shared.app import SessionDep
from shared.auth import CurrentPrincipal
from shared.errors import Problem
from shared.ndjson import MEDIA_TYPE
from shared.types import RegionCode

router = APIRouter(tags=["institutions"])

RegionQuery = Annotated[RegionCode | None, Query(description="Region code prefix (the partition)")]
ExactQuery = Annotated[bool, Query(description="Only records of exactly this region, not those under it")]
ShardQuery = Annotated[int, Query(ge=0, description="Which of `shards` equal id ranges (0 first)")]
ShardsQuery = Annotated[int, Query(ge=1, le=256, description="Split the partition into so many id ranges")]


@router.get(
    "/admissions/export",
    response_class=StreamingResponse,
    summary="Every admission of a region, streamed (worker only)",
    description="NDJSON, one admission a line (open and discharged), by the institution's region; for the "
    "full reconciliation.",
    responses={200: {"content": {MEDIA_TYPE: {}}}, 403: {"model": Problem}},
)
async def export_admissions(
    request: Request,
    principal: CurrentPrincipal,
    region: RegionQuery = None,
    exact: ExactQuery = False,
    shard: ShardQuery = 0,
    shards: ShardsQuery = 1,
) -> StreamingResponse:
    service.check(principal)
    return StreamingResponse(
        service.admissions(request.app.state.sessionmaker, region, exact=exact, shard=shard, shards=shards),
        media_type=MEDIA_TYPE,
    )


@router.get(
    "/enrolments/export",
    response_class=StreamingResponse,
    summary="Every enrolment of a region, streamed (worker only)",
    description="NDJSON, one enrolment a line with the keys of the `enrolment.created` payload, by the "
    "enrolment's region; for the full reconciliation.",
    tags=["programs"],
    responses={200: {"content": {MEDIA_TYPE: {}}}, 403: {"model": Problem}},
)
async def export_enrolments(
    request: Request,
    principal: CurrentPrincipal,
    region: RegionQuery = None,
    exact: ExactQuery = False,
    shard: ShardQuery = 0,
    shards: ShardsQuery = 1,
) -> StreamingResponse:
    service.check(principal)
    return StreamingResponse(
        service.enrolments(request.app.state.sessionmaker, region, exact=exact, shard=shard, shards=shards),
        media_type=MEDIA_TYPE,
    )


@router.post(
    "/enrolments/of-people",
    summary="Enrolments and benefits of some people (worker only)",
    description="`{programs, enrolments, benefits}`: the enrolments of any of `person_ids` (in "
    "`program_ids`, "
    "or in every program), each as in the export, every benefit given under them (keys of the "
    "`benefit.recorded` payload) and the programs' `benefit_limit`; for the rules that look at all of "
    "one person's enrolments in a program.",
    tags=["programs"],
    responses={200: {"content": {"application/json": {}}}, 403: {"model": Problem}, 422: {"model": Problem}},
)
async def enrolments_of_people(
    body: EnrolmentsOfPeopleQuery, session: SessionDep, principal: CurrentPrincipal
) -> Response:
    # Built as JSON by PostgreSQL: thousands of records, no Python objects.
    return Response(
        await service.enrolments_of_people(session, principal, body), media_type="application/json"
    )


@router.post(
    "/admissions/of-people",
    summary="Active stays in a panti of some people (worker only)",
    description="A JSON list of the active admissions of any of `person_ids`, each as in the export; for "
    "the rules of a person in two panti at once, or in a panti while displaced at an evacuation site.",
    responses={200: {"content": {"application/json": {}}}, 403: {"model": Problem}, 422: {"model": Problem}},
)
async def admissions_of_people(
    body: AdmissionsOfPeopleQuery, session: SessionDep, principal: CurrentPrincipal
) -> Response:
    return Response(
        await service.active_admissions_of(session, principal, body), media_type="application/json"
    )


@router.get(
    "/wrse-aids/export",
    response_class=StreamingResponse,
    summary="Every WRSE aid of a region, streamed (worker only)",
    description="NDJSON, one aid a line with the keys of the `wrse_aid.recorded` payload; for the full "
    "reconciliation.",
    tags=["groups"],
    responses={200: {"content": {MEDIA_TYPE: {}}}, 403: {"model": Problem}},
)
async def export_wrse_aids(
    request: Request,
    principal: CurrentPrincipal,
    region: RegionQuery = None,
    exact: ExactQuery = False,
    shard: ShardQuery = 0,
    shards: ShardsQuery = 1,
) -> StreamingResponse:
    service.check(principal)
    return StreamingResponse(
        service.wrse_aids(request.app.state.sessionmaker, region, exact=exact, shard=shard, shards=shards),
        media_type=MEDIA_TYPE,
    )


@router.post(
    "/social-aid/of-people",
    summary="PPKS assessments and person-linked aid of some people (worker only)",
    description="`{assessments, benefits, wrse_aids}` of any of `person_ids`: their PPKS assessments as "
    "the registry's feed left them here, every program benefit and WRSE aid given to them; for the rule "
    "of aid given after the person's PPKS assessments were resolved.",
    tags=["programs"],
    responses={200: {"content": {"application/json": {}}}, 403: {"model": Problem}, 422: {"model": Problem}},
)
async def social_aid_of_people(
    body: SocialAidOfPeopleQuery, session: SessionDep, principal: CurrentPrincipal
) -> Response:
    return Response(await service.social_aid_of(session, principal, body), media_type="application/json")
