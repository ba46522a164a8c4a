import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, status

from services.programs.indicators import service
from services.programs.indicators.schemas import (
    IndicatorCreate,
    IndicatorRead,
    QuarterProgress,
    RealisationUpdate,
    TargetUpdate,
)
from shared.app import SessionDep
from shared.auth import CurrentPrincipal
from shared.errors import Problem
from shared.pagination import CursorQuery, LimitQuery, Page

router = APIRouter(tags=["indicators"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": Problem, "description": "Not in your scope"}}
YearPath = Annotated[int, Path(ge=2000, le=2100)]


@router.post(
    "/indicators",
    response_model=IndicatorRead,
    status_code=status.HTTP_201_CREATED,
    summary="Define an indicator",
    responses={409: {"model": Problem, "description": "The code is taken"}},
)
async def create_indicator(
    body: IndicatorCreate, session: SessionDep, principal: CurrentPrincipal
) -> IndicatorRead:
    return await service.create(session, principal, body)


@router.get("/indicators", response_model=Page[IndicatorRead], summary="Indicators in your scope")
async def list_indicators(
    session: SessionDep, principal: CurrentPrincipal, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> Page[IndicatorRead]:
    return await service.list_(session, principal, limit=limit, cursor=cursor)


@router.get(
    "/indicators/{indicator_id}", response_model=IndicatorRead, summary="One indicator", responses=NOT_FOUND
)
async def get_indicator(
    indicator_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> IndicatorRead:
    return await service.read(session, principal, indicator_id)


@router.put(
    "/indicators/{indicator_id}/targets/{year}",
    response_model=IndicatorRead,
    summary="Set the indicator's target for a year",
    responses=NOT_FOUND,
)
async def set_target(
    indicator_id: uuid.UUID,
    year: YearPath,
    body: TargetUpdate,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> IndicatorRead:
    return await service.set_target(session, principal, indicator_id, year, body.target)


@router.put(
    "/indicators/{indicator_id}/realisations/{year}/{quarter}",
    response_model=QuarterProgress,
    summary="Report the value at a quarter's end, with evidence",
    description="Achievement is computed from this value and the year's target. Computed indicators "
    "(`source` other than `manual`) refuse typed values with 409.",
    responses={**NOT_FOUND, 409: {"model": Problem, "description": "The indicator is computed"}},
)
async def record_realisation(
    indicator_id: uuid.UUID,
    year: YearPath,
    quarter: Annotated[int, Path(ge=1, le=4)],
    body: RealisationUpdate,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> QuarterProgress:
    return await service.record_realisation(session, principal, indicator_id, year, quarter, body)
