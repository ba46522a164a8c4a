import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.programs.feeds.models import PsksRoleView
from services.programs.institutions.models import Admission, BasicNeedMet, Institution
from services.programs.scope import institution_ids
from shared.auth import Principal
from shared.pagination import capped_total


def _scope(principal: Principal, region: Any, institution_id: Any) -> ColumnElement[bool]:
    return or_(principal.region_filter(region), institution_id.in_(institution_ids(principal)))


def readable_institutions(principal: Principal) -> Select[Institution]:
    return select(Institution).where(_scope(principal, Institution.region_code, Institution.id))


def readable_admissions(principal: Principal) -> Select[Admission]:
    return select(Admission).where(_scope(principal, Admission.region_code, Admission.institution_id))


async def get_institution(
    session: AsyncSession, principal: Principal, institution_id: uuid.UUID, *, lock: bool = False
) -> Institution | None:
    query = readable_institutions(principal).where(Institution.id == institution_id)
    if lock:
        query = query.with_for_update()
    return await session.scalar(query)


async def list_institutions(
    session: AsyncSession, principal: Principal, *, region: str | None, after: uuid.UUID | None, limit: int
) -> Sequence[Institution]:
    query = readable_institutions(principal)
    if region:
        query = query.where(
            (Institution.region_code == region)
            | Institution.region_code.startswith(region + ".", autoescape=True)
        )
    if after:
        query = query.where(Institution.id > after)
    return (await session.scalars(query.order_by(Institution.id).limit(limit))).all()


async def occupancy(session: AsyncSession, institution_id: uuid.UUID) -> int:
    return int(
        await session.scalar(
            select(func.count()).where(
                Admission.institution_id == institution_id, Admission.status == "active"
            )
        )
        or 0
    )


async def occupancies(session: AsyncSession, institution_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    """Active admissions per institution, for a page of institutions in one query."""
    rows = await session.execute(
        select(Admission.institution_id, func.count())
        .where(Admission.institution_id.in_(institution_ids), Admission.status == "active")
        .group_by(Admission.institution_id)
    )
    return {institution_id: int(n) for institution_id, n in rows}


async def active_admission_of(session: AsyncSession, person_id: uuid.UUID) -> Admission | None:
    # Across all institutions and regions: residence in two panti at once is refused everywhere.
    return await session.scalar(
        select(Admission).where(Admission.person_id == person_id, Admission.status == "active")
    )


async def get_admission(
    session: AsyncSession, principal: Principal, admission_id: uuid.UUID, *, lock: bool = False
) -> Admission | None:
    query = readable_admissions(principal).where(Admission.id == admission_id)
    if lock:
        query = query.with_for_update()
    return await session.scalar(query)


async def list_admissions(
    session: AsyncSession,
    principal: Principal,
    *,
    person_id: uuid.UUID | None,
    institution_id: uuid.UUID | None,
    status: str | None,
    after: uuid.UUID | None,
    limit: int,
) -> tuple[Sequence[Admission], tuple[int, bool]]:
    """A page of admissions, and how many match in all (counted up to the cap)."""
    query = readable_admissions(principal)
    if person_id:
        query = query.where(Admission.person_id == person_id)
    if institution_id:
        query = query.where(Admission.institution_id == institution_id)
    if status:
        query = query.where(Admission.status == status)
    total = await capped_total(session, query)
    if after:
        query = query.where(Admission.id > after)
    return (await session.scalars(query.order_by(Admission.id).limit(limit))).all(), total


async def admission_scope(session: AsyncSession, admission_id: uuid.UUID) -> Admission | None:
    return await session.get(Admission, admission_id)


async def peksos_clients(
    session: AsyncSession,
    institution_id: uuid.UUID,
    peksos_person_id: uuid.UUID,
    *,
    besides: uuid.UUID | None,
) -> int:
    """Active clients of the institution assigned to the Peksos (other than the stay `besides`)."""
    query = select(func.count()).where(
        Admission.institution_id == institution_id,
        Admission.peksos_person_id == peksos_person_id,
        Admission.status == "active",
    )
    if besides is not None:
        query = query.where(Admission.id != besides)
    return int(await session.scalar(query) or 0)


async def caseload(
    session: AsyncSession, institution_id: uuid.UUID, today: Any
) -> list[tuple[Any, int, bool]]:
    """(Peksos, active clients, still an active PSKS 01) for each Peksos with clients here."""
    still = exists().where(
        PsksRoleView.person_id == Admission.peksos_person_id,
        PsksRoleView.psks_type == "01",
        PsksRoleView.status == "active",
        or_(PsksRoleView.active_from.is_(None), PsksRoleView.active_from <= today),
        or_(PsksRoleView.active_until.is_(None), PsksRoleView.active_until >= today),
    )
    rows = await session.execute(
        select(Admission.peksos_person_id, func.count(), still)
        .where(
            Admission.institution_id == institution_id,
            Admission.status == "active",
            Admission.peksos_person_id.is_not(None),
        )
        .group_by(Admission.peksos_person_id)
        .order_by(func.count().desc(), Admission.peksos_person_id)
    )
    return [(p, int(n), bool(s)) for p, n, s in rows]


async def unassigned(session: AsyncSession, institution_id: uuid.UUID) -> int:
    return int(
        await session.scalar(
            select(func.count()).where(
                Admission.institution_id == institution_id,
                Admission.status == "active",
                Admission.peksos_person_id.is_(None),
            )
        )
        or 0
    )


async def overrides(session: AsyncSession, institution_id: uuid.UUID) -> Sequence[Admission]:
    return (
        await session.scalars(
            select(Admission)
            .where(
                Admission.institution_id == institution_id,
                Admission.status == "active",
                Admission.caseload_override_reason.is_not(None),
            )
            .order_by(Admission.caseload_override_at, Admission.id)
        )
    ).all()


async def basic_need_met(session: AsyncSession, admission_id: uuid.UUID, need: str) -> BasicNeedMet | None:
    return await session.scalar(
        select(BasicNeedMet).where(and_(BasicNeedMet.admission_id == admission_id, BasicNeedMet.need == need))
    )


async def basic_needs_met(session: AsyncSession, admission_id: uuid.UUID) -> Sequence[BasicNeedMet]:
    return (
        await session.scalars(
            select(BasicNeedMet)
            .where(BasicNeedMet.admission_id == admission_id)
            .order_by(BasicNeedMet.met_on, BasicNeedMet.need)
        )
    ).all()
