"""Panti and their clients: admission within capacity, one residence at a time, a PPKS type that
fits the panti and the client's age, a Peksos within the caseload norm (or an override with a
reason), basic needs recorded as they are met, discharge."""

import uuid
from datetime import UTC, date, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.programs.db import SERVICE, OutboxEvent
from services.programs.feeds import repository as projections
from services.programs.institutions import permissions, repository, rules
from services.programs.institutions.exceptions import (
    AlreadyAdmitted,
    AlreadyDischarged,
    BasicNeedAlreadyMet,
    CaseloadExceeded,
    InstitutionFull,
)
from services.programs.institutions.models import Admission, BasicNeedMet, Institution
from services.programs.institutions.schemas import (
    AdmissionCreate,
    AdmissionRead,
    BasicNeedMetCreate,
    BasicNeedMetRead,
    CaseloadOverride,
    CaseloadRead,
    DischargeCreate,
    InstitutionCreate,
    InstitutionRead,
    PeksosAssignment,
    PeksosCaseload,
)
from services.programs.reference import service as reference
from services.programs.scope import after_id as _after
from shared import clock
from shared.auth import Principal
from shared.errors import Invalid, NotFound
from shared.events import EventEnvelope, publish
from shared.findings import scopes_from_tables
from shared.pagination import Page, encode_cursor


async def _institution_or_404(
    session: AsyncSession, principal: Principal, institution_id: uuid.UUID, *, lock: bool = False
) -> Institution:
    institution = await repository.get_institution(session, principal, institution_id, lock=lock)
    if institution is None:
        raise NotFound(f"no institution {institution_id} in your scope")
    return institution


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
                "operator": data.operator,
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
    ppks_type, birth_date = await _client_fit(session, institution, data)
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
        ppks_type=ppks_type,
        assessment_id=data.assessment_id,
        birth_date=data.birth_date if birth_date == data.birth_date else None,
        created_at=datetime.now(UTC),
    )
    overridden = None
    if data.peksos_person_id is not None:
        overridden = await _assign(
            session, principal, institution, admission, data.peksos_person_id, data.override_reason
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
                "ppks_type": ppks_type,
                "assessment_id": str(data.assessment_id) if data.assessment_id else None,
                "peksos_person_id": str(data.peksos_person_id) if data.peksos_person_id else None,
            },
        ),
    )
    if overridden:
        _publish_override(session, admission, *overridden)
    await session.flush()
    return AdmissionRead.model_validate(admission)


async def _client_fit(
    session: AsyncSession, institution: Institution, data: AdmissionCreate
) -> tuple[str | None, date | None]:
    """The PPKS type the client is admitted for and their birth date, once both are checked against
    the panti's kind and age rules. The registry's facts (from its events) win over the request's."""
    ppks_type = data.ppks_type
    registry_birth: date | None = None
    if data.assessment_id is not None:
        assessment = await projections.assessment(session, data.assessment_id)
        if assessment is None:
            raise Invalid("assessment_id", "no such registry assessment is known here (yet)")
        if assessment.person_id != data.person_id:
            raise Invalid("assessment_id", "this assessment is of another person")
        if ppks_type is not None and ppks_type != assessment.ppks_type:
            raise Invalid("ppks_type", f"the assessment found PPKS type {assessment.ppks_type}")
        if assessment.resolved_on is not None and assessment.resolved_on < data.admitted_on:
            raise Invalid("assessment_id", f"the assessment was resolved on {assessment.resolved_on}")
        ppks_type = assessment.ppks_type
        registry_birth = assessment.birth_date
    registry_birth = registry_birth or await projections.known_birth_date(session, data.person_id)
    if registry_birth and data.birth_date and registry_birth != data.birth_date:
        raise Invalid("birth_date", f"the registry records the birth date as {registry_birth}")
    birth_date = registry_birth or data.birth_date
    if birth_date is not None and birth_date > data.admitted_on:
        raise Invalid("birth_date", "birth_date cannot be after admitted_on")
    if ppks_type is not None and not rules.fits_kind(institution.kind, ppks_type):
        allowed = ", ".join(sorted(rules.KIND_TYPES[institution.kind]))
        raise Invalid("ppks_type", f"a panti {institution.kind} admits PPKS types {allowed}, not {ppks_type}")
    if birth_date is not None:
        age = rules.age_on(birth_date, data.admitted_on)
        if ppks_type and (need := rules.age_problem(rules.TYPE_AGES.get(ppks_type), age)):
            raise Invalid("ppks_type", f"PPKS type {ppks_type} is for people {need}; the client is {age}")
        if need := rules.age_problem(rules.KIND_AGES.get(institution.kind), age):
            raise Invalid(
                "birth_date", f"a panti {institution.kind} admits people {need}; the client is {age}"
            )
    return ppks_type, birth_date


async def _assign(
    session: AsyncSession,
    principal: Principal,
    institution: Institution,
    admission: Admission,
    peksos_person_id: uuid.UUID,
    override_reason: str | None,
) -> tuple[int, int] | None:
    """Assign a Peksos within the caseload norm, or over it with a reason that is kept and reported
    (then returns the caseload and the limit). The caller holds the institution's row lock, so two
    assignments cannot both take the last slot."""
    if not await projections.is_peksos(session, peksos_person_id, clock.today()):
        raise Invalid("peksos_person_id", "not a Peksos: the registry shows no active PSKS 01 role for them")
    limit = await reference.caseload_limit(session)
    load = await repository.peksos_clients(session, institution.id, peksos_person_id, besides=admission.id)
    admission.peksos_person_id = peksos_person_id
    admission.caseload_override_reason = admission.caseload_override_by = admission.caseload_override_at = (
        None
    )
    if load < limit:
        return None
    if override_reason is None:
        raise CaseloadExceeded(
            f"the Peksos already serves {load} clients here (limit {limit}); "
            "give override_reason to assign anyway"
        )
    admission.caseload_override_reason = override_reason
    admission.caseload_override_by = principal.sub
    admission.caseload_override_at = datetime.now(UTC)
    return load + 1, limit


def _publish_override(session: AsyncSession, admission: Admission, caseload: int, limit: int) -> None:
    publish(
        session,
        OutboxEvent,
        EventEnvelope(
            type="admission.caseload_overridden",
            source=SERVICE,
            subject=str(admission.id),
            payload={
                "admission_id": str(admission.id),
                "institution_id": str(admission.institution_id),
                "peksos_person_id": str(admission.peksos_person_id),
                "caseload": caseload,
                "limit": limit,
                "reason": admission.caseload_override_reason,
                "overridden_by": admission.caseload_override_by,
                "region_code": admission.region_code,
            },
        ),
    )


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
    rows, (total, more) = await repository.list_admissions(
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
        total=total,
        total_is_lower_bound=more,
    )


async def subject_scope(
    session: AsyncSession, subject_type: str, subject_id: uuid.UUID
) -> tuple[str | None, uuid.UUID | None] | None:
    if subject_type != "admission":
        return None
    admission = await repository.admission_scope(session, subject_id)
    return (admission.region_code, admission.institution_id) if admission else None


# The same, for many subjects at once (`PUT /findings/batch`).
subjects_scope = scopes_from_tables({"admission": Admission})


async def assign_peksos(
    session: AsyncSession, principal: Principal, admission_id: uuid.UUID, data: PeksosAssignment
) -> AdmissionRead:
    principal.require(*permissions.OPERATORS)
    found = await repository.get_admission(session, principal, admission_id)
    if found is None:
        raise NotFound(f"no admission {admission_id} in your scope")
    # Lock the institution first (as admissions do), then the stay: one order, no deadlock.
    institution = await _institution_or_404(session, principal, found.institution_id, lock=True)
    admission = await repository.get_admission(session, principal, admission_id, lock=True)
    assert admission is not None
    if admission.status != "active":
        raise AlreadyDischarged(f"discharged on {admission.discharged_on}; a Peksos serves active clients")
    overridden = await _assign(
        session, principal, institution, admission, data.peksos_person_id, data.override_reason
    )
    publish(
        session,
        OutboxEvent,
        EventEnvelope(
            type="admission.peksos_assigned",
            source=SERVICE,
            subject=str(admission.id),
            payload={
                "admission_id": str(admission.id),
                "institution_id": str(admission.institution_id),
                "peksos_person_id": str(data.peksos_person_id),
                "region_code": admission.region_code,
            },
        ),
    )
    if overridden:
        _publish_override(session, admission, *overridden)
    await session.flush()
    return AdmissionRead.model_validate(admission)


async def caseload(session: AsyncSession, principal: Principal, institution_id: uuid.UUID) -> CaseloadRead:
    principal.require(*permissions.READERS)
    institution = await _institution_or_404(session, principal, institution_id)
    limit = await reference.caseload_limit(session)
    rows = await repository.caseload(session, institution.id, clock.today())
    unassigned = await repository.unassigned(session, institution.id)
    return CaseloadRead(
        institution_id=institution.id,
        limit=limit,
        active_clients=unassigned + sum(n for _, n, _ in rows),
        unassigned_clients=unassigned,
        peksos=[
            PeksosCaseload(peksos_person_id=p, clients=n, over_limit=n > limit, still_peksos=still)
            for p, n, still in rows
        ],
        overrides=[
            CaseloadOverride(
                admission_id=a.id,
                peksos_person_id=a.peksos_person_id,
                reason=a.caseload_override_reason,
                overridden_by=a.caseload_override_by,
                overridden_at=a.caseload_override_at,
            )
            for a in await repository.overrides(session, institution.id)
            if a.peksos_person_id is not None and a.caseload_override_reason is not None
        ],
    )


async def record_basic_need(
    session: AsyncSession, principal: Principal, admission_id: uuid.UUID, data: BasicNeedMetCreate
) -> BasicNeedMetRead:
    principal.require(*permissions.OPERATORS)
    admission = await repository.get_admission(session, principal, admission_id, lock=True)
    if admission is None:
        raise NotFound(f"no admission {admission_id} in your scope")
    await reference.basic_need_or_invalid(session, data.need, "need")
    if data.met_on < admission.admitted_on:
        raise Invalid("met_on", f"met_on cannot be before the admission on {admission.admitted_on}")
    if admission.discharged_on is not None and data.met_on > admission.discharged_on:
        raise Invalid("met_on", f"met_on cannot be after the discharge on {admission.discharged_on}")
    if data.met_on > clock.today():
        raise Invalid("met_on", "met_on cannot be in the future")
    if await repository.basic_need_met(session, admission.id, data.need) is not None:
        raise BasicNeedAlreadyMet(f"{data.need} was already recorded for this stay")
    row = BasicNeedMet(
        id=uuid.uuid4(),
        admission_id=admission.id,
        need=data.need,
        met_on=data.met_on,
        note=data.note,
        recorded_by=principal.sub,
        created_at=datetime.now(UTC),
    )
    session.add(row)
    await session.flush()
    return BasicNeedMetRead.model_validate(row)


async def basic_needs(
    session: AsyncSession, principal: Principal, admission_id: uuid.UUID
) -> list[BasicNeedMetRead]:
    principal.require(*permissions.READERS)
    admission = await repository.get_admission(session, principal, admission_id)
    if admission is None:
        raise NotFound(f"no admission {admission_id} in your scope")
    return [
        BasicNeedMetRead.model_validate(r) for r in await repository.basic_needs_met(session, admission.id)
    ]
