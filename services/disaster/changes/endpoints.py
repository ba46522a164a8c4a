from fastapi import APIRouter

from services.disaster.changes import service
from services.disaster.changes.schemas import DisasterChanges
from shared.app import SessionDep
from shared.auth import CurrentPrincipal
from shared.changes import ChangesLimitQuery, RegionQuery, SinceQuery
from shared.errors import Problem

router = APIRouter(tags=["sync"])


@router.get(
    "/changes",
    response_model=DisasterChanges,
    summary="Victims, sites and warehouse stock changed since your last sync (delta feed for offline phones)",
    description="Entities: `victim`, `site` (with its live headcount), `stock` (a warehouse's balances; "
    "`id` is the warehouse). See docs/frontend.md, *Offline sync*, for the cursor.",
    responses={422: {"model": Problem, "description": "`since` is not a cursor this feed issued"}},
)
async def list_changes(
    session: SessionDep,
    principal: CurrentPrincipal,
    since: SinceQuery = None,
    region: RegionQuery = None,
    limit: ChangesLimitQuery = 500,
) -> DisasterChanges:
    return await service.changes(session, principal, since=since, region=region, limit=limit)
