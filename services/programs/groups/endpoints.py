import uuid
from typing import Any

from fastapi import APIRouter, status

from services.programs.groups import service
from services.programs.groups.schemas import (
    AidUseCreate,
    AidUseRead,
    Dissolve,
    KubeAidCreate,
    KubeAidRead,
    KubeCreate,
    KubeRead,
    MemberJoin,
    MemberLeave,
    WrseAidCreate,
    WrseAidRead,
)
from shared.app import SessionDep
from shared.auth import CurrentPrincipal
from shared.errors import Problem
from shared.pagination import CursorQuery, LimitQuery, Page

router = APIRouter(tags=["groups"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": Problem, "description": "Not in your scope"}}


@router.post(
    "/kube-groups",
    response_model=KubeRead,
    status_code=status.HTTP_201_CREATED,
    summary="Form a KUBE of 5 to 20 registry households",
    responses={409: {"model": Problem, "description": "A household is in another active KUBE"}},
)
async def create_kube(body: KubeCreate, session: SessionDep, principal: CurrentPrincipal) -> KubeRead:
    return await service.create_kube(session, principal, body)


@router.get("/kube-groups", response_model=Page[KubeRead], summary="KUBE groups in your scope")
async def list_kube(
    session: SessionDep, principal: CurrentPrincipal, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> Page[KubeRead]:
    return await service.list_kube(session, principal, limit=limit, cursor=cursor)


@router.get("/kube-groups/{group_id}", response_model=KubeRead, summary="One KUBE", responses=NOT_FOUND)
async def get_kube(group_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal) -> KubeRead:
    return await service.get_kube(session, principal, group_id)


@router.post(
    "/kube-groups/{group_id}/members",
    response_model=KubeRead,
    summary="Add a household to a KUBE",
    responses={
        **NOT_FOUND,
        409: {"model": Problem, "description": "Full, dissolved, or the family is elsewhere"},
    },
)
async def join(
    group_id: uuid.UUID, body: MemberJoin, session: SessionDep, principal: CurrentPrincipal
) -> KubeRead:
    return await service.join(session, principal, group_id, body.household_id, body.joined_on)


@router.post(
    "/kube-groups/{group_id}/members/{household_id}/leave",
    response_model=KubeRead,
    summary="A household leaves a KUBE",
    responses={**NOT_FOUND, 409: {"model": Problem, "description": "Fewer than 5 would be left"}},
)
async def leave(
    group_id: uuid.UUID,
    household_id: uuid.UUID,
    body: MemberLeave,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> KubeRead:
    return await service.leave(session, principal, group_id, household_id, body.left_on)


@router.post(
    "/kube-groups/{group_id}/dissolve",
    response_model=KubeRead,
    summary="Dissolve a KUBE (its families are free to join another)",
    responses={**NOT_FOUND, 409: {"model": Problem, "description": "Already dissolved"}},
)
async def dissolve(
    group_id: uuid.UUID, body: Dissolve, session: SessionDep, principal: CurrentPrincipal
) -> KubeRead:
    return await service.dissolve(session, principal, group_id, body.dissolved_on)


@router.post(
    "/kube-groups/{group_id}/aids",
    response_model=KubeAidRead,
    status_code=status.HTTP_201_CREATED,
    summary="Record business aid given to a KUBE",
    responses={**NOT_FOUND, 409: {"model": Problem, "description": "The KUBE was dissolved"}},
)
async def give_aid(
    group_id: uuid.UUID, body: KubeAidCreate, session: SessionDep, principal: CurrentPrincipal
) -> KubeAidRead:
    return await service.give_aid(session, principal, group_id, body)


@router.get(
    "/kube-groups/{group_id}/aids",
    response_model=list[KubeAidRead],
    summary="A KUBE's aid, with what is reported used",
    responses=NOT_FOUND,
)
async def list_aids(
    group_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> list[KubeAidRead]:
    return await service.aids(session, principal, group_id)


@router.post(
    "/kube-aids/{aid_id}/uses",
    response_model=AidUseRead,
    status_code=status.HTTP_201_CREATED,
    summary="Report how the KUBE used its aid",
    responses={**NOT_FOUND, 409: {"model": Problem, "description": "More than the aid received"}},
)
async def report_use(
    aid_id: uuid.UUID, body: AidUseCreate, session: SessionDep, principal: CurrentPrincipal
) -> AidUseRead:
    return await service.report_use(session, principal, aid_id, body)


@router.get(
    "/kube-aids/{aid_id}/uses",
    response_model=list[AidUseRead],
    summary="Reported uses of an aid",
    responses=NOT_FOUND,
)
async def list_uses(aid_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal) -> list[AidUseRead]:
    return await service.uses(session, principal, aid_id)


@router.post(
    "/wrse-aids",
    response_model=WrseAidRead,
    status_code=status.HTTP_201_CREATED,
    summary="Record business aid to a WRSE/PRSE woman (PPKS 23)",
    responses={403: {"model": Problem, "description": "She lives outside your regions"}},
)
async def give_wrse_aid(body: WrseAidCreate, session: SessionDep, principal: CurrentPrincipal) -> WrseAidRead:
    return await service.give_wrse_aid(session, principal, body)


@router.get("/wrse-aids", response_model=Page[WrseAidRead], summary="WRSE/PRSE aid in your scope")
async def list_wrse(
    session: SessionDep,
    principal: CurrentPrincipal,
    person_id: uuid.UUID | None = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[WrseAidRead]:
    return await service.list_wrse(session, principal, person_id=person_id, limit=limit, cursor=cursor)
