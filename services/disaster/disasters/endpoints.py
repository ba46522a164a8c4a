import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, Response, status

from services.disaster.disasters import service
from services.disaster.disasters.schemas import DisasterCreate, DisasterRead, DisasterStatus, DisasterUpdate
from shared.app import SessionDep
from shared.auth import CurrentPrincipal
from shared.errors import PreconditionRequired, Problem
from shared.pagination import CursorQuery, LimitQuery, Page

router = APIRouter(tags=["disasters"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": Problem, "description": "Not in your regions"}}


@router.post(
    "/disasters",
    response_model=DisasterRead,
    status_code=status.HTTP_201_CREATED,
    summary="Declare a disaster",
    responses={403: {"model": Problem}},
)
async def create_disaster(
    body: DisasterCreate, session: SessionDep, principal: CurrentPrincipal
) -> DisasterRead:
    return await service.create(session, principal, body)


@router.get("/disasters", response_model=Page[DisasterRead], summary="Disasters touching your regions")
async def list_disasters(
    session: SessionDep,
    principal: CurrentPrincipal,
    status: DisasterStatus | None = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[DisasterRead]:
    return await service.list_(session, principal, status=status, limit=limit, cursor=cursor)


@router.get(
    "/disasters/{disaster_id}",
    response_model=DisasterRead,
    summary="One disaster (with ETag)",
    responses=NOT_FOUND,
)
async def get_disaster(
    disaster_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, response: Response
) -> DisasterRead:
    disaster, etag = await service.read(session, principal, disaster_id)
    response.headers["ETag"] = etag
    return disaster


@router.patch(
    "/disasters/{disaster_id}",
    response_model=DisasterRead,
    summary="Change a disaster's status, impact figures, name or regions (send If-Match)",
    responses={
        **NOT_FOUND,
        403: {"model": Problem, "description": "An affected region is outside your scope"},
        409: {"model": Problem, "description": "Status cannot go back, or the disaster is closed"},
        412: {"model": Problem, "description": "The disaster changed since you read it"},
        428: {"model": Problem, "description": "If-Match missing"},
    },
)
async def update_disaster(
    disaster_id: uuid.UUID,
    body: DisasterUpdate,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> DisasterRead:
    if not if_match:
        raise PreconditionRequired("send If-Match with the ETag from your last read of this disaster")
    disaster, etag = await service.update(session, principal, disaster_id, body, if_match)
    response.headers["ETag"] = etag
    return disaster
