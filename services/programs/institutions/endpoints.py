import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, status

from services.programs.institutions import service
from services.programs.institutions.schemas import (
    AdmissionCreate,
    AdmissionRead,
    BasicNeedMetCreate,
    BasicNeedMetRead,
    CaseloadRead,
    DischargeCreate,
    InstitutionCreate,
    InstitutionRead,
    PeksosAssignment,
)
from shared.app import SessionDep
from shared.auth import CurrentPrincipal
from shared.errors import Problem
from shared.pagination import CursorQuery, LimitQuery, Page

router = APIRouter(tags=["institutions"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": Problem, "description": "Not in your scope"}}


@router.post(
    "/institutions",
    response_model=InstitutionRead,
    status_code=status.HTTP_201_CREATED,
    summary="Register a panti sosial",
    responses={403: {"model": Problem}},
)
async def create_institution(
    body: InstitutionCreate, session: SessionDep, principal: CurrentPrincipal
) -> InstitutionRead:
    return await service.create_institution(session, principal, body)


@router.get("/institutions", response_model=Page[InstitutionRead], summary="Institutions in your scope")
async def list_institutions(
    session: SessionDep,
    principal: CurrentPrincipal,
    region: Annotated[str | None, Query(pattern=r"^[0-9]{2}(\.[0-9]{2}(\.[0-9]{2}(\.[0-9]{4})?)?)?$")] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[InstitutionRead]:
    return await service.list_institutions(session, principal, region=region, limit=limit, cursor=cursor)


@router.get(
    "/institutions/{institution_id}",
    response_model=InstitutionRead,
    summary="One institution with its occupancy",
    responses=NOT_FOUND,
)
async def get_institution(
    institution_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> InstitutionRead:
    return await service.get_institution(session, principal, institution_id)


@router.post(
    "/institutions/{institution_id}/admissions",
    response_model=AdmissionRead,
    status_code=status.HTTP_201_CREATED,
    summary="Admit a client",
    description="`ppks_type` must fit the panti's kind (anak 01-07, lanjut_usia 08, disabilitas 05/09, "
    "gelandangan_pengemis 11/12) and the client's age (from the registry's assessment, else "
    "`birth_date`). A Peksos over the caseload limit needs `override_reason`, which is reported.",
    responses={
        **NOT_FOUND,
        409: {
            "model": Problem,
            "description": "Institution full, person resident elsewhere, or the Peksos's caseload is full",
        },
    },
)
async def admit(
    institution_id: uuid.UUID, body: AdmissionCreate, session: SessionDep, principal: CurrentPrincipal
) -> AdmissionRead:
    return await service.admit(session, principal, institution_id, body)


@router.post(
    "/admissions/{admission_id}/discharge",
    response_model=AdmissionRead,
    summary="Discharge a client",
    responses={**NOT_FOUND, 409: {"model": Problem, "description": "Already discharged"}},
)
async def discharge(
    admission_id: uuid.UUID, body: DischargeCreate, session: SessionDep, principal: CurrentPrincipal
) -> AdmissionRead:
    return await service.discharge(session, principal, admission_id, body)


@router.get(
    "/admissions/{admission_id}", response_model=AdmissionRead, summary="One admission", responses=NOT_FOUND
)
async def get_admission(
    admission_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> AdmissionRead:
    return await service.get_admission(session, principal, admission_id)


@router.get("/admissions", response_model=Page[AdmissionRead], summary="Admissions in your scope")
async def list_admissions(
    session: SessionDep,
    principal: CurrentPrincipal,
    person_id: uuid.UUID | None = None,
    institution_id: uuid.UUID | None = None,
    status: Literal["active", "discharged"] | None = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[AdmissionRead]:
    return await service.list_admissions(
        session,
        principal,
        person_id=person_id,
        institution_id=institution_id,
        status=status,
        limit=limit,
        cursor=cursor,
    )


@router.put(
    "/admissions/{admission_id}/peksos",
    response_model=AdmissionRead,
    summary="Assign the client's Peksos",
    description="Within the caseload limit, or over it with `override_reason` (kept and reported).",
    responses={
        **NOT_FOUND,
        409: {"model": Problem, "description": "Caseload full without an override, or client discharged"},
    },
)
async def assign_peksos(
    admission_id: uuid.UUID, body: PeksosAssignment, session: SessionDep, principal: CurrentPrincipal
) -> AdmissionRead:
    return await service.assign_peksos(session, principal, admission_id, body)


@router.get(
    "/institutions/{institution_id}/caseload",
    response_model=CaseloadRead,
    summary="Clients per Peksos against the caseload norm, and the overrides",
    responses=NOT_FOUND,
)
async def caseload(
    institution_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> CaseloadRead:
    return await service.caseload(session, principal, institution_id)


@router.post(
    "/admissions/{admission_id}/basic-needs",
    response_model=BasicNeedMetRead,
    status_code=status.HTTP_201_CREATED,
    summary="Record a basic need met for a client",
    responses={**NOT_FOUND, 409: {"model": Problem, "description": "Already recorded for this stay"}},
)
async def record_basic_need(
    admission_id: uuid.UUID, body: BasicNeedMetCreate, session: SessionDep, principal: CurrentPrincipal
) -> BasicNeedMetRead:
    return await service.record_basic_need(session, principal, admission_id, body)


@router.get(
    "/admissions/{admission_id}/basic-needs",
    response_model=list[BasicNeedMetRead],
    summary="The basic needs met for a client's stay",
    responses=NOT_FOUND,
)
async def basic_needs(
    admission_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> list[BasicNeedMetRead]:
    return await service.basic_needs(session, principal, admission_id)
