from fastapi import APIRouter

from services.registry.reference import service
from services.registry.reference.schemas import PpksTypeRead, PsksTypeRead
from shared.app import SessionDep
from shared.auth import CurrentPrincipal

router = APIRouter(tags=["reference"])


@router.get(
    "/reference/ppks-types",
    response_model=list[PpksTypeRead],
    summary="The 26 PPKS types (Permensos 08/2012) with their age rules",
)
async def ppks_types(session: SessionDep, principal: CurrentPrincipal) -> list[PpksTypeRead]:
    return await service.ppks_types(session)


@router.get(
    "/reference/psks-types",
    response_model=list[PsksTypeRead],
    summary="The 12 PSKS types, and whether people or organisations hold them",
)
async def psks_types(session: SessionDep, principal: CurrentPrincipal) -> list[PsksTypeRead]:
    return await service.psks_types(session)
