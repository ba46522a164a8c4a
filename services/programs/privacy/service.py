"""What UU 27/2022 asks of the programs service: everything it holds on a person for their
subject-access request, and a log of who read it.

Masking: no programs route shows a name, NIK, KK number or birth date (those are the registry's; the
disaster-victim projection keeps a NIK only to match relief and never shows it), and targeting reasons
that are personal data are masked without `pii:read` (targeting.service). What remains is a person's
participation, which is the subject of this export."""

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.programs.groups.schemas import WrseAidRead
from services.programs.institutions.schemas import AdmissionRead, BasicNeedMetRead
from services.programs.privacy import repository
from services.programs.privacy.schemas import AccessLogRead, DataExport, TargetingCandidacyRead
from services.programs.programs.schemas import BenefitRead, EnrolmentRead
from shared.auth import Principal
from shared.errors import Forbidden, NotFound
from shared.pagination import Page, after_int, encode_cursor


async def access_log(
    session: AsyncSession,
    principal: Principal,
    *,
    person_id: uuid.UUID | None,
    reader: str | None,
    limit: int,
    cursor: str | None,
) -> Page[AccessLogRead]:
    if "admin" not in principal.roles:
        raise Forbidden("the access log is for administrators")
    rows = await repository.access_log(
        session, person_id=person_id, reader=reader, after=after_int(cursor), limit=limit + 1
    )
    page = rows[:limit]
    return Page(
        items=[AccessLogRead.model_validate(r) for r in page],
        next_cursor=encode_cursor([page[-1].id]) if len(rows) > limit else None,
    )


async def data_export(session: AsyncSession, principal: Principal, person_id: uuid.UUID) -> DataExport:
    if not principal.can_read_pii:
        raise Forbidden("a subject-access export shows personal data: it needs pii:read")
    enrolments = await repository.enrolments(session, principal, person_id)
    admissions = await repository.admissions(session, principal, person_id)
    wrse_aids = await repository.wrse_aids(session, principal, person_id)
    candidacies = await repository.candidacies(session, principal, person_id)
    if not (enrolments or admissions or wrse_aids or candidacies):
        # Not an empty export: the caller learns nothing about people outside their regions, and an
        # officer who mistyped an id is told so.
        raise NotFound(f"nothing held on person {person_id} in your regions")
    benefits = await repository.benefits(session, [e.id for e in enrolments])
    needs = await repository.basic_needs_met(session, [a.id for a in admissions])
    export = DataExport(
        generated_at=datetime.now(UTC),
        person_id=person_id,
        enrolments=[EnrolmentRead.model_validate(e) for e in enrolments],
        benefits=[BenefitRead.model_validate(b) for b in benefits],
        admissions=[AdmissionRead.model_validate(a) for a in admissions],
        basic_needs_met=[BasicNeedMetRead.model_validate(n) for n in needs],
        wrse_aids=[WrseAidRead.model_validate(w) for w in wrse_aids],
        targeting=[TargetingCandidacyRead.model_validate(c) for c in candidacies],
        access_log=[AccessLogRead.model_validate(a) for a in await repository.all_access(session, person_id)],
    )
    repository.log_access(session, [person_id], principal.sub, "data-export")
    return export
