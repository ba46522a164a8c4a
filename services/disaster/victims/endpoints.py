import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response
from fastapi.responses import JSONResponse

from services.disaster.victims import service
from services.disaster.victims.schemas import Condition, VictimCreate, VictimFound, VictimRead, VictimUpdate
from shared.app import SessionDep
from shared.auth import CurrentPrincipal
from shared.errors import PreconditionRequired, Problem
from shared.pagination import CursorQuery, LimitQuery, Page

router = APIRouter(tags=["victims"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": Problem, "description": "Not in your regions"}}


@router.post(
    "/victims",
    response_model=VictimRead,
    status_code=201,
    summary="Register a disaster victim",
    description="With or without NIK (documents are often lost). Send your own `id` to make retries "
    "harmless: the same record again answers 200 with the stored victim. Phones offline for hours send "
    "their victims in one batch to `/sync/victims` instead.",
    responses={
        200: {"model": VictimRead, "description": "Already registered under this id, with this content"},
        403: {"model": Problem, "description": "The victim's region is outside your regions"},
        404: {"model": Problem, "description": "Disaster not in your regions"},
        409: {
            "model": Problem,
            "description": "NIK already registered for this disaster, id reused, or disaster closed",
        },
    },
)
async def register_victim(body: VictimCreate, session: SessionDep, principal: CurrentPrincipal) -> Response:
    status, victim = await service.register(session, principal, body)
    return JSONResponse(
        victim.model_dump(mode="json"),
        status_code=status,
        headers={"Location": f"/api/v1/victims/{victim.id}"},
    )


@router.get("/victims", response_model=Page[VictimRead], summary="Victims in your regions")
async def list_victims(
    session: SessionDep,
    principal: CurrentPrincipal,
    disaster_id: uuid.UUID | None = None,
    condition: Condition | None = None,
    household_id: uuid.UUID | None = None,
    site_id: Annotated[uuid.UUID | None, Query(description="Only those checked in at this site now")] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[VictimRead]:
    return await service.list_(
        session,
        principal,
        disaster_id=disaster_id,
        condition=condition,
        household_id=household_id,
        site_id=site_id,
        limit=limit,
        cursor=cursor,
    )


@router.get(
    "/victims/{victim_id}", response_model=VictimRead, summary="One victim (with ETag)", responses=NOT_FOUND
)
async def get_victim(
    victim_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, response: Response
) -> VictimRead:
    victim, etag = await service.read_with_etag(session, principal, victim_id)
    response.headers["ETag"] = etag
    return victim


@router.patch(
    "/victims/{victim_id}",
    response_model=VictimRead,
    summary="Correct a victim or change their condition (send If-Match)",
    responses={
        **NOT_FOUND,
        409: {
            "model": Problem,
            "description": "NIK taken, a missing victim (use /found), or disaster closed",
        },
        412: {"model": Problem, "description": "The victim changed since you read it"},
        428: {"model": Problem, "description": "If-Match missing"},
    },
)
async def update_victim(
    victim_id: uuid.UUID,
    body: VictimUpdate,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> VictimRead:
    if not if_match:
        raise PreconditionRequired("send If-Match with the ETag from your last read of this victim")
    victim, etag = await service.update(session, principal, victim_id, body, if_match)
    response.headers["ETag"] = etag
    return victim


@router.post(
    "/victims/{victim_id}/found",
    response_model=VictimRead,
    summary="A missing victim was found: when, where, in which condition",
    responses={**NOT_FOUND, 409: {"model": Problem, "description": "The victim is not missing"}},
)
async def victim_found(
    victim_id: uuid.UUID, body: VictimFound, session: SessionDep, principal: CurrentPrincipal
) -> VictimRead:
    return await service.found(session, principal, victim_id, body)
