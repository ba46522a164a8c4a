import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.programs.institutions.models import Admission, Institution
from shared.auth import Principal


def _institution_ids(principal: Principal) -> list[uuid.UUID]:
    ids = []
    for value in principal.institutions:
        try:
            ids.append(uuid.UUID(value))
        except ValueError:
            continue
    return ids


def _scope(principal: Principal, region: Any, institution_id: Any) -> ColumnElement[bool]:
    return or_(principal.region_filter(region), institution_id.in_(_institution_ids(principal)))


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
) -> Sequence[Admission]:
    query = readable_admissions(principal)
    if person_id:
        query = query.where(Admission.person_id == person_id)
    if institution_id:
        query = query.where(Admission.institution_id == institution_id)
    if status:
        query = query.where(Admission.status == status)
    if after:
        query = query.where(Admission.id > after)
    return (await session.scalars(query.order_by(Admission.id).limit(limit))).all()


async def admission_scope(session: AsyncSession, admission_id: uuid.UUID) -> Admission | None:
    return await session.get(Admission, admission_id)
