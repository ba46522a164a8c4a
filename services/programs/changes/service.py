"""The programs service's delta feed: institutions, admissions and enrolments changed since a phone's
or an institution's last sync. Each entity is in the feed for the roles that may read it."""

import uuid
from collections.abc import Mapping, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from services.programs.changes import repository
from services.programs.changes.models import ChangeLogEntry
from services.programs.changes.schemas import ProgramsChanges, ProgramsRecord
from services.programs.institutions import permissions as institution_permissions
from services.programs.institutions.schemas import AdmissionRead, InstitutionRead
from services.programs.programs import permissions as program_permissions
from services.programs.programs.schemas import EnrolmentRead
from shared.auth import Principal
from shared.changes import Loader, changes_page


async def changes(
    session: AsyncSession, principal: Principal, *, since: str | None, region: str | None, limit: int
) -> ProgramsChanges:
    principal.require(*{*institution_permissions.READERS, *program_permissions.READERS})

    async def load_institutions(ids: Sequence[uuid.UUID]) -> Mapping[uuid.UUID, ProgramsRecord]:
        found = await repository.institutions_by_ids(session, principal, ids)
        occupied = await repository.occupancies(session, [i.id for i in found])
        return {
            i.id: InstitutionRead.model_validate(i).model_copy(update={"occupancy": occupied.get(i.id, 0)})
            for i in found
        }

    async def load_admissions(ids: Sequence[uuid.UUID]) -> Mapping[uuid.UUID, ProgramsRecord]:
        return {
            a.id: AdmissionRead.model_validate(a)
            for a in await repository.admissions_by_ids(session, principal, ids)
        }

    async def load_enrolments(ids: Sequence[uuid.UUID]) -> Mapping[uuid.UUID, ProgramsRecord]:
        return {
            e.id: EnrolmentRead.model_validate(e)
            for e in await repository.enrolments_by_ids(session, principal, ids)
        }

    loaders: dict[str, Loader[ProgramsRecord]] = {}
    if principal.has_any(*institution_permissions.READERS):
        loaders |= {"institution": load_institutions, "admission": load_admissions}
    if principal.has_any(*program_permissions.READERS):
        loaders["enrolment"] = load_enrolments
    return await changes_page(
        session, ChangeLogEntry, principal, loaders, since=since, region=region, limit=limit
    )
