import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from services.registry.duplicates import scanning, service
from services.registry.duplicates.schemas import (
    PairRead,
    PairStatus,
    PartitionRead,
    ResolveRequest,
    ScanCreate,
    ScanRead,
    UndoRequest,
)
from shared.app import SessionDep
from shared.auth import CurrentPrincipal
from shared.errors import Problem
from shared.pagination import CursorQuery, LimitQuery, Page
from shared.types import RegionCode

router = APIRouter(tags=["duplicates"])
PartitionCode = Annotated[
    str, Path(pattern=r"^[0-9]{2}(\.[0-9]{2}(\.[0-9]{2}(\.[0-9]{4})?)?)?$", examples=["63.71"])
]


@router.post(
    "/duplicates/scans",
    response_model=ScanRead,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Scan the registry (or one region) for people registered twice",
    description="The scan runs in the worker, one partition per regency (per district in a big "
    "regency), spread over as many workers as there are. Follow it with GET /duplicates/scans/{id}.",
    responses={
        403: {"model": Problem, "description": "Your role may not scan, or the region is not yours"},
        422: {"model": Problem, "description": "Not a region code"},
    },
)
async def request_scan(body: ScanCreate, session: SessionDep, principal: CurrentPrincipal) -> ScanRead:
    return await service.request_scan(session, principal, body.region)


@router.get(
    "/duplicates/scans/{scan_id}",
    response_model=ScanRead,
    summary="A scan's progress: partitions done of total, people scanned, pairs found",
    responses={404: {"model": Problem, "description": "No such scan that you may see"}},
)
async def read_scan(scan_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal) -> ScanRead:
    return await service.read_scan(session, principal, scan_id)


@router.post(
    "/duplicates/scans/{scan_id}/partitions/{code}/run",
    response_model=PartitionRead,
    summary="Scan one partition now (worker only)",
    description="Links the people of the partition, stores the pairs found (replacing what an earlier "
    "run of it found: running it twice changes nothing) and flags NIKs shared by different people.",
    responses={
        403: {"model": Problem, "description": "Only the `service` role"},
        404: {"model": Problem, "description": "No such scan or partition"},
    },
)
async def run_partition(
    scan_id: uuid.UUID, code: PartitionCode, session: SessionDep, principal: CurrentPrincipal
) -> PartitionRead:
    return await scanning.run_partition(session, principal, scan_id, code)


@router.get(
    "/duplicates",
    response_model=Page[PairRead],
    summary="Candidate pairs of people who may be one, best first",
    description="Pairs with both people in your regions, best first. A scan stores the pairs with "
    "decision match or possible at the thresholds in force (a NIK shared by two different people is "
    "always `possible`, whatever its score); by default the open ones are listed.",
    responses={403: {"model": Problem}},
)
async def list_pairs(
    session: SessionDep,
    principal: CurrentPrincipal,
    min_score: Annotated[
        float | None, Query(ge=0, le=1, description="Default: the possible threshold")
    ] = None,
    status: Annotated[PairStatus | None, Query(description="Default: open")] = "open",
    region: Annotated[RegionCode | None, Query(description="Either person in this region")] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[PairRead]:
    return await service.list_pairs(
        session, principal, min_score=min_score, status=status, region=region, limit=limit, cursor=cursor
    )


@router.get(
    "/duplicates/{pair_id}",
    response_model=PairRead,
    summary="One candidate pair with its trail of decisions",
    responses={404: {"model": Problem, "description": "No such pair in your regions"}},
)
async def read_pair(pair_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal) -> PairRead:
    return await service.read_pair(session, principal, pair_id)


@router.post(
    "/duplicates/{pair_id}/resolve",
    response_model=PairRead,
    summary="Decide a pair: same_person merges the two records, different_people never proposes it again",
    responses={
        403: {"model": Problem},
        404: {"model": Problem, "description": "No such pair in your regions"},
        409: {"model": Problem, "description": "Already resolved, or a record was merged meanwhile"},
    },
)
async def resolve_pair(
    pair_id: uuid.UUID, body: ResolveRequest, session: SessionDep, principal: CurrentPrincipal
) -> PairRead:
    return await service.resolve(session, principal, pair_id, body)


@router.post(
    "/duplicates/{pair_id}/undo",
    response_model=PairRead,
    summary="Undo the decision on a pair (a merge is reversed exactly)",
    responses={
        403: {"model": Problem},
        404: {"model": Problem, "description": "No such pair in your regions"},
        409: {
            "model": Problem,
            "description": "Nothing to undo, or the records changed in a way that prevents it",
        },
    },
)
async def undo_pair(
    pair_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, body: UndoRequest | None = None
) -> PairRead:
    return await service.undo(session, principal, pair_id, body.note if body else None)
