from typing import Any

from fastapi import APIRouter

from services.disaster.sync import service
from services.disaster.sync.schemas import DistributionBatch, SyncResult, VictimBatch
from shared.app import SessionDep
from shared.auth import CurrentPrincipal
from shared.errors import Problem

router = APIRouter(tags=["offline sync"])
RESPONSES: dict[int | str, dict[str, Any]] = {
    403: {"model": Problem, "description": "Your role does not record in the field"},
    409: {
        "model": Problem,
        "description": "A twin batch with some of the same ids ran at the same moment: send again",
    },
    422: {"model": Problem, "description": "Not a batch (no records, more than 10,000, not a list)"},
}
HOW = (
    " Each record carries the id the phone gave it. The answer gives each record's outcome, in the "
    "batch's order: `created`, `already_had` (same id, same content: nothing changed) or `rejected` with "
    "the `reason` and the offending `field`; a rejected record does not stop the others. The batch is one "
    "transaction: one cut off half-way leaves nothing, so send it again until an answer arrives; sending "
    "the same batch twice changes nothing."
)


@router.post(
    "/sync/distributions",
    response_model=SyncResult,
    summary="Send distributions recorded offline",
    description="Up to 10,000 distributions, checked by the same rules as POST /distributions (stock, "
    "entitlements, scope), in the batch's order." + HOW,
    responses=RESPONSES,
)
async def sync_distributions(
    body: DistributionBatch, session: SessionDep, principal: CurrentPrincipal
) -> SyncResult:
    return await service.sync_distributions(session, principal, body.records)


@router.post(
    "/sync/victims",
    response_model=SyncResult,
    summary="Send victims registered offline",
    description="Up to 10,000 victims, checked by the same rules as POST /victims; a NIK already "
    "registered for the disaster (by another phone too) is refused, naming the victim who has it." + HOW,
    responses=RESPONSES,
)
async def sync_victims(body: VictimBatch, session: SessionDep, principal: CurrentPrincipal) -> SyncResult:
    return await service.sync_victims(session, principal, body.records)
