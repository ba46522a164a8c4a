from fastapi import APIRouter, status

from services.registry.matching import service
from services.registry.matching.schemas import EstimateRequest, MatchRequest, MatchResponse, ModelRead
from shared.app import SessionDep
from shared.auth import CurrentPrincipal
from shared.errors import Problem

router = APIRouter(tags=["matching"])


@router.post(
    "/people/match",
    response_model=MatchResponse,
    summary="Find registered people matching up to 1,000 records",
    description="For each record (any of nik, full_name, birth_date, sex, region_code, kk_number, "
    "address), the best candidates in your regions with a score in [0, 1] (the probability that "
    "they are one person), a decision (match, possible, no_match) and the evidence field by field. "
    "Personal data in the candidates are masked unless you may read them.",
    responses={
        403: {"model": Problem, "description": "Your role may not match"},
        422: {"model": Problem, "description": "More than 1,000 records, or a record with nothing to match"},
    },
)
async def match_people(body: MatchRequest, session: SessionDep, principal: CurrentPrincipal) -> MatchResponse:
    return await service.match(session, principal, body)


@router.get(
    "/matching/model",
    response_model=ModelRead,
    summary="The matching model in use: m, u, weights, prior, thresholds, and what they came from",
    responses={403: {"model": Problem}},
)
async def get_model(session: SessionDep, principal: CurrentPrincipal) -> ModelRead:
    return await service.read_model(session, principal)


@router.post(
    "/matching/models",
    response_model=ModelRead,
    status_code=status.HTTP_201_CREATED,
    summary="Re-estimate the matching model from the registry by EM (admin)",
    description="Learns m and u probabilities and the prior from whole regencies (in code order, up to "
    "`people`), stores them with the date and the data they came from, and uses them from then on. "
    "Takes about a minute for 250,000 people.",
    responses={
        403: {"model": Problem, "description": "Only the admin role may re-estimate"},
        422: {"model": Problem, "description": "Too few people to learn from"},
    },
)
async def estimate_model(
    body: EstimateRequest, session: SessionDep, principal: CurrentPrincipal
) -> ModelRead:
    return await service.estimate(session, principal, region=body.region, people=body.people)
