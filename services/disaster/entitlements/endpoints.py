import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response, status

from services.disaster.entitlements import service
from services.disaster.entitlements.schemas import EntitlementRead, EntitlementSet
from shared.app import SessionDep
from shared.auth import CurrentPrincipal
from shared.errors import Problem

router = APIRouter(tags=["entitlements"])
ItemCodePath = Annotated[str, Path(pattern=r"^[a-z0-9_]{1,40}$", examples=["beras"])]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": Problem, "description": "Not found"}}
FORBIDDEN: dict[int | str, dict[str, Any]] = {
    403: {"model": Problem, "description": "Not your role or regions"}
}


@router.get("/entitlements", response_model=list[EntitlementRead], summary="Default entitlements, per item")
async def list_defaults(session: SessionDep, principal: CurrentPrincipal) -> list[EntitlementRead]:
    return await service.list_defaults(session, principal)


@router.put(
    "/entitlements/{item_code}",
    response_model=EntitlementRead,
    summary="Set the default entitlement for an item (provincial officers)",
    responses=FORBIDDEN,
)
async def set_default(
    item_code: ItemCodePath, body: EntitlementSet, session: SessionDep, principal: CurrentPrincipal
) -> EntitlementRead:
    return await service.set_default(session, principal, item_code, body)


@router.delete(
    "/entitlements/{item_code}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Remove the default entitlement for an item (no limit then)",
    responses={**FORBIDDEN, **NOT_FOUND},
)
async def remove_default(
    item_code: ItemCodePath, session: SessionDep, principal: CurrentPrincipal
) -> Response:
    await service.remove_default(session, principal, item_code)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/disasters/{disaster_id}/entitlements",
    response_model=list[EntitlementRead],
    summary="The entitlements that apply in a disaster (its own, else the defaults)",
    responses=NOT_FOUND,
)
async def list_for_disaster(
    disaster_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> list[EntitlementRead]:
    return await service.list_for_disaster(session, principal, disaster_id)


@router.put(
    "/disasters/{disaster_id}/entitlements/{item_code}",
    response_model=EntitlementRead,
    summary="Set a disaster's own entitlement for an item",
    responses={**FORBIDDEN, **NOT_FOUND},
)
async def set_for_disaster(
    disaster_id: uuid.UUID,
    item_code: ItemCodePath,
    body: EntitlementSet,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> EntitlementRead:
    return await service.set_for_disaster(session, principal, disaster_id, item_code, body)


@router.delete(
    "/disasters/{disaster_id}/entitlements/{item_code}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Remove a disaster's own entitlement for an item (the default applies again)",
    responses={**FORBIDDEN, **NOT_FOUND},
)
async def remove_for_disaster(
    disaster_id: uuid.UUID, item_code: ItemCodePath, session: SessionDep, principal: CurrentPrincipal
) -> Response:
    await service.remove_for_disaster(session, principal, disaster_id, item_code)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
