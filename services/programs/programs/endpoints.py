import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status

from services.programs.programs import service
from services.programs.programs.schemas import (
    ActivityCreate,
    ActivityRead,
    BenefitCreate,
    BenefitRead,
    EnrolmentCreate,
    EnrolmentRead,
    ProgramArea,
    ProgramCreate,
    ProgramRead,
    SpendingUpdate,
    Year,
)
from shared.app import SessionDep
from shared.auth import CurrentPrincipal
from shared.errors import Problem
from shared.pagination import CursorQuery, LimitQuery, Page

router = APIRouter(tags=["programs"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": Problem, "description": "Not in your scope"}}
REGION = r"^[0-9]{2}(\.[0-9]{2}(\.[0-9]{2}(\.[0-9]{4})?)?)?$"


@router.post(
    "/programs",
    response_model=ProgramRead,
    status_code=status.HTTP_201_CREATED,
    summary="Create a program of one year with its budget",
    responses={409: {"model": Problem, "description": "The code is taken in that year"}},
)
async def create_program(
    body: ProgramCreate, session: SessionDep, principal: CurrentPrincipal
) -> ProgramRead:
    return await service.create(session, principal, body)


@router.get("/programs", response_model=Page[ProgramRead], summary="Programs in your scope")
async def list_programs(
    session: SessionDep,
    principal: CurrentPrincipal,
    year: Year | None = None,
    area: ProgramArea | None = None,
    region: Annotated[str | None, Query(pattern=REGION)] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[ProgramRead]:
    return await service.list_(
        session, principal, year=year, area=area, region=region, limit=limit, cursor=cursor
    )


@router.get(
    "/programs/{program_id}",
    response_model=ProgramRead,
    summary="One program with its spending by quarter",
    responses=NOT_FOUND,
)
async def get_program(program_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal) -> ProgramRead:
    return await service.read(session, principal, program_id)


@router.put(
    "/programs/{program_id}/spending/{quarter}",
    response_model=ProgramRead,
    summary="Report a quarter's realised spending",
    description="A corrected figure replaces the earlier one. The year's total cannot pass the budget.",
    responses={**NOT_FOUND, 409: {"model": Problem, "description": "Over the budget"}},
)
async def record_spending(
    program_id: uuid.UUID,
    quarter: Annotated[int, Path(ge=1, le=4)],
    body: SpendingUpdate,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> ProgramRead:
    return await service.record_spending(session, principal, program_id, quarter, body.amount)


@router.post(
    "/programs/{program_id}/activities",
    response_model=ActivityRead,
    status_code=status.HTTP_201_CREATED,
    summary="Add an activity under a program",
    responses={**NOT_FOUND, 409: {"model": Problem, "description": "Code taken, or over the budget"}},
)
async def add_activity(
    program_id: uuid.UUID, body: ActivityCreate, session: SessionDep, principal: CurrentPrincipal
) -> ActivityRead:
    return await service.add_activity(session, principal, program_id, body)


@router.get(
    "/programs/{program_id}/activities",
    response_model=list[ActivityRead],
    summary="A program's activities",
    responses=NOT_FOUND,
)
async def list_activities(
    program_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> list[ActivityRead]:
    return await service.activities(session, principal, program_id)


@router.post(
    "/programs/{program_id}/enrolments",
    response_model=EnrolmentRead,
    status_code=status.HTTP_201_CREATED,
    summary="Enrol a registry person in a program for a period",
    responses={
        **NOT_FOUND,
        409: {"model": Problem, "description": "Already enrolled for an overlapping period"},
    },
)
async def enrol(
    program_id: uuid.UUID, body: EnrolmentCreate, session: SessionDep, principal: CurrentPrincipal
) -> EnrolmentRead:
    return await service.enrol(session, principal, program_id, body)


@router.get("/enrolments", response_model=Page[EnrolmentRead], summary="Enrolments in your scope")
async def list_enrolments(
    session: SessionDep,
    principal: CurrentPrincipal,
    program_id: uuid.UUID | None = None,
    person_id: uuid.UUID | None = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[EnrolmentRead]:
    return await service.list_enrolments(
        session, principal, program_id=program_id, person_id=person_id, limit=limit, cursor=cursor
    )


@router.get(
    "/enrolments/{enrolment_id}", response_model=EnrolmentRead, summary="One enrolment", responses=NOT_FOUND
)
async def get_enrolment(
    enrolment_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> EnrolmentRead:
    return await service.get_enrolment(session, principal, enrolment_id)


@router.post(
    "/enrolments/{enrolment_id}/benefits",
    response_model=BenefitRead,
    status_code=status.HTTP_201_CREATED,
    summary="Record aid given to an enrolled person",
    responses={**NOT_FOUND, 409: {"model": Problem, "description": "Past the program's limit per person"}},
)
async def give_benefit(
    enrolment_id: uuid.UUID, body: BenefitCreate, session: SessionDep, principal: CurrentPrincipal
) -> BenefitRead:
    return await service.give_benefit(session, principal, enrolment_id, body)


@router.get(
    "/enrolments/{enrolment_id}/benefits",
    response_model=list[BenefitRead],
    summary="Aid given under an enrolment",
    responses=NOT_FOUND,
)
async def list_benefits(
    enrolment_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> list[BenefitRead]:
    return await service.benefits(session, principal, enrolment_id)
