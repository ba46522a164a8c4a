import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response
from fastapi.responses import JSONResponse

from services.disaster.victims import service
from services.disaster.victims.schemas import (
    Condition,
    MatchReview,
    VictimCreate,
    VictimFound,
    VictimMatch,
    VictimMatches,
    VictimMatchesRecorded,
    VictimRead,
    VictimUpdate,
)
from shared.app import SessionDep
from shared.auth import CurrentPrincipal
from shared.errors import PreconditionRequired, Problem
from shared.pagination import CursorQuery, LimitQuery, Page

router = APIRouter(tags=["victims"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": Problem, "description": "Not in your regions"}}


@router.post(
    "/victims",
    response_model=VictimRead,
    status_code=201,
    summary="Register a disaster victim",
    description="With or without NIK (documents are often lost). Send your own `id` to make retries "
    "harmless: the same record again answers 200 with the stored victim. Phones offline for hours send "
    "their victims in one batch to `/sync/victims` instead.",
    responses={
        200: {"model": VictimRead, "description": "Already registered under this id, with this content"},
        403: {"model": Problem, "description": "The victim's region is outside your regions"},
        404: {"model": Problem, "description": "Disaster not in your regions"},
        409: {
            "model": Problem,
            "description": "NIK already registered for this disaster, id reused, or disaster closed",
        },
    },
)
async def register_victim(body: VictimCreate, session: SessionDep, principal: CurrentPrincipal) -> Response:
    status, victim = await service.register(session, principal, body)
    return JSONResponse(
        victim.model_dump(mode="json"),
        status_code=status,
        headers={"Location": f"/api/v1/victims/{victim.id}"},
    )


@router.get("/victims", response_model=Page[VictimRead], summary="Victims in your regions")
async def list_victims(
    session: SessionDep,
    principal: CurrentPrincipal,
    disaster_id: uuid.UUID | None = None,
    condition: Condition | None = None,
    household_id: uuid.UUID | None = None,
    site_id: Annotated[uuid.UUID | None, Query(description="Only those checked in at this site now")] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[VictimRead]:
    return await service.list_(
        session,
        principal,
        disaster_id=disaster_id,
        condition=condition,
        household_id=household_id,
        site_id=site_id,
        limit=limit,
        cursor=cursor,
    )


@router.get(
    "/victims/{victim_id}", response_model=VictimRead, summary="One victim (with ETag)", responses=NOT_FOUND
)
async def get_victim(
    victim_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, response: Response
) -> VictimRead:
    victim, etag = await service.read_with_etag(session, principal, victim_id)
    response.headers["ETag"] = etag
    return victim


@router.patch(
    "/victims/{victim_id}",
    response_model=VictimRead,
    summary="Correct a victim or change their condition (send If-Match)",
    responses={
        **NOT_FOUND,
        409: {
            "model": Problem,
            "description": "NIK taken, a missing victim (use /found), or disaster closed",
        },
        412: {"model": Problem, "description": "The victim changed since you read it"},
        428: {"model": Problem, "description": "If-Match missing"},
    },
)
async def update_victim(
    victim_id: uuid.UUID,
    body: VictimUpdate,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> VictimRead:
    if not if_match:
        raise PreconditionRequired("send If-Match with the ETag from your last read of this victim")
    victim, etag = await service.update(session, principal, victim_id, body, if_match)
    response.headers["ETag"] = etag
    return victim


@router.post(
    "/victims/{victim_id}/found",
    response_model=VictimRead,
    summary="A missing victim was found: when, where, in which condition",
    responses={**NOT_FOUND, 409: {"model": Problem, "description": "The victim is not missing"}},
)
async def victim_found(
    victim_id: uuid.UUID, body: VictimFound, session: SessionDep, principal: CurrentPrincipal
) -> VictimRead:
    return await service.found(session, principal, victim_id, body)


@router.put(
    "/victims/{victim_id}/match",
    response_model=VictimRead,
    summary="Record what the registry's identity matching made of a victim (worker only)",
    description="matched links the victim to the person; possible keeps the candidates for an officer's "
    "review; no_match says the registry has nobody like them. A link given by the field client or "
    "settled by an officer is left as it is. The same result again changes nothing.",
    responses={
        **NOT_FOUND,
        403: {"model": Problem, "description": "Only the worker (role `service`) records matches"},
        422: {"model": Problem, "description": "A field is missing or does not fit the match_status"},
    },
)
async def record_match(
    victim_id: uuid.UUID, body: VictimMatch, session: SessionDep, principal: CurrentPrincipal
) -> VictimRead:
    return await service.record_match(session, principal, victim_id, body)


@router.put(
    "/victims/matches",
    response_model=VictimMatchesRecorded,
    summary="Record identity matching results for many victims at once (worker only)",
    description="Each item as `PUT /victims/{id}/match`, all in one transaction; victims this service "
    "does not have are listed in `unknown_victims`. The same batch again changes nothing.",
    responses={
        403: {"model": Problem, "description": "Only the worker (role `service`) records matches"},
        422: {"model": Problem, "description": "An item is missing a field or does not fit its match_status"},
    },
)
async def record_matches(
    body: VictimMatches, session: SessionDep, principal: CurrentPrincipal
) -> VictimMatchesRecorded:
    return await service.record_matches(session, principal, body.items)


@router.post(
    "/victims/{victim_id}/match-review",
    response_model=VictimRead,
    summary="Settle a possible registry match: confirm one candidate, or reject them all",
    description="Confirming links the victim to the candidate; rejecting leaves them unlinked. Either "
    "way the `victim_possible_match` finding is resolved with your reason, and who and when are kept.",
    responses={
        **NOT_FOUND,
        403: {"model": Problem, "description": "Only provincial and regency officers review matches"},
        409: {"model": Problem, "description": "The victim has no possible match awaiting review"},
        422: {"model": Problem, "description": "No reason, or a person who is not among the candidates"},
    },
)
async def review_match(
    victim_id: uuid.UUID, body: MatchReview, session: SessionDep, principal: CurrentPrincipal
) -> VictimRead:
    return await service.review_match(session, principal, victim_id, body)
