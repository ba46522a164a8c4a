import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from services.registry.psks import service
from services.registry.psks.schemas import PsksSummary, RoleCreate, RoleEnd, RoleRead
from shared.app import SessionDep
from shared.auth import CurrentPrincipal
from shared.errors import Problem
from shared.pagination import CursorQuery, LimitQuery, Page

router = APIRouter(tags=["psks"])
RegionQuery = Annotated[
    str | None,
    Query(pattern=r"^[0-9]{2}(\.[0-9]{2}(\.[0-9]{2}(\.[0-9]{4})?)?)?$", description="Region prefix"),
]


@router.post(
    "/psks",
    response_model=RoleRead,
    status_code=status.HTTP_201_CREATED,
    summary="Record a PSKS role held by a person or an organisation",
    responses={403: {"model": Problem}, 409: {"model": Problem}},
)
async def create_role(body: RoleCreate, session: SessionDep, principal: CurrentPrincipal) -> RoleRead:
    return await service.create(session, principal, body)


@router.get(
    "/psks/summary",
    response_model=PsksSummary,
    summary="Roles and distinct people per PSKS type and regency, and distinct people in all",
)
async def summary(
    session: SessionDep, principal: CurrentPrincipal, region: RegionQuery = None
) -> PsksSummary:
    return await service.summary(session, principal, region=region)


@router.get("/psks", response_model=Page[RoleRead], summary="PSKS roles in your regions")
async def list_roles(
    session: SessionDep,
    principal: CurrentPrincipal,
    region: RegionQuery = None,
    psks_type: Annotated[str | None, Query(pattern=r"^[0-9]{2}$")] = None,
    person_id: uuid.UUID | None = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[RoleRead]:
    return await service.list_(
        session,
        principal,
        region=region,
        psks_type=psks_type,
        person_id=person_id,
        limit=limit,
        cursor=cursor,
    )


@router.post(
    "/psks/{role_id}/end",
    response_model=RoleRead,
    summary="End a PSKS role (kept in history)",
    responses={404: {"model": Problem}, 409: {"model": Problem}},
)
async def end_role(
    role_id: uuid.UUID, body: RoleEnd, session: SessionDep, principal: CurrentPrincipal
) -> RoleRead:
    return await service.end(session, principal, role_id, body)
