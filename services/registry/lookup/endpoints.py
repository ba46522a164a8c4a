from fastapi import APIRouter, Response

from services.registry.lookup import service
from services.registry.lookup.schemas import PeopleLookedUp, PeopleLookup
from shared.app import SessionDep
from shared.auth import CurrentPrincipal
from shared.errors import Problem

router = APIRouter(tags=["people"])


@router.post(
    "/people/lookup",
    response_model=PeopleLookedUp,
    summary="Many people by id or NIK at once (worker only)",
    description="Up to 5,000 ids and NIKs together. A merged record is answered with its survivor; an id "
    "or NIK the registry does not have is left out. Every person returned is written to the access log.",
    responses={403: {"model": Problem}, 422: {"model": Problem}},
)
async def lookup_people(body: PeopleLookup, session: SessionDep, principal: CurrentPrincipal) -> Response:
    # Built as JSON by PostgreSQL, in the shape of PeopleLookedUp (which documents it).
    return Response(await service.lookup(session, principal, body), media_type="application/json")
