from fastapi import APIRouter

from services.programs.reference import service
from services.programs.reference.schemas import (
    BasicNeedRead,
    ParameterKey,
    ParameterRead,
    ParameterUpdate,
    SpmServiceRead,
)
from shared.app import SessionDep
from shared.auth import CurrentPrincipal

router = APIRouter(tags=["reference"])


@router.get(
    "/reference/spm-services",
    response_model=list[SpmServiceRead],
    summary="The five provincial SPM services and whom each counts",
)
async def spm_services(session: SessionDep, principal: CurrentPrincipal) -> list[SpmServiceRead]:
    return await service.spm_services(session, principal)


@router.get(
    "/reference/basic-needs",
    response_model=list[BasicNeedRead],
    summary="The basic needs recorded for panti clients",
)
async def basic_needs(session: SessionDep, principal: CurrentPrincipal) -> list[BasicNeedRead]:
    return await service.basic_needs(session, principal)


@router.get(
    "/parameters",
    response_model=list[ParameterRead],
    summary="Configurable figures (caseload norm, SPM weighting)",
)
async def list_parameters(session: SessionDep, principal: CurrentPrincipal) -> list[ParameterRead]:
    return await service.list_parameters(session, principal)


@router.put(
    "/parameters/{key}",
    response_model=ParameterRead,
    summary="Change a configurable figure (provincial officers)",
)
async def update_parameter(
    key: ParameterKey, body: ParameterUpdate, session: SessionDep, principal: CurrentPrincipal
) -> ParameterRead:
    return await service.update_parameter(session, principal, key, body.value)
