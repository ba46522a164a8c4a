import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.programs.institutions import repository as institutions
from services.programs.institutions.models import Admission, Institution
from services.programs.programs.models import Enrolment
from shared.auth import Principal


async def institutions_by_ids(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> list[Institution]:
    query = institutions.readable_institutions(principal).where(Institution.id.in_(ids))
    return list((await session.scalars(query)).all())


async def occupancies(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    return await institutions.occupancies(session, ids)


async def admissions_by_ids(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> list[Admission]:
    query = institutions.readable_admissions(principal).where(Admission.id.in_(ids))
    return list((await session.scalars(query)).all())


async def enrolments_by_ids(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> list[Enrolment]:
    # The scope of GET /enrolments/{id}: the enrolment's region.
    query = select(Enrolment).where(Enrolment.id.in_(ids), principal.region_filter(Enrolment.region_code))
    return list((await session.scalars(query)).all())
