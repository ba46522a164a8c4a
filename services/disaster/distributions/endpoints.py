import uuid

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from services.disaster.distributions import service
from services.disaster.distributions.schemas import DistributionCreate, DistributionRead
from shared.app import SessionDep
from shared.auth import CurrentPrincipal
from shared.errors import Problem
from shared.idempotency import IdempotencyKeyHeader
from shared.pagination import CursorQuery, LimitQuery, Page

router = APIRouter(tags=["distributions"])


@router.post(
    "/distributions",
    response_model=DistributionRead,
    status_code=201,
    summary="Record aid handed to a recipient",
    description="All items are taken from the warehouse or none is. To a registered victim or household, "
    "the item's entitlement applies (GET /disasters/{id}/entitlements): over it the record is refused, "
    "unless `override_reason` says why, and then it is recorded with an `entitlement_override` finding. "
    "Send an `Idempotency-Key`: a retry with the same key returns the first answer and records nothing "
    "new. Phones offline for hours send their records in one batch to `/sync/distributions`.",
    responses={
        404: {"model": Problem, "description": "Disaster, warehouse, site or victim not in your regions"},
        409: {
            "model": Problem,
            "description": "Not enough stock, over the entitlement, recipient dead or missing, or "
            "disaster/site closed: nothing was recorded",
        },
    },
)
async def record_distribution(
    body: DistributionCreate,
    session: SessionDep,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    status, payload = await service.record(session, principal, body, idempotency_key)
    return JSONResponse(
        payload, status_code=status, headers={"Location": f"/api/v1/distributions/{payload['id']}"}
    )


@router.get(
    "/distributions/{distribution_id}",
    response_model=DistributionRead,
    summary="One distribution",
    responses={404: {"model": Problem}},
)
async def get_distribution(
    distribution_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> DistributionRead:
    return await service.read(session, principal, distribution_id)


@router.get("/distributions", response_model=Page[DistributionRead], summary="Distributions in your regions")
async def list_distributions(
    session: SessionDep,
    principal: CurrentPrincipal,
    person_id: uuid.UUID | None = None,
    disaster_id: uuid.UUID | None = None,
    victim_id: uuid.UUID | None = None,
    household_id: uuid.UUID | None = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[DistributionRead]:
    return await service.list_(
        session,
        principal,
        person_id=person_id,
        disaster_id=disaster_id,
        victim_id=victim_id,
        household_id=household_id,
        limit=limit,
        cursor=cursor,
    )
