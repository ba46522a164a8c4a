import uuid

from fastapi import APIRouter, status

from services.disaster.disasters import service
from services.disaster.disasters.schemas import DisasterCreate, DisasterRead
from shared.app import SessionDep
from shared.auth import CurrentPrincipal
from shared.errors import Problem
from shared.pagination import CursorQuery, LimitQuery, Page

router = APIRouter(tags=["disasters"])


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
    session: SessionDep, principal: CurrentPrincipal, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> Page[DisasterRead]:
    return await service.list_(session, principal, limit=limit, cursor=cursor)


@router.get(
    "/disasters/{disaster_id}",
    response_model=DisasterRead,
    summary="One disaster",
    responses={404: {"model": Problem}},
)
async def get_disaster(
    disaster_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> DisasterRead:
    return DisasterRead.model_validate(await service.get_or_raise(session, principal, disaster_id))
