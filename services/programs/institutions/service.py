"""Panti and their clients: admission within capacity, one residence at a time, discharge."""

import uuid
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.programs.db import SERVICE, OutboxEvent
from services.programs.institutions import permissions, repository
from services.programs.institutions.exceptions import AlreadyAdmitted, AlreadyDischarged, InstitutionFull
from services.programs.institutions.models import Admission, Institution
from services.programs.institutions.schemas import (
    AdmissionCreate,
    AdmissionRead,
    DischargeCreate,
    InstitutionCreate,
    InstitutionRead,
)
from shared import clock
from shared.auth import Principal
from shared.errors import Invalid, NotFound
from shared.events import EventEnvelope, publish
from shared.pagination import Page, decode_cursor, encode_cursor


def _after(cursor: str | None) -> uuid.UUID | None:
    raw = decode_cursor(cursor, 1)
    if raw is None:
        return None
    try:
        return uuid.UUID(raw[0])
    except ValueError:
        raise Invalid("cursor", "not a cursor this API issued") from None


async def create_institution(
    session: AsyncSession, principal: Principal, data: InstitutionCreate
) -> InstitutionRead:
    principal.require(*permissions.MANAGERS)
    permissions.require_region(principal, data.region_code)
    institution = Institution(id=uuid.uuid4(), **data.model_dump(), created_at=datetime.now(UTC))
    session.add(institution)
    publish(
        session,
        OutboxEvent,
        EventEnvelope(
            type="institution.created",
            source=SERVICE,
            subject=str(institution.id),
            payload={
                "institution_id": str(institution.id),
                "kind": data.kind,
                "region_code": data.region_code,
                "capacity": data.capacity,
            },
        ),
    )
    await session.flush()
    return InstitutionRead.model_validate(institution)


async def get_institution(
    session: AsyncSession, principal: Principal, institution_id: uuid.UUID
) -> InstitutionRead:
    principal.require(*permissions.READERS)
    institution = await repository.get_institution(session, principal, institution_id)
    if institution is None:
        raise NotFound(f"no institution {institution_id} in your scope")
    read = InstitutionRead.model_validate(institution)
    read.occupancy = await repository.occupancy(session, institution.id)
    return read


async def list_institutions(
    session: AsyncSession, principal: Principal, *, region: str | None, limit: int, cursor: str | None
) -> Page[InstitutionRead]:
    principal.require(*permissions.READERS)
    rows = await repository.list_institutions(
        session, principal, region=region, after=_after(cursor), limit=limit + 1
    )
    page = rows[:limit]
    occupied = await repository.occupancies(session, [r.id for r in page])
    return Page(
        items=[
            InstitutionRead.model_validate(r).model_copy(update={"occupancy": occupied.get(r.id, 0)})
            for r in page
        ],
        next_cursor=encode_cursor([page[-1].id]) if len(rows) > limit else None,
    )


async def admit(
    session: AsyncSession, principal: Principal, institution_id: uuid.UUID, data: AdmissionCreate
) -> AdmissionRead:
    principal.require(*permissions.OPERATORS)
    # The row lock on the institution serialises admissions to it, so the capacity check holds
    # under concurrency.
    institution = await repository.get_institution(session, principal, institution_id, lock=True)
    if institution is None:
        raise NotFound(f"no institution {institution_id} in your scope")
    if data.admitted_on > clock.today():
        raise Invalid("admitted_on", "admitted_on cannot be in the future")
    if await repository.active_admission_of(session, data.person_id) is not None:
        raise AlreadyAdmitted("the person is resident in an institution; discharge them there first")
    if await repository.occupancy(session, institution.id) >= institution.capacity:
        raise InstitutionFull(f"all {institution.capacity} places are taken")
    admission = Admission(
        id=uuid.uuid4(),
        institution_id=institution.id,
        person_id=data.person_id,
        region_code=institution.region_code,
        admitted_on=data.admitted_on,
        status="active",
        created_at=datetime.now(UTC),
    )
    session.add(admission)
    try:
        await session.flush()
    except IntegrityError:
        # A concurrent admission of the same person to another institution won the race; the
        # request's transaction rolls back as a whole.
        raise AlreadyAdmitted(
            "the person is resident in an institution; discharge them there first"
        ) from None
    publish(
        session,
        OutboxEvent,
        EventEnvelope(
            type="admission.created",
            source=SERVICE,
            subject=str(admission.id),
            payload={
                "admission_id": str(admission.id),
                "institution_id": str(institution.id),
                "person_id": str(data.person_id),
                "admitted_on": data.admitted_on.isoformat(),
                "region_code": institution.region_code,
            },
        ),
    )
    await session.flush()
    return AdmissionRead.model_validate(admission)


async def discharge(
    session: AsyncSession, principal: Principal, admission_id: uuid.UUID, data: DischargeCreate
) -> AdmissionRead:
    principal.require(*permissions.OPERATORS)
    admission = await repository.get_admission(session, principal, admission_id, lock=True)
    if admission is None:
        raise NotFound(f"no admission {admission_id} in your scope")
    if admission.status != "active":
        raise AlreadyDischarged(f"discharged on {admission.discharged_on}")
    if data.discharged_on < admission.admitted_on:
        raise Invalid("discharged_on", "discharged_on cannot be before admitted_on")
    if data.discharged_on > clock.today():
        # A discharge frees the place at once; one that has not happened yet must not.
        raise Invalid("discharged_on", "discharged_on cannot be in the future")
    admission.status, admission.discharged_on, admission.discharge_outcome = (
        "discharged",
        data.discharged_on,
        data.outcome,
    )
    publish(
        session,
        OutboxEvent,
        EventEnvelope(
            type="admission.discharged",
            source=SERVICE,
            subject=str(admission.id),
            payload={
                "admission_id": str(admission.id),
                "person_id": str(admission.person_id),
                "discharged_on": data.discharged_on.isoformat(),
                "outcome": data.outcome,
            },
        ),
    )
    await session.flush()
    return AdmissionRead.model_validate(admission)


async def get_admission(
    session: AsyncSession, principal: Principal, admission_id: uuid.UUID
) -> AdmissionRead:
    principal.require(*permissions.READERS)
    admission = await repository.get_admission(session, principal, admission_id)
    if admission is None:
        raise NotFound(f"no admission {admission_id} in your scope")
    return AdmissionRead.model_validate(admission)


async def list_admissions(
    session: AsyncSession,
    principal: Principal,
    *,
    person_id: uuid.UUID | None,
    institution_id: uuid.UUID | None,
    status: str | None,
    limit: int,
    cursor: str | None,
) -> Page[AdmissionRead]:
    principal.require(*permissions.READERS)
    rows = await repository.list_admissions(
        session,
        principal,
        person_id=person_id,
        institution_id=institution_id,
        status=status,
        after=_after(cursor),
        limit=limit + 1,
    )
    page = rows[:limit]
    return Page(
        items=[AdmissionRead.model_validate(r) for r in page],
        next_cursor=encode_cursor([page[-1].id]) if len(rows) > limit else None,
    )


async def subject_scope(
    session: AsyncSession, subject_type: str, subject_id: uuid.UUID
) -> tuple[str | None, uuid.UUID | None] | None:
    if subject_type != "admission":
        return None
    admission = await repository.admission_scope(session, subject_id)
    return (admission.region_code, admission.institution_id) if admission else None
