import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Response, status

from services.registry.assessments import service
from services.registry.assessments.schemas import AssessmentCreate, AssessmentRead, AssessmentUpdate
from shared.app import SessionDep
from shared.auth import CurrentPrincipal
from shared.errors import PreconditionRequired, Problem

router = APIRouter(tags=["ppks"])


@router.post(
    "/people/{person_id}/ppks-assessments",
    response_model=AssessmentRead,
    status_code=status.HTTP_201_CREATED,
    summary="Record a PPKS assessment of a person (age rules enforced)",
    responses={404: {"model": Problem}, 409: {"model": Problem}},
)
async def create_assessment(
    person_id: uuid.UUID, body: AssessmentCreate, session: SessionDep, principal: CurrentPrincipal
) -> AssessmentRead:
    return await service.create(session, principal, person_id, body)


@router.get(
    "/people/{person_id}/ppks-assessments",
    response_model=list[AssessmentRead],
    summary="A person's PPKS assessments",
    responses={404: {"model": Problem}},
)
async def list_assessments(
    person_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> list[AssessmentRead]:
    return await service.list_for_person(session, principal, person_id)


@router.get(
    "/ppks-assessments/{assessment_id}",
    response_model=AssessmentRead,
    summary="One assessment (with ETag)",
    responses={404: {"model": Problem}},
)
async def get_assessment(
    assessment_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, response: Response
) -> AssessmentRead:
    assessment, etag = await service.read(session, principal, assessment_id)
    response.headers["ETag"] = etag
    return assessment


@router.patch(
    "/ppks-assessments/{assessment_id}",
    response_model=AssessmentRead,
    summary="Resolve or reopen an assessment (send If-Match)",
    responses={404: {"model": Problem}, 412: {"model": Problem}, 428: {"model": Problem}},
)
async def update_assessment(
    assessment_id: uuid.UUID,
    body: AssessmentUpdate,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> AssessmentRead:
    if not if_match:
        raise PreconditionRequired("send If-Match with the ETag from your last read of this assessment")
    assessment, etag = await service.update(session, principal, assessment_id, body, if_match)
    response.headers["ETag"] = etag
    return assessment
