import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from services.disaster.privacy import service
from services.disaster.privacy.schemas import AccessLogRead, DataExport
from shared.app import SessionDep
from shared.auth import CurrentPrincipal
from shared.errors import Problem
from shared.pagination import CursorQuery, LimitQuery, Page

router = APIRouter(tags=["privacy"])


@router.get(
    "/people/{person_id}/data-export",
    response_model=DataExport,
    summary="Everything the disaster service holds on a person (subject-access request, UU 27/2022)",
    description="The victim records linked to the person, their stays at evacuation sites, the aid "
    "handed to them (by person id, victim or NIK) and who read these before, unmasked; only records in "
    "the caller's regions. Needs `pii:read` (or admin). The read is itself logged.",
    responses={403: {"model": Problem}, 404: {"model": Problem}},
)
async def data_export(person_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal) -> DataExport:
    return await service.data_export(session, principal, person_id)


@router.get(
    "/access-log",
    response_model=Page[AccessLogRead],
    summary="Unmasked reads of victims and recipients (admins only)",
    responses={403: {"model": Problem}},
)
async def access_log(
    session: SessionDep,
    principal: CurrentPrincipal,
    person_id: uuid.UUID | None = None,
    reader: Annotated[str | None, Query(max_length=200)] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[AccessLogRead]:
    return await service.access_log(
        session, principal, person_id=person_id, reader=reader, limit=limit, cursor=cursor
    )
