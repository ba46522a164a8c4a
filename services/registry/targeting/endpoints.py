import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from services.registry.targeting import service
from shared.auth import CurrentPrincipal
from shared.errors import Problem
from shared.types import RegionCode

router = APIRouter(tags=["targeting"])
SERVICE_ONLY: dict[int | str, dict[str, Any]] = {
    403: {"model": Problem, "description": "Role `service` only"}
}
EXAMPLE = (
    '{"id": "…", "region": "63.71.01.1001", "sex": "F", "birth_date": "1958-04-02", "decile": 1, '
    '"status": "active", "household_id": "…", "household_size": 4, "relationship": "1", '
    '"ppks": [["08", "active", "2026-02-01"]]}\n'
    '{"snapshot_at": "2026-11-23T17:00:00.123456+00:00", "count": 1}\n'
)


@router.get(
    "/targeting/people",
    response_class=StreamingResponse,
    summary="Active people with their targeting attributes, as NDJSON (worker only)",
    description=(
        "Every active person under `region`: decile, sex, birth date, disability, current household "
        "(id, size, relationship) and PPKS assessments as [type, status, assessed_on]; null fields are "
        "left out. Read in one transaction; the last line is `{snapshot_at, count}`."
    ),
    responses={200: {"content": {"application/x-ndjson": {"example": EXAMPLE}}}, **SERVICE_ONLY},
)
async def people(
    request: Request,
    principal: CurrentPrincipal,
    region: Annotated[RegionCode | None, Query(description="Region code prefix")] = None,
) -> StreamingResponse:
    service.check(principal)
    return StreamingResponse(
        service.stream_people(request.app.state.engine, region), media_type="application/x-ndjson"
    )


@router.get(
    "/targeting/people/{person_id}",
    response_model=dict[str, Any],
    summary="One person's targeting attributes, whatever their status (service only)",
    responses={**SERVICE_ONLY, 404: {"model": Problem, "description": "No such person"}},
)
async def person(person_id: uuid.UUID, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    return await service.person(request.app.state.engine, principal, person_id)
