"""Which region (and panti) a finding's subject lies in, so that findings are read with the subject's
scope: admissions (with their panti), enrolments, benefits (by their enrolment's region), WRSE aid."""

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from services.programs.groups.models import WrseAid
from services.programs.institutions import service as institutions
from services.programs.programs import service as programs
from shared.findings import Scope, SubjectScope, SubjectsScope, scopes_from_tables

# WRSE aid carries its own region.
_wrse_aids = scopes_from_tables({"wrse_aid": WrseAid})


async def _wrse_aid(session: AsyncSession, subject_type: str, subject_id: uuid.UUID) -> Scope | None:
    return (await _wrse_aids(session, subject_type, [subject_id])).get(subject_id)


SUBJECTS: dict[str, tuple[SubjectScope, SubjectsScope]] = {
    "admission": (institutions.subject_scope, institutions.subjects_scope),
    "enrolment": (programs.subject_scope, programs.subjects_scope),
    "benefit": (programs.subject_scope, programs.subjects_scope),
    "wrse_aid": (_wrse_aid, _wrse_aids),
}


async def subject_scope(session: AsyncSession, subject_type: str, subject_id: uuid.UUID) -> Scope | None:
    lookups = SUBJECTS.get(subject_type)
    return await lookups[0](session, subject_type, subject_id) if lookups else None


async def subjects_scope(
    session: AsyncSession, subject_type: str, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Scope]:
    lookups = SUBJECTS.get(subject_type)
    return await lookups[1](session, subject_type, ids) if lookups else {}
