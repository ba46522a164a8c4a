"""PPKS assessments: who needs which social-welfare service, and when it was resolved. Age rules
come from the reference table (01 under 5, 02–07 under 18, 08 sixty and over)."""

import uuid
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.assessments import repository
from services.registry.assessments.models import PpksAssessment
from services.registry.assessments.schemas import AssessmentCreate, AssessmentRead, AssessmentUpdate
from services.registry.db import SERVICE, OutboxEvent
from services.registry.history import service as history
from services.registry.people import permissions
from services.registry.people import repository as people
from services.registry.people.models import Person
from services.registry.reference import service as reference
from shared import clock
from shared.auth import Principal
from shared.errors import Conflict, Invalid, NotFound, PreconditionFailed
from shared.events import EventEnvelope, publish

FIELDS = ("ppks_type", "assessed_on", "assessor", "status", "resolved_on", "evidence_note")


class AlreadyAssessed(Conflict):
    problem = "already-assessed"
    title = "The person has an active assessment of this type"


def age_on(birth_date: date, day: date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def etag(assessment: PpksAssessment) -> str:
    return f'"{assessment.id}:{assessment.version}"'


def _event(kind: str, a: PpksAssessment, person: Person) -> EventEnvelope:
    # The contract the programs service builds its SPM and "PPKS mandiri" figures on.
    return EventEnvelope(
        type=f"ppks_assessment.{kind}",
        source=SERVICE,
        subject=str(a.id),
        payload={
            "assessment_id": str(a.id),
            "person_id": str(a.person_id),
            "ppks_type": a.ppks_type,
            "status": a.status,
            "assessed_on": a.assessed_on.isoformat(),
            "resolved_on": a.resolved_on.isoformat() if a.resolved_on else None,
            "region_code": a.region_code,
            "birth_date": person.birth_date.isoformat() if person.birth_date else None,
            "sex": person.sex,
        },
    )


async def create(
    session: AsyncSession, principal: Principal, person_id: uuid.UUID, data: AssessmentCreate
) -> AssessmentRead:
    permissions.require_write(principal)
    person = await people.get(session, principal, person_id, lock=True)
    if person is None:
        raise NotFound(f"no person {person_id} in your regions")
    if person.status != "active":
        raise Invalid("person_id", f"the person's status is {person.status}")
    ppks = await reference.ppks_type_or_invalid(session, data.ppks_type)
    if data.assessed_on > clock.today():
        raise Invalid("assessed_on", "assessed_on cannot be in the future")
    if ppks.min_age is not None or ppks.max_age is not None:
        if person.birth_date is None:
            raise Invalid(
                "ppks_type", f"type {ppks.code} ({ppks.name}) has an age rule; record the birth date first"
            )
        age = age_on(person.birth_date, data.assessed_on)
        if ppks.min_age is not None and age < ppks.min_age:
            raise Invalid(
                "ppks_type",
                f"type {ppks.code} ({ppks.name}) is for people aged {ppks.min_age} and "
                f"over; the person was {age} on {data.assessed_on}",
            )
        if ppks.max_age is not None and age >= ppks.max_age:
            raise Invalid(
                "ppks_type",
                f"type {ppks.code} ({ppks.name}) is for people under {ppks.max_age}; "
                f"the person was {age} on {data.assessed_on}",
            )
    if await repository.active_of_type(session, person.id, ppks.code) is not None:
        raise AlreadyAssessed(f"the person already has an active assessment of type {ppks.code}; update it")
    now = datetime.now(UTC)
    assessment = PpksAssessment(
        id=uuid.uuid4(),
        person_id=person.id,
        ppks_type=ppks.code,
        region_code=person.region_code,
        assessed_on=data.assessed_on,
        assessor=data.assessor or principal.sub,
        status="active",
        evidence_note=data.evidence_note,
        version=1,
        created_at=now,
        updated_at=now,
    )
    session.add(assessment)
    history.record(
        session,
        entity_type="ppks_assessment",
        entity_id=assessment.id,
        person_id=person.id,
        action="create",
        actor=principal.sub,
        before=None,
        after=history.snapshot(assessment, FIELDS),
    )
    publish(session, OutboxEvent, _event("recorded", assessment, person))
    await session.flush()
    return AssessmentRead.model_validate(assessment)


async def list_for_person(
    session: AsyncSession, principal: Principal, person_id: uuid.UUID
) -> list[AssessmentRead]:
    permissions.require_read(principal)
    if await people.get(session, principal, person_id) is None:
        raise NotFound(f"no person {person_id} in your regions")
    return [AssessmentRead.model_validate(a) for a in await repository.of_person(session, person_id)]


async def read(
    session: AsyncSession, principal: Principal, assessment_id: uuid.UUID
) -> tuple[AssessmentRead, str]:
    permissions.require_read(principal)
    assessment = await repository.get(session, principal, assessment_id)
    if assessment is None:
        raise NotFound(f"no assessment {assessment_id} in your regions")
    return AssessmentRead.model_validate(assessment), etag(assessment)


async def update(
    session: AsyncSession,
    principal: Principal,
    assessment_id: uuid.UUID,
    data: AssessmentUpdate,
    if_match: str,
) -> tuple[AssessmentRead, str]:
    permissions.require_write(principal)
    assessment = await repository.get(session, principal, assessment_id, lock=True)
    if assessment is None:
        raise NotFound(f"no assessment {assessment_id} in your regions")
    if if_match.strip() not in (etag(assessment), "W/" + etag(assessment)):
        raise PreconditionFailed("the assessment changed since you read it; read it again")
    before = history.snapshot(assessment, FIELDS)
    status = data.status or assessment.status
    if status == "active":
        if data.resolved_on is not None:
            raise Invalid("resolved_on", "an active assessment has no resolved_on")
        assessment.resolved_on = None
    else:
        resolved_on = data.resolved_on or assessment.resolved_on or clock.today()
        if resolved_on > clock.today():
            raise Invalid("resolved_on", "resolved_on cannot be in the future")
        if resolved_on < assessment.assessed_on:
            raise Invalid("resolved_on", f"resolved_on is before the assessment ({assessment.assessed_on})")
        assessment.resolved_on = resolved_on
    if (
        status == "active"
        and assessment.status != "active"
        and await repository.active_of_type(session, assessment.person_id, assessment.ppks_type)
    ):
        raise AlreadyAssessed("another active assessment of this type exists for the person")
    assessment.status = status
    if data.evidence_note is not None:
        assessment.evidence_note = data.evidence_note
    old, new = history.diff(before, history.snapshot(assessment, FIELDS))
    if new:
        assessment.version += 1
        assessment.updated_at = datetime.now(UTC)
        person = await session.get(Person, assessment.person_id)
        assert person is not None
        history.record(
            session,
            entity_type="ppks_assessment",
            entity_id=assessment.id,
            person_id=assessment.person_id,
            action="update",
            actor=principal.sub,
            before=old,
            after=new,
        )
        publish(session, OutboxEvent, _event("updated", assessment, person))
    await session.flush()
    return AssessmentRead.model_validate(assessment), etag(assessment)
