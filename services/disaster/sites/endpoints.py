import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Response, status

from services.disaster.sites import service
from services.disaster.sites.schemas import SiteCreate, SiteRead, SiteUpdate, StayCreate, StayRead
from shared.app import SessionDep
from shared.auth import CurrentPrincipal
from shared.errors import PreconditionRequired, Problem
from shared.pagination import CursorQuery, LimitQuery, Page

router = APIRouter(tags=["evacuation sites"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": Problem, "description": "Not in your regions"}}


@router.post(
    "/sites",
    response_model=SiteRead,
    status_code=status.HTTP_201_CREATED,
    summary="Open an evacuation site",
    responses={
        403: {"model": Problem, "description": "Region outside your regions"},
        404: {"model": Problem, "description": "Disaster not in your regions"},
        409: {"model": Problem, "description": "The disaster is closed"},
    },
)
async def create_site(body: SiteCreate, session: SessionDep, principal: CurrentPrincipal) -> SiteRead:
    return await service.create(session, principal, body)


@router.get(
    "/sites", response_model=Page[SiteRead], summary="Evacuation sites in your regions, with headcounts"
)
async def list_sites(
    session: SessionDep,
    principal: CurrentPrincipal,
    disaster_id: uuid.UUID | None = None,
    status: Literal["open", "closed"] | None = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[SiteRead]:
    return await service.list_(
        session, principal, disaster_id=disaster_id, status=status, limit=limit, cursor=cursor
    )


@router.get(
    "/sites/{site_id}",
    response_model=SiteRead,
    summary="One site: capacity, live headcount, Sphere/BNPB warnings (with ETag)",
    responses=NOT_FOUND,
)
async def get_site(
    site_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, response: Response
) -> SiteRead:
    site, etag = await service.read(session, principal, site_id)
    response.headers["ETag"] = etag
    return site


@router.patch(
    "/sites/{site_id}",
    response_model=SiteRead,
    summary="Change a site's area, toilets, water, or close it (send If-Match)",
    responses={
        **NOT_FOUND,
        409: {"model": Problem, "description": "The site is closed, or people are still checked in"},
        412: {"model": Problem, "description": "The site changed since you read it"},
        428: {"model": Problem, "description": "If-Match missing"},
    },
)
async def update_site(
    site_id: uuid.UUID,
    body: SiteUpdate,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> SiteRead:
    if not if_match:
        raise PreconditionRequired("send If-Match with the ETag from your last read of this site")
    site, etag = await service.update(session, principal, site_id, body, if_match)
    response.headers["ETag"] = etag
    return site


@router.post(
    "/sites/{site_id}/check-ins",
    response_model=StayRead,
    status_code=status.HTTP_201_CREATED,
    summary="Check a victim in at the site",
    description="A person is at one site at a time: check out of the other site first.",
    responses={
        **NOT_FOUND,
        409: {"model": Problem, "description": "Already at a site, dead or missing, or site/disaster closed"},
    },
)
async def check_in(
    site_id: uuid.UUID, body: StayCreate, session: SessionDep, principal: CurrentPrincipal
) -> StayRead:
    return await service.check_in(session, principal, site_id, body)


@router.post(
    "/sites/{site_id}/check-outs",
    response_model=StayRead,
    summary="Check a victim out of the site",
    responses={**NOT_FOUND, 409: {"model": Problem, "description": "Not checked in here"}},
)
async def check_out(
    site_id: uuid.UUID, body: StayCreate, session: SessionDep, principal: CurrentPrincipal
) -> StayRead:
    return await service.check_out(session, principal, site_id, body)
