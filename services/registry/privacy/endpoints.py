import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from services.registry.history import service as history
from services.registry.history.schemas import ChangeRead
from services.registry.people import service as people
from services.registry.privacy import service
from services.registry.privacy.schemas import AccessLogRead, DataExport
from shared.app import SessionDep
from shared.auth import CurrentPrincipal
from shared.errors import Problem
from shared.pagination import CursorQuery, LimitQuery, Page

router = APIRouter(tags=["privacy"])


@router.get(
    "/people/{person_id}/history",
    response_model=Page[ChangeRead],
    summary="Every change to a person and their records: who, when, before, after",
    responses={404: {"model": Problem}},
)
async def person_history(
    person_id: uuid.UUID,
    session: SessionDep,
    principal: CurrentPrincipal,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[ChangeRead]:
    await people.get_or_raise(session, principal, person_id)
    return await history.person_history(session, principal, person_id, limit=limit, cursor=cursor)


@router.get(
    "/people/{person_id}/data-export",
    response_model=DataExport,
    summary="Everything held on a person (subject-access request, UU 27/2022)",
    responses={403: {"model": Problem}, 404: {"model": Problem}},
)
async def data_export(person_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal) -> DataExport:
    return await service.data_export(session, principal, person_id)


@router.get(
    "/access-log",
    response_model=Page[AccessLogRead],
    summary="Unmasked reads of people (admins only)",
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
