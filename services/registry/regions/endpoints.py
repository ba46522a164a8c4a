"""Region codes are public reference data, but still read only by signed-in callers."""

from fastapi import APIRouter, Path

from services.registry.regions import service
from services.registry.regions.schemas import RegionRead
from shared.app import SessionDep
from shared.auth import CurrentPrincipal
from shared.errors import Problem

router = APIRouter(tags=["regions"])

CodePath = Path(pattern=r"^[0-9]{2}(\.[0-9]{2}(\.[0-9]{2}(\.[0-9]{4})?)?)?$", examples=["63.71"])


@router.get(
    "/regions/{code}",
    response_model=RegionRead,
    summary="One region by its Kemendagri code",
    responses={404: {"model": Problem}},
)
async def get_region(code: str = CodePath, *, session: SessionDep, principal: CurrentPrincipal) -> RegionRead:
    return RegionRead.model_validate(await service.get_or_raise(session, code))


@router.get(
    "/regions/{code}/children",
    response_model=list[RegionRead],
    summary="The regions directly under a region",
    responses={404: {"model": Problem}},
)
async def get_children(
    code: str = CodePath, *, session: SessionDep, principal: CurrentPrincipal
) -> list[RegionRead]:
    return [RegionRead.model_validate(r) for r in await service.children(session, code)]


@router.get("/regions", response_model=list[RegionRead], summary="The provinces (the regions at the top)")
async def get_provinces(session: SessionDep, principal: CurrentPrincipal) -> list[RegionRead]:
    return [RegionRead.model_validate(r) for r in await service.provinces(session)]
