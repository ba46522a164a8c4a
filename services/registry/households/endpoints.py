import uuid
from typing import Any

from fastapi import APIRouter, status

from services.registry.households import service
from services.registry.households.schemas import HouseholdCreate, HouseholdRead, MemberIn
from shared.app import SessionDep
from shared.auth import CurrentPrincipal
from shared.errors import Problem

router = APIRouter(tags=["households"])
ERRORS: dict[int | str, dict[str, Any]] = {404: {"model": Problem}, 409: {"model": Problem}}


@router.post(
    "/households",
    response_model=HouseholdRead,
    status_code=status.HTTP_201_CREATED,
    summary="Register a household (Kartu Keluarga) with its members",
    responses=ERRORS,
)
async def create_household(
    body: HouseholdCreate, session: SessionDep, principal: CurrentPrincipal
) -> HouseholdRead:
    return await service.create(session, principal, body)


@router.get(
    "/households/{household_id}",
    response_model=HouseholdRead,
    summary="One household and its members",
    responses={404: {"model": Problem}},
)
async def get_household(
    household_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> HouseholdRead:
    return await service.get(session, principal, household_id)


@router.post(
    "/households/{household_id}/members",
    response_model=HouseholdRead,
    summary="Add a member, moving them from their current household in one step",
    responses=ERRORS,
)
async def add_member(
    household_id: uuid.UUID, body: MemberIn, session: SessionDep, principal: CurrentPrincipal
) -> HouseholdRead:
    return await service.add_member(session, principal, household_id, body)


@router.delete(
    "/households/{household_id}/members/{person_id}",
    response_model=HouseholdRead,
    summary="End a person's membership (kept in history, never deleted)",
    responses=ERRORS,
)
async def remove_member(
    household_id: uuid.UUID, person_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> HouseholdRead:
    return await service.remove_member(session, principal, household_id, person_id)
