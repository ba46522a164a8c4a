import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status

from services.programs.targeting import registry, service
from services.programs.targeting.schemas import (
    AcceptCandidate,
    BulkAccept,
    BulkResult,
    CandidateBatch,
    CandidateRead,
    Decision,
    DecisionRead,
    EnrolledPeople,
    ExcludeCandidate,
    Explanation,
    FairnessRead,
    RuleCreate,
    RuleRead,
    RunCreate,
    RunOutcome,
    RunRead,
    RunSpec,
)
from shared.app import SessionDep
from shared.auth import CurrentPrincipal
from shared.errors import Problem
from shared.pagination import CursorQuery, LimitQuery, Page

router = APIRouter(tags=["targeting"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": Problem, "description": "Not in your scope"}}
NOT_READY: dict[int | str, dict[str, Any]] = {
    409: {"model": Problem, "description": "The run has not completed"}
}
SERVICE_ONLY: dict[int | str, dict[str, Any]] = {
    403: {"model": Problem, "description": "Only the worker (role `service`)"},
    404: {"model": Problem, "description": "No such run"},
    409: {"model": Problem, "description": "The run has already completed"},
}


@router.post(
    "/programs/{program_id}/targeting-rules",
    response_model=RuleRead,
    status_code=status.HTTP_201_CREATED,
    summary="Add a version of the program's eligibility rule",
    description="Rules are data: conditions over registry attributes combined with all/any/not, a ranking "
    "and optional quotas per region. An unknown attribute, operator or a value of the wrong type is a "
    "422 naming the rule part (e.g. `condition.all.1.value`). Versions are never changed.",
    responses={**NOT_FOUND, 422: {"model": Problem, "description": "A rule part that cannot be evaluated"}},
)
async def create_rule(
    program_id: uuid.UUID, body: RuleCreate, session: SessionDep, principal: CurrentPrincipal
) -> RuleRead:
    return await service.create_rule(session, principal, program_id, body)


@router.get(
    "/programs/{program_id}/targeting-rules",
    response_model=list[RuleRead],
    summary="Every version of the program's eligibility rule",
    responses=NOT_FOUND,
)
async def list_rules(
    program_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> list[RuleRead]:
    return await service.list_rules(session, principal, program_id)


@router.post(
    "/programs/{program_id}/targeting-runs",
    response_model=RunRead,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Compute the program's candidate list (in the worker)",
    description="Uses the rule version in effect on `as_of` (or the one named). The run is computed by "
    "the worker over the registry; poll `GET /targeting-runs/{id}` until `completed`.",
    responses={**NOT_FOUND, 409: {"model": Problem, "description": "No rule in effect"}},
)
async def request_run(
    program_id: uuid.UUID, body: RunCreate, session: SessionDep, principal: CurrentPrincipal
) -> RunRead:
    return await service.request_run(session, principal, program_id, body)


@router.get(
    "/programs/{program_id}/targeting-runs",
    response_model=list[RunRead],
    summary="The program's targeting runs, newest first",
    responses=NOT_FOUND,
)
async def list_runs(program_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal) -> list[RunRead]:
    return await service.list_runs(session, principal, program_id)


@router.get(
    "/targeting-runs/{run_id}", response_model=RunRead, summary="One targeting run", responses=NOT_FOUND
)
async def get_run(run_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal) -> RunRead:
    return await service.get_run(session, principal, run_id)


@router.get(
    "/targeting-runs/{run_id}/candidates",
    response_model=Page[CandidateRead],
    summary="The run's candidates in rank order, with the reasons they qualified",
    description="Only candidates registered in your regions. Ages, disability and PPKS values in the "
    "reasons are masked without `pii:read`.",
    responses=NOT_FOUND,
)
async def list_candidates(
    run_id: uuid.UUID,
    session: SessionDep,
    principal: CurrentPrincipal,
    decision: Decision | None = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[CandidateRead]:
    return await service.list_candidates(
        session, principal, run_id, decision=decision, limit=limit, cursor=cursor
    )


@router.get(
    "/targeting-runs/{run_id}/explain",
    response_model=Explanation,
    summary="Why a person is, or is not, on the run's list",
    description="For a candidate, the conditions they met in the run. For anyone else, the run's rule "
    "evaluated on their registry record: the conditions they fail, or that a quota left them out.",
    responses={
        **NOT_FOUND,
        **NOT_READY,
        503: {"model": Problem, "description": "The registry did not answer"},
    },
)
async def explain(
    run_id: uuid.UUID,
    person_id: Annotated[uuid.UUID, Query(description="The registry person id")],
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> Explanation:
    return await service.explain(session, principal, run_id, person_id, registry.lookup(request.app))


@router.post(
    "/targeting-runs/{run_id}/candidates/{person_id}/accept",
    response_model=CandidateRead,
    summary="Accept a candidate: enrol them in the program",
    description="Creates a real enrolment (with every check of `POST /programs/{id}/enrolments`). Audited.",
    responses={
        **NOT_FOUND,
        409: {"model": Problem, "description": "Not completed, already accepted, or already enrolled"},
    },
)
async def accept(
    run_id: uuid.UUID,
    person_id: uuid.UUID,
    body: AcceptCandidate,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> CandidateRead:
    return await service.accept(session, principal, run_id, person_id, body)


@router.post(
    "/targeting-runs/{run_id}/accept",
    response_model=BulkResult,
    summary="Accept many candidates at once",
    description="Each person is enrolled on their own: those that cannot be (already enrolled, not a "
    "candidate in your scope) are listed under `refused` with the reason, the others are enrolled.",
    responses={**NOT_FOUND, **NOT_READY},
)
async def accept_many(
    run_id: uuid.UUID, body: BulkAccept, session: SessionDep, principal: CurrentPrincipal
) -> BulkResult:
    return await service.accept_many(session, principal, run_id, body)


@router.post(
    "/targeting-runs/{run_id}/candidates/{person_id}/exclude",
    response_model=CandidateRead,
    summary="Exclude a candidate, with a reason",
    responses={**NOT_FOUND, 409: {"model": Problem, "description": "Not completed, or already accepted"}},
)
async def exclude(
    run_id: uuid.UUID,
    person_id: uuid.UUID,
    body: ExcludeCandidate,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> CandidateRead:
    return await service.exclude(session, principal, run_id, person_id, body.reason)


@router.get(
    "/targeting-runs/{run_id}/decisions",
    response_model=list[DecisionRead],
    summary="The audit trail of the run: every acceptance and exclusion",
    responses=NOT_FOUND,
)
async def decisions(
    run_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> list[DecisionRead]:
    return await service.decisions(session, principal, run_id)


@router.get(
    "/targeting-runs/{run_id}/fairness",
    response_model=FairnessRead,
    summary="Candidates and accepted by region, sex and age group against the eligible population",
    description="Per group: registry population, eligible people, candidates, accepted; the group's "
    "candidate rate against the overall one, flagged outside 0.8–1.25 (the four-fifths rule).",
    responses={**NOT_FOUND, **NOT_READY},
)
async def fairness(run_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal) -> FairnessRead:
    return await service.fairness(session, principal, run_id)


# ---- the worker's side ----


@router.post(
    "/targeting-runs/{run_id}/start",
    response_model=RunSpec,
    summary="Start computing a run (worker only): its rule, and a clean slate",
    responses=SERVICE_ONLY,
)
async def start_run(run_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal) -> RunSpec:
    return await service.spec(session, principal, run_id, start=True)


@router.post(
    "/targeting-runs/{run_id}/candidate-batches",
    response_model=dict[str, int],
    summary="Store a batch of computed candidates (worker only; idempotent)",
    responses=SERVICE_ONLY,
)
async def add_candidates(
    run_id: uuid.UUID, body: CandidateBatch, session: SessionDep, principal: CurrentPrincipal
) -> dict[str, int]:
    return {"received": await service.add_candidates(session, principal, run_id, body)}


@router.post(
    "/targeting-runs/{run_id}/outcome",
    response_model=RunRead,
    summary="Complete (or fail) a run (worker only)",
    responses=SERVICE_ONLY,
)
async def finish_run(
    run_id: uuid.UUID, body: RunOutcome, session: SessionDep, principal: CurrentPrincipal
) -> RunRead:
    return await service.finish(session, principal, run_id, body)


@router.get(
    "/targeting/enrolled",
    response_model=EnrolledPeople,
    summary="People enrolled in some programs (worker only)",
    responses={403: SERVICE_ONLY[403]},
)
async def enrolled(
    session: SessionDep,
    principal: CurrentPrincipal,
    program_id: Annotated[list[uuid.UUID], Query(min_length=1, max_length=50)],
) -> EnrolledPeople:
    return await service.enrolled(session, principal, program_id)
