import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response, status

from services.registry.people import service
from services.registry.people.schemas import PeopleQuery, PersonCreate, PersonRead, PersonUpdate
from shared.app import SessionDep
from shared.auth import CurrentPrincipal
from shared.errors import PreconditionRequired, Problem
from shared.pagination import CursorQuery, LimitQuery, Page

router = APIRouter(tags=["people"])


@router.post(
    "/people",
    response_model=PersonRead,
    status_code=status.HTTP_201_CREATED,
    summary="Register a person",
    responses={403: {"model": Problem}, 409: {"model": Problem, "description": "NIK already registered"}},
)
async def create_person(
    body: PersonCreate, session: SessionDep, principal: CurrentPrincipal, response: Response
) -> PersonRead:
    person = await service.create(session, principal, body)
    response.headers["Location"] = f"/api/v1/people/{person.id}"
    return person


@router.get(
    "/people/{person_id}",
    response_model=PersonRead,
    summary="One person (with ETag)",
    responses={404: {"model": Problem, "description": "No such person in your regions"}},
)
async def get_person(
    person_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, response: Response
) -> PersonRead:
    person, etag = await service.read(session, principal, person_id)
    response.headers["ETag"] = etag
    return person


@router.get("/people", response_model=Page[PersonRead], summary="Search people in your regions")
async def search_people(
    session: SessionDep,
    principal: CurrentPrincipal,
    query: Annotated[PeopleQuery, Query()],
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[PersonRead]:
    return await service.search(session, principal, query, limit=limit, cursor=cursor)


@router.patch(
    "/people/{person_id}",
    response_model=PersonRead,
    summary="Change a person (send If-Match)",
    responses={404: {"model": Problem}, 412: {"model": Problem}, 428: {"model": Problem}},
)
async def update_person(
    person_id: uuid.UUID,
    body: PersonUpdate,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> PersonRead:
    if not if_match:
        raise PreconditionRequired("send If-Match with the ETag from your last read of this person")
    person, etag = await service.update(session, principal, person_id, body, if_match)
    response.headers["ETag"] = etag
    return person
