import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import JSONResponse

from services.disaster.reports import hxl, service
from services.disaster.reports.schemas import Sitrep, TargetRead, TargetSet, VictimReport
from shared.app import SessionDep
from shared.auth import CurrentPrincipal
from shared.errors import Problem

router = APIRouter(tags=["reports"])
REGION = r"^[0-9]{2}(\.[0-9]{2}(\.[0-9]{2}(\.[0-9]{4})?)?)?$"
Year = Annotated[int, Path(ge=2000, le=2100, examples=[2026])]
RegionQuery = Annotated[str, Query(pattern=REGION, examples=["63"], description="Kemendagri region code")]
Format = Annotated[
    Literal["json", "csv"], Query(description="csv: HXL-tagged CSV (header row, then hashtags)")
]
FORBIDDEN: dict[int | str, dict[str, Any]] = {
    403: {"model": Problem, "description": "The region is wider than, or outside, your regions"}
}


@router.put(
    "/targets/victims/{year}",
    response_model=TargetRead,
    summary="Set how many disaster victims a region plans to handle in a year",
    responses=FORBIDDEN,
)
async def set_target(
    year: Year, region: RegionQuery, body: TargetSet, session: SessionDep, principal: CurrentPrincipal
) -> TargetRead:
    return await service.set_target(session, principal, year, region, body)


@router.get(
    "/targets/victims/{year}",
    response_model=TargetRead,
    summary="A region's victim target for a year",
    responses={**FORBIDDEN, 404: {"model": Problem, "description": "No target set"}},
)
async def get_target(
    year: Year, region: RegionQuery, session: SessionDep, principal: CurrentPrincipal
) -> TargetRead:
    return await service.get_target(session, principal, year, region)


@router.get(
    "/reports/victims",
    response_model=VictimReport,
    summary="Victims of the year by condition, handled against the target",
    description="Victims registered in the year (office calendar) in the region and your scope, by BNPB "
    "condition; handled = sheltered at a site or aided (themselves or through their household), counting "
    "the living; cumulative by quarter against the year's target; the same one region level down.",
    responses={200: hxl.CSV_RESPONSE, **FORBIDDEN},
)
async def victim_report(
    session: SessionDep,
    principal: CurrentPrincipal,
    year: Annotated[int, Query(ge=2000, le=2100, examples=[2026])],
    region: RegionQuery,
    format: Format = "json",
) -> Response:
    report = await service.victim_report(session, principal, year, region)
    if format == "csv":
        return service.victim_report_csv(report)
    return JSONResponse(report.model_dump(mode="json"))


@router.get(
    "/disasters/{disaster_id}/sitrep",
    response_model=Sitrep,
    summary="Situation report of a disaster",
    description="Reported impact, registered victims, sites with headcounts and warnings, aid handed out, "
    "open findings, in your regions. As CSV, `part` picks the table: summary (one row), sites, or items.",
    responses={200: hxl.CSV_RESPONSE, 404: {"model": Problem, "description": "Not in your regions"}},
)
async def sitrep(
    disaster_id: uuid.UUID,
    session: SessionDep,
    principal: CurrentPrincipal,
    format: Format = "json",
    part: Annotated[Literal["summary", "sites", "items"], Query(description="The CSV's table")] = "summary",
) -> Response:
    report = await service.sitrep(session, principal, disaster_id)
    if format == "csv":
        return service.sitrep_csv(report, part)
    return JSONResponse(report.model_dump(mode="json"))
