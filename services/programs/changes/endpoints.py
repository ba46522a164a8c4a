from fastapi import APIRouter

from services.programs.changes import service
from services.programs.changes.schemas import ProgramsChanges
from shared.app import SessionDep
from shared.auth import CurrentPrincipal
from shared.changes import ChangesLimitQuery, RegionQuery, SinceQuery
from shared.errors import Problem

router = APIRouter(tags=["sync"])


@router.get(
    "/changes",
    response_model=ProgramsChanges,
    summary="Institutions, admissions and enrolments changed since your last sync (delta feed)",
    description="Entities: `institution`, `admission` (for institution readers), `enrolment` (for program "
    "readers). See docs/frontend.md, *Offline sync*, for the cursor.",
    responses={422: {"model": Problem, "description": "`since` is not a cursor this feed issued"}},
)
async def list_changes(
    session: SessionDep,
    principal: CurrentPrincipal,
    since: SinceQuery = None,
    region: RegionQuery = None,
    limit: ChangesLimitQuery = 500,
) -> ProgramsChanges:
    return await service.changes(session, principal, since=since, region=region, limit=limit)
