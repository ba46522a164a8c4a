from fastapi import APIRouter

from services.registry.changes import service
from services.registry.changes.schemas import RegistryChanges
from shared.app import SessionDep
from shared.auth import CurrentPrincipal
from shared.changes import ChangesLimitQuery, RegionQuery, SinceQuery
from shared.errors import Problem

router = APIRouter(tags=["sync"])


@router.get(
    "/changes",
    response_model=RegistryChanges,
    summary="People and households changed since your last sync (delta feed for offline phones)",
    description="Entities: `person`, `household`. See docs/frontend.md, *Offline sync*, for the cursor.",
    responses={422: {"model": Problem, "description": "`since` is not a cursor this feed issued"}},
)
async def list_changes(
    session: SessionDep,
    principal: CurrentPrincipal,
    since: SinceQuery = None,
    region: RegionQuery = None,
    limit: ChangesLimitQuery = 500,
) -> RegistryChanges:
    return await service.changes(session, principal, since=since, region=region, limit=limit)
