import uuid
from typing import Any

from fastapi import APIRouter

from services.programs.feeds import service
from services.programs.feeds.schemas import (
    DistributionFeed,
    DistributionFeedBatch,
    FeedBatchResult,
    FeedResult,
    PpksAssessmentFeed,
    PsksRoleFeed,
    VictimFeed,
)
from shared.app import SessionDep
from shared.auth import CurrentPrincipal
from shared.errors import Problem

router = APIRouter(tags=["feeds"])
SERVICE_ONLY: dict[int | str, dict[str, Any]] = {
    403: {"model": Problem, "description": "Only the worker (role `service`) feeds projections"}
}
IDEMPOTENT = (
    "Upsert by id, ordered by `occurred_at`: replaying an event changes nothing, and an event older "
    "than the one the projection holds is ignored (`applied: false`)."
)


@router.put(
    "/feeds/ppks-assessments/{assessment_id}",
    response_model=FeedResult,
    summary="Project a registry PPKS assessment (worker only)",
    description=IDEMPOTENT,
    responses=SERVICE_ONLY,
)
async def feed_assessment(
    assessment_id: uuid.UUID, body: PpksAssessmentFeed, session: SessionDep, principal: CurrentPrincipal
) -> FeedResult:
    return await service.ppks_assessment(session, principal, assessment_id, body)


@router.put(
    "/feeds/psks-roles/{role_id}",
    response_model=FeedResult,
    summary="Project a registry PSKS role (worker only)",
    description=IDEMPOTENT,
    responses=SERVICE_ONLY,
)
async def feed_psks_role(
    role_id: uuid.UUID, body: PsksRoleFeed, session: SessionDep, principal: CurrentPrincipal
) -> FeedResult:
    return await service.psks_role(session, principal, role_id, body)


@router.put(
    "/feeds/victims/{victim_id}",
    response_model=FeedResult,
    summary="Project a disaster victim (worker only)",
    description=IDEMPOTENT,
    responses=SERVICE_ONLY,
)
async def feed_victim(
    victim_id: uuid.UUID, body: VictimFeed, session: SessionDep, principal: CurrentPrincipal
) -> FeedResult:
    return await service.victim(session, principal, victim_id, body)


@router.put(
    "/feeds/distributions",
    response_model=FeedBatchResult,
    summary="Project many distributions at once (worker only)",
    description=IDEMPOTENT + " Up to 5,000 items; the newest event per distribution counts.",
    responses=SERVICE_ONLY,
)
async def feed_distributions(
    body: DistributionFeedBatch, session: SessionDep, principal: CurrentPrincipal
) -> FeedBatchResult:
    return await service.distributions(session, principal, body)


@router.put(
    "/feeds/distributions/{distribution_id}",
    response_model=FeedResult,
    summary="Project relief handed out by the disaster service (worker only)",
    description=IDEMPOTENT,
    responses=SERVICE_ONLY,
)
async def feed_distribution(
    distribution_id: uuid.UUID, body: DistributionFeed, session: SessionDep, principal: CurrentPrincipal
) -> FeedResult:
    return await service.distribution(session, principal, distribution_id, body)
